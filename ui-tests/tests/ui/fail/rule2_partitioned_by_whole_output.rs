// Rule 2: a node may only be partitioned by a partitioned output; `load` returns one whole Vec.
use dagger_core::prelude::*;

#[task]
fn load() -> Vec<u64> {
    vec![1, 2, 3]
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
    let numbers = load();
    let doubled = numbers.map(|n| double(n));
    total(doubled)
}

fn main() {}
