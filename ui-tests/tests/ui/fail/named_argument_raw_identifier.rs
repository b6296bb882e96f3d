// A raw named argument (`r#type = ...`) names a parameter like any other: one that matches no
// parameter is one error, at the argument.
use dagger_core::prelude::*;

#[task]
fn add(x: u64, kind: u64) -> u64 {
    x + kind
}

#[dag]
fn pipeline(n: u64) -> u64 {
    add(n, r#type = n)
}

fn main() {}
