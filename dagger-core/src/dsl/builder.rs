//! The builder API: how a DAG is declared, call by call. The macros expand to it.
//!
//! Every method takes and returns [handles](super::handle), and every rule of partitioning is a
//! bound on those handles (see [`rules`](crate::rules)), so a DAG written by hand with this API
//! is checked exactly like one written with `#[dag]`.

use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::args::Args;
use super::callable::{Callable, Produce};
use super::declare::{Declare, NewNode};
use super::fields::{take_field, Fields, Pack, WholeValue};
use super::handle::{Param, Partitioned, Value};
use super::keyed::{self, JoinsWith, KeyRange, KeyedOutput, OrderedKeys, Windows};
use super::names;
use super::regroup::{self, Grouping, ItemOf, Items, PartitionedOutput};
use super::rules::{InsideMap, Level, MapResult, MapSource, TopLevel};
use super::shuffle;
use crate::data::Data;
use crate::erased::{owned, AnyValue, Codec};
use crate::error::BuildError;
use crate::format::Json;
use crate::graph::{DagId, Edge, How, MapId, ParamSpec, Port, Source, Work};
use crate::invoke::{Emit, Inputs};

static NEXT_DAG: AtomicU64 = AtomicU64::new(1);

/// Records the nodes of one DAG. Obtained from [`Dag::build`](crate::Dag::build).
pub struct DagBuilder {
    pub(super) id: DagId,
    pub(super) name: String,
    pub(super) params: Vec<ParamSpec>,
    pub(super) consts: Vec<(AnyValue, Codec)>,
    /// The nodes in declaration order, each with the map it is declared in.
    pub(super) nodes: Vec<(NewNode, Option<u32>)>,
    /// The source of each map.
    pub(super) maps: Vec<Port>,
    pub(super) error: Option<BuildError>,
}

/// Records the nodes declared inside one map. Obtained in the closure of [`Scope::map`].
pub struct MapBuilder<'a> {
    dag: &'a mut DagBuilder,
    map: MapId,
}

/// Where nodes are declared: the top of a DAG ([`DagBuilder`]) or inside a map ([`MapBuilder`]).
pub trait Scope: Declare {
    /// [`TopLevel`] or [`InsideMap`]: a map can only be declared at the top level (rule 1).
    type Level: Level;

    #[doc(hidden)]
    fn dag(&mut self) -> &mut DagBuilder;

    /// A constant input: `value` is stored in the DAG and passed to every node that reads it.
    fn constant<T: Data>(&mut self, value: T) -> Value<T> {
        Value::new(self.add_constant(Arc::new(value), Codec::of::<T, Json>()))
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

    /// One field of a value, as an output of its own, in a node named `name`:
    /// `b.field(datasets, "training", |d| &d.training)` (`#[dag]` writes
    /// `let training = datasets.training;`). Inside a map, the field of each partition.
    fn field<H, F, G>(&mut self, value: H, name: &str, field: G) -> H::Field<F>
    where
        H: Fields,
        F: Data,
        G: Fn(&H::Item) -> &F + Send + Sync + 'static,
        Self: Sized,
    {
        self.field_node(value, name, &format!("field {name}"), field)
    }

    /// [`Scope::field`], with `version` saying which field it takes (`field 1`), so that a node
    /// named after the user's binding changes when the binding takes another field.
    #[doc(hidden)]
    fn field_node<H, F, G>(&mut self, value: H, name: &str, version: &str, field: G) -> H::Field<F>
    where
        H: Fields,
        F: Data,
        G: Fn(&H::Item) -> &F + Send + Sync + 'static,
        Self: Sized,
    {
        let map = self.current_map();
        let work = Work::Derived(Arc::new(take_field::<H::Item, F, G>(field)));
        let output_type = std::any::type_name::<F>();
        let (name, version) = (name.to_string(), version.to_string());
        let node = NewNode::made(name, version, work, vec![value.edge()], false, output_type, Codec::of::<F, Json>());
        H::field(self.add_node(node), map)
    }

    /// A whole value turned into another by `convert`, as a node: how `#[dag]` builds a struct
    /// of outputs (`Report { total, mean }`) from the tuple of them.
    #[doc(hidden)]
    fn convert<H, U, G>(&mut self, value: H, name: &str, convert: G) -> Value<U>
    where
        H: WholeValue,
        U: Data,
        G: Fn(H::Item) -> U + Send + Sync + 'static,
        Self: Sized,
    {
        let work = Work::Derived(Arc::new(move |mut inputs: Inputs, emit: &mut dyn Emit| {
            let value = inputs.next().ok_or("a conversion of no value")?;
            emit.one(Arc::new(convert(owned::<H::Item>(value)?)))
        }));
        let edge = Edge { port: value.port(), how: How::Whole };
        let node = NewNode::made(
            name.to_string(),
            format!("convert {name}"),
            work,
            vec![edge],
            false,
            std::any::type_name::<U>(),
            Codec::of::<U, Json>(),
        );
        Value::new(self.add_node(node))
    }

    /// Packs whole values into one tuple output (what a DAG that returns a tuple returns).
    fn pack<P: Pack>(&mut self, values: P) -> Value<P::Packed>
    where
        Self: Sized,
    {
        let work = Work::Derived(Arc::new(|inputs, emit: &mut dyn Emit| emit.one(Arc::new(P::pack(inputs)?))));
        let output_type = std::any::type_name::<P::Packed>();
        let codec = Codec::of::<P::Packed, Json>();
        let name = format!("{}_output", self.dag().name);
        let node = NewNode::made(name, "pack".to_string(), work, values.edges(), false, output_type, codec);
        Value::new(self.add_node(node))
    }

    /// The trailing window of each partition of `source`, a keyed partitioned output: the
    /// partition and the `before` partitions before it in key order, with their keys, oldest
    /// first (fewer for the first partitions), keyed by the partition's key. Each window is a
    /// copy: a partition is stored once per window it is in. (`days.window(6)` in `#[dag]`.)
    fn window<H>(&mut self, source: H, before: usize) -> Windows<H>
    where
        H: OrderedKeys,
        Self: Sized,
    {
        self.window_named(source, before, None)
    }

    /// [`Scope::window`], its node named `binding` when the window is bound to a name.
    #[doc(hidden)]
    fn window_named<H>(&mut self, source: H, before: usize, binding: Option<&str>) -> Windows<H>
    where
        H: OrderedKeys,
        Self: Sized,
    {
        let dag = self.dag();
        dag.check_port(source.port());
        let name = derived_name(dag, source.port(), "window", binding);
        keyed::window(dag, source, before, name)
    }

    /// The partitions of `source` whose keys are in `range` (`from..to`, `from..=to`, `from..`,
    /// `..to`), with their keys: only those partitions are read, and the nodes after it run on
    /// those only. (`days.select(from..to)` in `#[dag]`.)
    fn select<H, R>(&mut self, source: H, range: R) -> Partitioned<H::Item, H::Key>
    where
        H: OrderedKeys,
        R: KeyRange<H::Key>,
        Self: Sized,
    {
        self.select_named(source, range, None)
    }

    /// [`Scope::select`], its node named `binding` when the selection is bound to a name.
    #[doc(hidden)]
    fn select_named<H, R>(&mut self, source: H, range: R, binding: Option<&str>) -> Partitioned<H::Item, H::Key>
    where
        H: OrderedKeys,
        R: KeyRange<H::Key>,
        Self: Sized,
    {
        let dag = self.dag();
        dag.check_port(source.port());
        let bounds = range.bounds();
        for bound in [&bounds.0, &bounds.1].into_iter().flatten() {
            dag.check_port(bound.port);
        }
        let name = derived_name(dag, source.port(), "selected", binding);
        keyed::select(dag, source, bounds, name)
    }

    /// The items of each partition of `source` (partitions that are collections) in batches of
    /// `size` (the last one of a partition smaller), each batch a partition: a `Vec` of items,
    /// in order. No shuffle; within one partition, as Daft's `into_batches`: for partitions too
    /// large to handle whole. (`parts.into_batches(1000)` in `#[dag]`.)
    // Named as in the DAG body (`parts.into_batches(..)`, Daft's names), where `self` is the source.
    #[allow(clippy::wrong_self_convention)]
    fn into_batches<H>(&mut self, source: H, size: usize) -> Partitioned<Vec<ItemOf<H>>>
    where
        H: PartitionedOutput,
        H::Item: Items,
        Self: Sized,
    {
        self.into_batches_named(source, size, None)
    }

    /// [`Scope::into_batches`], its node named `binding` when it is bound to a name.
    #[doc(hidden)]
    // Named as in the DAG body (`parts.into_batches(..)`, Daft's names), where `self` is the source.
    #[allow(clippy::wrong_self_convention)]
    fn into_batches_named<H>(&mut self, source: H, size: usize, binding: Option<&str>) -> Partitioned<Vec<ItemOf<H>>>
    where
        H: PartitionedOutput,
        H::Item: Items,
        Self: Sized,
    {
        regroup_named(self.dag(), source, (Grouping::Batches(size), "batches"), binding)
    }

    /// The items of the partitions of `source` (partitions that are collections) in `count`
    /// partitions, in order, without a shuffle: adjacent partitions joined when there are more
    /// than `count`, each partition cut into pieces when there are fewer, as even as can be.
    /// Each new partition is a `Vec` of items. (`parts.into_partitions(16)` in `#[dag]`.)
    // Named as in the DAG body (`parts.into_partitions(..)`, Daft's names), where `self` is the source.
    #[allow(clippy::wrong_self_convention)]
    fn into_partitions<H>(&mut self, source: H, count: usize) -> Partitioned<Vec<ItemOf<H>>>
    where
        H: PartitionedOutput,
        H::Item: Items,
        Self: Sized,
    {
        self.into_partitions_named(source, count, None)
    }

    /// [`Scope::into_partitions`], its node named `binding` when it is bound to a name.
    #[doc(hidden)]
    // Named as in the DAG body (`parts.into_partitions(..)`, Daft's names), where `self` is the source.
    #[allow(clippy::wrong_self_convention)]
    fn into_partitions_named<H>(
        &mut self,
        source: H,
        count: usize,
        binding: Option<&str>,
    ) -> Partitioned<Vec<ItemOf<H>>>
    where
        H: PartitionedOutput,
        H::Item: Items,
        Self: Sized,
    {
        regroup_named(self.dag(), source, (Grouping::Count(count), "partitions"), binding)
    }

    /// The partitions of two keyed outputs paired by key: a keyed output whose partition for
    /// key `k` is `(left's, right's)`, for the keys both have, in `left`'s order (an inner
    /// join; only the `right` partitions it pairs are read). The keys must be of one type.
    /// (`sales.join(forecasts)` in `#[dag]`.)
    fn join<A, B>(&mut self, left: A, right: B) -> Partitioned<(A::Item, B::Item), A::Key>
    where
        A: KeyedOutput,
        B: JoinsWith<A>,
        Self: Sized,
    {
        self.join_named(left, right, None)
    }

    /// [`Scope::join`], its node named `binding` when it is bound to a name.
    #[doc(hidden)]
    fn join_named<A, B>(&mut self, left: A, right: B, binding: Option<&str>) -> Partitioned<(A::Item, B::Item), A::Key>
    where
        A: KeyedOutput,
        B: JoinsWith<A>,
        Self: Sized,
    {
        let dag = self.dag();
        dag.check_port(left.port());
        dag.check_port(right.port());
        let name = derived_name(dag, left.port(), "joined", binding);
        keyed::join(dag, (left, right), name)
    }

    /// The items of the partitions of `source` (each partition a collection) regrouped into
    /// `n` partitions by `key`: each output partition holds every item whose key hashes to it,
    /// in source order, as a `Vec`. The reduce side of a map-reduce: `words.shuffle(16, |(word,
    /// _)| word.clone())` puts every count of one word in one partition. On disk each source
    /// partition's buckets are written once, and each output partition reads only its own.
    fn shuffle<H, K, F>(&mut self, source: H, n: usize, key: F) -> Partitioned<Vec<ItemOf<H>>>
    where
        H: PartitionedOutput,
        H::Item: Items,
        K: Hash,
        F: Fn(&ItemOf<H>) -> K + Send + Sync + 'static,
        Self: Sized,
    {
        self.shuffle_named(source, n, key, None)
    }

    /// [`Scope::shuffle`], its node named `binding` when it is bound to a name.
    #[doc(hidden)]
    fn shuffle_named<H, K, F>(
        &mut self,
        source: H,
        n: usize,
        key: F,
        binding: Option<&str>,
    ) -> Partitioned<Vec<ItemOf<H>>>
    where
        H: PartitionedOutput,
        H::Item: Items,
        K: Hash,
        F: Fn(&ItemOf<H>) -> K + Send + Sync + 'static,
        Self: Sized,
    {
        let dag = self.dag();
        dag.check_port(source.port());
        let name = derived_name(dag, source.port(), "shuffled", binding);
        shuffle::shuffle(dag, source, n, key, name)
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
        if R::map_of(&last).is_some_and(|result_map| result_map != map) {
            inner.dag.fail(BuildError::PartitionOutsideItsMap { dag: inner.dag.name.clone() });
        }
        H::out(last.collected())
    }
}

impl Declare for DagBuilder {
    fn current_map(&self) -> Option<MapId> {
        None
    }
    fn add_node(&mut self, node: NewNode) -> Port {
        self.add(node, None)
    }
    fn add_constant(&mut self, value: AnyValue, codec: Codec) -> Port {
        self.consts.push((value, codec));
        self.port(Source::Const(self.consts.len() as u32 - 1))
    }
}

impl Scope for DagBuilder {
    type Level = TopLevel;
    fn dag(&mut self) -> &mut DagBuilder {
        self
    }
}

impl Declare for MapBuilder<'_> {
    fn current_map(&self) -> Option<MapId> {
        Some(self.map)
    }
    fn add_node(&mut self, node: NewNode) -> Port {
        self.dag.add(node, Some(self.map))
    }
    fn add_constant(&mut self, value: AnyValue, codec: Codec) -> Port {
        self.dag.add_constant(value, codec)
    }
}

impl Scope for MapBuilder<'_> {
    type Level = InsideMap;
    fn dag(&mut self) -> &mut DagBuilder {
        self.dag
    }
}

impl DagBuilder {
    pub(super) fn new(name: &str) -> Self {
        DagBuilder {
            id: DagId(NEXT_DAG.fetch_add(1, Ordering::Relaxed)),
            name: name.to_string(),
            params: Vec::new(),
            consts: Vec::new(),
            nodes: Vec::new(),
            maps: Vec::new(),
            error: names::check(name, "a DAG", name).err(),
        }
    }

    fn port(&self, source: Source) -> Port {
        Port { dag: self.id, source }
    }

    pub(super) fn param<T: Data>(&mut self, name: &str) -> Param<T> {
        if let Err(error) = names::check(&self.name, "a parameter", name) {
            self.fail(error);
        }
        let (type_name, codec) = (std::any::type_name::<T>(), Codec::of::<T, Json>());
        self.params.push(ParamSpec { name: name.to_string(), type_name, codec, default: None });
        Param::new(self.port(Source::Param(self.params.len() as u32 - 1)))
    }

    /// What a value is called, for the name of a node that takes a field of it.
    pub(super) fn describe(&self, port: Port) -> String {
        match port.source {
            Source::Node(n) => self.nodes.get(n as usize).map_or_else(String::new, |(node, _)| node.callee.clone()),
            Source::Param(i) => self.params.get(i as usize).map_or_else(String::new, |p| p.name.clone()),
            Source::Const(_) => "constant".to_string(),
        }
    }

    pub(super) fn fail(&mut self, error: BuildError) {
        self.error.get_or_insert(error);
    }

    /// Handles are only valid in the DAG that made them; the macros never mix them up, but a
    /// hand-written builder could keep one from another DAG.
    pub(super) fn check_port(&mut self, port: Port) {
        if port.dag != self.id {
            self.fail(BuildError::ForeignHandle { dag: self.name.clone() });
        }
    }

    /// Adds `node`, declared in `map`: every partition it reads must be of that map.
    fn add(&mut self, node: NewNode, map: Option<MapId>) -> Port {
        if let Err(error) = names::check(&self.name, "a node", &node.callee) {
            self.fail(error);
        }
        let mut node_map = None;
        for edge in &node.inputs {
            self.check_port(edge.port);
            if let How::Split(edge_map) = edge.how {
                if Some(edge_map) == map {
                    node_map = Some(edge_map.0);
                } else {
                    self.fail(BuildError::PartitionOutsideItsMap { dag: self.name.clone() });
                }
            }
        }
        self.nodes.push((node, node_map));
        self.port(Source::Node(self.nodes.len() as u32 - 1))
    }
}

/// The name of a node the builder makes from `port`'s output (a window, a selection): the
/// user's binding, or the output's name and what the node does.
fn derived_name(dag: &DagBuilder, port: Port, what: &str, binding: Option<&str>) -> String {
    binding.map_or_else(|| format!("{}_{what}", dag.describe(port)), str::to_string)
}

/// The node of a regrouping of `source`'s partitions, named `binding` or after `source`.
fn regroup_named<H>(
    dag: &mut DagBuilder,
    source: H,
    (grouping, what): (Grouping, &str),
    binding: Option<&str>,
) -> Partitioned<Vec<ItemOf<H>>>
where
    H: PartitionedOutput,
    H::Item: Items,
{
    dag.check_port(source.port());
    let name = derived_name(dag, source.port(), what, binding);
    regroup::regroup(dag, source, grouping, name)
}
