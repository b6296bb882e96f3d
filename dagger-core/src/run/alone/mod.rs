//! Running one node alone, from the values earlier runs (or other jobs) stored: one job of a
//! cluster run. Nothing else runs: the node's inputs are read from the store, its output
//! written there, with what the job owes the nodes after it:
//!
//! - the values derived from that output alone (a field of its tuple) are computed and stored
//!   by the same job ([`settle`]);
//! - when the output is its nested DAG's output, it is stored again as the output of the node
//!   that called the nested DAG, in the parent's run, and so on up ([`Up`]);
//! - an output computed once per partition by many jobs is listed by a seal ([`seal`]), or by
//!   the first job that reads it whole (seal on read).
//!
//! A job inside a nested DAG reads only what its node reads: the nested DAG's parameters it
//! does not use are never loaded ([`inputs`]).

use std::ops::Range;
use std::sync::Arc;

use super::fingerprints::Inputs;
use super::plan::Plan;
use super::state::{Run, Top};
use crate::erased::AnyValue;
use crate::error::{Error, NodePath};
use crate::graph::{Graph, NodeSpec, Source, Work};
use crate::store::Store;

mod inputs;
mod seal;
mod settle;

use settle::{ParentUp, Up};

/// What a job does with the node its path names.
#[derive(Clone, Debug)]
pub(crate) enum Action {
    /// Runs it: on no partition, or (a node that runs once per partition) on these.
    Run(Option<Range<usize>>),
    /// Runs it (a node that runs once per keyed partition) on the partition with this key:
    /// its JSON text, or a string key's text (`2024-01-27`).
    RunKey(String),
    /// Lists the partitioned output of its map, once every partition is stored.
    Seal,
}

/// What a job did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Done {
    /// The number of partitions of the partitioned output it produced or sealed.
    pub(crate) count: Option<usize>,
}

/// The node of a graph a job is about.
pub(super) struct Target<'a> {
    /// The DAG nodes leading to it, each with the partition for a DAG node that runs once per
    /// partition.
    pub(super) nested: &'a [(String, Option<usize>)],
    pub(super) node: &'a str,
    pub(super) action: Action,
}

/// The nested DAG nodes on the way to a node, each with its partition for a DAG node that runs
/// once per partition.
pub(super) type Nested = Vec<(String, Option<usize>)>;

/// A node's path as a job names it, `a`, `inner/a` or `inner[2]/a`: the nested DAG nodes on the
/// way, and the node's name.
pub(super) fn parse_path<'a>(dag: &str, path: &'a str) -> Result<(Nested, &'a str), Error> {
    let mut segments: Vec<&str> = path.split('/').collect();
    let node = segments.pop().unwrap_or_default();
    let nested = segments
        .into_iter()
        .map(|segment| {
            parse_segment(segment).ok_or_else(|| Error::Isolation {
                path: NodePath::root(dag),
                message: format!(
                    "`{}` in `{}` is not a node name, or a name and a partition: `name[3]`",
                    crate::error::shown(segment),
                    crate::error::shown(path)
                ),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok((nested, node))
}

/// `name` or `name[3]`.
fn parse_segment(segment: &str) -> Option<(String, Option<usize>)> {
    match segment.split_once('[') {
        None => Some((segment.to_string(), None)),
        Some((name, rest)) => {
            let partition = rest.strip_suffix(']')?.parse().ok()?;
            Some((name.to_string(), Some(partition)))
        }
    }
}

/// Runs one job on `graph`, at `path`: `target`'s node is run or sealed, from what `store`
/// holds. `up` is where the graph's output goes when the graph is nested in a job's path.
pub(super) fn execute_job(
    (graph, plan): (&Graph, &Plan),
    params: (Vec<AnyValue>, Inputs),
    path: &NodePath,
    store: &Arc<dyn Store>,
    (target, reuse): (Target<'_>, bool),
    up: Option<&dyn Up>,
) -> Result<Done, Error> {
    let top = Top { progress: None, span: tracing::Span::current(), reuse, alone: true };
    let run = Run::new(graph, plan, params, path, store, &top);
    if let Some(((dag_node, instance), rest)) = target.nested.split_first() {
        let index = run.find(dag_node)?;
        let spec = &graph.nodes[index];
        let (Work::Dag(inner), Some(inner_plan)) = (&spec.work, &plan.nested[index]) else {
            return Err(run.isolation_error(spec, "this node is a task, not a nested DAG"));
        };
        let instance = run.check_partition(spec, *instance)?;
        let rest = Target { nested: rest, ..target };
        let needed = needed_params(inner, &rest);
        let params = run.nested_params(index, instance, &needed)?;
        let arguments = Inputs {
            params: run.argument_fingerprints(spec, instance),
            nonce: run.inputs.nonce,
            keys: run.inputs.keys.clone(),
            stamps: run.inputs.stamps.clone(),
        };
        let inner_path = path.child(&spec.name, instance);
        let parent = ParentUp::new(&run, index, instance, up);
        return execute_job((inner, inner_plan), (params, arguments), &inner_path, store, (rest, reuse), Some(&parent));
    }
    let index = run.find(target.node)?;
    let _span = tracing::info_span!(parent: &run.span, "node", node = %graph.nodes[index].name).entered();
    match target.action {
        Action::Seal => run.seal_job(index, up),
        Action::Run(partitions) => run.run_alone(index, partitions, up),
        Action::RunKey(key) => {
            let partition = run.partition_of_key(index, &key)?;
            run.run_alone(index, Some(partition..partition + 1), up)
        }
    }
}

/// Which parameters of `graph` a job on `target` reads: those its node and the values derived
/// with it read, and, for a node inside a nested DAG, those the nested DAG's arguments that it
/// reads come from. A seal reads none.
fn needed_params(graph: &Graph, target: &Target<'_>) -> Vec<bool> {
    let mut needed = vec![false; graph.params.len()];
    let mut mark = |spec: &NodeSpec, wanted: &dyn Fn(usize) -> bool| {
        for (k, edge) in spec.inputs.iter().enumerate() {
            if let (Source::Param(i), true) = (edge.port.source, wanted(k)) {
                needed[i as usize] = true;
            }
        }
    };
    let find = |name: &str| graph.nodes.iter().position(|n| n.name == name);
    match target.nested.split_first() {
        Some(((name, _), rest)) => {
            if let Some(spec) = find(name).map(|index| &graph.nodes[index]) {
                if let Work::Dag(inner) = &spec.work {
                    let inner_needed = needed_params(
                        inner,
                        &Target { nested: rest, node: target.node, action: target.action.clone() },
                    );
                    mark(spec, &|k| inner_needed.get(k).copied().unwrap_or(false));
                }
            }
        }
        None => {
            if let (Action::Run(_) | Action::RunKey(_), Some(index)) = (&target.action, find(target.node)) {
                mark(&graph.nodes[index], &|_| true);
                for derived in graph.derived_with(index) {
                    mark(&graph.nodes[derived], &|_| true);
                }
            }
        }
    }
    needed
}

impl Run<'_> {
    fn find(&self, node: &str) -> Result<usize, Error> {
        self.graph.nodes.iter().position(|n| n.name == node).ok_or_else(|| {
            let names: Vec<&str> = self.graph.nodes.iter().map(|n| n.name.as_str()).collect();
            Error::Isolation {
                path: self.path.child(node, None),
                message: format!(
                    "DAG `{}` has no node named `{}`; its nodes are: {}",
                    self.graph.name(),
                    crate::error::shown(node),
                    names.join(", ")
                ),
            }
        })
    }

    /// The partition with key `key` of the map node `index` runs in, from the keys in the store.
    fn partition_of_key(&self, index: usize, key: &str) -> Result<usize, Error> {
        let spec = &self.graph.nodes[index];
        let source = &self.graph.nodes[self.graph.key_source(index)];
        if spec.map.is_none() || !source.keyed() {
            let message = "its partitions have no keys: give the partition's number instead";
            return Err(self.isolation_error(spec, message));
        }
        self.load_keys(index)?;
        let keys = self.keys_of(index).ok_or_else(|| self.isolation_error(spec, "its partition keys are not known"))?;
        keys.position(key).ok_or_else(|| {
            let shown: Vec<String> = keys.texts().iter().take(10).map(|text| crate::error::shown_key(text)).collect();
            let more = if keys.len() > shown.len() { ", ..." } else { "" };
            let message = format!(
                "no partition has the key `{}`; the {} keys of `{}` are: {}{more}",
                crate::error::shown(key),
                keys.len(),
                source.name,
                shown.join(", ")
            );
            self.isolation_error(spec, &message)
        })
    }

    /// A node that runs once per partition is run on one partition; another on none.
    fn check_partition(&self, spec: &NodeSpec, partition: Option<usize>) -> Result<Option<usize>, Error> {
        self.check_partitions(spec, partition.map(|p| p..p + 1)).map(|range| range.map(|r| r.start))
    }

    /// A node that runs once per partition is run on some partitions; another on none.
    fn check_partitions(
        &self,
        spec: &NodeSpec,
        partitions: Option<Range<usize>>,
    ) -> Result<Option<Range<usize>>, Error> {
        match (spec.map, partitions) {
            (Some(_), Some(range)) => Ok(Some(range)),
            (None, None) => Ok(None),
            (Some(_), None) => {
                Err(self.isolation_error(spec, "this node runs once per partition: give the partition to run"))
            }
            (None, Some(_)) => Err(self.isolation_error(spec, "this node is not partitioned: give no partition")),
        }
    }
}
