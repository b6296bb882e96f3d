// Joining two keyed outputs whose keys are of different types, and an unkeyed one.
use dagger_core::prelude::*;

#[task(partitioned, keyed)]
fn sales_by_day() -> Vec<(String, u64)> {
    Vec::new()
}

#[task(partitioned, keyed)]
fn forecasts_by_week() -> Vec<(u32, u64)> {
    Vec::new()
}

#[task(partitioned)]
fn numbers() -> Vec<u64> {
    Vec::new()
}

#[task]
fn count(pairs: Vec<(u64, u64)>) -> usize {
    pairs.len()
}

#[dag]
fn other_keys() -> usize {
    count(sales_by_day().join(forecasts_by_week()))
}

#[dag]
fn unkeyed() -> usize {
    count(sales_by_day().join(numbers()))
}

fn main() {}
