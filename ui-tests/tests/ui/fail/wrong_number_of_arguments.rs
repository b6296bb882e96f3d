use dagger_core::prelude::*;

#[task]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[dag]
fn pipeline(x: u64) -> u64 {
    add(x)
}

fn main() {}
