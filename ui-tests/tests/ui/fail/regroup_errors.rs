// Regrouping a whole value, partitions that are not collections, and a regrouping sized by a
// value of the DAG.
use dagger_core::prelude::*;

#[task]
fn numbers() -> Vec<u64> {
    vec![1, 2, 3]
}

#[task(partitioned)]
fn parts() -> Vec<u64> {
    vec![1, 2, 3]
}

#[task]
fn count(batches: Vec<Vec<u64>>) -> usize {
    batches.len()
}

#[dag]
fn whole() -> usize {
    count(numbers().into_batches(2))
}

#[task]
fn count_items(batches: Vec<Vec<u64>>) -> usize {
    batches.len()
}

#[dag]
fn not_collections() -> usize {
    count_items(parts().into_batches(2))
}

#[dag]
fn sized(size: usize) -> usize {
    count(parts().into_partitions(size))
}

fn main() {}
