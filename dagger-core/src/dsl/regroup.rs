//! Partitions regrouped without a shuffle: adjacent partitions batched together, by a size or
//! into a number of partitions. Each is a node the builder makes, reading its input partition
//! by partition, so that memory holds one output partition at a time.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::declare::{Declare, NewNode};
use super::handle::{Partitioned, PerPartition};
use super::rules::input::read_lazily;
use crate::data::Data;
use crate::erased::{owned, Codec};
use crate::format::Json;
use crate::graph::{Collector, Edge, How, Port, Work};
use crate::invoke::{Batched, Emit, Inputs};
use crate::store::Partitions;

/// A partitioned output, keyed or not: what can be regrouped.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a partitioned output, so it cannot be regrouped",
    label = "only the output of a partitioned task or of a map can be regrouped",
    note = "to split a whole value into partitions, return it from a `#[task(partitioned)]` task (each item one partition)",
    note = "a map's output is regrouped after the map: `parts.map(|part| task(part)).into_batches(100)`"
)]
pub trait PartitionedOutput {
    /// The type of one partition. (The serde bounds let a batch of them be [`Data`].)
    type Item: Data + Serialize + DeserializeOwned + Clone;
    #[doc(hidden)]
    fn port(&self) -> Port;
}

impl<T: Data + Serialize + DeserializeOwned + Clone, K> PartitionedOutput for Partitioned<T, K> {
    type Item = T;
    fn port(&self) -> Port {
        self.port
    }
}

impl<T: Data + Serialize + DeserializeOwned + Clone, K> PartitionedOutput for PerPartition<T, K> {
    type Item = T;
    fn port(&self) -> Port {
        self.port
    }
}

/// A partition whose items can be regrouped: a collection.
#[diagnostic::on_unimplemented(
    message = "regrouping cuts and joins the items of partitions, and a `{Self}` partition is not a collection of items",
    label = "partitions of `{Self}`",
    note = "regroup partitions that are collections (`Vec<T>`, any `IntoIterator`): each output partition is a `Vec` of their items"
)]
pub trait Items {
    /// The type of one item.
    type Item: Data + Serialize + DeserializeOwned + Clone;
    #[doc(hidden)]
    fn items(self) -> Vec<Self::Item>;
}

#[diagnostic::do_not_recommend]
impl<C: IntoIterator> Items for C
where
    C::Item: Data + Serialize + DeserializeOwned + Clone,
{
    type Item = C::Item;
    fn items(self) -> Vec<C::Item> {
        self.into_iter().collect()
    }
}

/// How the items of the partitions are cut into new partitions.
#[derive(Clone, Copy)]
pub(crate) enum Grouping {
    /// Within each partition, batches of this many items (the last one smaller).
    Batches(usize),
    /// This many partitions: adjacent partitions joined when there are more, each partition
    /// cut into pieces when there are fewer, as even as can be.
    Count(usize),
}

/// `total` things in `groups` groups as even as can be: the sizes, which differ by one at most.
fn even(total: usize, groups: usize) -> impl Iterator<Item = usize> {
    (0..groups).map(move |i| total / groups + usize::from(i < total % groups))
}

/// The items of the partitions of `source` regrouped without a shuffle, in order, each new
/// partition a `Vec` of items. Unkeyed.
pub(crate) fn regroup<H>(
    scope: &mut dyn Declare,
    source: H,
    grouping: Grouping,
    name: String,
) -> Partitioned<Vec<ItemOf<H>>>
where
    H: PartitionedOutput,
    H::Item: Items,
{
    let work = Work::Derived(Arc::new(move |mut inputs: Inputs, emit: &mut dyn Emit| {
        let mut parts = owned::<Partitions<H::Item>>(inputs.next().ok_or("a regrouping of no partitions")?)?;
        let count = parts.len();
        let mut out = Batched::new(emit);
        let mut hand_over = |items: Vec<ItemOf<H>>| out.push(None, items);
        match grouping {
            Grouping::Batches(size) => {
                for part in parts {
                    let mut items = part.items().into_iter();
                    loop {
                        let batch: Vec<ItemOf<H>> = items.by_ref().take(size.max(1)).collect();
                        if batch.is_empty() {
                            break;
                        }
                        hand_over(batch)?;
                    }
                }
            }
            Grouping::Count(0) if count > 0 => {
                return Err(format!("`into_partitions(0)` has no partition to put {count} partitions in").into());
            }
            Grouping::Count(n) if count == 0 => (0..n).try_for_each(|_| hand_over(Vec::new()))?,
            Grouping::Count(n) if n <= count => {
                for size in even(count, n) {
                    hand_over(parts.by_ref().take(size).flat_map(Items::items).collect())?;
                }
            }
            Grouping::Count(n) => {
                for (pieces, part) in even(n, count).zip(parts) {
                    let mut items = part.items().into_iter();
                    let total = items.len();
                    for size in even(total, pieces) {
                        hand_over(items.by_ref().take(size).collect())?;
                    }
                }
            }
        }
        out.finish()
    }));
    let collect: Collector = read_lazily::<H::Item>;
    let inputs = vec![Edge { port: source.port(), how: How::Collect(collect) }];
    let codec = Codec::of::<Vec<ItemOf<H>>, Json>();
    let version = match grouping {
        Grouping::Batches(size) => format!("batches of {size}"),
        Grouping::Count(count) => format!("{count} partitions"),
    };
    let node = NewNode::made(name, version, work, inputs, true, std::any::type_name::<Vec<ItemOf<H>>>(), codec);
    Partitioned::new(scope.add_node(node))
}

/// The type of one item of the partitions of `H`.
pub type ItemOf<H> = <<H as PartitionedOutput>::Item as Items>::Item;

#[cfg(test)]
mod tests {

    #[test]
    fn even_groups_differ_by_one_at_most() {
        assert_eq!(super::even(7, 3).collect::<Vec<_>>(), [3, 2, 2]);
        assert_eq!(super::even(2, 4).collect::<Vec<_>>(), [1, 1, 0, 0]);
        assert_eq!(super::even(5, 0).count(), 0);
    }
}
