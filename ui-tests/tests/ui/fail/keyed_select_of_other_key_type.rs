// A key range whose bounds are not of the partitions' key type.
use dagger_core::prelude::*;

#[task(partitioned, keyed)]
fn sales_by_day() -> Vec<(String, u64)> {
    Vec::new()
}

#[task]
fn total(sales: Vec<u64>) -> u64 {
    sales.iter().sum()
}

#[dag]
fn recent(from: u32) -> u64 {
    total(sales_by_day().select(from..))
}

#[dag]
fn constant_bound() -> u64 {
    total(sales_by_day().select(..7))
}

fn main() {}
