// `#[task(format = Binary)]` as the README writes it: the formats are in the prelude.
use dagger_core::prelude::*;

#[task(format = Binary)]
fn squares(n: u64) -> Vec<u64> {
    (1..=n).map(|i| i * i).collect()
}

#[task(format = Json)]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[dag]
fn pipeline(n: u64) -> u64 {
    total(squares(n))
}

fn main() {
    assert_eq!(pipeline::run(3).unwrap(), 14);
    let store = dagger_core::DiskStore::temporary().unwrap();
    let runner = Runner::with_threads(1).unwrap().with_store(store).with_progress(false);
    assert_eq!(pipeline { n: 4 }.execute_on(&runner).unwrap(), 30);
}
