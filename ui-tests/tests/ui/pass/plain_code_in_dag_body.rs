// Plain Rust in a DAG body, computed once when the DAG is declared: constants, constructors,
// method calls and macros on plain values, plain functions in braces, and names that shadow
// DAG values.
use dagger_core::prelude::*;

fn base() -> u64 {
    40
}

#[task]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[task]
fn describe(label: String, values: Vec<u64>, extra: Option<u64>) -> String {
    format!("{label}: {values:?} {extra:?}")
}

#[dag]
fn pipeline(x: u64) -> String {
    let offset = { base() + 2 };
    let labels = ["a", "b"].map(|s| s.to_uppercase());
    // `x = ..` names a format argument, not the DAG parameter `x`.
    let label = format!("{a}-{x}", a = labels[0], x = labels[1]);
    let doubled = [1u64, 2].iter().map(|x| x * 2).collect::<Vec<u64>>();
    let sum = add(x, offset);
    // A plain `let` of a DAG value's name shadows it from here on.
    let x = 7u64;
    describe(label, doubled, Some(x + { std::cmp::max(1, 2) }));
    let total = add(sum, x);
    describe(String::from("total"), vec![1, 2], None);
    total_description(total)
}

#[task]
fn total_description(total: u64) -> String {
    format!("total {total}")
}

fn main() {
    // 1 + 42 + 7
    assert_eq!(pipeline::run(1).unwrap(), "total 50");
}
