//! A dry run: what a run would reuse of what earlier runs stored, node by node, without
//! running anything or changing the store.

use std::fmt;

use super::fingerprints;
use crate::erased::AnyValue;
use crate::error::{Error, NodePath};
use crate::graph::Graph;
use crate::store::{Existing, Location, Store};

/// What a run would reuse, node by node: see [`Runner::dry_run`](crate::Runner::dry_run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DryRun {
    dag: String,
    nodes: Vec<(String, Reuse)>,
}

/// What a run would do with one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reuse {
    /// Its output is stored, complete, from the same inputs and code: it would not run.
    Whole,
    /// Its partitioned output is stored, complete: `count` partitions, none would run.
    Partitions {
        /// How many there are.
        count: usize,
    },
    /// Some of its partitions are stored (a run stopped half way): those would not run again.
    Some {
        /// How many partitions are stored.
        done: usize,
    },
    /// It would run.
    Runs,
}

impl DryRun {
    /// Each node of the root DAG, and what a run would do with it.
    pub fn nodes(&self) -> &[(String, Reuse)] {
        &self.nodes
    }
}

impl fmt::Display for DryRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reused = self.nodes.iter().filter(|(_, reuse)| matches!(reuse, Reuse::Whole | Reuse::Partitions { .. }));
        writeln!(f, "DAG {}: {} of {} nodes reused", self.dag, reused.count(), self.nodes.len())?;
        let width = self.nodes.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
        for (name, reuse) in &self.nodes {
            let what = match reuse {
                Reuse::Whole => "reused".to_string(),
                Reuse::Partitions { count } => format!("reused ({count} partitions)"),
                Reuse::Some { done } => format!("runs, but for the {done} partitions stored"),
                Reuse::Runs => "runs".to_string(),
            };
            writeln!(f, "  {name:width$}  {what}")?;
        }
        Ok(())
    }
}

/// What a run of `graph` with `params` would reuse of what `store` holds.
pub(super) fn dry_run(
    graph: &Graph,
    params: &[AnyValue],
    store: &dyn Store,
    (keys, stamps): (Option<std::sync::Arc<crate::keys::KeyFilter>>, std::sync::Arc<crate::external::Stamps>),
) -> Result<DryRun, Error> {
    let params = fingerprints::of_params(graph, params, &stamps).into();
    let inputs = fingerprints::Inputs { params, nonce: 0, keys, stamps };
    let fingerprints = fingerprints::of_nodes(graph, graph.name(), &inputs);
    let path = NodePath::root(graph.name());
    let mut nodes = Vec::with_capacity(graph.nodes.len());
    for (node, fingerprint) in graph.nodes.iter().zip(fingerprints) {
        let at = Location { dag: &path, node: &node.name, partition: None };
        let existing = store.find(&at, fingerprint).map_err(|error| Error::Store {
            path: path.child(&node.name, None),
            partition: None,
            file: error.file,
            writing: false,
            error: error.source,
        })?;
        let reuse = match existing {
            _ if !node.cache => Reuse::Runs,
            Existing::Whole => Reuse::Whole,
            Existing::Sealed(files) => Reuse::Partitions { count: files.len() },
            Existing::Partial(files) => Reuse::Some { done: files.iter().map(|file| file.len()).sum() },
            Existing::Nothing | Existing::Different => Reuse::Runs,
        };
        nodes.push((node.name.clone(), reuse));
    }
    Ok(DryRun { dag: graph.name().to_string(), nodes })
}
