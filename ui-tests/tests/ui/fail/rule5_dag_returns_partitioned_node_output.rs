// Rule 5: a DAG may not return the output of a partitioned node directly.
use dagger_core::prelude::*;

#[task(partitioned)]
fn split(text: String) -> Vec<String> {
    text.split(' ').map(String::from).collect()
}

#[task]
fn process(chunk: String) -> String {
    format!("processed {chunk}")
}

#[dag]
fn processed() -> Vec<String> {
    let chunks = split("chunk1 chunk2");
    chunks.map(|chunk| process(chunk))
}

fn main() {}
