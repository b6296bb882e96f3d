//! The shuffle: the items of every partition regrouped into `n` partitions by a key, as the
//! reduce side of a map-reduce needs (every item of one key in one partition).
//!
//! Two nodes the builder makes. The first reads the source partition by partition and splits
//! each into `n` buckets by the hash of each item's key, each bucket a partition of its own
//! (`p * n + j` is bucket `j` of source partition `p`): on disk, the buckets are written once,
//! in files of the buckets handed over together (as a task's partitions are: a file per batch,
//! not per bucket, since creating files is what a shuffle on disk spends most on). The second
//! makes output partition `j` from bucket `j` of every source partition, reading each file of
//! buckets once for it. Memory holds a few source partitions, then one output partition, at a
//! time.

use std::hash::{Hash, Hasher as _};
use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use super::declare::{Declare, NewNode};
use super::handle::Partitioned;
use super::regroup::{ItemOf, Items, PartitionedOutput};
use super::rules::input::read_lazily;
use crate::erased::{owned, Codec};
use crate::format::Json;
use crate::graph::{Collector, Edge, How, Work};
use crate::invoke::{Batched, Emit, Inputs};
use crate::store::Partitions;

/// The bucket of `key` among `n`: a hash that every process of every run computes alike
/// (xxh3 with no seed), so that jobs on other machines agree.
fn bucket<K: Hash>(key: &K, n: usize) -> usize {
    let mut hasher = Xxh3::new();
    key.hash(&mut hasher);
    (hasher.finish() % n as u64) as usize
}

/// The items of the partitions of `source` in `n` partitions by the hash of `key(item)`: each
/// output partition holds every item of its keys, in source order.
pub(crate) fn shuffle<H, K, F>(
    scope: &mut dyn Declare,
    source: H,
    n: usize,
    key: F,
    name: String,
) -> Partitioned<Vec<ItemOf<H>>>
where
    H: PartitionedOutput,
    H::Item: Items,
    K: Hash,
    F: Fn(&ItemOf<H>) -> K + Send + Sync + 'static,
{
    let split = Work::Derived(Arc::new(move |mut inputs: Inputs, emit: &mut dyn Emit| {
        let parts = owned::<Partitions<H::Item>>(inputs.next().ok_or("a shuffle of no partitions")?)?;
        if n == 0 && parts.len() > 0 {
            return Err(format!("a shuffle into 0 partitions has nowhere to put {} partitions", parts.len()).into());
        }
        // A few partitions per thread at a time, split in parallel, their buckets handed over
        // in order, in batches (files, on disk) of as many as the store takes together.
        let group = 2 * rayon::current_num_threads();
        let mut parts = parts.peekable();
        let mut out = Batched::new(emit);
        while parts.peek().is_some() {
            let taken: Vec<H::Item> = parts.by_ref().take(group).collect();
            let split: Vec<Vec<Vec<ItemOf<H>>>> = taken
                .into_par_iter()
                .map(|part| {
                    let mut buckets: Vec<Vec<ItemOf<H>>> = (0..n).map(|_| Vec::new()).collect();
                    for item in part.items() {
                        buckets[bucket(&key(&item), n)].push(item);
                    }
                    buckets
                })
                .collect();
            for bucket in split.into_iter().flatten() {
                out.push(None, bucket)?;
            }
        }
        out.finish()
    }));
    let collect: Collector = read_lazily::<H::Item>;
    let inputs = vec![Edge { port: source.port(), how: How::Collect(collect) }];
    let codec = Codec::of::<Vec<ItemOf<H>>, Json>();
    let output_type = std::any::type_name::<Vec<ItemOf<H>>>();
    let version = format!("shuffle buckets {n}");
    let buckets = NewNode::made(format!("{name}_buckets"), version, split, inputs, true, output_type, codec);
    let buckets = scope.add_node(buckets);

    let gather = Work::Derived(Arc::new(move |mut inputs: Inputs, emit: &mut dyn Emit| {
        let buckets = owned::<Partitions<Vec<ItemOf<H>>>>(inputs.next().ok_or("a shuffle of no buckets")?)?;
        let sources = buckets.len().checked_div(n).unwrap_or(0);
        let mut out = Batched::new(emit);
        for j in 0..n {
            // Bucket `j` of every source partition: each file of buckets is read once for it.
            let all: Vec<ItemOf<H>> =
                buckets.take_many((0..sources).map(|p| p * n + j))?.into_iter().flatten().collect();
            out.push(None, all)?;
        }
        out.finish()
    }));
    let collect: Collector = read_lazily::<Vec<ItemOf<H>>>;
    let inputs = vec![Edge { port: buckets, how: How::Collect(collect) }];
    let node = NewNode::made(name, format!("shuffle {n}"), gather, inputs, true, output_type, codec);
    Partitioned::new(scope.add_node(node))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_has_one_bucket_in_every_process() {
        // Fixed values: a job on another machine, or a later run, must put a key where this
        // one does.
        assert_eq!(super::bucket(&"the", 16), super::bucket(&"the".to_string(), 16));
        let buckets: Vec<usize> = ["a", "b", "c", "d"].iter().map(|key| super::bucket(key, 16)).collect();
        assert_eq!(buckets, [9, 2, 12, 2]);
    }
}
