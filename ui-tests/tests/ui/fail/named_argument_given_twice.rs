// A parameter is given once: by position or by name, not both.
use dagger_core::prelude::*;

#[task]
fn scale(x: u64, factor: u64) -> u64 {
    x * factor
}

#[dag]
fn pipeline(x: u64) -> u64 {
    scale(x, x = 3, factor = 2)
}

fn main() {}
