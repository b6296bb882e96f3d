// Plain Rust in a DAG body runs once, when the DAG is declared: a call in it would run a task
// then, as a plain function, and every run would reuse that value. A call of an all-lowercase
// path there is refused, at the call, unless it is in braces (a plain value on purpose).
use dagger_core::prelude::*;

#[task]
fn load(region: String) -> Vec<u64> {
    vec![region.len() as u64]
}

#[task]
fn merge(a: Vec<u64>, b: Vec<u64>, c: Vec<u64>) -> Vec<u64> {
    a.into_iter().chain(b).chain(c).collect()
}

#[task]
fn cap(values: Vec<u64>, limit: u64) -> Vec<u64> {
    values.into_iter().map(|v| v.min(limit)).collect()
}

#[dag]
fn regions() -> Vec<u64> {
    let [eu, us, apac] = ["eu", "us", "apac"].map(|r| load(r.to_string()));
    merge(eu, us, apac)
}

#[dag]
fn capped(region: String) -> Vec<u64> {
    let values = load(region);
    cap(values, std::cmp::max(3, 4) * 10)
}

fn main() {}
