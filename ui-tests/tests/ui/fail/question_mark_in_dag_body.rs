// A task that returns `Result` fails the run with its error by itself: `?` in a DAG body is
// one error, at the `?`.
use dagger_core::prelude::*;

#[task]
fn parse(text: String) -> Result<u64, std::num::ParseIntError> {
    text.trim().parse()
}

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[dag]
fn pipeline(text: String) -> u64 {
    let number = parse(text)?;
    double(number)
}

fn main() {}
