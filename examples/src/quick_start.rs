//! The quick start of the original Dagger, with a fixed list: generate `0..7` as partitions,
//! raise each to `exponent` in parallel, sum the results. `0 + 1 + 4 + ... + 36 = 91`.

use dagger_core::prelude::*;

/// Each item of the returned `Vec` is one partition.
#[task(partitioned)]
pub fn generate_numbers(length: u64) -> Vec<u64> {
    (0..length).collect()
}

/// Runs once per partition.
#[task]
pub fn raise_number(number: u64, exponent: u32) -> u64 {
    number.pow(exponent)
}

/// The fan-in: receives every partition's result, in partition order.
#[task]
pub fn sum_numbers(numbers: Vec<u64>) -> u64 {
    numbers.iter().sum()
}

/// `exponent` is a DAG parameter, broadcast to every partition; it defaults to 2.
#[dag]
pub fn quick_start(#[default(2)] exponent: u32) -> u64 {
    let numbers = generate_numbers(7);
    let raised = numbers.map(|n| raise_number(n, exponent));
    sum_numbers(raised)
}
