// `keyed` without `partitioned`, and a keyed task whose items are not pairs.
use dagger_core::prelude::*;

#[task(keyed)]
fn days() -> Vec<(String, u64)> {
    Vec::new()
}

#[task(partitioned, keyed)]
fn numbers() -> Vec<u64> {
    vec![1, 2, 3]
}

fn main() {}
