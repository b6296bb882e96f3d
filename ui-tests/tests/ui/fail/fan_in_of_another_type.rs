// A fan-in whose element type is not the partitions' type, and pairs with keys of another type.
use dagger_core::prelude::*;

#[task(partitioned)]
fn numbers() -> Vec<u64> {
    vec![1, 2, 3]
}

#[task(partitioned, keyed)]
fn by_day() -> Vec<(String, u64)> {
    Vec::new()
}

#[task]
fn join_words(words: Vec<String>) -> String {
    words.join(" ")
}

#[task]
fn by_number(pairs: Vec<(u32, u64)>) -> usize {
    pairs.len()
}

#[dag]
fn words() -> String {
    join_words(numbers())
}

#[dag]
fn other_keys() -> usize {
    by_number(by_day())
}

fn main() {}
