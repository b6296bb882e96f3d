//! DAG composition, from the original's documentation: a nested DAG of three chained
//! transformations, and a nested DAG that runs once per partition and does a map-reduce of its
//! own (nested map-reduce).

use dagger_core::prelude::*;

#[task]
pub fn retrieve_dataset() -> String {
    "original dataset".to_string()
}

#[task]
pub fn encode_field_a(dataset: String) -> String {
    format!("{dataset}, with field a encoded")
}

#[task]
pub fn aggregate_fields_b_and_c(dataset: String) -> String {
    format!("{dataset}, with fields b and c aggregated")
}

#[task]
pub fn calculate_moving_average_for_d(dataset: String, windows: u32) -> String {
    format!("{dataset}, with moving average for d calculated using {windows} windows")
}

/// Three chained transformations, as a DAG of its own.
#[dag]
pub fn transform_dataset(dataset: String) -> String {
    let encoded = encode_field_a(dataset);
    let aggregated = aggregate_fields_b_and_c(encoded);
    calculate_moving_average_for_d(aggregated, 3)
}

/// Calls `transform_dataset` as one node.
#[dag]
pub fn dataset_pipeline() -> String {
    let dataset = retrieve_dataset();
    transform_dataset(dataset)
}

#[task(partitioned)]
pub fn partitions(count: u64) -> Vec<u64> {
    (1..=count).collect()
}

#[task(partitioned)]
pub fn numbers_up_to(limit: u64) -> Vec<u64> {
    (1..=limit).collect()
}

#[task]
pub fn raise(number: u64, exponent: u32) -> u64 {
    number.pow(exponent)
}

#[task]
pub fn sum(numbers: Vec<u64>) -> u64 {
    numbers.iter().sum()
}

/// `1^e + 2^e + ... + limit^e`, as a map-reduce.
#[dag]
pub fn sum_of_powers(limit: u64, exponent: u32) -> u64 {
    let raised = numbers_up_to(limit).map(|n| raise(n, exponent));
    sum(raised)
}

/// Runs `sum_of_powers` once per partition and sums the results: with 3 partitions and
/// exponent 2, `1 + (1 + 4) + (1 + 4 + 9) = 20`, as in the original's composite example.
#[dag]
pub fn composite_map_reduce(#[default(3)] partitions_count: u64, #[default(2)] exponent: u32) -> u64 {
    let per_partition = partitions(partitions_count).map(|limit| sum_of_powers(limit, exponent));
    sum(per_partition)
}
