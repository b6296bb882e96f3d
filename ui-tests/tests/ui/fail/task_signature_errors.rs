// What `#[task]` refuses, each with the reason.
use dagger_core::prelude::*;

#[task]
async fn fetch(url: String) -> String {
    url
}

#[task]
fn first<T: Clone>(items: Vec<T>) -> T {
    items[0].clone()
}

#[task]
fn append(items: &mut Vec<u64>, x: u64) -> usize {
    items.push(x);
    items.len()
}

#[task(parallel)]
fn unknown_option(x: u64) -> u64 {
    x
}

#[task(partitioned(3))]
fn no_such_field(n: u64) -> (Vec<u64>, u64) {
    ((0..n).collect(), n)
}

fn main() {}
