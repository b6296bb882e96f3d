// A call in a DAG body finds its task or DAG however it is in scope: declared beside it, by
// path, through a glob import, or declared in a function body; and a constant argument may call
// the task's function by the same name, as a plain function.
use dagger_core::prelude::*;

mod tasks {
    use dagger_core::prelude::*;

    #[task]
    pub fn double(x: u64) -> u64 {
        x * 2
    }

    #[task(partitioned)]
    pub fn numbers(n: u64) -> Vec<u64> {
        (1..=n).collect()
    }

    #[task]
    pub fn total(xs: Vec<u64>) -> u64 {
        xs.iter().sum()
    }
}

mod more {
    use dagger_core::prelude::*;

    #[task]
    pub fn add(a: u64, b: u64) -> u64 {
        a + b
    }
}

use tasks::*;

#[dag]
fn pipeline(n: u64) -> u64 {
    let doubled = double(n);
    let added = more::add(doubled, { double(5) });
    let total = total(numbers(added).map(|double| tasks::double(double)));
    self::more::add(total, 1)
}

fn main() {
    // n = 2: doubled 4, added 14, the doubles of 1..=14 sum to 210, plus 1.
    assert_eq!(pipeline::run(2).unwrap(), 211);

    #[task]
    fn triple(x: u64) -> u64 {
        x * 3
    }

    #[dag]
    fn local(x: u64) -> u64 {
        triple(double(x))
    }

    assert_eq!(local::run(5).unwrap(), 30);
}
