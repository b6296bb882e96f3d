//! DAG shapes that a cluster run has to get right when every node is a job of its own: tuple and
//! struct outputs, a partitioned field, chained maps (a map over a map, and two tasks chained in
//! one map), nested DAGs run once and once per partition, a nested DAG that returns a tuple
//! or a partitioned output. Zero partitions is `n = 0` for each.
//! `cargo run --example shapes -- --dag chained run -p n=4`.

use dagger_core::prelude::*;
use serde::{Deserialize, Serialize};

#[task(partitioned)]
pub fn numbers(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[task]
pub fn double(x: u64) -> u64 {
    x * 2
}

#[task]
pub fn inc(x: u64) -> u64 {
    x + 1
}

#[task]
pub fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[task]
pub fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[task]
pub fn count(xs: &[u64]) -> u64 {
    xs.len() as u64
}

/// A tuple output: its fields are nodes of their own, computed by this task's job.
#[task]
pub fn low_high(xs: &[u64]) -> (u64, u64) {
    (xs.iter().copied().min().unwrap_or(0), xs.iter().copied().max().unwrap_or(0))
}

/// A map over a map's output, and two tasks chained in one map; a tuple of two fan-ins.
#[dag]
pub fn chained(#[default(4)] n: u64) -> (u64, u64) {
    let doubled = numbers(n).map(|x| double(x));
    let shifted = doubled.map(|x| {
        let y = inc(x);
        double(y)
    });
    (total(shifted), count(doubled))
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub total: u64,
    pub low: u64,
    pub high: u64,
}

/// A struct output, of a fan-in and of the fields of a tuple output.
#[dag]
pub fn summary(#[default(5)] n: u64) -> Summary {
    let (low, high) = low_high(numbers(n));
    Summary { total: total(numbers(n)), low, high }
}

/// A nested DAG that returns a tuple of two tasks' outputs.
#[dag]
pub fn pair_of(x: u64) -> (u64, u64) {
    (double(x), inc(x))
}

/// The nested DAG, once per partition; the fields of each of its results.
#[dag]
pub fn nested_pairs(#[default(3)] n: u64) -> u64 {
    let pairs = numbers(n).map(|x| pair_of(x));
    total(pairs.map(|pair| add(pair.0, pair.1)))
}

/// A nested DAG that returns a partitioned output.
#[dag]
pub fn evens(n: u64) -> Partitioned<u64> {
    numbers(n)
}

/// Maps over a nested DAG's partitioned output.
#[dag]
pub fn nested_parts(#[default(3)] n: u64) -> u64 {
    total(evens(n).map(|x| double(x)))
}

/// A tuple whose first field is a partitioned output.
#[task(partitioned(0))]
pub fn load(n: u64) -> (Vec<u64>, String) {
    ((0..n).collect(), format!("{n} rows"))
}

#[task]
pub fn describe(rows: Vec<u64>, label: &str) -> String {
    format!("{label}: {rows:?}")
}

/// A partitioned field, mapped, and a whole field.
#[dag]
pub fn loaded(#[default(3)] n: u64) -> String {
    let (rows, label) = load(n);
    describe(rows.map(|r| double(r)), label)
}

/// Half of an even number; an odd one is an error.
#[task]
pub fn half(x: u64) -> Result<u64, String> {
    match x % 2 {
        0 => Ok(x / 2),
        _ => Err(format!("{x} is odd")),
    }
}

/// Fails on the second partition (1 is odd) as soon as `n` is 2 or more.
#[dag]
pub fn halves(#[default(1)] n: u64) -> u64 {
    total(numbers(n).map(|x| half(x)))
}

/// A number that could not be read, and why.
#[derive(Debug)]
pub struct NotANumber {
    text: String,
    source: std::num::ParseIntError,
}

impl std::fmt::Display for NotANumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read `{}` as a number", self.text)
    }
}

impl std::error::Error for NotANumber {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[task]
pub fn parse_number(text: &str) -> Result<u64, NotANumber> {
    text.trim().parse().map_err(|source| NotANumber { text: text.to_string(), source })
}

/// Fails, with a cause, when `text` is not a number.
#[dag]
pub fn parsed(text: String) -> u64 {
    parse_number(text)
}

/// A DAG of 450 tasks, built with the builder API: a map-reduce at the start, a chain of 446
/// tasks, their sum. Argo takes at most 200 tasks in a DAG template: its manifest is cut into
/// parts, and the map's count crosses them.
pub fn wide() -> Dag<(u64,), u64> {
    let built = Dag::build("wide", ["n"], |b, (n,)| {
        let parts = b.call::<numbers, _>((n,));
        let mut value = b.call::<double, _>((n,));
        for _ in 0..445 {
            value = b.call::<inc, _>((value,));
        }
        let doubled = b.map(parts, |m, x| m.call::<double, _>((x,)));
        let sum = b.call::<total, _>((doubled,));
        b.call::<add, _>((value, sum))
    });
    built.unwrap_or_else(|error| unreachable!("the DAG `wide` is built from its own handles: {error}"))
}

/// A task with every Argo option: resources, retries, a deadline, its own image, and
/// additions to its container, template and task.
#[task(options(
    cpu = "500m",
    memory = "1Gi",
    gpu = 1,
    timeout = "10m",
    retries = 2,
    image = "registry.example/heavy:2",
    argo_container = r#"{"imagePullPolicy": "IfNotPresent"}"#,
    argo_template = r#"{"metadata": {"labels": {"tier": "heavy"}}}"#,
    argo_task = r#"{"hooks": {}}"#
))]
pub fn heavy(x: u64) -> u64 {
    x * 10
}

/// A map whose task asks for resources, and a task that runs with none.
#[dag]
pub fn tuned(#[default(3)] n: u64) -> u64 {
    total(numbers(n).map(|x| heavy(x)))
}

/// `halves` nested, once per partition: the run on partition 2 fails (`halves(2)` meets 1).
#[dag]
pub fn nested_halves(#[default(3)] n: u64) -> u64 {
    total(numbers(n).map(|k| halves(k)))
}
