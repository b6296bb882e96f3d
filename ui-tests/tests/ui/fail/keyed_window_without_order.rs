// A window over keys that have no order, and over partitions that have no keys.
use dagger_core::prelude::*;

#[derive(Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Region {
    name: String,
}

#[task(partitioned, keyed)]
fn by_region() -> Vec<(Region, u64)> {
    Vec::new()
}

#[task(partitioned)]
fn numbers() -> Vec<u64> {
    vec![1, 2, 3]
}

#[task]
fn count(windows: Vec<Vec<(Region, u64)>>) -> usize {
    windows.len()
}

#[task]
fn count_numbers(numbers: Vec<u64>) -> usize {
    numbers.len()
}

#[dag]
fn regions() -> usize {
    let windows = by_region().window(1);
    count(windows)
}

#[dag]
fn unkeyed() -> usize {
    let numbers = numbers();
    let _windows = numbers.window(1);
    count_numbers(numbers)
}

fn main() {}
