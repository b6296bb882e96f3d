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
use crate::invoke::{Emit, Inputs};
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

/// How the partitions are cut into groups of adjacent ones.
#[derive(Clone, Copy)]
pub(crate) enum Grouping {
    /// Groups of this many partitions (the last one smaller).
    Size(usize),
    /// This many groups, as even as can be (sizes differ by one at most; some are empty when
    /// there are fewer partitions than groups).
    Count(usize),
}

impl Grouping {
    /// The sizes of the groups of `count` partitions.
    fn sizes(self, count: usize) -> Vec<usize> {
        match self {
            Grouping::Size(size) => {
                let size = size.max(1);
                (0..count.div_ceil(size)).map(|i| size.min(count - i * size)).collect()
            }
            Grouping::Count(groups) => (0..groups).map(|i| count / groups + usize::from(i < count % groups)).collect(),
        }
    }
}

/// The partitions of `source` in groups of adjacent ones, each group one partition: a
/// `Vec` of the source's partitions, in order. Unkeyed.
pub(crate) fn regroup<H: PartitionedOutput>(
    scope: &mut dyn Declare,
    source: H,
    grouping: Grouping,
    name: String,
) -> Partitioned<Vec<H::Item>> {
    let work = Work::Derived(Arc::new(move |mut inputs: Inputs, emit: &mut dyn Emit| {
        let mut parts = owned::<Partitions<H::Item>>(inputs.next().ok_or("a regrouping of no partitions")?)?;
        if let (Grouping::Count(0), 1..) = (grouping, parts.len()) {
            return Err(format!("`into_partitions(0)` has no partition to put {} partitions in", parts.len()).into());
        }
        for size in grouping.sizes(parts.len()) {
            let group: Vec<H::Item> = parts.by_ref().take(size).collect();
            emit.batch(Arc::new(vec![group]), 1)?;
        }
        Ok(())
    }));
    let collect: Collector = read_lazily::<H::Item>;
    let inputs = vec![Edge { port: source.port(), how: How::Collect(collect) }];
    let codec = Codec::of::<Vec<H::Item>, Json>();
    let version = match grouping {
        Grouping::Size(size) => format!("batches of {size}"),
        Grouping::Count(count) => format!("{count} partitions"),
    };
    let node = NewNode::made(name, version, work, inputs, true, std::any::type_name::<Vec<H::Item>>(), codec);
    Partitioned::new(scope.add_node(node))
}

#[cfg(test)]
mod tests {
    use super::Grouping;

    #[test]
    fn groups_cover_every_partition_in_order() {
        assert_eq!(Grouping::Size(3).sizes(7), [3, 3, 1]);
        assert_eq!(Grouping::Size(3).sizes(0), Vec::<usize>::new());
        assert_eq!(Grouping::Size(0).sizes(2), [1, 1]);
        assert_eq!(Grouping::Count(3).sizes(7), [3, 2, 2]);
        assert_eq!(Grouping::Count(4).sizes(2), [1, 1, 0, 0]);
        assert_eq!(Grouping::Count(0).sizes(5), Vec::<usize>::new());
    }
}
