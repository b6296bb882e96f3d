//! The values of a run: reading a node's inputs (a whole value, one partition, or every
//! partition for a fan-in), calling the node, and storing what it returns.

use std::sync::Arc;

use super::fingerprints::{self, Inputs as FingerprintInputs};
use super::schedule::execute;
use super::state::{Run, Stopped, Top};
use crate::erased::AnyValue;
use crate::error::Error;
use crate::fingerprint::Fingerprint;
use crate::graph::{Edge, How, NodeSpec, Port, Source, Work};
use crate::invoke::{DagValue, Emit, Failure, Inputs};
use crate::store::{Location, PartsReader, Stored, StoredParts};

/// The fan-ins of one run of a node: each reader, and the node whose partitions it reads, so
/// that a partition that could not be read fails the run with that node's name.
pub(super) type Readers = Vec<(u32, Arc<PartsReader>)>;

impl Run<'_> {
    /// Reads the inputs of one run of `node`, runs it, and records a failure of either.
    pub(super) fn invoke(&self, node: usize, partition: Option<usize>, emit: &mut dyn Emit) -> Result<(), Stopped> {
        let spec = &self.graph.nodes[node];
        let mut readers = Vec::new();
        let inputs = self.gather(spec, partition, &mut readers)?;
        self.call_with(node, inputs, readers, partition, emit)
    }

    /// Runs `node` on inputs already read, and records a failure.
    pub(super) fn call_with(
        &self,
        node: usize,
        inputs: Inputs,
        readers: Readers,
        partition: Option<usize>,
        emit: &mut dyn Emit,
    ) -> Result<(), Stopped> {
        let result = self.call(node, inputs, partition, emit);
        // A fan-in that could not read a partition fails on that, whatever the task did next.
        for (source, reader) in readers {
            if let Some((index, error)) = reader.take_failure() {
                return Err(self.store_failed(&self.graph.nodes[source as usize], Some(index), false, error));
            }
        }
        result.map_err(|error| self.fail(error))
    }

    fn call(&self, node: usize, inputs: Inputs, partition: Option<usize>, emit: &mut dyn Emit) -> Result<(), Error> {
        let spec = &self.graph.nodes[node];
        match &spec.work {
            Work::Derived(task) => Failure::catch(|| task(inputs, emit)).map_err(|failure| Error::Internal {
                path: self.path.child(&spec.name, partition),
                message: failure.to_string(),
            }),
            Work::Task(task, _) => {
                Failure::catch(|| task(inputs, emit)).map_err(|failure| self.task_error(spec, partition, failure))
            }
            Work::Dag(graph) => {
                let path = self.path.child(&spec.name, partition);
                let plan = self.plan.nested[node].as_ref().ok_or_else(|| Error::Internal {
                    path: path.clone(),
                    message: "a nested DAG has no plan".into(),
                })?;
                let top = Top { progress: None, span: tracing::Span::current(), reuse: self.reuse, alone: self.alone };
                let arguments = FingerprintInputs {
                    params: self.argument_fingerprints(spec, partition),
                    nonce: self.inputs.nonce,
                    keys: self.inputs.keys.clone(),
                    stamps: self.inputs.stamps.clone(),
                };
                let emitted = match execute(graph, plan, (inputs.collect(), arguments), &path, self.store, &top)? {
                    Some(DagValue::One(value)) => emit.one(value),
                    Some(DagValue::Parts(parts)) => parts.into_iter().try_for_each(|part| emit.part(part)),
                    None => emit.one(Arc::new(())),
                };
                emitted.map_err(|e| Error::Internal { path, message: e.to_string() })
            }
        }
    }

    /// The inputs of one run of `spec`, in parameter order.
    pub(super) fn gather(
        &self,
        spec: &NodeSpec,
        partition: Option<usize>,
        readers: &mut Readers,
    ) -> Result<Inputs, Stopped> {
        spec.inputs.iter().map(|edge| self.read_input(spec, edge, partition, readers)).collect()
    }

    /// The value one input of `spec` receives.
    pub(super) fn read_input(
        &self,
        spec: &NodeSpec,
        edge: &Edge,
        partition: Option<usize>,
        readers: &mut Readers,
    ) -> Result<AnyValue, Stopped> {
        match (edge.how, partition) {
            (How::Whole, _) => self.whole(edge.port),
            (How::Split(_), Some(p)) => self.part(edge.port, p),
            (How::Split(_), None) => Err(self.internal(spec, "a partition read outside a map")),
            (How::Collect(collect), _) => {
                let (node, chunks) = self.all_chunks(edge.port)?;
                let source = &self.graph.nodes[node as usize];
                let reader = Arc::new(
                    PartsReader::new(chunks, self.store.clone(), source.codec, self.path.clone(), source.name.clone())
                        .with_keys(self.keys_of(node as usize).cloned()),
                );
                readers.push((node, reader.clone()));
                collect(&reader).map_err(|e| match reader.take_failure() {
                    Some((index, error)) => self.store_failed(source, Some(index), false, error),
                    None => self.internal(spec, &e.to_string()),
                })
            }
        }
    }

    /// Every partition of `port`'s output, chunk by chunk, for one reader.
    fn all_chunks(&self, port: Port) -> Result<(u32, Vec<StoredParts>), Stopped> {
        let Source::Node(n) = port.source else { return Err(self.missing(port)) };
        let output = &self.outputs[n as usize];
        let count = *output.count.get().ok_or_else(|| self.missing(port))?;
        let chunks = output.parts.read_all(count).ok_or_else(|| self.missing(port))?;
        Ok((n, chunks))
    }

    /// A whole value: a parameter, a constant, or a node's output.
    pub(super) fn whole(&self, port: Port) -> Result<AnyValue, Stopped> {
        match port.source {
            Source::Param(i) => Ok(self.params[i as usize].clone()),
            Source::Const(i) => Ok(self.graph.consts[i as usize].0.clone()),
            Source::Node(n) => {
                let stored = self.outputs[n as usize].one.read().ok_or_else(|| self.missing(port))?;
                self.get(n as usize, None, stored)
            }
        }
    }

    /// Partition `partition` of `port`'s output.
    fn part(&self, port: Port, partition: usize) -> Result<AnyValue, Stopped> {
        let Source::Node(n) = port.source else { return Err(self.missing(port)) };
        let stored = self.outputs[n as usize].parts.peek(partition).ok_or_else(|| self.missing(port))?;
        self.get(n as usize, Some(partition), stored)
    }

    /// The DAG's output, once the run is complete: its value, or its partitions in order.
    pub(super) fn result(&self, port: Port) -> Result<DagValue, Stopped> {
        let Source::Node(n) = port.source else { return self.whole(port).map(DagValue::One) };
        if self.outputs[n as usize].count.get().is_none() {
            return self.whole(port).map(DagValue::One);
        }
        let (_, chunks) = self.all_chunks(port)?;
        let spec = &self.graph.nodes[n as usize];
        let mut values = Vec::new();
        for chunk in chunks {
            if let StoredParts::Files(files) = &chunk {
                // Partitions in files are read a file at a time.
                let start = values.len();
                let batch = self
                    .store
                    .load(&self.location(spec, Some(start)), files, &spec.codec)
                    .map_err(|error| self.store_failed(spec, Some(start), false, error))?;
                for i in 0..batch.len() {
                    values.push(batch.value(i).ok_or_else(|| self.missing(port))?);
                }
                continue;
            }
            for stored in chunk.into_each().ok_or_else(|| self.missing(port))? {
                values.push(self.get(n as usize, Some(values.len()), stored)?);
            }
        }
        Ok(DagValue::Parts(values))
    }

    pub(super) fn location<'a>(&'a self, spec: &'a NodeSpec, partition: Option<usize>) -> Location<'a> {
        Location { dag: self.path, node: &spec.name, partition }
    }

    /// Stores the output of `spec` (its partition `partition`).
    pub(super) fn put(&self, node: usize, partition: Option<usize>, value: AnyValue) -> Result<Stored, Stopped> {
        let spec = &self.graph.nodes[node];
        self.store
            .put(&self.location(spec, partition), value, &spec.codec, self.fingerprints[node])
            .map_err(|error| self.store_failed(spec, partition, true, error))
    }

    /// The value of a stored output of `node` (its partition `partition`).
    pub(super) fn get(&self, node: usize, partition: Option<usize>, stored: Stored) -> Result<AnyValue, Stopped> {
        let spec = &self.graph.nodes[node];
        self.store
            .take(&self.location(spec, partition), stored, &spec.codec)
            .map_err(|error| self.store_failed(spec, partition, false, error))
    }
}

impl Run<'_> {
    /// The fingerprint of what `port` is in this run.
    pub(super) fn fingerprint_of(&self, port: Port) -> Fingerprint {
        match port.source {
            Source::Param(i) => self.inputs.params[i as usize],
            Source::Const(i) => {
                let (value, codec) = &self.graph.consts[i as usize];
                fingerprints::of_value(value, codec, &self.inputs.stamps)
            }
            Source::Node(i) => self.fingerprints[i as usize],
        }
    }

    /// The fingerprints of the arguments of a nested DAG `spec` (on `partition`, for one that
    /// runs once per partition): its parameters' in its run.
    pub(super) fn argument_fingerprints(&self, spec: &NodeSpec, partition: Option<usize>) -> Arc<[Fingerprint]> {
        spec.inputs
            .iter()
            .map(|edge| match (edge.how, partition) {
                (How::Split(_), Some(p)) => fingerprints::of_partition(self.fingerprint_of(edge.port), p),
                _ => self.fingerprint_of(edge.port),
            })
            .collect()
    }
}
