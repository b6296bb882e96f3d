// A task's output is stored between nodes: it cannot borrow from the task's inputs. One error
// per reference in the return type, with the owned type to return instead.
use dagger_core::prelude::*;

#[task]
fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or("")
}

#[task]
fn largest(numbers: &[u64]) -> Option<&u64> {
    numbers.iter().max()
}

fn main() {}
