// Rule 3: a node may never be partitioned by a DAG parameter, even a collection.
use dagger_core::prelude::*;

#[task]
fn greet(country: String) -> String {
    format!("hello, {country}")
}

#[task]
fn join_lines(lines: Vec<String>) -> String {
    lines.join("\n")
}

#[dag]
fn greetings(countries: Vec<String>) -> String {
    let greeted = countries.map(|country| greet(country));
    join_lines(greeted)
}

fn main() {}
