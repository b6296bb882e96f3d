// The outputs of a partitioned node are partitioned themselves: they can be mapped again.
use dagger_core::prelude::*;

#[task(partitioned)]
fn numbers(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[task]
fn add_one(x: u64) -> u64 {
    x + 1
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[dag]
fn pipeline(n: u64) -> u64 {
    let doubled = numbers(n).map(|x| double(x));
    let plus_one = doubled.map(|x| add_one(x));
    total(plus_one)
}

fn main() {
    // (0 + 2 + 4 + 6) + 4
    assert_eq!(pipeline::run(4).unwrap(), 16);
}
