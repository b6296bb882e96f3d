//! The partitioning rules, as traits on [handle](crate::handle) types.
//!
//! Each rule is a trait bound that holds for the allowed patterns and fails for the forbidden
//! ones; the failing bound is a trait with a `#[diagnostic::on_unimplemented]` message that states
//! the rule and the fix. The macros check one bound per argument, spanned at the user's own
//! expression, and the [builder API](crate::DagBuilder) uses the very same traits, so the rules
//! hold whichever way a DAG is written.
//!
//! | rule | checked by |
//! |---|---|
//! | 1. a node is partitioned by at most one input (no map inside a map) | [`MapSource`] → [`MapInsideMap`] |
//! | 2. only a partitioned output can partition a node | [`MapSource`] → [`MapOverWholeValue`] |
//! | 3. never a DAG parameter | [`MapSource`] → [`MapOverParameter`] |
//! | 4. a partitioned node produces no partitioned output | [`Produce`] → [`RunsPerPartition`] |
//! | 5. a DAG does not return a partitioned node's output | [`Returns`] → [`ReturnFromPartitionedNode`] |
//! | 6. a partition is not partitioned again | [`MapSource`] → [`MapOverPartition`] |
//! | 7. a partitioned output is mapped or collected, never used as one value | [`Input`] → [`CollectFrom`] |
//! | 8. an output feeds only a parameter of its own type | [`Input`] → [`SameType`] |

use std::sync::Arc;

use crate::callable::{Callable, Shape};
use crate::data::Data;
use crate::graph::{AnyValue, BoxError, Collector, Edge, How};
use crate::handle::{MapId, Param, Partition, PerPartition, Port, Value};
use crate::partitions::{Partitions, PartsReader};
use crate::Partitioned;

mod sealed {
    pub trait Sealed {}
}

/// How a node uses one of its inputs: whole, or one partition per run of the node.
pub trait Mode: sealed::Sealed + Copy + Default + 'static {
    /// The mode of a node with inputs of modes `Self` and `M`: partitioned if either is.
    ///
    /// All partitions a node can see come from the map it is declared in (a map inside a map
    /// is refused by rule 1), so two partitioned inputs always run in step.
    type Join<M: Mode>: Mode;
    #[doc(hidden)]
    type WithSplit: Mode;
}

/// The input is used whole: the node runs once for it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Whole;

/// The input is one partition: the node runs once per partition.
#[derive(Clone, Copy, Debug, Default)]
pub struct Split;

/// The input comes from code that already failed to compile; see [`Poisoned`].
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Poison;

impl sealed::Sealed for Whole {}
impl sealed::Sealed for Split {}
impl sealed::Sealed for Poison {}
impl Mode for Whole {
    type Join<M: Mode> = M;
    type WithSplit = Split;
}
impl Mode for Split {
    type Join<M: Mode> = M::WithSplit;
    type WithSplit = Split;
}
impl Mode for Poison {
    type Join<M: Mode> = Poison;
    type WithSplit = Poison;
}

/// The handle of a map or call downstream of a rule violation.
///
/// When a rule fails, the compiler reports it once, at the user's expression; what that
/// expression evaluates to is `Poisoned`, which every later check accepts, so that one mistake
/// gives one error rather than a cascade. Code that compiles never holds one.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Poisoned;

impl<P> Input<P> for Poisoned {
    type Mode = Poison;
    fn edge(&self) -> Edge {
        unreachable!("a poisoned handle only exists in code that does not compile")
    }
}

impl<C: Callable> Produce<C> for Poison {
    type Handle = Poisoned;
    fn handle(_: Port, _: Option<MapId>) -> Poisoned {
        Poisoned
    }
}

impl<L: Level> MapSource<L> for Poisoned {
    type Item = Poisoned;
    type Part = Poisoned;
    type Out<C> = Poisoned;
    fn port(&self) -> Port {
        unreachable!("a poisoned handle only exists in code that does not compile")
    }
    fn part(_: Port, _: MapId) -> Poisoned {
        Poisoned
    }
    fn out<C>(_: C) -> Poisoned {
        Poisoned
    }
}

impl MapResult for Poisoned {
    type Collected = Poisoned;
    fn collected(self) -> Poisoned {
        Poisoned
    }
    fn map_of(&self) -> Option<MapId> {
        None
    }
}

impl<R> Returns<R> for Poisoned {
    fn port(&self) -> Option<Port> {
        None
    }
}

/// Where a map can be declared: at the top of a DAG body, or inside another map.
pub trait Level: sealed::Sealed + 'static {}

/// The top level of a DAG body.
#[derive(Debug)]
pub struct TopLevel;

/// Inside the closure of a `.map(...)`.
#[derive(Debug)]
pub struct InsideMap;

impl sealed::Sealed for TopLevel {}
impl sealed::Sealed for InsideMap {}
impl Level for TopLevel {}
impl Level for InsideMap {}

// ---------------------------------------------------------------------------------------------
// Inputs: rules 7 and 8.

/// A handle that can feed a task parameter of type `P`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an output of this DAG",
    label = "a task argument must be a DAG parameter, a node output or a constant",
    note = "bind the output of a task call with `let` and pass that variable"
)]
pub trait Input<P> {
    /// Whether the node uses the input whole or one partition at a time.
    type Mode: Mode;
    #[doc(hidden)]
    fn edge(&self) -> Edge;
}

/// Rule 8: an output feeds only a parameter of its own type.
#[diagnostic::on_unimplemented(
    message = "mismatched types: this argument is a `{Self}`, but the parameter it feeds takes a `{P}`",
    label = "expected `{P}`, found `{Self}`",
    note = "a node's output feeds a task parameter of the same type (or a reference to it)"
)]
pub trait SameType<P> {
    #[doc(hidden)]
    fn same(self) -> P;
}

#[diagnostic::do_not_recommend]
impl<T> SameType<T> for T {
    fn same(self) -> T {
        self
    }
}

/// Rule 7: a partitioned output is mapped over or collected, never used as one value.
#[diagnostic::on_unimplemented(
    message = "a partitioned output is used where one `{Self}` is expected",
    label = "this is a partitioned output: one `{T}` per partition",
    note = "map over it to run the task once per partition: `parts.map(|part| task(part))`",
    note = "or collect it: declare the parameter as `Vec<{T}>` to receive every partition, in order, or as `Partitions<{T}>` to read them one at a time"
)]
pub trait CollectFrom<T> {
    #[doc(hidden)]
    fn collector() -> Collector;
}

#[diagnostic::do_not_recommend]
impl<T: Data, U: Data> CollectFrom<T> for Vec<U>
where
    T: SameType<U>,
{
    fn collector() -> Collector {
        collect_vec::<T, U>
    }
}

fn collect_vec<T: Data + SameType<U>, U: Data>(reader: &Arc<PartsReader>) -> Result<AnyValue, BoxError> {
    let all: Vec<U> = reader.take_all::<T>()?.into_iter().map(T::same).collect();
    Ok(Arc::new(all))
}

#[diagnostic::do_not_recommend]
impl<T: Data, U: Data> CollectFrom<T> for Partitions<U>
where
    T: SameType<U>,
{
    fn collector() -> Collector {
        |reader| Ok(Arc::new(Partitions::<U>::new(reader.clone())))
    }
}

impl<T, P> Input<P> for Value<T>
where
    T: SameType<P>,
{
    type Mode = Whole;
    fn edge(&self) -> Edge {
        Edge { port: self.port, how: How::Whole }
    }
}

impl<T, P> Input<P> for Param<T>
where
    T: SameType<P>,
{
    type Mode = Whole;
    fn edge(&self) -> Edge {
        Edge { port: self.port, how: How::Whole }
    }
}

impl<T, P> Input<P> for Partition<T>
where
    T: SameType<P>,
{
    type Mode = Split;
    fn edge(&self) -> Edge {
        Edge { port: self.port, how: How::Split(self.map) }
    }
}

impl<T, P> Input<P> for Partitioned<T>
where
    P: CollectFrom<T>,
{
    type Mode = Whole;
    fn edge(&self) -> Edge {
        Edge { port: self.port, how: How::Collect(P::collector()) }
    }
}

impl<T, P> Input<P> for PerPartition<T>
where
    P: CollectFrom<T>,
{
    type Mode = Whole;
    fn edge(&self) -> Edge {
        Edge { port: self.port, how: How::Collect(P::collector()) }
    }
}

// ---------------------------------------------------------------------------------------------
// Maps: rules 1, 2, 3 and 6.

/// A handle that a map at level `L` can run over.
#[diagnostic::on_unimplemented(
    message = "cannot map over `{Self}`",
    label = "only a partitioned output can be mapped over"
)]
pub trait MapSource<L: Level> {
    /// The type of one partition.
    type Item;
    /// What the closure of the map receives: [`Partition<Self::Item>`].
    type Part;
    /// What the map returns, given what its closure collects.
    type Out<C>;
    #[doc(hidden)]
    fn port(&self) -> Port;
    #[doc(hidden)]
    fn part(port: Port, map: MapId) -> Self::Part;
    #[doc(hidden)]
    fn out<C>(collected: C) -> Self::Out<C>;
}

/// Rule 1: a node is partitioned by at most one input, so a map never sits inside another map.
#[diagnostic::on_unimplemented(
    message = "a node is partitioned by at most one input, but this map is inside another map",
    label = "nodes in this map would be partitioned twice: by the outer partition and by this one",
    note = "move the inner map into a nested DAG (`#[dag]`) that returns one whole value, and call that DAG from the outer map"
)]
pub trait MapInsideMap {}

/// Rule 2: a node may only be partitioned by a partitioned output.
#[diagnostic::on_unimplemented(
    message = "a node may only be partitioned by a partitioned output, and `{Self}` is one whole value",
    label = "this is a whole output, not a partitioned one",
    note = "to split a value into partitions, return it from a `#[task(partitioned)]` task (any `IntoIterator`: each item is one partition) and map over that task's output"
)]
pub trait MapOverWholeValue {}

/// Rule 3: a node may never be partitioned by a DAG parameter.
#[diagnostic::on_unimplemented(
    message = "a node may never be partitioned by a DAG parameter, even when its type is a collection",
    label = "this is a parameter of the DAG",
    note = "turn the parameter into the output of a partitioned task, e.g. `#[task(partitioned)] fn split(items: Vec<T>) -> Vec<T> {{ items }}`, and map over `split(parameter)`"
)]
pub trait MapOverParameter {}

/// Rule 6: a single partition cannot be iterated or partitioned again.
#[diagnostic::on_unimplemented(
    message = "a single partition cannot be iterated or partitioned again",
    label = "this is one partition of the enclosing map",
    note = "to work on the items inside one partition, write a task that takes the whole partition and loops over it",
    note = "or call a nested DAG (`#[dag]`) that splits the partition with its own `#[task(partitioned)]` task and reduces it to one value"
)]
pub trait MapOverPartition {}

#[diagnostic::do_not_recommend]
impl<T> MapSource<TopLevel> for Partitioned<T> {
    type Item = T;
    type Part = Partition<T>;
    type Out<C> = C;
    fn port(&self) -> Port {
        self.port
    }
    fn part(port: Port, map: MapId) -> Partition<T> {
        Partition::new(port, map)
    }
    fn out<C>(collected: C) -> C {
        collected
    }
}

#[diagnostic::do_not_recommend]
impl<T> MapSource<TopLevel> for PerPartition<T> {
    type Item = T;
    type Part = Partition<T>;
    type Out<C> = C;
    fn port(&self) -> Port {
        self.port
    }
    fn part(port: Port, map: MapId) -> Partition<T> {
        Partition::new(port, map)
    }
    fn out<C>(collected: C) -> C {
        collected
    }
}

// The impls below that refuse a map are written out one by one, not generated by a macro:
// the compiler quotes the impl in its message, and a macro's `$handle<T>: $rule` would be what
// users read.

impl<T> MapSource<InsideMap> for Partitioned<T>
where
    Partitioned<T>: MapInsideMap,
{
    type Item = T;
    type Part = Poisoned;
    type Out<C> = Poisoned;
    fn port(&self) -> Port {
        self.port
    }
    fn part(_: Port, _: MapId) -> Poisoned {
        Poisoned
    }
    fn out<C>(_: C) -> Poisoned {
        Poisoned
    }
}

impl<T> MapSource<InsideMap> for PerPartition<T>
where
    PerPartition<T>: MapInsideMap,
{
    type Item = T;
    type Part = Poisoned;
    type Out<C> = Poisoned;
    fn port(&self) -> Port {
        self.port
    }
    fn part(_: Port, _: MapId) -> Poisoned {
        Poisoned
    }
    fn out<C>(_: C) -> Poisoned {
        Poisoned
    }
}

impl<T, L: Level> MapSource<L> for Value<T>
where
    Value<T>: MapOverWholeValue,
{
    type Item = T;
    type Part = Poisoned;
    type Out<C> = Poisoned;
    fn port(&self) -> Port {
        self.port
    }
    fn part(_: Port, _: MapId) -> Poisoned {
        Poisoned
    }
    fn out<C>(_: C) -> Poisoned {
        Poisoned
    }
}

impl<T, L: Level> MapSource<L> for Param<T>
where
    Param<T>: MapOverParameter,
{
    type Item = T;
    type Part = Poisoned;
    type Out<C> = Poisoned;
    fn port(&self) -> Port {
        self.port
    }
    fn part(_: Port, _: MapId) -> Poisoned {
        Poisoned
    }
    fn out<C>(_: C) -> Poisoned {
        Poisoned
    }
}

impl<T, L: Level> MapSource<L> for Partition<T>
where
    Partition<T>: MapOverPartition,
{
    type Item = T;
    type Part = Poisoned;
    type Out<C> = Poisoned;
    fn port(&self) -> Port {
        self.port
    }
    fn part(_: Port, _: MapId) -> Poisoned {
        Poisoned
    }
    fn out<C>(_: C) -> Poisoned {
        Poisoned
    }
}

/// What the closure of a map may return: the output of a node that ran once per partition.
#[diagnostic::on_unimplemented(
    message = "a map must end with the output of a node that runs once per partition, not `{Self}`",
    label = "this value does not depend on the partition",
    note = "make the last call in the map take the partition, or a value computed from it"
)]
pub trait MapResult {
    /// What the map evaluates to outside its closure.
    type Collected;
    #[doc(hidden)]
    fn collected(self) -> Self::Collected;
    #[doc(hidden)]
    fn map_of(&self) -> Option<MapId>;
}

impl<T> MapResult for Partition<T> {
    type Collected = PerPartition<T>;
    fn map_of(&self) -> Option<MapId> {
        Some(self.map)
    }
    fn collected(self) -> PerPartition<T> {
        PerPartition::new(self.port)
    }
}

// ---------------------------------------------------------------------------------------------
// Node outputs: rule 4.

/// The handle a call of `C` returns, given the mode of the call (the join of its inputs' modes).
pub trait Produce<C: Callable>: Mode {
    /// The handle type of the call's output.
    type Handle;
    #[doc(hidden)]
    fn handle(port: Port, map: Option<MapId>) -> Self::Handle;
}

/// Rule 4: a node that runs once per partition may not produce a partitioned output.
///
/// `#[task]` and `#[dag]` implement it for every task and DAG whose output is one whole value.
#[diagnostic::on_unimplemented(
    message = "`{Self}` returns a partitioned output, so it cannot run once per partition: a partitioned node may not produce a partitioned output",
    label = "this call takes a partition, so it would run once per partition",
    note = "no partitions of partitions: call `{Self}` outside the map, or compose: move the per-partition work into a nested DAG (`#[dag]`) that returns one whole value"
)]
pub trait RunsPerPartition {}

impl<C: Callable> Produce<C> for Whole {
    type Handle = <C::Shape as Shape>::Handle<C::Output>;
    fn handle(port: Port, _map: Option<MapId>) -> Self::Handle {
        <C::Shape as Shape>::handle(port)
    }
}

impl<C: Callable + RunsPerPartition> Produce<C> for Split {
    type Handle = Partition<C::Output>;
    fn handle(port: Port, map: Option<MapId>) -> Self::Handle {
        Partition::new(port, map.expect("a partitioned node is declared inside a map"))
    }
}

// ---------------------------------------------------------------------------------------------
// DAG outputs: rule 5.

/// A handle that a DAG declared to return `R` can return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a DAG that returns `{R}`",
    label = "a DAG returns a parameter, a node output or `()`"
)]
pub trait Returns<R> {
    #[doc(hidden)]
    fn port(&self) -> Option<Port>;
}

/// Rule 5: a DAG may not return the output of a partitioned node directly.
///
/// `Self` is the DAG's declared return type; `T` the type of one partition.
#[diagnostic::on_unimplemented(
    message = "a DAG may not return the output of a partitioned node directly",
    label = "this is the output of a node that runs once per partition",
    note = "add a fan-in task that takes `Vec<{T}>` (every partition, in order) and returns one value, and return that task's output"
)]
pub trait ReturnFromPartitionedNode<T> {}

/// The declared return type of a DAG matches the returned output.
#[diagnostic::on_unimplemented(
    message = "mismatched types: the DAG is declared to return `{R}`, but this is a `{Self}`",
    label = "expected `{R}`, found `{Self}`"
)]
pub trait SameReturnType<R> {}

#[diagnostic::do_not_recommend]
impl<T> SameReturnType<T> for T {}

/// A DAG that returns a partitioned output declares it.
#[diagnostic::on_unimplemented(
    message = "this DAG returns a partitioned output, so its return type must be `Partitioned<{T}>`, not `{Self}`",
    label = "this is a partitioned output",
    note = "declare `-> Partitioned<{T}>`, or reduce the partitions with a fan-in task that takes `Vec<{T}>`"
)]
pub trait AcceptsPartitioned<T> {}

#[diagnostic::do_not_recommend]
impl<T, U> AcceptsPartitioned<T> for Partitioned<U> where T: SameReturnType<U> {}

impl<T, R> Returns<R> for Value<T>
where
    T: SameReturnType<R>,
{
    fn port(&self) -> Option<Port> {
        Some(self.port)
    }
}

impl<T, R> Returns<R> for Param<T>
where
    T: SameReturnType<R>,
{
    fn port(&self) -> Option<Port> {
        Some(self.port)
    }
}

impl<T, R> Returns<R> for Partitioned<T>
where
    R: AcceptsPartitioned<T>,
{
    fn port(&self) -> Option<Port> {
        Some(self.port)
    }
}

impl<T, R> Returns<R> for PerPartition<T>
where
    R: ReturnFromPartitionedNode<T>,
{
    fn port(&self) -> Option<Port> {
        Some(self.port)
    }
}

/// A DAG's output, already checked against the declared return type `R`.
#[doc(hidden)]
pub struct Output<R> {
    pub(crate) port: Option<Port>,
    _return: std::marker::PhantomData<fn() -> R>,
}

impl<R> Output<R> {
    pub(crate) fn new(port: Option<Port>) -> Self {
        Output { port, _return: std::marker::PhantomData }
    }
}

impl<R> Returns<R> for Output<R> {
    fn port(&self) -> Option<Port> {
        self.port
    }
}

impl Returns<()> for () {
    fn port(&self) -> Option<Port> {
        None
    }
}

pub(crate) mod sealed_shape {
    pub trait Sealed {}
}
