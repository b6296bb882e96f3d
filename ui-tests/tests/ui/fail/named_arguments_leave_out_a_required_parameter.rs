// Only parameters with a default can be left out of a call.
use dagger_core::prelude::*;

#[task]
fn join3(a: u64, b: u64, c: u64) -> String {
    format!("{a}-{b}-{c}")
}

#[dag]
fn nested(a: u64, b: u64, #[default(3)] c: u64) -> String {
    join3(a, b, c)
}

#[dag]
fn pipeline(x: u64) -> String {
    nested(x, c = 20)
}

fn main() {}
