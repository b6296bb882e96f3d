//! What a job owes the nodes after its own: the values derived from its output alone, and, when
//! its output is its nested DAG's output, that output stored where the parent DAG reads it.

use std::ops::Range;
use std::sync::OnceLock;

use rayon::prelude::*;

use super::super::emit::OneEmit;
use super::super::plan::KEEP;
use super::super::state::Run;
use super::Done;
use crate::erased::AnyValue;
use crate::error::Error;
use crate::graph::{Port, Source};
use crate::invoke::Inputs;
use crate::store::{Existing, Files, StoreError, Stored};

/// Where the output of a nested DAG's run goes: the output of the node that called it, in the
/// parent's run.
pub(in crate::run) trait Up: Sync {
    /// The nested DAG's output is `value` (its partition `partition`, when partitioned).
    fn value(&self, partition: Option<usize>, value: AnyValue) -> Result<(), Error>;
    /// The nested DAG's partitioned output is complete, with `count` partitions.
    fn sealed(&self, count: usize) -> Result<(), Error>;
}

/// The node `node` of the parent's run `run`, which called the nested DAG (on partition
/// `instance`, for a nested DAG run once per partition).
pub(in crate::run) struct ParentUp<'r, 'g> {
    run: &'r Run<'g>,
    node: usize,
    instance: Option<usize>,
    up: Option<&'r dyn Up>,
    prepared: OnceLock<()>,
}

impl<'r, 'g> ParentUp<'r, 'g> {
    pub(super) fn new(run: &'r Run<'g>, node: usize, instance: Option<usize>, up: Option<&'r dyn Up>) -> Self {
        ParentUp { run, node, instance, up, prepared: OnceLock::new() }
    }
}

impl Up for ParentUp<'_, '_> {
    fn value(&self, partition: Option<usize>, value: AnyValue) -> Result<(), Error> {
        let partition = self.instance.or(partition);
        if self.prepared.get().is_none() {
            self.run.prepare_output(self.node, partition.is_some())?;
            let _ = self.prepared.set(());
        }
        self.run.put(self.node, partition, value.clone()).map_err(|_| self.run.take_failure())?;
        self.run.settle(self.node, partition, value, self.up).map(drop)
    }

    fn sealed(&self, count: usize) -> Result<(), Error> {
        self.run.seal(self.node, count).map_err(|_| self.run.take_failure())?;
        match self.up {
            Some(up) if self.run.is_output(self.node) => up.sealed(count),
            _ => Ok(()),
        }
    }
}

impl Run<'_> {
    /// Runs `node` alone (on `partitions`, for a node that runs once per partition), with what
    /// its job owes the nodes after it.
    pub(super) fn run_alone(
        &self,
        node: usize,
        partitions: Option<Range<usize>>,
        up: Option<&dyn Up>,
    ) -> Result<Done, Error> {
        let spec = &self.graph.nodes[node];
        if !self.graph.is_job(node) {
            let job = self.graph.job_of(node);
            let message = format!(
                "this value is derived from `{}`, and computed with it: run that node",
                self.graph.nodes[job].name
            );
            return Err(self.isolation_error(spec, &message));
        }
        let partitions = self.check_partitions(spec, partitions)?;
        if partitions.as_ref().is_some_and(|range| range.is_empty()) {
            return Ok(Done::default()); // no partition: nothing to read or run
        }
        self.prefill(spec, partitions.as_ref(), &|_| true)?;
        match partitions {
            Some(range) => {
                range.into_par_iter().try_for_each(|p| self.job_partition(node, p, up).map(drop))?;
                Ok(Done::default())
            }
            None => {
                let count = self.produce(node, None).map_err(|_| self.take_failure())?;
                match count {
                    Some(count) => self.settle_parts(node, count, up).map(|()| Done { count: Some(count) }),
                    // Nothing after the node needs its value: it is not read back.
                    None if self.graph.derived_with(node).is_empty() && (up.is_none() || !self.is_output(node)) => {
                        Ok(Done::default())
                    }
                    None => {
                        let stored =
                            self.outputs[node].one.read().ok_or_else(|| self.internal_error(node, "no output"))?;
                        let value = self.get(node, None, stored).map_err(|_| self.take_failure())?;
                        self.settle(node, None, value, up).map(|count| Done { count })
                    }
                }
            }
        }
    }

    /// Runs `node` on partition `p` (unless a run stored it with this fingerprint), then what
    /// its job owes after it.
    fn job_partition(&self, node: usize, p: usize, up: Option<&dyn Up>) -> Result<Option<usize>, Error> {
        if self.stopped() {
            return Err(self.take_failure());
        }
        let spec = &self.graph.nodes[node];
        let key = self.keys_of(node).and_then(|keys| keys.get(p));
        let _span =
            tracing::debug_span!(parent: &self.span, "partition", node = %spec.name, partition = p, key).entered();
        let reuse = self.reuse && spec.cache;
        // The file that holds partition p, if a run stored it with this fingerprint.
        let stored = match self.prepare_output(node, true)? {
            Existing::Sealed(files) if reuse => files.file_of(0, p),
            Existing::Partial(files) if reuse => files.into_iter().find(|file| file.contains(&p)),
            _ => None,
        };
        let kept = match stored {
            Some(_) => None,
            None => self.kept_by_key(node, p)?,
        };
        let value = match (stored, kept) {
            (Some(file), _) => self.stored_value(node, p, file)?,
            (None, Some(value)) => {
                self.put(node, Some(p), value.clone()).map_err(|_| self.take_failure())?;
                value
            }
            (None, None) => {
                let mut emit = OneEmit::default();
                self.invoke(node, Some(p), &mut emit).map_err(|_| self.take_failure())?;
                let value = emit.into_value().ok_or_else(|| self.internal_error(node, "a task returned no value"))?;
                self.put(node, Some(p), value.clone()).map_err(|_| self.take_failure())?;
                value
            }
        };
        self.settle(node, Some(p), value, up)
    }

    /// Partition `p` of `node` as an earlier run computed it from the same value, if the store
    /// kept that run's output aside (see [`crate::run::by_key`]).
    fn kept_by_key(&self, node: usize, p: usize) -> Result<Option<AnyValue>, Error> {
        let Some(fingerprint) = self.by_key(node, p) else { return Ok(None) };
        let spec = &self.graph.nodes[node];
        let Some(map) = spec.map.map(|map| map as usize) else { return Ok(None) };
        let column = self.graph.maps[map].nodes.iter().position(|&n| n as usize == node);
        let kept = match column.map(|column| &self.kept(map)[column]) {
            Some(Ok(kept)) => kept,
            Some(Err(error)) => {
                let error = StoreError::new(error.file.clone(), error.source.to_string());
                return Err(self.store_error(node, None, false, error));
            }
            None => return Ok(None),
        };
        let Some((kept, &at)) = kept.as_ref().and_then(|kept| Some((kept, kept.by_key.get(&fingerprint)?))) else {
            return Ok(None);
        };
        let file =
            kept.files.file_of(0, at).ok_or_else(|| self.internal_error(node, "a kept partition has no file"))?;
        let batch = self
            .store
            .load_previous(&self.location(spec, Some(file.start)), &Files::one(file.len()), &spec.codec)
            .map_err(|e| self.store_error(node, Some(p), false, e))?;
        tracing::info!(node = %spec.name, partition = p, "found by key");
        Ok(batch.value(at - file.start))
    }

    /// `node`'s output (its partition `partition`) is stored and is `value`: computes and
    /// stores the values derived from it alone, and passes the DAG's output up when it is one
    /// of them. Returns the number of partitions of the first partitioned value derived (a
    /// partitioned field of a tuple).
    pub(super) fn settle(
        &self,
        node: usize,
        partition: Option<usize>,
        value: AnyValue,
        up: Option<&dyn Up>,
    ) -> Result<Option<usize>, Error> {
        let mut known = vec![(node, value)];
        let mut first_count = None;
        for derived in self.graph.derived_with(node) {
            let spec = &self.graph.nodes[derived];
            if spec.splits_output {
                // A partitioned field: stored and sealed as a partitioned task's output is.
                for (n, v) in &known {
                    self.outputs[*n].one.set(Stored::Memory(v.clone()), KEEP);
                }
                let count = self.produce(derived, None).map_err(|_| self.take_failure())?.unwrap_or(0);
                self.settle_parts(derived, count, up)?;
                first_count = first_count.or(Some(count));
                continue;
            }
            let inputs = spec
                .inputs
                .iter()
                .map(|edge| match edge.port.source {
                    Source::Node(n) => {
                        known.iter().find(|(k, _)| *k == n as usize).map(|(_, v)| v.clone()).ok_or_else(|| {
                            self.internal_error(derived, "a derived value read what its job did not compute")
                        })
                    }
                    Source::Param(_) | Source::Const(_) => self.whole(edge.port).map_err(|_| self.take_failure()),
                })
                .collect::<Result<Inputs, Error>>()?;
            let mut emit = OneEmit::default();
            self.call_with(derived, inputs, Vec::new(), partition, &mut emit).map_err(|_| self.take_failure())?;
            let value = emit.into_value().ok_or_else(|| self.internal_error(derived, "no derived value"))?;
            self.prepare_output(derived, partition.is_some())?;
            self.put(derived, partition, value.clone()).map_err(|_| self.take_failure())?;
            known.push((derived, value));
        }
        let output = match self.graph.output {
            Some(Port { source: Source::Node(n), .. }) => n as usize,
            _ => return Ok(first_count),
        };
        if let (Some(up), Some((_, value))) = (up, known.into_iter().find(|(n, _)| *n == output)) {
            up.value(partition, value)?;
        }
        Ok(first_count)
    }

    /// `node`'s partitioned output is complete, with `count` partitions: when it is the DAG's
    /// output, each partition is passed up, then the count.
    fn settle_parts(&self, node: usize, count: usize, up: Option<&dyn Up>) -> Result<(), Error> {
        let Some(up) = up.filter(|_| self.is_output(node)) else { return Ok(()) };
        let Existing::Sealed(files) = self.find_output(node)? else {
            return Err(self.internal_error(node, "a partitioned output is not listed after it was sealed"));
        };
        for range in files.ranges(0) {
            let batch = self
                .store
                .load(
                    &self.location(&self.graph.nodes[node], Some(range.start)),
                    &Files::one(range.len()),
                    &self.graph.nodes[node].codec,
                )
                .map_err(|error| self.store_error(node, Some(range.start), false, error))?;
            for (i, p) in range.enumerate() {
                let value =
                    batch.value(i).ok_or_else(|| self.internal_error(node, "a partition is not in its file"))?;
                up.value(Some(p), value)?;
            }
        }
        up.sealed(count)
    }

    /// Whether `node`'s output is the DAG's output.
    pub(super) fn is_output(&self, node: usize) -> bool {
        matches!(self.graph.output, Some(Port { source: Source::Node(n), .. }) if n as usize == node)
    }

    /// Readies the store for `node`'s output, keeping what this fingerprint stored: the
    /// partitions other jobs of the run wrote (a task that is not a pure function of its inputs
    /// has a fingerprint of its own in each run).
    pub(super) fn prepare_output(&self, node: usize, partitioned: bool) -> Result<Existing, Error> {
        let spec = &self.graph.nodes[node];
        self.store
            .prepare(&self.location(spec, None), self.fingerprints[node], partitioned, true)
            .map_err(|error| self.store_error(node, None, true, error))
    }

    /// The value stored as partition `p` of `node`'s output, in the file of partitions `file`.
    fn stored_value(&self, node: usize, p: usize, file: std::ops::Range<usize>) -> Result<AnyValue, Error> {
        let stored = if file.len() > 1 { Stored::InFile(file) } else { Stored::Written };
        let spec = &self.graph.nodes[node];
        let at = self.location(spec, Some(p));
        self.store.take(&at, stored, &spec.codec).map_err(|error| self.store_error(node, Some(p), false, error))
    }

    fn store_error(
        &self,
        node: usize,
        partition: Option<usize>,
        writing: bool,
        error: crate::store::StoreError,
    ) -> Error {
        let path = self.path.child(&self.graph.nodes[node].name, None);
        Error::Store { path, partition, file: error.file, writing, error: error.source }
    }

    fn internal_error(&self, node: usize, message: &str) -> Error {
        Error::Internal { path: self.path.child(&self.graph.nodes[node].name, None), message: message.to_string() }
    }
}
