// One mistake, one error: a map over a whole value (rule 2), a parameter (rule 3) or a
// partition (rule 6) whose closure then takes a field of its argument reports the rule only.
use dagger_core::prelude::*;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Row {
    w: u64,
}

#[task]
fn pairs() -> Vec<(String, u64)> {
    vec![("a".into(), 1)]
}

#[task]
fn rows() -> Vec<Row> {
    vec![Row { w: 1 }]
}

#[task(partitioned)]
fn chunks() -> Vec<Vec<(String, u64)>> {
    vec![vec![("a".into(), 1)]]
}

#[task]
fn weight(x: u64) -> u64 {
    x
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[dag]
fn over_whole_values() -> u64 {
    let by_index = pairs().map(|p| weight(p.1));
    let by_name = rows().map(|r| weight(r.w));
    total(by_index)
}

#[dag]
fn over_parameters(pairs: Vec<(String, u64)>, rows: Vec<Row>) -> u64 {
    let by_index = pairs.map(|p| weight(p.1));
    let by_name = rows.map(|r| weight(r.w));
    total(by_index)
}

#[dag]
fn over_a_partition() -> u64 {
    let sums = chunks().map(|chunk| {
        let weights = chunk.map(|p| weight(p.1));
        total(weights)
    });
    total(sums)
}

fn main() {}
