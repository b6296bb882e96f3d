// Rule 6: a single partition cannot be iterated or partitioned again.
use dagger_core::prelude::*;

#[task(partitioned)]
fn chunks() -> Vec<Vec<u64>> {
    vec![vec![1, 2], vec![3]]
}

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[dag]
fn pipeline() -> u64 {
    let chunks = chunks();
    let per_chunk = chunks.map(|chunk| {
        let doubled = chunk.map(|x| double(x));
        total(doubled)
    });
    total(per_chunk)
}

fn main() {}
