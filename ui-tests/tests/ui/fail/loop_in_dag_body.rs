// The shape of a DAG is fixed when it is declared: no loops or branches in its body.
use dagger_core::prelude::*;

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[dag]
fn pipeline(x: u64) -> u64 {
    for _ in 0..3 {
        double(x);
    }
    if x > 2 {
        double(x)
    } else {
        x
    }
}

fn main() {}
