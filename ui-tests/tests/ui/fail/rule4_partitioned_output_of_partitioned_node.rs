// Rule 4: a node that runs once per partition may not split its own output into partitions.
use dagger_core::prelude::*;

#[task(partitioned)]
fn chunks() -> Vec<Vec<u64>> {
    vec![vec![1, 2], vec![3]]
}

#[task(partitioned)]
fn rows(chunk: Vec<u64>) -> Vec<u64> {
    chunk
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[dag]
fn pipeline() -> u64 {
    let chunks = chunks();
    let per_chunk = chunks.map(|chunk| rows(chunk));
    total(per_chunk)
}

fn main() {}
