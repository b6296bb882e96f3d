// A DAG called in a DAG is a node; called in a map, it runs once per partition, and may do its
// own map-reduce inside (nested map-reduce).
use dagger_core::prelude::*;

#[task(partitioned)]
fn chunks(n: u64) -> Vec<u64> {
    (1..=n).collect()
}

#[task(partitioned)]
fn range(upto: u64) -> Vec<u64> {
    (1..=upto).collect()
}

#[task]
fn power(x: u64, exponent: u32) -> u64 {
    x.pow(exponent)
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

/// Sum of `1^e + ... + upto^e`: a map-reduce of its own.
#[dag]
fn sum_of_powers(upto: u64, exponent: u32) -> u64 {
    let powers = range(upto).map(|x| power(x, exponent));
    total(powers)
}

#[dag]
fn composite(n: u64, exponent: u32) -> u64 {
    let per_chunk = chunks(n).map(|c| sum_of_powers(c, exponent));
    total(per_chunk)
}

#[dag]
fn outer(n: u64) -> u64 {
    let inner = sum_of_powers(n, 1);
    power(inner, 2)
}

fn main() {
    assert_eq!(sum_of_powers::run(3, 2).unwrap(), 14);
    // 1 + (1 + 4) + (1 + 4 + 9)
    assert_eq!(composite::run(3, 2).unwrap(), 20);
    assert_eq!(outer::run(3).unwrap(), 36);
}
