// A task that returns a tuple or a struct: each field feeds other nodes on its own. A DAG that
// returns several outputs returns a tuple of them.
use dagger_core::prelude::*;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Datasets {
    training: Vec<f64>,
    test: Vec<f64>,
}

#[task]
fn prepare_datasets(sample_size: usize) -> Datasets {
    let all: Vec<f64> = (0..sample_size).map(|i| i as f64).collect();
    let (training, test) = all.split_at(sample_size * 3 / 4);
    Datasets { training: training.to_vec(), test: test.to_vec() }
}

#[task]
fn split_even_odd(xs: &[f64]) -> (Vec<f64>, Vec<f64>) {
    xs.iter().partition(|x| (**x as u64) % 2 == 0)
}

#[task]
fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

#[task]
fn count(xs: &[f64]) -> usize {
    xs.len()
}

#[dag]
fn report(sample_size: usize) -> (f64, usize, usize) {
    let datasets = prepare_datasets(sample_size);
    let (even, odd) = split_even_odd(datasets.training);
    let Datasets { test, .. } = datasets;
    (mean(test), count(even), count(odd))
}

#[dag]
fn nested_outputs(sample_size: usize) -> usize {
    let (_, even, odd) = report(sample_size);
    count_both(even, odd)
}

#[task]
fn count_both(a: usize, b: usize) -> usize {
    a + b
}

#[task(partitioned)]
fn pairs() -> Vec<(u64, String)> {
    vec![(1, "one".into()), (2, "two".into())]
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

/// Inside a map, the fields of each partition.
#[dag]
fn first_fields() -> u64 {
    let numbers = pairs().map(|pair| identity(pair.0));
    total(numbers)
}

#[task]
fn identity(x: u64) -> u64 {
    x
}

fn main() {
    assert_eq!(first_fields::run().unwrap(), 3);
    assert_eq!(summary::run(8).unwrap(), Summary { mean: 6.5, count: 6 });
    assert_eq!(report::run(8).unwrap(), (6.5, 3, 3));
    assert_eq!(nested_outputs::run(8).unwrap(), 6);
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Summary {
    mean: f64,
    count: usize,
}

/// A DAG returns a struct of outputs.
#[dag]
fn summary(sample_size: usize) -> Summary {
    let datasets = prepare_datasets(sample_size);
    Summary { mean: mean(datasets.test), count: count(datasets.training) }
}
