//! The graph model: what a DAG is once declared, independent of how it is run.
//!
//! A [`Graph`] is immutable and valid by construction: the builder only accepts handles of its
//! own DAG, so every edge points at an earlier node, a parameter or a constant (no cycles, no
//! unknown nodes), and the handle types already enforced the partitioning rules.

use std::any::Any;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use crate::batch::{BatchRun, BatchStop, Items};
use crate::format::Codec;
use crate::handle::{MapId, Port, Source};
use crate::partitions::PartsReader;

/// A value stored between nodes, with its type erased (the handles kept track of it).
pub(crate) type AnyValue = Arc<dyn Any + Send + Sync>;

/// The error a task returns, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Builds the `Vec<T>` that a fan-in parameter receives from the partitions of an output.
pub(crate) type Collector = fn(&Arc<PartsReader>) -> Result<AnyValue, BoxError>;

/// The erased entry point of a task: takes its inputs in parameter order and hands its output
/// to `emit`, one value or one partition at a time.
#[doc(hidden)]
pub type TaskFn = fn(Inputs, &mut dyn Emit) -> Result<(), BoxError>;

/// The erased entry point of a task that runs once per partition, over a piece of a batch of
/// partitions at once: `(the parameter the partitions feed, the partitions, the inputs in
/// parameter order (a placeholder for that parameter), the run) -> the results (a `Vec<O>`)`.
#[doc(hidden)]
pub type BatchFn = fn(usize, Items<'_>, &Inputs, &BatchRun<'_>) -> Result<AnyValue, BatchStop>;

/// The body of a node the builder makes itself.
#[doc(hidden)]
pub type ClosureFn = dyn Fn(Inputs, &mut dyn Emit) -> Result<(), BoxError> + Send + Sync;

/// Receives what a task produces, as it produces it: a partitioned task's partitions are stored
/// (and can be mapped over) while the task is still producing the next ones.
#[doc(hidden)]
pub trait Emit {
    /// The task's single output.
    fn one(&mut self, value: AnyValue) -> Result<(), BoxError>;
    /// The next partition of a partitioned task's output.
    fn part(&mut self, value: AnyValue) -> Result<(), BoxError>;
    /// How many partitions to hand over together next, with [`batch`](Emit::batch).
    fn room(&self) -> usize {
        1
    }
    /// The next partitions of a partitioned task's output, handed over together: `items` is a
    /// `Vec<T>` of `len` partitions.
    fn batch(&mut self, items: AnyValue, len: usize) -> Result<(), BoxError>;
}

/// The inputs of one run of a node, in parameter order.
///
/// Built once per run, that is once per partition of a partitioned node: up to four inputs
/// live inline, so that the common case allocates nothing.
#[doc(hidden)]
#[derive(Default)]
pub struct Inputs {
    inline: [Option<AnyValue>; 4],
    rest: Vec<Option<AnyValue>>,
    len: usize,
    taken: usize,
}

impl Inputs {
    /// Input `i`, for a task that runs on every item of a batch with the same inputs.
    pub fn get(&self, i: usize) -> Option<&AnyValue> {
        if i >= self.len {
            return None;
        }
        match self.inline.get(i) {
            Some(slot) => slot.as_ref(),
            None => self.rest.get(i - self.inline.len())?.as_ref(),
        }
    }

    pub(crate) fn push(&mut self, value: AnyValue) {
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = Some(value),
            None => self.rest.push(Some(value)),
        }
        self.len += 1;
    }
}

impl FromIterator<AnyValue> for Inputs {
    fn from_iter<I: IntoIterator<Item = AnyValue>>(values: I) -> Self {
        let mut inputs = Inputs::default();
        for value in values {
            inputs.push(value);
        }
        inputs
    }
}

impl Iterator for Inputs {
    type Item = AnyValue;
    fn next(&mut self) -> Option<AnyValue> {
        if self.taken >= self.len {
            return None;
        }
        let value = match self.inline.get_mut(self.taken) {
            Some(slot) => slot.take(),
            None => self.rest.get_mut(self.taken - self.inline.len()).and_then(Option::take),
        };
        self.taken += 1;
        value
    }
}

/// What a node runs.
#[doc(hidden)]
#[derive(Clone)]
pub enum Body {
    /// A task; one that may run once per partition also has an entry point for a batch.
    Task(TaskFn, Option<BatchFn>),
    /// A node the builder makes itself: a field of an output, or outputs packed in a tuple.
    Closure(Arc<ClosureFn>),
    Dag(Arc<Graph>),
}

/// How a node reads one input.
#[derive(Clone, Copy)]
pub(crate) enum How {
    /// The whole value.
    Whole,
    /// Partition `i` of the output, in run `i` of a node partitioned by this map.
    Split(MapId),
    /// Every partition, collected in order.
    Collect(Collector),
}

/// One input of a node: which output, and how it is read.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Edge {
    pub(crate) port: Port,
    pub(crate) how: How,
}

/// One parameter of a DAG.
#[derive(Clone)]
pub(crate) struct ParamSpec {
    pub(crate) name: String,
    pub(crate) type_name: &'static str,
    /// The value used when a DAG that calls this one leaves the parameter out.
    pub(crate) default: Option<AnyValue>,
}

/// One node of a DAG.
#[derive(Clone)]
pub(crate) struct NodeSpec {
    pub(crate) name: String,
    pub(crate) callee: String,
    pub(crate) body: Body,
    pub(crate) inputs: Vec<Edge>,
    /// The map this node is declared in: it runs once per partition of the map's source.
    pub(crate) map: Option<u32>,
    /// The task splits its own output into partitions (`#[task(partitioned)]`).
    pub(crate) splits_output: bool,
    pub(crate) output_type: &'static str,
    /// Writes and reads the node's output in its task's format.
    pub(crate) codec: Codec,
    /// Settings for the runtimes, from `#[task(options(...))]`.
    pub(crate) options: &'static [(&'static str, &'static str)],
}

/// One map (`.map(...)`) of a DAG: the nodes that run once per partition of its source.
#[derive(Clone, Debug)]
pub(crate) struct MapSpec {
    /// The node whose partitioned output drives the map.
    pub(crate) source: u32,
    /// The nodes declared in the map, in declaration (hence dependency) order.
    pub(crate) nodes: Vec<u32>,
    /// The nodes outside the map whose whole output one of its nodes reads: every partition
    /// waits for them.
    pub(crate) whole_inputs: Vec<u32>,
}

/// What the runtime derives from the nodes once, when the DAG is declared.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    /// For each node outside maps, the distinct nodes whose completion it waits for.
    pub(crate) waits_for: Vec<u32>,
    /// For each node, the nodes outside maps that wait for it.
    pub(crate) node_dependents: Vec<Vec<u32>>,
    /// For each node, the maps that wait for it (it is one of their whole inputs).
    pub(crate) map_dependents: Vec<Vec<u32>>,
    /// For each node, the maps over its partitioned output.
    pub(crate) maps_over: Vec<Vec<u32>>,
    /// For each node, how many times each of its values (the whole value, or each partition)
    /// is read during a run, or [`KEEP`] when a node that runs once per partition reads the
    /// whole output (as many times as there are partitions).
    pub(crate) reads: Vec<u32>,
    /// For each map, how its chain of tasks runs.
    pub(crate) chains: Vec<Chain>,
}

/// How the chain of tasks of one map runs on its partitions. The values of a chain are the
/// partition of the map's source (slot 0) and the result of each of its nodes (slot `1 + i`
/// for `MapSpec::nodes[i]`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Chain {
    /// For each node of the map, the slot of the value each of its inputs reads, for the
    /// inputs that read a partition (`None` for a whole input).
    pub(crate) slots: Vec<Vec<Option<usize>>>,
    /// For each slot, how many inputs of the chain read it: the last one gets the value moved.
    pub(crate) uses: Vec<usize>,
    /// Whether the chain runs over a batch of partitions at once: every node is a task with a
    /// batch entry point that reads one partition (and whole values).
    pub(crate) batched: bool,
}

/// Values read an unknown number of times are kept until the run ends.
pub(crate) const KEEP: u32 = u32::MAX;

/// A declared DAG: parameters, constants, nodes in declaration order, and its output.
///
/// ```
/// use dagger_core::prelude::*;
/// use dagger_core::{EdgeKind, Origin};
///
/// #[task(partitioned)]
/// fn numbers(n: u64) -> Vec<u64> {
///     (0..n).collect()
/// }
///
/// #[task]
/// fn double(x: u64) -> u64 {
///     x * 2
/// }
///
/// #[task]
/// fn total(xs: Vec<u64>) -> u64 {
///     xs.iter().sum()
/// }
///
/// #[dag]
/// fn pipeline(n: u64) -> u64 {
///     total(numbers(n).map(|x| double(x)))
/// }
///
/// let dag = pipeline::dag();
/// let graph = dag.graph();
/// let partitioned: Vec<String> = graph.nodes().into_iter().filter(|n| n.partitioned).map(|n| n.name).collect();
/// assert_eq!(partitioned, ["double"]);
/// let fan_in = graph.edges().into_iter().find(|e| e.kind == EdgeKind::Collect).unwrap();
/// assert_eq!((fan_in.from, fan_in.to.as_str()), (Origin::Node("double".into()), "total"));
/// assert!(graph.to_dot().contains("\"pipeline/double\" -> \"pipeline/total\" [style=dashed"));
/// ```
#[derive(Clone)]
pub struct Graph {
    pub(crate) name: String,
    pub(crate) params: Vec<ParamSpec>,
    pub(crate) consts: Vec<AnyValue>,
    pub(crate) nodes: Vec<NodeSpec>,
    pub(crate) maps: Vec<MapSpec>,
    pub(crate) output: Option<Port>,
    pub(crate) plan: Plan,
}

/// One node of a [`Graph`], for introspection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// Unique name in its DAG: the function's name, with `-1`, `-2`, ... when it is called
    /// several times.
    pub name: String,
    /// The name of the task or DAG function.
    pub callee: String,
    /// Whether the node is a nested DAG.
    pub is_dag: bool,
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

impl Graph {
    /// The DAG's name (its function's name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Parameters, in order: name and Rust type.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|p| (p.name.as_str(), p.type_name))
    }

    /// The nodes, in declaration order.
    pub fn nodes(&self) -> Vec<NodeInfo> {
        self.nodes
            .iter()
            .map(|n| NodeInfo {
                name: n.name.clone(),
                callee: n.callee.to_string(),
                is_dag: matches!(n.body, Body::Dag(_)),
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

    /// A nested DAG node's graph, by node name.
    pub fn nested(&self, node: &str) -> Option<&Graph> {
        self.nodes.iter().find(|n| n.name == node).and_then(|n| match &n.body {
            Body::Dag(graph) => Some(&**graph),
            Body::Task(..) | Body::Closure(_) => None,
        })
    }

    fn describe(&self, port: Port) -> Origin {
        match port.source {
            Source::Param(i) => Origin::Param(self.params[i as usize].name.clone()),
            Source::Const(_) => Origin::Constant,
            Source::Node(i) => Origin::Node(self.nodes[i as usize].name.clone()),
        }
    }

    /// A text plan of the DAG: each node with what it runs, whether it runs once per partition,
    /// whether its output is partitioned, and where each of its inputs comes from; nested DAGs
    /// are indented under their node.
    ///
    /// ```text
    /// DAG quick_start(exponent: u32) -> sum_numbers
    ///   generate_numbers  task, partitioned output (u64 per partition)
    ///                     <- constant
    ///   raise_number      task, once per partition of generate_numbers (u64 per partition)
    ///                     <- partition of generate_numbers, parameter exponent
    ///   sum_numbers       task (u64)
    ///                     <- every partition of raise_number
    /// ```
    pub fn explain(&self) -> String {
        let mut out = String::new();
        self.write_plan(&mut out, 0);
        out
    }

    fn write_plan(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        let params: Vec<String> =
            self.params.iter().map(|p| format!("{}: {}", p.name, short_type(p.type_name))).collect();
        let output = match self.output() {
            None => "()".to_string(),
            Some(Origin::Param(name)) => format!("parameter {name}"),
            Some(Origin::Constant) => "a constant".to_string(),
            Some(Origin::Node(name)) => name,
        };
        let _ = writeln!(out, "{pad}DAG {}({}) -> {output}", self.name, params.join(", "));
        let width = self.nodes.iter().map(|n| n.name.len()).max().unwrap_or(0);
        for node in &self.nodes {
            let what = if matches!(node.body, Body::Dag(_)) { "DAG" } else { "task" };
            let ty = short_type(node.output_type);
            let shape = match (node.map, node.splits_output) {
                (Some(map), _) => {
                    let source = &self.nodes[self.maps[map as usize].source as usize].name;
                    format!("{what}, once per partition of {source} ({ty} per partition)")
                }
                (None, true) => format!("{what}, partitioned output ({ty} per partition)"),
                (None, false) => format!("{what} ({ty})"),
            };
            let options: Vec<String> = node.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let options = if options.is_empty() { String::new() } else { format!(" [{}]", options.join(", ")) };
            let _ = writeln!(out, "{pad}  {:width$}  {shape}{options}", node.name);
            let inputs: Vec<String> = node
                .inputs
                .iter()
                .map(|edge| {
                    let from = match self.describe(edge.port) {
                        Origin::Param(name) => format!("parameter {name}"),
                        Origin::Constant => "constant".to_string(),
                        Origin::Node(name) => name,
                    };
                    match edge.how {
                        How::Whole => from,
                        How::Split(_) => format!("partition of {from}"),
                        How::Collect(_) => format!("every partition of {from}"),
                    }
                })
                .collect();
            if !inputs.is_empty() {
                let _ = writeln!(out, "{pad}  {:width$}  <- {}", "", inputs.join(", "));
            }
            if let Body::Dag(graph) = &node.body {
                graph.write_plan(out, depth + 2);
            }
        }
    }

    /// Renders the DAG in Graphviz DOT. Nested DAGs are clusters; partitioned nodes are drawn
    /// with a double border, partitioned outputs as bold edges, and fan-ins as dashed edges.
    pub fn to_dot(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph {} {{", quote(&self.name));
        let _ = writeln!(out, "  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];");
        self.write_dot_body(&mut out, &self.name, 1);
        out.push_str("}\n");
        out
    }

    fn write_dot_body(&self, out: &mut String, prefix: &str, depth: usize) {
        let pad = "  ".repeat(depth);
        let id = |name: &str| quote(&format!("{prefix}/{name}"));
        for p in &self.params {
            let _ =
                writeln!(out, "{pad}{} [label={}, shape=ellipse];", id(&format!("param:{}", p.name)), quote(&p.name));
        }
        for (i, _) in self.consts.iter().enumerate() {
            let _ = writeln!(out, "{pad}{} [label=\"constant\", shape=plaintext];", id(&format!("const:{i}")));
        }
        for node in &self.nodes {
            let periph = if node.map.is_some() { ", peripheries=2" } else { "" };
            match &node.body {
                Body::Task(..) | Body::Closure(_) => {
                    let _ = writeln!(out, "{pad}{} [label={}{periph}];", id(&node.name), quote(&node.name));
                }
                Body::Dag(graph) => {
                    let inner = format!("{prefix}/{}", node.name);
                    let _ = writeln!(out, "{pad}subgraph {} {{", quote(&format!("cluster_{inner}")));
                    let _ = writeln!(out, "{pad}  label={};", quote(&node.name));
                    let _ = writeln!(
                        out,
                        "{pad}  {} [label={}, shape=oval{periph}];",
                        id(&node.name),
                        quote(&format!("{} (DAG)", node.name))
                    );
                    graph.write_dot_body(out, &inner, depth + 1);
                    let _ = writeln!(out, "{pad}}}");
                }
            }
        }
        for node in &self.nodes {
            for edge in &node.inputs {
                let from = match edge.port.source {
                    Source::Param(i) => id(&format!("param:{}", self.params[i as usize].name)),
                    Source::Const(i) => id(&format!("const:{i}")),
                    Source::Node(i) => id(&self.nodes[i as usize].name),
                };
                let style = match edge.how {
                    How::Whole => "",
                    How::Split(_) => " [style=bold, label=\"per partition\"]",
                    How::Collect(_) => " [style=dashed, label=\"all partitions\"]",
                };
                let _ = writeln!(out, "{pad}{from} -> {}{style};", id(&node.name));
            }
        }
    }
}

/// `alloc::vec::Vec<u64>` as `Vec<u64>`: type names without their module paths.
fn short_type(name: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in name.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(&word));
            word.clear();
            if c != ' ' || !out.is_empty() {
                out.push(c);
            }
        }
    }
    out.trim_end().to_string()
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Graph")
            .field("name", &self.name)
            .field("params", &self.params().collect::<Vec<_>>())
            .field("nodes", &self.nodes())
            .field("edges", &self.edges())
            .field("output", &self.output())
            .finish()
    }
}
