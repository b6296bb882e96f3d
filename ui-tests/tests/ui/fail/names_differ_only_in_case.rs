// Two names of one DAG that differ only in case would share a folder on a file system that
// ignores case (macOS, Windows): the second is an error, naming both. Names a task gives
// itself (`#[task(name = "..")]`) are compared too.
use dagger_core::prelude::*;

#[task]
fn stats(x: u64) -> (u64, u64) {
    (x / 2, x % 2)
}

#[task]
fn half(x: u64) -> u64 {
    x / 2
}

#[task(name = "Half")]
fn halve_again(x: u64) -> u64 {
    x / 2
}

#[task]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[dag]
#[allow(non_snake_case)]
fn fields(x: u64) -> u64 {
    let (Half, half) = stats(x);
    add(Half, half)
}

#[dag]
fn renamed(x: u64) -> u64 {
    let h = half(x);
    halve_again(h)
}

#[dag]
#[allow(non_snake_case)]
fn parameters(Add: u64) -> u64 {
    add(Add, 1)
}

fn main() {}
