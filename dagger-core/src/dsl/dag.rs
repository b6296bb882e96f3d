//! A declared DAG, typed by its parameters and output: what `#[dag]` and [`Dag::build`] make.

use std::marker::PhantomData;
use std::sync::Arc;

use super::builder::DagBuilder;
use super::callable::DagReturn;
use super::handle::Param;
use super::names;
use super::rules::Returns;
use crate::data::Data;
use crate::erased::AnyValue;
use crate::error::BuildError;
use crate::graph::{Graph, How, MapSpec, NodeSpec, Port, Source};

/// The parameters of a DAG: a tuple of their types, e.g. `(u32, String)`.
pub trait Params: Sized + 'static {
    /// The parameter names: `[&str; N]`.
    type Names;
    /// The handles the DAG body receives: `(Param<A>, Param<B>, ...)`.
    type Handles;
    #[doc(hidden)]
    fn declare(builder: &mut DagBuilder, names: Self::Names) -> Self::Handles;
    #[doc(hidden)]
    fn into_values(self) -> Vec<AnyValue>;
}

impl Params for () {
    type Names = [&'static str; 0];
    type Handles = ();
    fn declare(_: &mut DagBuilder, _: Self::Names) -> Self::Handles {}
    fn into_values(self) -> Vec<AnyValue> {
        Vec::new()
    }
}

macro_rules! params {
    ($n:literal; $($i:tt $a:ident),+) => {
        impl<$($a: Data),+> Params for ($($a,)+) {
            type Names = [&'static str; $n];
            type Handles = ($(Param<$a>,)+);
            fn declare(builder: &mut DagBuilder, names: Self::Names) -> Self::Handles {
                ($(builder.param::<$a>(names[$i]),)+)
            }
            fn into_values(self) -> Vec<AnyValue> {
                vec![$(Arc::new(self.$i) as AnyValue),+]
            }
        }
    };
}

params!(1; 0 A0);
params!(2; 0 A0, 1 A1);
params!(3; 0 A0, 1 A1, 2 A2);
params!(4; 0 A0, 1 A1, 2 A2, 3 A3);
params!(5; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4);
params!(6; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4, 5 A5);
params!(7; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4, 5 A5, 6 A6);
params!(8; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4, 5 A5, 6 A6, 7 A7);

/// A declared DAG with parameters `P` (a tuple) that returns `R`.
///
/// `#[dag]` builds one for each DAG function; [`Dag::build`] builds one by hand:
///
/// ```
/// use dagger_core::prelude::*;
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
///     xs.into_iter().sum()
/// }
///
/// let dag: Dag<(u64,), u64> = Dag::build("doubled_sum", ["n"], |b, (n,)| {
///     let parts = b.call::<numbers, _>((n,));
///     let doubled = b.map(parts, |m, x| m.call::<double, _>((x,)));
///     b.call::<total, _>((doubled,))
/// })
/// .unwrap();
/// assert_eq!(dag.run((4,)).unwrap(), 12);
/// ```
///
/// Every method of the builder takes and returns handles, and the partitioning rules are bounds
/// on them, so a DAG built by hand is checked at compile time like one written with `#[dag]`.
pub struct Dag<P, R> {
    graph: Arc<Graph>,
    _types: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for Dag<P, R> {
    fn clone(&self) -> Self {
        Dag { graph: self.graph.clone(), _types: PhantomData }
    }
}

impl<P: Params, R: DagReturn> Dag<P, R> {
    /// Declares a DAG named `name` with parameters named `names`; `body` receives the builder
    /// and one [`Param`] handle per parameter, and returns the DAG's output.
    ///
    /// Fails only when a handle is used outside the DAG or map that made it.
    pub fn build<F, H>(name: &str, names: P::Names, body: F) -> Result<Self, BuildError>
    where
        F: FnOnce(&mut DagBuilder, P::Handles) -> H,
        H: Returns<R>,
    {
        let mut builder = DagBuilder::new(name);
        let params = P::declare(&mut builder, names);
        let output = body(&mut builder, params);
        let graph = finish(builder, output.port())?;
        Ok(Dag { graph: Arc::new(graph), _types: PhantomData })
    }

    /// Gives parameters default values, used when a DAG that calls this one leaves them out
    /// (`inner(x, c = 20)`); `#[default(value)]` on a `#[dag]` parameter does this.
    #[doc(hidden)]
    pub fn __with_defaults(mut self, defaults: Vec<Option<AnyValue>>) -> Self {
        if let Some(graph) = Arc::get_mut(&mut self.graph) {
            for (param, default) in graph.params.iter_mut().zip(defaults) {
                param.default = default;
            }
        }
        self
    }
}

impl<P, R> Dag<P, R> {
    /// The declared graph, for introspection.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub(crate) fn graph_arc(&self) -> &Arc<Graph> {
        &self.graph
    }
}

impl<P, R> std::fmt::Debug for Dag<P, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.graph.fmt(f)
    }
}

/// The graph `builder` recorded, with `output` as its output.
fn finish(mut builder: DagBuilder, output: Option<Port>) -> Result<Graph, BuildError> {
    if let Some(port) = output {
        builder.check_port(port);
    }
    if let Some(error) = builder.error {
        return Err(error);
    }
    let declared: Vec<_> = builder.nodes.iter().map(|(node, _)| (node.callee.as_str(), node.callable)).collect();
    let names = names::node_names(&builder.name, &declared)?;
    let params = builder.params.iter().map(|param| ("a parameter", param.name.as_str()));
    names::distinct_ignoring_case(&builder.name, params.chain(names.iter().map(|name| ("a node", name.as_str()))))?;
    let nodes: Vec<NodeSpec> = builder
        .nodes
        .into_iter()
        .zip(names)
        .map(|((node, map), name)| NodeSpec {
            name,
            callee: node.callee,
            work: node.work,
            inputs: node.inputs,
            map,
            splits_output: node.splits_output,
            key_type: node.key_type,
            output_type: node.output_type,
            codec: node.codec,
            options: node.options,
            version: node.version,
            cache: node.cache,
        })
        .collect();
    let maps = map_specs(&nodes, &builder.maps);
    Ok(Graph { name: builder.name, params: builder.params, consts: builder.consts, nodes, maps, output })
}

/// Each map: its source, its nodes, and the outputs of other nodes they read whole.
fn map_specs(nodes: &[NodeSpec], sources: &[Port]) -> Vec<MapSpec> {
    let mut maps: Vec<MapSpec> = sources
        .iter()
        .map(|port| MapSpec {
            source: match port.source {
                Source::Node(n) => n,
                // `MapSource` is only implemented for node outputs.
                Source::Param(_) | Source::Const(_) => unreachable!("a map over something else than a node's output"),
            },
            nodes: Vec::new(),
            whole_inputs: Vec::new(),
        })
        .collect();
    for (index, node) in nodes.iter().enumerate() {
        let Some(map) = node.map else { continue };
        let spec = &mut maps[map as usize];
        spec.nodes.push(index as u32);
        for edge in &node.inputs {
            if let (How::Whole | How::Collect(_), Source::Node(n)) = (edge.how, edge.port.source) {
                spec.whole_inputs.push(n);
            }
        }
    }
    for spec in &mut maps {
        spec.whole_inputs.sort_unstable();
        spec.whole_inputs.dedup();
    }
    maps
}
