// A field that the task declares partitioned is a partitioned output: it is mapped over or
// collected, not used as one value.
use dagger_core::prelude::*;

#[task(partitioned(0))]
fn load(n: u64) -> (Vec<u64>, usize) {
    ((1..=n).collect(), n as usize)
}

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[dag]
fn pipeline(n: u64) -> u64 {
    let (rows, _) = load(n);
    double(rows)
}

fn main() {}
