// Defaults: DAG parameters with default values, nested DAGs called without some of their
// parameters (name the ones passed), and literal arguments anywhere a value is expected.
// The original's `default_hardcoded_values` scenario: "10-2-20".
use dagger_core::prelude::*;

#[task]
fn join3(a: u64, b: u64, c: u64) -> String {
    format!("{a}-{b}-{c}")
}

#[dag]
fn nested_d(a: u64, #[default(2)] b: u64, #[default(3)] c: u64) -> String {
    join3(a, b, c)
}

#[dag]
fn d(#[default(10)] a: u64) -> String {
    nested_d(a, c = 20)
}

#[task]
fn sum(a: u64, b: u64) -> u64 {
    a + b
}

#[dag]
fn default_values(#[default(1)] x: u64) -> u64 {
    sum(x, 2)
}

#[dag]
fn reordered(x: u64) -> String {
    join3(c = 3, a = x, b = 2)
}

fn main() {
    assert_eq!(d::default().execute().unwrap(), "10-2-20");
    assert_eq!(d::run(1).unwrap(), "1-2-20");
    assert_eq!(nested_d::with_defaults(7).execute().unwrap(), "7-2-3");
    assert_eq!(default_values::default().execute().unwrap(), 3);
    assert_eq!(reordered::run(1).unwrap(), "1-2-3");
}
