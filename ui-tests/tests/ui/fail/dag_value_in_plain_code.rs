// A value of the DAG (a parameter, a node's output, a partition) exists only when the DAG
// runs: plain Rust, which runs when the DAG is declared, cannot compute with it. One error at
// each use, saying to compute in a task.
use dagger_core::prelude::*;
use std::path::PathBuf;

#[task]
fn wait(ms: u64) -> u64 {
    ms
}

#[task(cache = false)]
fn write(path: PathBuf, value: u64) -> u64 {
    path.as_os_str().len() as u64 + value
}

#[task(partitioned)]
fn numbers(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[task]
fn total(values: Vec<u64>) -> u64 {
    values.iter().sum()
}

#[task]
fn maybe(value: Option<u64>) -> u64 {
    value.unwrap_or(0)
}

#[dag]
fn timeout(timeout_s: u64) -> u64 {
    wait(timeout_s * 1000)
}

#[dag]
fn report(out_dir: PathBuf, n: u64) -> u64 {
    let waited = wait(n);
    let path = out_dir.join("report.json");
    let maybe_waited = maybe(Some(waited));
    write(path, maybe_waited)
}

#[dag]
fn per_partition(n: u64) -> u64 {
    total(numbers(n).map(|x| wait(x + 1)))
}

fn main() {}
