// Rule 4 also holds for a nested DAG that returns a partitioned output.
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
fn split_rows(chunk: Vec<u64>) -> Partitioned<u64> {
    rows(chunk)
}

#[dag]
fn pipeline() -> u64 {
    let chunks = chunks();
    let per_chunk = chunks.map(|chunk| split_rows(chunk));
    total(per_chunk)
}

fn main() {}
