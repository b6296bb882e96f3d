//! Handles: what a DAG body holds in its variables while the DAG is being declared.
//!
//! A handle names one output of the DAG under construction (a parameter, a constant or a node's
//! return value) and carries in its *type* the shape of that output. The shape is what the
//! partitioning rules are about, so making it a type is what lets `cargo build` reject invalid
//! pipelines (see [`rules`](crate::rules)).
//!
//! | handle | what it is |
//! |---|---|
//! | [`Value<T>`] | one whole value: a constant, or the output of a task that is not partitioned |
//! | [`Param<T>`] | a parameter of the DAG: a whole value that can never be mapped over |
//! | [`Partitioned<T>`] | a partitioned output of a `#[task(partitioned)]` task: one `T` per partition |
//! | [`Partition<T>`] | inside `.map(|part| ...)`: one partition, and whatever is computed from it |
//! | [`PerPartition<T>`] | the result of a map: the output of a partitioned node, one `T` per partition |
//!
//! Handles are `Copy`: using a variable twice makes the output feed two nodes, and every consumer
//! receives all of it.

use std::fmt;
use std::marker::PhantomData;

use crate::graph::{MapId, Port};
use crate::keys::Unkeyed;

/// The impls every handle has. (The structs are written out, not generated, because compiler
/// messages about a handle show its definition.)
macro_rules! handle_impls {
    ($name:ident { $($field:ident: $ty:ty),* }) => {
        impl<T> $name<T> {
            pub(crate) fn new(port: Port $(, $field: $ty)*) -> Self {
                Self { port, $($field,)* _value: PhantomData }
            }
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<T> Copy for $name<T> {}

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}<{}>", stringify!($name), std::any::type_name::<T>())
            }
        }
    };
    // A handle of partitions, with their key type `K`.
    (keyed $name:ident) => {
        impl<T, K> $name<T, K> {
            pub(crate) fn new(port: Port) -> Self {
                Self { port, _value: PhantomData }
            }
        }

        impl<T, K> Clone for $name<T, K> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<T, K> Copy for $name<T, K> {}

        impl<T, K> fmt::Debug for $name<T, K> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}<{}", stringify!($name), std::any::type_name::<T>())?;
                match std::any::type_name::<K>() == std::any::type_name::<Unkeyed>() {
                    true => f.write_str(">"),
                    false => write!(f, ", {}>", std::any::type_name::<K>()),
                }
            }
        }
    };
}

/// One whole value of type `T`: a constant, or the output of a node that is not partitioned.
///
/// Passed to a task parameter of type `T` (or `&T`), every call receives the same value.
pub struct Value<T> {
    pub(crate) port: Port,
    _value: PhantomData<fn() -> T>,
}

handle_impls!(Value {});

/// A parameter of the DAG, of type `T`.
///
/// It is a whole value: it can feed any number of nodes, and inside a map it is broadcast to
/// every partition. It can never be mapped over, even when `T` is a collection: a DAG's
/// partitions always come from a task, so that every runtime can store and count them.
pub struct Param<T> {
    pub(crate) port: Port,
    _value: PhantomData<fn() -> T>,
}

handle_impls!(Param {});

/// A partitioned output: the return value of a `#[task(partitioned)]` task, split into one
/// `T` per item.
///
/// Map over it with `.map(|part| task(part))`, or pass it to a parameter of type `Vec<T>` to
/// receive every partition, in order (a fan-in).
///
/// `K` is the type of the partitions' keys: [`Unkeyed`](crate::keys::Unkeyed) (the default)
/// for partitions numbered `0..n`, or the key type of a `#[task(partitioned, keyed)]` task,
/// whose partitions a fan-in can also take as a `BTreeMap<K, T>`.
pub struct Partitioned<T, K = Unkeyed> {
    pub(crate) port: Port,
    _value: PhantomData<fn() -> (T, K)>,
}

handle_impls!(keyed Partitioned);

/// One partition, inside the closure of `.map(|part| ...)`, or a value computed from it by a
/// node that runs once per partition.
///
/// Tasks called with it run once per partition; the map collects their last result as a
/// [`PerPartition`].
pub struct Partition<T> {
    pub(crate) port: Port,
    pub(crate) map: MapId,
    _value: PhantomData<fn() -> T>,
}

handle_impls!(Partition { map: MapId });

/// The output of a partitioned node: what `.map(...)` returns, one `T` per partition.
///
/// Map over it again (chained maps), or collect it into a task parameter of type `Vec<T>`.
/// A DAG cannot return it directly: a fan-in task that takes `Vec<T>` must reduce it first.
///
/// A map keeps the keys of its source: `K` is the source's key type.
pub struct PerPartition<T, K = Unkeyed> {
    pub(crate) port: Port,
    _value: PhantomData<fn() -> (T, K)>,
}

handle_impls!(keyed PerPartition);
