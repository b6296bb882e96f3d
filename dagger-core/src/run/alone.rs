//! Running one node alone, from the values an earlier run stored: one job of a cluster run.
//! Nothing else runs: the node's inputs are read from the store, its output written there.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::emit::OneEmit;
use super::fingerprints::Inputs;
use super::plan::{Plan, KEEP};
use super::state::{Run, Stopped, Top};
use crate::erased::AnyValue;
use crate::error::{Error, NodePath};
use crate::graph::{Graph, How, NodeSpec, Source, Work};
use crate::store::{Existing, Files, Store, Stored, StoredParts};

/// `name` or `name[3]`.
pub(super) fn parse_segment(segment: &str) -> Option<(String, Option<usize>)> {
    match segment.split_once('[') {
        None => Some((segment.to_string(), None)),
        Some((name, rest)) => {
            let partition = rest.strip_suffix(']')?.parse().ok()?;
            Some((name.to_string(), Some(partition)))
        }
    }
}

/// The node of a graph to run alone.
pub(super) struct Target<'a> {
    /// The DAG nodes leading to it, each with the partition for a DAG node that runs once per
    /// partition.
    pub(super) nested: &'a [(String, Option<usize>)],
    pub(super) node: &'a str,
    /// The partition to run, for a node that runs once per partition.
    pub(super) partition: Option<usize>,
}

/// Runs one node of `graph` alone: its inputs are read from `store`, where the nodes it reads
/// from stored their outputs (in an earlier run, or in runs of those nodes alone), and its
/// output is written there.
pub(super) fn execute_node(
    graph: &Graph,
    plan: &Plan,
    params: (Vec<AnyValue>, Inputs),
    path: &NodePath,
    store: &Arc<dyn Store>,
    target: Target<'_>,
) -> Result<(), Error> {
    let top = Top { progress: None, span: tracing::Span::current(), reuse: true };
    let run = Run::new(graph, plan, params, path, store, &top);
    if let Some(((dag_node, instance), rest)) = target.nested.split_first() {
        let index = run.find(dag_node)?;
        let spec = &graph.nodes[index];
        let (Work::Dag(inner), Some(inner_plan)) = (&spec.work, &plan.nested[index]) else {
            return Err(run.isolation_error(spec, "this node is a task, not a nested DAG"));
        };
        let instance = run.check_partition(spec, *instance)?;
        run.prefill(spec, instance)?;
        let params: Vec<AnyValue> =
            run.gather(spec, instance, &mut Vec::new()).map_err(|_| run.take_failure())?.collect();
        let arguments = Inputs { params: run.argument_fingerprints(spec, instance), nonce: run.inputs.nonce };
        let inner_path = path.child(&spec.name, instance);
        let target = Target { nested: rest, ..target };
        return execute_node(inner, inner_plan, (params, arguments), &inner_path, store, target);
    }
    let index = run.find(target.node)?;
    let spec = &graph.nodes[index];
    let partition = run.check_partition(spec, target.partition)?;
    run.prefill(spec, partition)?;
    let _span = tracing::info_span!(parent: &run.span, "node", node = %spec.name).entered();
    let _ = match partition {
        Some(p) => run.run_partition(index, p),
        None => run.produce(index, None).map(drop),
    };
    if run.cancelled.load(Ordering::SeqCst) {
        return Err(run.take_failure());
    }
    Ok(())
}

impl Run<'_> {
    fn find(&self, node: &str) -> Result<usize, Error> {
        self.graph.nodes.iter().position(|n| n.name == node).ok_or_else(|| {
            let names: Vec<&str> = self.graph.nodes.iter().map(|n| n.name.as_str()).collect();
            Error::Isolation {
                path: self.path.child(node, None),
                message: format!(
                    "DAG `{}` has no node named `{node}`; its nodes are: {}",
                    self.graph.name(),
                    names.join(", ")
                ),
            }
        })
    }

    /// A node that runs once per partition is run on one partition; another on none.
    fn check_partition(&self, spec: &NodeSpec, partition: Option<usize>) -> Result<Option<usize>, Error> {
        match (spec.map, partition) {
            (Some(_), Some(p)) => Ok(Some(p)),
            (None, None) => Ok(None),
            (Some(_), None) => {
                Err(self.isolation_error(spec, "this node runs once per partition: give the partition to run"))
            }
            (None, Some(_)) => Err(self.isolation_error(spec, "this node is not partitioned: give no partition")),
        }
    }

    /// Points the outputs that `spec` reads (on `partition`) at the values an earlier run
    /// stored with the fingerprints this run computes.
    fn prefill(&self, spec: &NodeSpec, partition: Option<usize>) -> Result<(), Error> {
        for edge in &spec.inputs {
            let Source::Node(source) = edge.port.source else { continue };
            let source_spec = &self.graph.nodes[source as usize];
            let output = &self.outputs[source as usize];
            let at = self.location(source_spec, None);
            let existing = self.store.find(&at, self.fingerprints[source as usize]).map_err(|error| {
                let path = self.path.child(&source_spec.name, None);
                Error::Store { path, partition: None, file: error.file, writing: false, error: error.source }
            })?;
            let reason = match (edge.how, existing, partition) {
                (How::Whole, Existing::Whole, _) => {
                    output.one.set(Stored::Written, KEEP);
                    continue;
                }
                (How::Collect(_), Existing::Sealed(files), _) => {
                    let _ = output.count.set(files.len());
                    output.parts.push(0, StoredParts::Files(files), KEEP);
                    continue;
                }
                (How::Split(_), Existing::Sealed(files), Some(p)) if p >= files.len() => {
                    format!("it has {} partitions: there is no partition {p}", files.len())
                }
                (How::Split(_), Existing::Sealed(files), Some(p)) => {
                    let file = files.file_of(0, p).unwrap_or(p..p + 1);
                    output.parts.push(file.start, StoredParts::Files(Files::one(file.len())), KEEP);
                    continue;
                }
                (How::Split(_), Existing::Partial(files), Some(p)) => match files.iter().find(|file| file.contains(&p))
                {
                    Some(file) => {
                        output.parts.push(file.start, StoredParts::Files(Files::one(file.len())), KEEP);
                        continue;
                    }
                    None => format!("its partition {p} is not in the store: run it first, with a `DiskStore`"),
                },
                (_, Existing::Different, _) => "the output in the store was produced by other parameters, inputs or \
                     code: run it again, with these parameters"
                    .to_string(),
                (How::Collect(_), Existing::Partial(_), _) => {
                    "its output is not complete in the store: run its other partitions first".to_string()
                }
                _ => "its output is not in the store: run it first, with a `DiskStore`".to_string(),
            };
            return Err(self.isolation_error(source_spec, &reason));
        }
        Ok(())
    }

    /// Runs one node on one partition: its partitioned inputs are read without counting a
    /// read, its output written as a partition of its own.
    fn run_partition(&self, node: usize, partition: usize) -> Result<(), Stopped> {
        let spec = &self.graph.nodes[node];
        let _span = tracing::debug_span!(parent: &self.span, "partition", node = %spec.name, partition).entered();
        let at = self.location(spec, None);
        self.store
            .prepare(&at, self.fingerprints[node], true, true)
            .map_err(|error| self.store_failed(spec, None, true, error))?;
        let mut emit = OneEmit::default();
        self.invoke(node, Some(partition), &mut emit)?;
        let value = emit.into_value().ok_or_else(|| self.internal(spec, "a task returned no value"))?;
        self.put(node, Some(partition), value)?;
        Ok(())
    }
}
