// Rule 7: a partitioned output used where one value is expected, neither mapped nor collected.
use dagger_core::prelude::*;

#[task(partitioned)]
fn numbers() -> Vec<u64> {
    vec![1, 2, 3]
}

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[dag]
fn pipeline() -> u64 {
    let numbers = numbers();
    double(numbers)
}

fn main() {}
