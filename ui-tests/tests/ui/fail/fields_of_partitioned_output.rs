// The fields of a partitioned output are taken partition by partition, inside a map.
use dagger_core::prelude::*;

#[task(partitioned)]
fn pairs() -> Vec<(u64, String)> {
    vec![(1, "one".into()), (2, "two".into())]
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[dag]
fn pipeline() -> u64 {
    let (numbers, _) = pairs();
    total(numbers)
}

fn main() {}
