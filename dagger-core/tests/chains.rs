//! A chain of tasks inside a map: every partition goes through the whole chain, in order, and
//! what the chain holds at once is bounded by the pieces in flight, not by the batch of
//! partitions the source handed over.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dagger_core::prelude::*;

mod common;
use common::{numbers, total};

static ALIVE: AtomicUsize = AtomicUsize::new(0);
static MOST_ALIVE: AtomicUsize = AtomicUsize::new(0);

/// A big intermediate value (a parsed file), counted while it lives.
#[derive(serde::Serialize, serde::Deserialize)]
struct Parsed(u64);

impl Parsed {
    fn new(x: u64) -> Self {
        let alive = ALIVE.fetch_add(1, Ordering::SeqCst) + 1;
        MOST_ALIVE.fetch_max(alive, Ordering::SeqCst);
        Parsed(x)
    }
}

impl Clone for Parsed {
    fn clone(&self) -> Self {
        Parsed::new(self.0)
    }
}

impl Drop for Parsed {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

#[task]
fn parse(x: u64) -> Parsed {
    std::thread::sleep(Duration::from_millis(2));
    Parsed::new(x)
}

#[task]
fn summarize(parsed: Parsed) -> u64 {
    std::thread::sleep(Duration::from_millis(2));
    parsed.0 * 10
}

#[dag]
fn parse_then_summarize(n: u64) -> u64 {
    let summaries = numbers(n).map(|x| {
        let parsed = parse(x);
        summarize(parsed)
    });
    total(summaries)
}

#[test]
fn a_chain_holds_the_partitions_in_flight_not_the_whole_batch() {
    let runner = Runner::with_threads(2).unwrap().with_progress(false);
    let n = 64;
    assert_eq!(parse_then_summarize { n }.execute_on(&runner).unwrap(), (0..n).sum::<u64>() * 10);
    assert_eq!(ALIVE.load(Ordering::SeqCst), 0);
    // The source hands its 64 quick partitions over in batches of up to 32; taking a batch
    // through the chain task by task held all of them parsed at once.
    let most = MOST_ALIVE.load(Ordering::SeqCst);
    assert!(most <= 4, "{most} parsed values were alive at once on 2 threads");
}

#[task]
fn plus_one(x: u64) -> u64 {
    x + 1
}

#[task]
fn times_three(x: &u64) -> u64 {
    x * 3
}

#[task]
fn both(a: u64, b: u64) -> (u64, u64) {
    (a, b)
}

#[task]
fn pairs_in_order(pairs: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    pairs
}

#[task]
fn in_order(xs: Vec<u64>) -> Vec<u64> {
    xs
}

/// Each task reads the partition from the one before: the chain runs over batches.
#[dag]
fn long_chain(n: u64) -> Vec<u64> {
    let last = numbers(n).map(|x| {
        let a = plus_one(x);
        let b = times_three(a);
        plus_one(b)
    });
    in_order(last)
}

/// A task reads two values of the chain: it runs partition by partition.
#[dag]
fn forked_chain(n: u64) -> Vec<(u64, u64)> {
    let pairs = numbers(n).map(|x| {
        let a = plus_one(x);
        let b = times_three(a);
        let c = plus_one(b);
        both(a, c)
    });
    pairs_in_order(pairs)
}

#[test]
fn a_long_chain_over_many_quick_partitions_keeps_every_result_in_order() {
    let n = 100_000;
    let expected: Vec<u64> = (0..n).map(|x| (x + 1) * 3 + 1).collect();
    assert_eq!(long_chain::run(n).unwrap(), expected);
    let pairs: Vec<(u64, u64)> = (0..n).map(|x| (x + 1, (x + 1) * 3 + 1)).collect();
    assert_eq!(forked_chain::run(n).unwrap(), pairs);
    assert!(long_chain::run(0).unwrap().is_empty());
}
