// Only `#[task]` and `#[dag]` functions can be called in a DAG body.
use dagger_core::prelude::*;

fn double(x: u64) -> u64 {
    x * 2
}

#[dag]
fn pipeline(x: u64) -> u64 {
    double(x)
}

fn main() {}
