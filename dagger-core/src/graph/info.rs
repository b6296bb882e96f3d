//! The graph as plain data, for introspection: its nodes and edges with their names.

use super::{Graph, How, Work};

/// One node of a [`Graph`], for introspection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// Unique name in its DAG: the function's name, with `-1`, `-2`, ... when it is called
    /// several times.
    pub name: String,
    /// The name of the task or DAG function.
    pub callee: String,
    /// What the node is: a task, a nested DAG, or a value the builder derives.
    pub kind: NodeKind,
    /// Whether the node runs once per partition (it is inside a map).
    pub partitioned: bool,
    /// Whether the node's output is partitioned: its own (`#[task(partitioned)]`), or one value
    /// per partition of a partitioned node.
    pub output_partitioned: bool,
    /// The Rust type of the output (of one partition, when partitioned).
    pub output_type: String,
    /// Settings for the runtimes, from `#[task(options(key = value, ...))]`.
    pub options: Vec<(String, String)>,
}

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// A `#[task]`: its own work, a job of a cluster run.
    Task,
    /// A nested DAG (`#[dag]` called in a DAG): its nodes are the work.
    Dag,
    /// A value the builder derives from other outputs, with no work of its own: a field of an
    /// output (`let (a, b) = task(..)`), outputs packed in a tuple or a struct (a DAG's output).
    Derived,
}

/// Where an input comes from, for introspection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A DAG parameter, by name.
    Param(String),
    /// A constant written in the DAG body.
    Constant,
    /// The output of a node, by name.
    Node(String),
}

/// How a node reads an input, for introspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// The whole value.
    Whole,
    /// One partition per run of the node: the input that partitions it.
    PartitionedBy,
    /// Every partition at once (fan-in).
    Collect,
}

/// One input of one node, for introspection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeInfo {
    /// The output read.
    pub from: Origin,
    /// The reading node.
    pub to: String,
    /// Position of the argument in the call.
    pub argument: usize,
    /// How the value is read.
    pub kind: EdgeKind,
}

impl super::NodeSpec {
    pub(crate) fn kind(&self) -> NodeKind {
        match self.work {
            Work::Task(..) => NodeKind::Task,
            Work::Dag(_) => NodeKind::Dag,
            Work::Derived(_) => NodeKind::Derived,
        }
    }
}

impl Graph {
    /// The nodes, in declaration order.
    pub fn nodes(&self) -> Vec<NodeInfo> {
        self.nodes
            .iter()
            .map(|n| NodeInfo {
                name: n.name.clone(),
                callee: n.callee.to_string(),
                kind: n.kind(),
                partitioned: n.map.is_some(),
                output_partitioned: n.map.is_some() || n.splits_output,
                output_type: n.output_type.to_string(),
                options: n.options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            })
            .collect()
    }

    /// Every input of every node.
    pub fn edges(&self) -> Vec<EdgeInfo> {
        let mut edges = Vec::new();
        for node in &self.nodes {
            for (argument, edge) in node.inputs.iter().enumerate() {
                edges.push(EdgeInfo {
                    from: self.describe(edge.port),
                    to: node.name.clone(),
                    argument,
                    kind: match edge.how {
                        How::Whole => EdgeKind::Whole,
                        How::Split(_) => EdgeKind::PartitionedBy,
                        How::Collect(_) => EdgeKind::Collect,
                    },
                });
            }
        }
        edges
    }

    /// The output the DAG returns, if any.
    pub fn output(&self) -> Option<Origin> {
        self.output.map(|port| self.describe(port))
    }
}
