//! The graph model: what a DAG is once declared, independent of how it is run.
//!
//! A [`Graph`] is immutable and valid by construction: the builder only accepts handles of its
//! own DAG, so every edge points at an earlier node, a parameter or a constant (no cycles, no
//! unknown nodes), and the handle types already enforced the partitioning rules. Reading it:
//! [`info`] (nodes and edges), [`explain`] (a text plan) and [`dot`] (Graphviz). A node's
//! options, typed, are in `options`.

use std::fmt;
use std::sync::Arc;

use crate::erased::{AnyValue, Codec};
use crate::error::BoxError;
use crate::invoke::{BatchFn, DerivedFn, TaskFn};
use crate::store::PartsReader;

mod dot;
mod explain;
mod identity;
mod info;
mod job_plan;
mod jobs;
mod options;
mod params;
mod port;

pub use info::{EdgeInfo, EdgeKind, NodeInfo, NodeKind, Origin};
pub use job_plan::JobPlan;
pub(crate) use job_plan::{JobKind, PlanJob, PlanScope};
pub(crate) use options::{InvalidOption, TaskOptions};
pub(crate) use port::{DagId, Source};
pub use port::{MapId, Port};

/// Builds the `Vec<T>` (or the lazy `Partitions<T>`) that a fan-in parameter receives from the
/// partitions of an output.
pub(crate) type Collector = fn(&Arc<PartsReader>) -> Result<AnyValue, BoxError>;

/// What a node does when it runs.
#[doc(hidden)]
#[derive(Clone)]
pub enum Work {
    /// A task; one that may run once per partition also has an entry point for a batch.
    Task(TaskFn, Option<BatchFn>),
    /// A node the builder derives from other outputs: a field of an output, outputs packed in a
    /// tuple, a tuple converted to a struct.
    Derived(Arc<DerivedFn>),
    /// A nested DAG.
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
    /// Its values in JSON: read from text (the command line), and hashed for fingerprints.
    pub(crate) codec: Codec,
    /// The value used when a DAG that calls this one leaves the parameter out.
    pub(crate) default: Option<AnyValue>,
}

/// One node of a DAG.
#[derive(Clone)]
pub(crate) struct NodeSpec {
    pub(crate) name: String,
    pub(crate) callee: String,
    pub(crate) work: Work,
    pub(crate) inputs: Vec<Edge>,
    /// The map this node is declared in: it runs once per partition of the map's source.
    pub(crate) map: Option<u32>,
    /// The task splits its own output into partitions (`#[task(partitioned)]`).
    pub(crate) splits_output: bool,
    /// The type of its partitions' keys, when they carry keys (`#[task(partitioned, keyed)]`):
    /// the runtime keeps them.
    pub(crate) key_type: Option<&'static str>,
    pub(crate) output_type: &'static str,
    /// Writes and reads the node's output in its task's format.
    pub(crate) codec: Codec,
    /// The version of what the node runs: a hash of the task's code (or its
    /// `#[task(version = "..")]`), what the builder derives (`field 1`), or empty.
    pub(crate) version: String,
    /// Whether the node's output may be reused by a later run with the same inputs: false for
    /// a task that is not a pure function of its inputs (`#[task(cache = false)]`).
    pub(crate) cache: bool,
    /// Settings for the runtimes, from `#[task(options(...))]`.
    pub(crate) options: &'static [(&'static str, &'static str)],
}

impl NodeSpec {
    /// Whether its partitions carry keys.
    pub(crate) fn keyed(&self) -> bool {
        self.key_type.is_some()
    }
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
    /// The constants written in the DAG body, with the codec that writes them as JSON (for
    /// fingerprints).
    pub(crate) consts: Vec<(AnyValue, Codec)>,
    pub(crate) nodes: Vec<NodeSpec>,
    pub(crate) maps: Vec<MapSpec>,
    pub(crate) output: Option<Port>,
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

    /// A nested DAG node's graph, by node name.
    pub fn nested(&self, node: &str) -> Option<&Graph> {
        self.nodes.iter().find(|n| n.name == node).and_then(|n| match &n.work {
            Work::Dag(graph) => Some(&**graph),
            Work::Task(..) | Work::Derived(_) => None,
        })
    }

    /// Whether a task of this DAG, or of a DAG nested in it, hands over keyed partitions (what
    /// a run limited to a range of keys limits).
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn has_keyed_tasks(&self) -> bool {
        self.nodes.iter().any(|node| match &node.work {
            Work::Task(..) => node.keyed(),
            Work::Dag(inner) => inner.has_keyed_tasks(),
            Work::Derived(_) => false,
        })
    }

    pub(crate) fn describe(&self, port: Port) -> Origin {
        match port.source {
            Source::Param(i) => Origin::Param(self.params[i as usize].name.clone()),
            Source::Const(_) => Origin::Constant,
            Source::Node(i) => Origin::Node(self.nodes[i as usize].name.clone()),
        }
    }
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
