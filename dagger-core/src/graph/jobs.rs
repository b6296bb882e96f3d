//! Which node's run computes each node: the unit of work of a node run alone (one job of a
//! cluster run).
//!
//! A task or a nested DAG is a job of its own. A value the builder derives (a field of an
//! output, outputs packed in a tuple) has no work worth a job: it is computed by the job of the
//! node it is derived from, right after that node's output is stored, when it is derived from
//! that one node alone (a field of a task's tuple, or a field of that field; in a map, the
//! field of the same partition, of the same map or of a map before it). A value derived from
//! several nodes (a DAG's tuple of two tasks' outputs) is a job of its own, run once they are
//! stored, and so is one that reads every partition of an output (a window, a selection of
//! keys).

use super::{Graph, How, Source, Work};

impl Graph {
    /// The node whose job computes node `node`: itself, or the node it is derived from alone.
    pub(crate) fn job_of(&self, node: usize) -> usize {
        let spec = &self.nodes[node];
        // A value derived from every partition of an output (a window, a selection of keys)
        // reads it as a fan-in does: a job of its own.
        if !matches!(spec.work, Work::Derived(_)) || spec.inputs.iter().any(|edge| matches!(edge.how, How::Collect(_)))
        {
            return node;
        }
        let mut jobs = spec.inputs.iter().filter_map(|edge| match edge.port.source {
            Source::Node(source) => Some(self.job_of(source as usize)),
            Source::Param(_) | Source::Const(_) => None,
        });
        let Some(first) = jobs.next() else { return node };
        let same_partitions = match (self.nodes[first].map, spec.map) {
            (None, None) => true,
            (Some(a), Some(b)) => self.root_source(a as usize) == self.root_source(b as usize),
            _ => false,
        };
        if jobs.all(|other| other == first) && same_partitions {
            first
        } else {
            node
        }
    }

    /// The node whose partitions map `map` runs once per: its source, or, for a map over a
    /// map's output, that map's root source.
    pub(crate) fn root_source(&self, map: usize) -> usize {
        let source = self.maps[map].source as usize;
        match self.nodes[source].map {
            Some(outer) => self.root_source(outer as usize),
            None => source,
        }
    }

    /// The node whose output holds the keys of `node`'s partitions: itself, or the source of
    /// the map it is declared in (a map keeps the keys of its source).
    pub(crate) fn key_source(&self, node: usize) -> usize {
        match self.nodes[node].map {
            Some(map) => self.root_source(map as usize),
            None => node,
        }
    }

    /// The nodes derived from `node`'s output alone, which its job computes after it, in
    /// declaration (hence dependency) order.
    pub(crate) fn derived_with(&self, node: usize) -> Vec<usize> {
        (node + 1..self.nodes.len()).filter(|&other| self.job_of(other) == node).collect()
    }

    /// Whether node `node` is a job of its own, rather than computed by another's.
    pub(crate) fn is_job(&self, node: usize) -> bool {
        self.job_of(node) == node
    }
}
