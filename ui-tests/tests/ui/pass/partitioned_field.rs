// A task whose tuple has a partitioned field next to a whole one: the first field is mapped
// over, partition by partition, the second is one value (the original's partitioned FromKey).
use dagger_core::prelude::*;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Stats {
    rows: usize,
}

#[task(partitioned(0))]
fn load(n: u64) -> (Vec<u64>, Stats) {
    ((1..=n).collect(), Stats { rows: n as usize })
}

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[task]
fn report(doubled: Vec<u64>, stats: &Stats) -> String {
    format!("{} rows, sum {}", stats.rows, doubled.iter().sum::<u64>())
}

#[dag]
fn pipeline(n: u64) -> String {
    let (rows, stats) = load(n);
    let doubled = rows.map(|row| double(row));
    report(doubled, stats)
}

#[dag]
fn by_index(n: u64) -> String {
    let loaded = load(n);
    report(loaded.0.map(|row| double(row)), loaded.1)
}

fn main() {
    assert_eq!(pipeline::run(4).unwrap(), "4 rows, sum 20");
    assert_eq!(by_index::run(3).unwrap(), "3 rows, sum 12");
    let dag = pipeline::dag();
    let nodes = dag.graph().nodes();
    // A field bound to a name is a node of that name.
    let rows = nodes.iter().find(|n| n.name == "rows").unwrap();
    assert!(rows.output_partitioned && !rows.partitioned);
    // Otherwise it is named after the task and the field.
    let by_index = by_index::dag();
    assert!(by_index.graph().nodes().iter().any(|n| n.name == "load_0"));
}
