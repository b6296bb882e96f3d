//! Running one node alone, from the values an earlier run stored: one job of a cluster run.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{Run, Top};
use crate::error::{Error, NodePath};
use crate::graph::{AnyValue, Body, Graph, How, NodeSpec, KEEP};
use crate::handle::Source;
use crate::store::{Store, StoredParts};

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

/// Runs one node of `graph` alone: its inputs are read from `store`, where the nodes it reads
/// from stored their outputs (in an earlier run, or in runs of those nodes alone), and its
/// output is written there. For a node that runs once per partition, runs `partition` only.
/// `nested` leads to a node inside nested DAGs: for each level, the DAG node's name and, for a
/// DAG node that runs once per partition, the partition.
pub(super) fn execute_node(
    graph: &Graph,
    params: Vec<AnyValue>,
    path: &NodePath,
    store: &Arc<dyn Store>,
    nested: &[(String, Option<usize>)],
    node: &str,
    partition: Option<usize>,
) -> Result<(), Error> {
    let top = Top { progress: None, span: tracing::Span::current() };
    let mut run = Run::new(graph, params, path, store, &top);
    run.isolated = true;
    if let Some(((dag_node, instance), rest)) = nested.split_first() {
        let index = run.find(dag_node)?;
        let spec = &graph.nodes[index];
        let Body::Dag(inner) = &spec.body else {
            return Err(run.isolation_error(spec, "this node is a task, not a nested DAG"));
        };
        let instance = run.check_partition(spec, *instance)?;
        run.prefill(spec, instance)?;
        let mut readers = Vec::new();
        let params: Vec<AnyValue> = run.gather(spec, instance, &mut readers).map_err(|_| run.take_failure())?.collect();
        let inner_path = path.child(&spec.name, instance);
        return execute_node(inner, params, &inner_path, store, rest, node, partition);
    }
    let index = run.find(node)?;
    let spec = &graph.nodes[index];
    let partition = run.check_partition(spec, partition)?;
    run.prefill(spec, partition)?;
    rayon::in_place_scope_fifo(|scope| match partition {
        Some(p) => {
            let _ = run.run_partition(index, p);
        }
        None => run.run_node(scope, index),
    });
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

    /// Points the outputs that `spec` reads at the values an earlier run stored.
    fn prefill(&self, spec: &NodeSpec, partition: Option<usize>) -> Result<(), Error> {
        for edge in &spec.inputs {
            let Source::Node(source) = edge.port.source else { continue };
            let source_spec = &self.graph.nodes[source as usize];
            let output = &self.outputs[source as usize];
            let missing = || {
                self.isolation_error(source_spec, "its output is not in the store: run it first, with a `DiskStore`")
            };
            let find = |p: Option<usize>| self.store.find(&self.location(source_spec, p)).ok_or_else(missing);
            match edge.how {
                How::Whole => output.one.set(find(None)?, KEEP),
                How::Split(_) => {
                    let p = partition.unwrap_or_default();
                    output.parts.push(p, StoredParts::Each(vec![find(Some(p))?]), KEEP);
                }
                How::Collect(_) => {
                    let count = self.store.find_count(&self.location(source_spec, None)).ok_or_else(missing)?;
                    let all = (0..count).map(|p| find(Some(p))).collect::<Result<Vec<_>, _>>()?;
                    output.parts.push(0, StoredParts::each(all), KEEP);
                    let _ = output.count.set(count);
                }
            }
        }
        Ok(())
    }
}
