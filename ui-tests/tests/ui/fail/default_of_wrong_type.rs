// A `#[default(..)]` is a constant of the parameter's type: one error, at the default.
use dagger_core::prelude::*;

#[task]
fn repeat(text: String, times: u64) -> String {
    text.repeat(times as usize)
}

#[dag]
fn pipeline(text: String, #[default("three")] times: u64) -> String {
    repeat(text, times)
}

fn main() {}
