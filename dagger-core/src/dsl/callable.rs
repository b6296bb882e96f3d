//! What a DAG body can call: tasks (`#[task]`) and DAGs (`#[dag]`), seen as typed nodes, and
//! rule 4, which is about what such a call produces.
//!
//! The macros implement these traits on a hidden type that has the name of the user's function,
//! so that `raise(n, exponent)` inside a DAG body can name the node `raise` while the function
//! `raise` stays an ordinary function.

use super::declare::{Declare, NewNode};
use super::handle::{Partition, Partitioned, Value};
use super::rules::{Mode, Poison, Poisoned, Split, Whole};
use crate::data::{Data, TaskInput};
use crate::erased::{owned, Codec};
use crate::error::BoxError;
use crate::format::Json;
use crate::graph::{Edge, How, MapId, Port, Work};
use crate::invoke::DagValue;

/// A task or a DAG that can be called in a DAG body.
///
/// Implemented by `#[task]` and `#[dag]` only: its required items are hidden, and it is sealed
/// by a hidden trait the macros implement next to it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a task or a DAG",
    label = "only functions marked `#[task]` or `#[dag]` can be called in a DAG body",
    note = "mark the function with `#[task]`; to pass the result of a plain function as a constant, wrap the call in braces: `{{ f(x) }}`"
)]
pub trait Callable: Sealed + Sized + 'static {
    /// The function's name: the node's name in the DAG unless it is used several times.
    const NAME: &'static str;
    /// How deep DAGs nest below this one (0 for a task). Computing it for a DAG that calls
    /// itself, directly or not, is a compile-time cycle error.
    #[doc(hidden)]
    const NESTING: usize;
    /// The names of the parameters, in order, for named arguments: `inner(x, c = 20)`.
    #[doc(hidden)]
    const PARAMS: &'static [&'static str];
    /// Which parameters have a default, and may be left out when the arguments are named.
    #[doc(hidden)]
    const DEFAULTS: &'static [bool];
    /// Settings for the runtimes (`#[task(options(cpu = "4", retries = 3))]`): resources,
    /// retries, anything a cluster runtime reads. The in-process runtime ignores them.
    const OPTIONS: &'static [(&'static str, &'static str)] = &[];
    /// The version of the task's code: `#[task]` hashes the function's tokens, so that editing
    /// it invalidates what earlier runs stored; `#[task(version = "..")]` sets it.
    #[doc(hidden)]
    const VERSION: &'static str = "";
    /// Whether a later run may reuse the task's stored output: `#[task(cache = false)]` for a
    /// task that is not a pure function of its inputs.
    #[doc(hidden)]
    const CACHE: bool = true;
    /// The type of the output: the return value, or the type of one partition when the output
    /// is partitioned.
    type Output: Data;
    /// Whether the output is one value or split into partitions.
    #[doc(hidden)]
    type Shape: Shape;
    #[doc(hidden)]
    fn work() -> Work;

    /// How the node's output is written to files: JSON unless the task says otherwise
    /// (`#[task(format = Binary)]`).
    #[doc(hidden)]
    fn codec() -> Codec {
        Codec::of::<Self::Output, Json>()
    }

    /// Adds a call of `Self` to `scope` (what the macros expand to; the bound `M: Produce<Self>`
    /// is rule 4). A method rather than a function so that the macros name `Self` in type
    /// position only, where a plain function gives one clear error.
    #[doc(hidden)]
    fn call_in<M: Produce<Self>>(scope: &mut dyn Declare, _mode: M, inputs: Vec<Edge>) -> M::Handle {
        let map = scope.current_map();
        let node = NewNode {
            callee: Self::NAME.to_string(),
            callable: Some((std::any::TypeId::of::<Self>(), std::any::type_name::<Self>())),
            work: Self::work(),
            inputs,
            splits_output: <Self::Shape as Shape>::PARTITIONED,
            key_type: <Self::Shape as Shape>::key_type(),
            output_type: std::any::type_name::<Self::Output>(),
            codec: Self::codec(),
            options: Self::OPTIONS,
            version: version::<Self>(),
            cache: Self::CACHE,
        };
        M::handle(scope.add_node(node), map)
    }

    /// Like [`Callable::call_in`], with the arguments at the given parameter positions (named
    /// arguments); the parameters left out take their defaults, as constants.
    #[doc(hidden)]
    fn call_named_in<M: Produce<Self>>(scope: &mut dyn Declare, mode: M, mut edges: Vec<(usize, Edge)>) -> M::Handle {
        let defaults: Vec<_> = match Self::work() {
            Work::Dag(graph) => graph.params.iter().map(|p| p.default.clone().map(|d| (d, p.codec))).collect(),
            Work::Task(..) | Work::Derived(_) => Vec::new(),
        };
        for (position, default) in defaults.into_iter().enumerate() {
            if let (Some((value, codec)), false) = (default, edges.iter().any(|(p, _)| *p == position)) {
                edges.push((position, Edge { port: scope.add_constant(value, codec), how: How::Whole }));
            }
        }
        edges.sort_by_key(|(position, _)| *position);
        Self::call_in(scope, mode, edges.into_iter().map(|(_, edge)| edge).collect())
    }
}

/// The version of what a call of `C` runs: its code's, and for a nested DAG its graph's
/// fingerprint (a change inside it is a change of it).
fn version<C: Callable>() -> String {
    match C::work() {
        Work::Dag(graph) => graph.fingerprint().to_hex(),
        Work::Task(..) | Work::Derived(_) => C::VERSION.to_string(),
    }
}

/// Seals [`Callable`]: only the code `#[task]` and `#[dag]` generate implements it.
#[doc(hidden)]
pub trait Sealed {}

/// The type of the `I`-th parameter of a task or DAG, as stored between nodes.
#[diagnostic::on_unimplemented(message = "`{Self}` takes fewer than {I} + 1 arguments", label = "too many arguments")]
pub trait InputAt<const I: usize> {
    /// The stored type (`T` for a parameter `&T`, `String` for `&str`, `Vec<T>` for `&[T]`).
    type Ty: TaskInput;
}

/// A task or DAG that takes exactly `N` arguments.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is called with the wrong number of arguments ({N} given)",
    label = "wrong number of arguments",
    note = "a call in a DAG body passes one argument per parameter, in order",
    note = "to leave out parameters that have defaults (`#[default(..)]` on the parameters of a `#[dag]`), name the arguments after the positional ones: `f(x, b = 2)`"
)]
pub trait Arity<const N: usize> {
    #[doc(hidden)]
    fn check() {}
}

/// The shape of an output: one value or partitions.
#[doc(hidden)]
pub trait Shape: sealed::Sealed + 'static {
    /// The handle a call returns outside any map.
    type Handle<T>;
    /// The handle a call returns inside a map: [`Poisoned`] for a partitioned output, which
    /// rule 4 refuses there, so that the refusal is the only error.
    type PerPartition<T>;
    /// True for [`Parts`] and [`KeyedParts`].
    const PARTITIONED: bool;
    /// The key type of [`KeyedParts`].
    fn key_type() -> Option<&'static str> {
        None
    }
    fn handle<T>(port: Port) -> Self::Handle<T>;
    fn per_partition<T>(port: Port, map: MapId) -> Self::PerPartition<T>;
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// One whole value.
#[doc(hidden)]
#[derive(Debug)]
pub struct Single;

/// One value per partition.
#[doc(hidden)]
#[derive(Debug)]
pub struct Parts;

/// One value per partition, each with a key of type `K`.
#[doc(hidden)]
#[derive(Debug)]
pub struct KeyedParts<K>(std::marker::PhantomData<K>);

impl sealed::Sealed for Single {}
impl sealed::Sealed for Parts {}
impl<K: 'static> sealed::Sealed for KeyedParts<K> {}

impl Shape for Single {
    type Handle<T> = Value<T>;
    type PerPartition<T> = Partition<T>;
    const PARTITIONED: bool = false;
    fn handle<T>(port: Port) -> Value<T> {
        Value::new(port)
    }
    fn per_partition<T>(port: Port, map: MapId) -> Partition<T> {
        Partition::new(port, map)
    }
}

impl Shape for Parts {
    type Handle<T> = Partitioned<T>;
    type PerPartition<T> = Poisoned;
    const PARTITIONED: bool = true;
    fn handle<T>(port: Port) -> Partitioned<T> {
        Partitioned::new(port)
    }
    fn per_partition<T>(_: Port, _: MapId) -> Poisoned {
        Poisoned
    }
}

impl<K: 'static> Shape for KeyedParts<K> {
    type Handle<T> = Partitioned<T, K>;
    type PerPartition<T> = Poisoned;
    const PARTITIONED: bool = true;
    fn key_type() -> Option<&'static str> {
        Some(std::any::type_name::<K>())
    }
    fn handle<T>(port: Port) -> Partitioned<T, K> {
        Partitioned::new(port)
    }
    fn per_partition<T>(_: Port, _: MapId) -> Poisoned {
        Poisoned
    }
}

/// The declared return type of a DAG: a value `T`, `Partitioned<T>`, or `()`.
pub trait DagReturn: 'static {
    /// What running the DAG gives: `T`, or `Vec<T>` for `Partitioned<T>`.
    type Run;
    /// The type of one value (of one partition for `Partitioned<T>`).
    type Item: Data;
    /// The shape of the DAG's output when it is nested in another DAG.
    #[doc(hidden)]
    type Shape: Shape;
    #[doc(hidden)]
    fn from_output(output: Option<DagValue>) -> Result<Self::Run, BoxError>;
}

impl<T: Data> DagReturn for T {
    type Run = T;
    type Item = T;
    type Shape = Single;
    fn from_output(output: Option<DagValue>) -> Result<T, BoxError> {
        match output {
            Some(DagValue::One(value)) => owned::<T>(value),
            // A DAG without output returns `()`.
            None => owned::<T>(std::sync::Arc::new(())),
            Some(DagValue::Parts(_)) => Err("the DAG's output is partitioned, but its return type is one value".into()),
        }
    }
}

impl<T: Data> DagReturn for Partitioned<T> {
    type Run = Vec<T>;
    type Item = T;
    type Shape = Parts;
    fn from_output(output: Option<DagValue>) -> Result<Vec<T>, BoxError> {
        match output {
            Some(DagValue::Parts(parts)) => parts.into_iter().map(owned::<T>).collect(),
            _ => Err("the DAG's return type is partitioned, but its output is one value".into()),
        }
    }
}

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
    type Handle = <C::Shape as Shape>::PerPartition<C::Output>;
    /// Outside a map (a partition smuggled out of its closure, with the builder API), the
    /// builder has already recorded a [`BuildError`](crate::BuildError); the handle it gets
    /// belongs to no map.
    fn handle(port: Port, map: Option<MapId>) -> Self::Handle {
        <C::Shape as Shape>::per_partition(port, map.unwrap_or(MapId::NONE))
    }
}

impl<C: Callable> Produce<C> for Poison {
    type Handle = Poisoned;
    fn handle(_: Port, _: Option<MapId>) -> Poisoned {
        Poisoned
    }
}
