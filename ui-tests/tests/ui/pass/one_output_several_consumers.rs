// One partitioned output consumed by several nodes: every consumer receives every partition.
use dagger_core::prelude::*;

#[task(partitioned)]
fn numbers() -> Vec<u64> {
    vec![1, 2, 3]
}

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[task]
fn negate(x: u64) -> i64 {
    -(x as i64)
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[task]
fn signed_total(xs: Vec<i64>) -> i64 {
    xs.iter().sum()
}

#[task]
fn report(doubled: u64, raw: u64, again: u64, negated: i64) -> String {
    format!("{doubled} {raw} {again} {negated}")
}

#[dag]
fn pipeline() -> String {
    let numbers = numbers();
    let doubled = numbers.map(|x| double(x));
    let negated = numbers.map(|x| negate(x));
    report(total(doubled), total(numbers), total(doubled), signed_total(negated))
}

fn main() {
    assert_eq!(pipeline::run().unwrap(), "12 6 12 -6");
}
