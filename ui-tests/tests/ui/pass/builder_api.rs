// The builder API that the macros expand to, written by hand.
use dagger_core::prelude::*;

#[task(partitioned)]
fn numbers(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[task]
fn raise(x: u64, exponent: u32) -> u64 {
    x.pow(exponent)
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

fn main() {
    let dag: Dag<(u32,), u64> = Dag::build("quick_start", ["exponent"], |b, (exponent,)| {
        let seven = b.constant(7u64);
        let parts = b.call::<numbers, _>((seven,));
        let raised = b.map(parts, |m, x| m.call::<raise, _>((x, exponent)));
        b.call::<total, _>((raised,))
    })
    .unwrap();
    assert_eq!(dag.run((2,)).unwrap(), 91);
}
