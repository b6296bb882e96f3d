// A fan-in by key whose key type is not the partitions' key type.
use std::collections::BTreeMap;

use dagger_core::prelude::*;

#[task(partitioned, keyed)]
fn sales_by_day() -> Vec<(String, u64)> {
    vec![("2024-01-01".to_string(), 3)]
}

#[task]
fn double(sales: u64) -> u64 {
    sales * 2
}

#[task]
fn report(by_day: BTreeMap<u32, u64>) -> usize {
    by_day.len()
}

#[dag]
fn pipeline() -> usize {
    let doubled = sales_by_day().map(|day| double(day));
    report(doubled)
}

fn main() {}
