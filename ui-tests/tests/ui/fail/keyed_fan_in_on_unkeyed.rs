// A fan-in by key (`BTreeMap<K, T>`) over partitions that have no keys.
use std::collections::BTreeMap;

use dagger_core::prelude::*;

#[task(partitioned)]
fn days() -> Vec<u64> {
    vec![1, 2, 3]
}

#[task]
fn report(by_day: BTreeMap<String, u64>) -> usize {
    by_day.len()
}

#[dag]
fn pipeline() -> usize {
    report(days())
}

fn main() {}
