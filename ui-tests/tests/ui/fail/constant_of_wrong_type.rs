// A constant written in a DAG body has the type of the parameter it feeds.
use dagger_core::prelude::*;

#[task]
fn scale(x: u64, factor: u64) -> u64 {
    x * factor
}

#[dag]
fn pipeline(x: u64) -> u64 {
    scale(x, "three")
}

fn main() {}
