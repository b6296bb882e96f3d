// A task option given twice is refused at the second key: which value would win is not obvious.
use dagger_core::prelude::*;

#[task(options(memory = "1Gi", cpu = "2", memory = "2Gi"))]
fn train(x: u64) -> u64 {
    x + 1
}

fn main() {}
