// A task option outside the vocabulary is refused at its key, with the whole vocabulary:
// a typo would otherwise reach a cluster job unread.
use dagger_core::prelude::*;

#[task(options(cpus = "2"))]
fn train(x: u64) -> u64 {
    x + 1
}

fn main() {}
