// What a DAG body refuses, each with the reason.
use dagger_core::prelude::*;

#[task(partitioned)]
fn numbers(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[task]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[dag]
fn two_parameter_closure(n: u64) -> u64 {
    total(numbers(n).map(|x, y| add(x, y)))
}

#[dag]
fn positional_after_named(n: u64) -> u64 {
    add(a = n, 2)
}

#[dag]
fn returns_early(n: u64) -> u64 {
    return add(n, 1);
}

fn main() {}
