// A parameter of type `Vec<T>` receives every partition of a partitioned output, in order,
// with or without a map in between.
use dagger_core::prelude::*;

#[task(partitioned)]
fn letters() -> Vec<char> {
    vec!['d', 'a', 'g']
}

#[task]
fn spell(letters: Vec<char>) -> String {
    letters.into_iter().collect()
}

#[task]
fn count(letters: &[char]) -> usize {
    letters.len()
}

#[dag]
fn word() -> String {
    spell(letters())
}

#[dag]
fn length() -> usize {
    count(letters())
}

fn main() {
    assert_eq!(word::run().unwrap(), "dag");
    assert_eq!(length::run().unwrap(), 3);
}
