// Cycles are impossible to write: a DAG cannot call itself.
use dagger_core::prelude::*;

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[dag]
fn pipeline(x: u64) -> u64 {
    let y = double(x);
    pipeline(y)
}

fn main() {}
