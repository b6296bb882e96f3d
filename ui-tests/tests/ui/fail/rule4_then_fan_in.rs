// One mistake, one error: a partitioned task called inside a map (rule 4), whose result then
// feeds a fan-in task, reports rule 4 only.
use dagger_core::prelude::*;

#[task(partitioned)]
fn texts() -> Vec<String> {
    vec!["a\nb".into()]
}

#[task(partitioned)]
fn lines(text: String) -> Vec<String> {
    text.lines().map(String::from).collect()
}

#[task]
fn count(lines: Vec<String>) -> u64 {
    lines.len() as u64
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[dag]
fn line_count() -> u64 {
    let per_text = texts().map(|text| {
        let lines = lines(text);
        count(lines)
    });
    total(per_text)
}

fn main() {}
