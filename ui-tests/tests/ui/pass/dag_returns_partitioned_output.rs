// A DAG may return the partitioned output of a node that is not partitioned; nested in another
// DAG, that output is still partitioned and can be mapped.
use dagger_core::prelude::*;

#[task(partitioned)]
fn numbers(n: u64) -> Vec<u64> {
    (1..=n).collect()
}

#[task]
fn square(x: u64) -> u64 {
    x * x
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[dag]
fn source(n: u64) -> Partitioned<u64> {
    numbers(n)
}

#[dag]
fn sum_of_squares(n: u64) -> u64 {
    let parts = source(n);
    total(parts.map(|x| square(x)))
}

fn main() {
    assert_eq!(source::run(3).unwrap(), vec![1, 2, 3]);
    assert_eq!(sum_of_squares::run(3).unwrap(), 14);
}
