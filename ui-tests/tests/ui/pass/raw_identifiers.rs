// Raw identifiers (`r#type`) work wherever a name is written: task and DAG parameters, a task's
// and a DAG's own name, named arguments, `let` bindings, map parameters, destructured and
// accessed fields. The runtime sees the plain names (`type`), not `r#type`.
use dagger_core::prelude::*;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Limits {
    r#type: u64,
    r#in: u64,
}

#[task]
fn add(x: u64, r#type: u64) -> u64 {
    x + r#type
}

#[task]
fn r#move(r#ref: u64) -> u64 {
    r#ref * 10
}

#[task]
fn limits(n: u64) -> Limits {
    Limits { r#type: n, r#in: n + 1 }
}

#[task(partitioned)]
fn numbers(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[task]
fn sum2(xs: Vec<u64>, y: u64) -> u64 {
    xs.iter().sum::<u64>() + y
}

#[dag]
fn r#loop(r#type: u64, #[default(1)] r#in: u64) -> u64 {
    let r#let = add(r#type, r#in);
    let r#fn = r#move(r#ref = r#let);
    let Limits { r#type: r#mut, .. } = limits(r#type);
    let r#match = numbers(r#in).map(|r#ref| add(r#ref, r#type = r#mut));
    let r#where = limits(r#fn);
    sum2(r#match, r#where.r#in)
}

#[dag]
fn nested(n: u64) -> u64 {
    let r#dyn = r#loop(n, r#in = 3);
    add(r#dyn, r#type = 1)
}

fn main() {
    // let = 2 + 3 = 5; fn = 50; mut = 2; match = [0, 1, 2] + 2 = [2, 3, 4]; where.in = 51.
    assert_eq!(r#loop::run(2, 3).unwrap(), 9 + 51);
    // in = 1 by default: let = 3; fn = 30; match = [0] + 2 = [2]; where.in = 31.
    assert_eq!(r#loop::with_defaults(2).execute().unwrap(), 2 + 31);
    assert_eq!(nested::run(2).unwrap(), 61);

    let dag = r#loop::dag();
    let graph = dag.graph();
    assert_eq!(graph.name(), "loop");
    let params: Vec<&str> = graph.params().map(|(name, _)| name).collect();
    assert_eq!(params, ["type", "in"]);
    let nodes: Vec<String> = graph.nodes().into_iter().map(|node| node.name).collect();
    assert!(nodes.iter().any(|name| name == "move"), "{nodes:?}");
    assert!(nodes.iter().all(|name| !name.contains("r#")), "{nodes:?}");
    let nested = nested::dag();
    let nodes: Vec<String> = nested.graph().nodes().into_iter().map(|node| node.name).collect();
    assert!(nodes.iter().any(|name| name == "loop"), "{nodes:?}");
}
