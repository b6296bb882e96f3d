//! The builder API: how a DAG is declared, call by call. The macros expand to it.
//!
//! Every method takes and returns [handles](crate::handle), and every rule of partitioning is a
//! bound on those handles (see [`crate::rules`]), so a DAG written by hand with this API is
//! checked exactly like one written with `#[dag]`.
//!
//! ```
//! use dagger_core::prelude::*;
//!
//! #[task(partitioned)]
//! fn numbers(n: u64) -> Vec<u64> {
//!     (0..n).collect()
//! }
//!
//! #[task]
//! fn double(x: u64) -> u64 {
//!     x * 2
//! }
//!
//! #[task]
//! fn total(xs: Vec<u64>) -> u64 {
//!     xs.into_iter().sum()
//! }
//!
//! let dag: Dag<(u64,), u64> = Dag::build("doubled_sum", ["n"], |b, (n,)| {
//!     let parts = b.call::<numbers, _>((n,));
//!     let doubled = b.map(parts, |m, x| m.call::<double, _>((x,)));
//!     b.call::<total, _>((doubled,))
//! })
//! .unwrap();
//! assert_eq!(dag.run((4,)).unwrap(), 12);
//! ```

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::callable::{Arity, Callable, DagReturn, InputAt, Shape};
use crate::data::Data;
use crate::error::{BuildError, Error};
use crate::format::{Codec, Json};
use crate::graph::{AnyValue, Body, Chain, Edge, Emit, Graph, How, Inputs, MapSpec, NodeSpec, ParamSpec, Plan, KEEP};
use crate::handle::{DagId, MapId, Param, Port, Source, Value};
use crate::outputs::{take_field, Fields, Pack, Whole};
use crate::rules::{Input, InsideMap, Level, MapResult, MapSource, Mode, Produce, Returns, TopLevel};
use crate::run::Runner;

static NEXT_DAG: AtomicU64 = AtomicU64::new(1);

/// Records the nodes of one DAG. Obtained from [`Dag::build`].
pub struct DagBuilder {
    id: DagId,
    name: String,
    params: Vec<ParamSpec>,
    consts: Vec<AnyValue>,
    nodes: Vec<NodeSpec>,
    maps: Vec<Port>,
    error: Option<BuildError>,
}

/// Records the nodes declared inside one map. Obtained in the closure of [`Scope::map`].
pub struct MapBuilder<'a> {
    dag: &'a mut DagBuilder,
    map: MapId,
}

/// Where nodes are declared: the top of a DAG ([`DagBuilder`]) or inside a map ([`MapBuilder`]).
pub trait Scope {
    /// [`TopLevel`] or [`InsideMap`]: a map can only be declared at the top level (rule 1).
    type Level: Level;

    #[doc(hidden)]
    fn dag(&mut self) -> &mut DagBuilder;

    #[doc(hidden)]
    fn current_map(&self) -> Option<MapId>;

    /// A constant input: `value` is stored in the DAG and passed to every node that reads it.
    fn constant<T: Data>(&mut self, value: T) -> Value<T> {
        let dag = self.dag();
        dag.consts.push(Arc::new(value));
        Value::new(dag.port(Source::Const(dag.consts.len() as u32 - 1)))
    }

    /// Adds a node that calls the task or DAG `C` with `args`, a tuple with one handle per
    /// parameter of `C`. Returns the handle of its output.
    fn call<C, A>(&mut self, args: A) -> <A::Mode as Produce<C>>::Handle
    where
        C: Callable,
        A: Args<C>,
        A::Mode: Produce<C>,
        Self: Sized,
    {
        C::call_in(self, A::Mode::default(), args.edges())
    }

    /// One field of a value, as an output of its own: `b.field(datasets, "training", |d| &d.training)`
    /// (`#[dag]` writes `datasets.training`). Inside a map, the field of each partition.
    fn field<H, F, G>(&mut self, value: H, name: &str, field: G) -> H::Field<F>
    where
        H: Fields,
        F: Data,
        G: Fn(&H::Item) -> &F + Send + Sync + 'static,
        Self: Sized,
    {
        let map = self.current_map();
        let edge = value.edge();
        let dag = self.dag();
        let source = match edge.port.source {
            Source::Node(n) => dag.nodes.get(n as usize).map_or_else(String::new, |node| node.callee.clone()),
            Source::Param(i) => dag.params.get(i as usize).map_or_else(String::new, |p| p.name.clone()),
            Source::Const(_) => "constant".to_string(),
        };
        let body = Body::Closure(Arc::new(take_field::<H::Item, F, G>(field)));
        let port = dag.add_internal::<F>(format!("{source}.{name}"), body, vec![edge], map);
        H::field(port, map)
    }

    /// A whole value turned into another by `convert`, as a node: how `#[dag]` builds a struct
    /// of outputs (`Report { total, mean }`) from the tuple of them.
    fn convert<H, U, G>(&mut self, value: H, name: &str, convert: G) -> Value<U>
    where
        H: Whole,
        U: Data,
        G: Fn(H::Item) -> U + Send + Sync + 'static,
        Self: Sized,
    {
        let map = self.current_map();
        let body = Body::Closure(Arc::new(move |mut inputs: Inputs, emit: &mut dyn Emit| {
            let value = inputs.next().ok_or("a conversion of no value")?;
            emit.one(Arc::new(convert(crate::private::owned::<H::Item>(value)?)))
        }));
        let edge = Edge { port: value.port(), how: How::Whole };
        Value::new(self.dag().add_internal::<U>(name.to_string(), body, vec![edge], map))
    }

    /// Packs whole values into one tuple output (what a DAG that returns a tuple returns).
    fn pack<P: Pack>(&mut self, values: P) -> Value<P::Packed>
    where
        Self: Sized,
    {
        let map = self.current_map();
        let body = Body::Closure(Arc::new(|inputs, emit: &mut dyn Emit| emit.one(Arc::new(P::pack(inputs)?))));
        Value::new(self.dag().add_internal::<P::Packed>("output".to_string(), body, values.edges(), map))
    }

    /// Maps over a partitioned output: `body` declares the nodes that run once per partition,
    /// and returns the last one's output; the map returns it as a
    /// [`PerPartition`](crate::PerPartition).
    fn map<H, F, R>(&mut self, source: H, body: F) -> H::Out<R::Collected>
    where
        H: MapSource<Self::Level>,
        F: FnOnce(&mut MapBuilder<'_>, H::Part) -> R,
        R: MapResult,
        Self: Sized,
    {
        let port = source.port();
        let dag = self.dag();
        dag.check_port(port);
        let map = MapId(dag.maps.len() as u32);
        dag.maps.push(port);
        let mut inner = MapBuilder { dag, map };
        let last = body(&mut inner, H::part(port, map));
        if let Some(result_map) = R::map_of(&last) {
            if result_map != map {
                inner.dag.fail(BuildError::PartitionOutsideItsMap { dag: inner.dag.name.clone() });
            }
        }
        H::out(last.collected())
    }
}

impl Scope for DagBuilder {
    type Level = TopLevel;
    fn dag(&mut self) -> &mut DagBuilder {
        self
    }
    fn current_map(&self) -> Option<MapId> {
        None
    }
}

impl Scope for MapBuilder<'_> {
    type Level = InsideMap;
    fn dag(&mut self) -> &mut DagBuilder {
        self.dag
    }
    fn current_map(&self) -> Option<MapId> {
        Some(self.map)
    }
}

impl DagBuilder {
    fn new(name: &str) -> Self {
        DagBuilder {
            id: DagId(NEXT_DAG.fetch_add(1, Ordering::Relaxed)),
            name: name.to_string(),
            params: Vec::new(),
            consts: Vec::new(),
            nodes: Vec::new(),
            maps: Vec::new(),
            error: None,
        }
    }

    fn port(&self, source: Source) -> Port {
        Port { dag: self.id, source }
    }

    /// A constant whose type the caller already checked.
    pub(crate) fn constant_value(&mut self, value: AnyValue) -> Port {
        self.consts.push(value);
        self.port(Source::Const(self.consts.len() as u32 - 1))
    }

    fn param<T: Data>(&mut self, name: &str) -> Param<T> {
        self.params.push(ParamSpec { name: name.to_string(), type_name: std::any::type_name::<T>(), default: None });
        Param::new(self.port(Source::Param(self.params.len() as u32 - 1)))
    }

    fn fail(&mut self, error: BuildError) {
        self.error.get_or_insert(error);
    }

    /// Handles are only valid in the DAG that made them; the macros never mix them up, but a
    /// hand-written builder could keep one from another DAG.
    fn check_port(&mut self, port: Port) {
        if port.dag != self.id {
            self.fail(BuildError::ForeignHandle { dag: self.name.clone() });
        }
    }

    pub(crate) fn add_node<C: Callable>(&mut self, inputs: Vec<Edge>, map: Option<MapId>) -> Port {
        let spec = NodeSpec {
            name: String::new(),
            callee: C::NAME.to_string(),
            body: C::body(),
            inputs,
            map: None,
            splits_output: <C::Shape as Shape>::PARTITIONED,
            output_type: std::any::type_name::<C::Output>(),
            codec: C::codec(),
            options: C::OPTIONS,
        };
        self.add(spec, map)
    }

    /// Adds a node made by the builder itself (a field, a pack) that produces one `T`.
    fn add_internal<T: Data>(&mut self, callee: String, body: Body, inputs: Vec<Edge>, map: Option<MapId>) -> Port {
        self.add_made(callee, body, inputs, false, std::any::type_name::<T>(), Codec::of::<T, Json>(), map)
    }

    /// Adds a node made by the builder itself, whatever its output (see also
    /// [`crate::outputs::FieldAt`], whose partitioned fields produce partitions).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_made(
        &mut self,
        callee: String,
        body: Body,
        inputs: Vec<Edge>,
        splits_output: bool,
        output_type: &'static str,
        codec: Codec,
        map: Option<MapId>,
    ) -> Port {
        let spec = NodeSpec {
            name: String::new(),
            callee,
            body,
            inputs,
            map: None,
            splits_output,
            output_type,
            codec,
            options: &[],
        };
        self.add(spec, map)
    }

    fn add(&mut self, mut spec: NodeSpec, map: Option<MapId>) -> Port {
        let mut node_map = None;
        for edge in &spec.inputs {
            self.check_port(edge.port);
            if let How::Split(edge_map) = edge.how {
                if Some(edge_map) == map {
                    node_map = Some(edge_map.0);
                } else {
                    self.fail(BuildError::PartitionOutsideItsMap { dag: self.name.clone() });
                }
            }
        }
        spec.map = node_map;
        self.nodes.push(spec);
        self.port(Source::Node(self.nodes.len() as u32 - 1))
    }

    fn finish(mut self, output: Option<Port>) -> Result<Graph, BuildError> {
        if let Some(port) = output {
            self.check_port(port);
        }
        if let Some(error) = self.error {
            return Err(error);
        }
        self.name_nodes();
        let maps = self.map_specs();
        let plan = plan(&self.nodes, &maps, output);
        Ok(Graph { name: self.name, params: self.params, consts: self.consts, nodes: self.nodes, maps, output, plan })
    }

    /// A function called several times gets -1, -2, ... in call order, as in the original.
    fn name_nodes(&mut self) {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for node in &self.nodes {
            *counts.entry(node.callee.clone()).or_default() += 1;
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for node in &mut self.nodes {
            node.name = if counts[&node.callee] > 1 {
                let n = seen.entry(node.callee.clone()).or_default();
                *n += 1;
                format!("{}-{}", node.callee, n)
            } else {
                node.callee.to_string()
            };
        }
    }

    fn map_specs(&self) -> Vec<MapSpec> {
        let mut maps: Vec<MapSpec> = self
            .maps
            .iter()
            .map(|port| MapSpec {
                source: match port.source {
                    Source::Node(n) => n,
                    // `MapSource` is only implemented for node outputs.
                    _ => unreachable!("a map over something else than a node's output"),
                },
                nodes: Vec::new(),
                whole_inputs: Vec::new(),
            })
            .collect();
        for (index, node) in self.nodes.iter().enumerate() {
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
}

/// Who waits for whom, derived once so that a run only counts down.
/// The chain of tasks of `map`: which value of the chain each input reads, and how often each
/// is read.
fn chain(nodes: &[NodeSpec], map: &MapSpec) -> Chain {
    let slot_of = |source: Source| match source {
        Source::Node(n) if n == map.source => Some(0),
        Source::Node(n) => map.nodes.iter().position(|&m| m == n).map(|i| i + 1),
        _ => None,
    };
    let mut chain = Chain { slots: Vec::new(), uses: vec![0; map.nodes.len() + 1], batched: true };
    for &node in &map.nodes {
        let node = &nodes[node as usize];
        let slots: Vec<Option<usize>> = node
            .inputs
            .iter()
            .map(|edge| match edge.how {
                How::Split(_) => slot_of(edge.port.source),
                _ => None,
            })
            .collect();
        for &slot in slots.iter().flatten() {
            chain.uses[slot] += 1;
        }
        let splits = node.inputs.iter().filter(|edge| matches!(edge.how, How::Split(_))).count();
        chain.batched &= matches!(node.body, Body::Task(_, Some(_)))
            && splits == 1
            && slots.iter().flatten().count() == 1
            && node.inputs.iter().all(|edge| matches!(edge.how, How::Split(_) | How::Whole));
        chain.slots.push(slots);
    }
    chain
}

fn plan(nodes: &[NodeSpec], maps: &[MapSpec], output: Option<Port>) -> Plan {
    let mut plan = Plan {
        waits_for: vec![0; nodes.len()],
        node_dependents: vec![Vec::new(); nodes.len()],
        map_dependents: vec![Vec::new(); nodes.len()],
        maps_over: vec![Vec::new(); nodes.len()],
        reads: vec![0; nodes.len()],
        chains: maps.iter().map(|map| chain(nodes, map)).collect(),
    };
    // Who reads each output, and how often: a fan-in or a node outside maps once; a map once
    // (each of its jobs reads the partitions of its range, and passes them along its chain of
    // tasks); a node in a map that reads a whole output, once per partition: a number not
    // known yet.
    for node in nodes {
        for edge in &node.inputs {
            let Source::Node(source) = edge.port.source else { continue };
            let reads = &mut plan.reads[source as usize];
            *reads = match (node.map, edge.how) {
                (_, How::Split(_)) => continue,
                (Some(_), _) => KEEP,
                (None, _) => reads.saturating_add(1),
            };
        }
    }
    for map in maps.iter().filter(|map| !map.nodes.is_empty()) {
        let reads = &mut plan.reads[map.source as usize];
        *reads = reads.saturating_add(1);
    }
    if let Some(Port { source: Source::Node(n), .. }) = output {
        plan.reads[n as usize] = plan.reads[n as usize].saturating_add(1);
    }
    for (index, node) in nodes.iter().enumerate() {
        if node.map.is_some() {
            continue;
        }
        let mut sources: Vec<u32> = node
            .inputs
            .iter()
            .filter_map(|e| match e.port.source {
                Source::Node(n) => Some(n),
                _ => None,
            })
            .collect();
        sources.sort_unstable();
        sources.dedup();
        plan.waits_for[index] = sources.len() as u32;
        for source in sources {
            plan.node_dependents[source as usize].push(index as u32);
        }
    }
    for (index, map) in maps.iter().enumerate() {
        if map.nodes.is_empty() {
            continue;
        }
        plan.maps_over[map.source as usize].push(index as u32);
        for &input in &map.whole_inputs {
            plan.map_dependents[input as usize].push(index as u32);
        }
    }
    plan
}

/// The arguments of a call to `C`: a tuple with one handle per parameter.
#[diagnostic::on_unimplemented(
    message = "these arguments do not fit the parameters of `{C}`",
    label = "pass a tuple with one handle per parameter of `{C}`"
)]
pub trait Args<C> {
    /// Partitioned if any argument is a partition.
    type Mode: Mode;
    #[doc(hidden)]
    fn edges(&self) -> Vec<Edge>;
}

impl<C: Arity<0>> Args<C> for () {
    type Mode = crate::rules::Whole;
    fn edges(&self) -> Vec<Edge> {
        Vec::new()
    }
}

macro_rules! fold_mode {
    ($m:ty) => { $m };
    ($m:ty, $n:ty $(, $rest:ty)*) => { fold_mode!(<$m as Mode>::Join<$n> $(, $rest)*) };
}

macro_rules! args {
    ($n:literal; $($i:tt $a:ident),+) => {
        impl<C: Arity<$n> $(+ InputAt<$i>)+, $($a: Input<<C as InputAt<$i>>::Ty>),+> Args<C> for ($($a,)+) {
            type Mode = fold_mode!($($a::Mode),+);
            fn edges(&self) -> Vec<Edge> {
                vec![$(self.$i.edge()),+]
            }
        }
    };
}

args!(1; 0 A0);
args!(2; 0 A0, 1 A1);
args!(3; 0 A0, 1 A1, 2 A2);
args!(4; 0 A0, 1 A1, 2 A2, 3 A3);
args!(5; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4);
args!(6; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4, 5 A5);
args!(7; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4, 5 A5, 6 A6);
args!(8; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4, 5 A5, 6 A6, 7 A7);

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
/// `#[dag]` builds one for each DAG function; [`Dag::build`] builds one by hand.
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
        let graph = builder.finish(output.port())?;
        Ok(Dag { graph: Arc::new(graph), _types: PhantomData })
    }

    /// Runs the DAG on the default [`Runner`] (rayon's global pool, values in memory).
    pub fn run(&self, params: P) -> Result<R::Run, Error> {
        Runner::default().run(self, params)
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
