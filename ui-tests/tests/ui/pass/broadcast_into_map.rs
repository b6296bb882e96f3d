// Whole values (parameters, node outputs, constants) are broadcast to every partition of a map.
use dagger_core::prelude::*;

#[task(partitioned)]
fn numbers(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[task]
fn offset(base: u64) -> u64 {
    base * 10
}

#[task]
fn combine(x: u64, multiplier: u64, offset: u64, label: String) -> String {
    format!("{label}{}", x * multiplier + offset)
}

#[task]
fn join(parts: Vec<String>) -> String {
    parts.join(",")
}

#[dag]
fn pipeline(n: u64, multiplier: u64) -> String {
    let base = offset(1);
    let combined = numbers(n).map(|x| combine(x, multiplier, base, "#"));
    join(combined)
}

fn main() {
    assert_eq!(pipeline::run(3, 3).unwrap(), "#10,#13,#16");
}
