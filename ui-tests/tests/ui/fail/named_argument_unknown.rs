// A named argument names a parameter of the task or DAG it is passed to.
use dagger_core::prelude::*;

#[task]
fn scale(x: u64, factor: u64) -> u64 {
    x * factor
}

#[dag]
fn pipeline(x: u64) -> u64 {
    scale(x, facter = 3)
}

fn main() {}
