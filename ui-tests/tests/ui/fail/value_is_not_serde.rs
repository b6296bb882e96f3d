// Values between nodes are serde types, so that a DAG can store them or run on a cluster.
use dagger_core::prelude::*;

#[derive(Clone)]
struct Report {
    lines: Vec<String>,
}

#[task]
fn report(lines: Vec<String>) -> Report {
    Report { lines }
}

fn main() {}
