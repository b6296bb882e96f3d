// A DAG with defaulted parameters called with fewer positional arguments: the note says how to
// leave the defaulted ones out.
use dagger_core::prelude::*;

#[task]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[dag]
fn nested(a: u64, #[default(2)] b: u64) -> u64 {
    add(a, b)
}

#[dag]
fn outer(x: u64) -> u64 {
    nested(x)
}

fn main() {}
