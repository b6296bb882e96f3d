// Tasks take owned values or references, and return `T` or `Result<T, E>`.
use dagger_core::prelude::*;

#[derive(Debug)]
struct Negative;

impl std::fmt::Display for Negative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("negative input")
    }
}

impl std::error::Error for Negative {}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Stats {
    count: usize,
    mean: f64,
}

#[task]
fn parse(text: &str) -> Result<Vec<i64>, std::num::ParseIntError> {
    text.split(',').map(str::parse).collect()
}

#[task]
fn check(values: &[i64]) -> Result<Vec<i64>, Negative> {
    if values.iter().any(|v| *v < 0) {
        Err(Negative)
    } else {
        Ok(values.to_vec())
    }
}

#[task]
fn stats(values: &Vec<i64>) -> Stats {
    Stats { count: values.len(), mean: values.iter().sum::<i64>() as f64 / values.len() as f64 }
}

#[task]
fn summary(stats: &Stats) -> String {
    format!("{} values, mean {}", stats.count, stats.mean)
}

#[dag]
fn pipeline(text: String) -> String {
    let values = parse(text);
    let checked = check(values);
    summary(stats(checked))
}

fn main() {
    assert_eq!(pipeline::run("1,2,3".into()).unwrap(), "3 values, mean 2");
    let error = pipeline::run("1,-2".into()).unwrap_err();
    assert_eq!(error.to_string(), "task `pipeline/check` failed: negative input");
    assert!(pipeline::run("1,x".into()).is_err());
}
