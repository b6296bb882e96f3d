//! Rules 7 and 8: what a task parameter accepts.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Mode, Poison, Poisoned, Split, Whole};
use crate::data::Data;
use crate::dsl::handle::{Param, Partition, Partitioned, PerPartition, Value};
use crate::erased::AnyValue;
use crate::error::BoxError;
use crate::graph::{Collector, Edge, How};
use crate::keys::{KeyedBy, PartitionKey};
use crate::store::{KeyedPartitions, Partitions, PartsReader};

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
    note = "or collect it: declare the parameter as `Vec<{T}>` to receive every partition, in order, or as `Partitions<{T}>` to read them one at a time (or as `BTreeMap<K, {T}>` or `KeyedPartitions<K, {T}>`, by key, for keyed partitions)"
)]
pub trait CollectFrom<T, K> {
    #[doc(hidden)]
    fn collector() -> Collector;
}

/// (No `do_not_recommend`: a `Vec` of another type gets [`Element`]'s message, which names
/// both types.)
impl<T: Data, K, U: Data> CollectFrom<T, K> for Vec<U>
where
    U: Element<T, K>,
{
    fn collector() -> Collector {
        U::collector()
    }
}

/// What a `Vec` fan-in of partitions of `T` keyed by `K` holds: the partitions (`Vec<T>`), or,
/// for keyed partitions, each with its key (`Vec<(K, T)>`).
#[diagnostic::on_unimplemented(
    message = "mismatched types: these partitions are `{T}`s, collected into a `Vec<{Self}>`",
    label = "expected `Vec<{T}>`",
    note = "a fan-in takes `Vec<{T}>` (every partition, in order), or, for keyed partitions, `Vec<(K, {T})>` (each partition with its key)"
)]
pub trait Element<T, K> {
    #[doc(hidden)]
    fn collector() -> Collector;
}

#[diagnostic::do_not_recommend]
impl<T: Data, K> Element<T, K> for T {
    fn collector() -> Collector {
        collect_vec::<T>
    }
}

/// Keyed partitions with their keys. (No `do_not_recommend`: on unkeyed partitions, or keys
/// of another type, the message is [`KeyedBy`]'s.)
impl<T: Data, K, K2> Element<T, K> for (K2, T)
where
    K: KeyedBy<K2>,
    K2: PartitionKey,
{
    fn collector() -> Collector {
        collect_pairs::<T, K2>
    }
}

fn collect_vec<T: Data>(reader: &Arc<PartsReader>) -> Result<AnyValue, BoxError> {
    Ok(Arc::new(reader.take_all::<T>()?))
}

fn collect_pairs<T: Data, K: PartitionKey>(reader: &Arc<PartsReader>) -> Result<AnyValue, BoxError> {
    let keys = reader.keys().ok_or("these partitions have no keys")?.decode::<K>()?;
    let values = reader.take_all::<T>()?;
    if keys.len() != values.len() {
        return Err(format!("{} partition keys for {} partitions", keys.len(), values.len()).into());
    }
    Ok(Arc::new(keys.into_iter().zip(values).collect::<Vec<(K, T)>>()))
}

#[diagnostic::do_not_recommend]
impl<T: Data, K, U: Data> CollectFrom<T, K> for Partitions<U>
where
    T: SameType<U>,
{
    fn collector() -> Collector {
        read_lazily::<U>
    }
}

/// Keyed partitions with their keys, read lazily. (No `do_not_recommend`, as for `BTreeMap`.)
impl<T: Data, K, K2, U: Data> CollectFrom<T, K> for KeyedPartitions<K2, U>
where
    K: KeyedBy<K2>,
    K2: PartitionKey,
    T: SameType<U>,
{
    fn collector() -> Collector {
        |reader| {
            let keys = reader.keys().ok_or("these partitions have no keys")?.decode::<K2>()?;
            Ok(Arc::new(KeyedPartitions::new(keys, Partitions::<U>::new(reader.clone()))))
        }
    }
}

/// Every partition, each read when the iteration reaches it: a lazy fan-in, and what the
/// nodes the builder makes over every partition (windows, selections, shuffles) read.
pub(crate) fn read_lazily<T: Data>(reader: &Arc<PartsReader>) -> Result<AnyValue, BoxError> {
    Ok(Arc::new(Partitions::<T>::new(reader.clone())))
}

/// Keyed partitions, by key. (No `do_not_recommend`: on unkeyed partitions, or keys of another
/// type, the message is [`KeyedBy`]'s, which says so.)
impl<T: Data, K, K2, U: Data> CollectFrom<T, K> for BTreeMap<K2, U>
where
    K: KeyedBy<K2>,
    K2: PartitionKey + Ord,
    T: SameType<U>,
{
    fn collector() -> Collector {
        collect_map::<T, K2, U>
    }
}

fn collect_map<T: Data + SameType<U>, K: PartitionKey + Ord, U: Data>(
    reader: &Arc<PartsReader>,
) -> Result<AnyValue, BoxError> {
    let keys = reader.keys().ok_or("these partitions have no keys")?.decode::<K>()?;
    let values = reader.take_all::<T>()?;
    if keys.len() != values.len() {
        return Err(format!("{} partition keys for {} partitions", keys.len(), values.len()).into());
    }
    let by_key: BTreeMap<K, U> = keys.into_iter().zip(values.into_iter().map(T::same)).collect();
    Ok(Arc::new(by_key))
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

impl<T, K, P> Input<P> for Partitioned<T, K>
where
    P: CollectFrom<T, K>,
{
    type Mode = Whole;
    fn edge(&self) -> Edge {
        Edge { port: self.port, how: How::Collect(P::collector()) }
    }
}

impl<T, K, P> Input<P> for PerPartition<T, K>
where
    P: CollectFrom<T, K>,
{
    type Mode = Whole;
    fn edge(&self) -> Edge {
        Edge { port: self.port, how: How::Collect(P::collector()) }
    }
}

impl<P> Input<P> for Poisoned {
    type Mode = Poison;
    fn edge(&self) -> Edge {
        unreachable!("a poisoned handle only exists in code that does not compile")
    }
}
