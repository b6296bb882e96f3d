// Cycles are impossible to write: DAGs that call each other, directly or not, do not compile.
use dagger_core::prelude::*;

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[dag]
fn ping(x: u64) -> u64 {
    let y = double(x);
    pong(y)
}

#[dag]
fn pong(x: u64) -> u64 {
    ping(x)
}

fn main() {}
