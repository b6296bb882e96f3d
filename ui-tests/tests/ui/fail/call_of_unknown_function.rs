// A name that is not a task or DAG in scope (here a typo) is the same error as a plain
// function, at the name.
use dagger_core::prelude::*;

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[dag]
fn pipeline(x: u64) -> u64 {
    dubble(x)
}

fn main() {}
