// Unknown nodes and parameters are impossible to write: a DAG body names its values as
// variables, so a typo is an ordinary "cannot find value" error.
use dagger_core::prelude::*;

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[dag]
fn pipeline(count: u64) -> u64 {
    let doubled = double(cuont);
    double(dubled)
}

fn main() {}
