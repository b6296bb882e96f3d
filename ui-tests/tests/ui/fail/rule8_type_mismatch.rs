// Rule 8: an output feeds only a parameter of its own type.
use dagger_core::prelude::*;

#[task]
fn count_words(text: String) -> u64 {
    text.split_whitespace().count() as u64
}

#[task]
fn shout(text: String) -> String {
    text.to_uppercase()
}

#[dag]
fn pipeline(text: String) -> String {
    let count = count_words(text);
    shout(count)
}

fn main() {}
