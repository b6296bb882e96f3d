// A task parameter is stored between nodes: a type that serde cannot store (here a compiled
// pattern, as a regex would be) is one error, at the parameter, whether it is taken by
// reference or by value; the note gives the pattern for a resource built once.
use dagger_core::prelude::*;

#[derive(Clone)]
struct Pattern {
    word: String,
}

#[task]
fn count_matches(pattern: &Pattern, lines: Vec<String>) -> usize {
    lines.iter().filter(|line| line.contains(&pattern.word)).count()
}

#[task]
fn first_match(pattern: Pattern, lines: Vec<String>) -> Option<String> {
    lines.into_iter().find(|line| line.contains(&pattern.word))
}

fn main() {}
