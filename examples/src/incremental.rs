//! A daily set that grows between runs: a keyed source of `count` days, a map of per-day work
//! (busy for a few milliseconds, counted), and a fan-in by key. On a disk store, a run with one
//! day more computes that day only (`examples/incremental.rs` measures it).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dagger_core::prelude::*;

/// How many day partitions `daily` computed (counted by the task itself).
pub static COMPUTED: AtomicUsize = AtomicUsize::new(0);
/// How long the work of one day takes, in milliseconds.
pub static WORK: AtomicUsize = AtomicUsize::new(2);

/// The days of the set, keyed by their number.
#[task(partitioned, keyed)]
pub fn days(count: u32) -> Vec<(u32, u64)> {
    (1..=count).map(|day| (day, u64::from(day))).collect()
}

/// The work of one day: busy for `WORK` ms.
#[task]
pub fn daily(day: u64) -> u64 {
    COMPUTED.fetch_add(1, Ordering::SeqCst);
    let until = Instant::now() + Duration::from_millis(WORK.load(Ordering::Relaxed) as u64);
    let mut x = day;
    while Instant::now() < until {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    }
    std::hint::black_box(x);
    day * 2
}

/// The total of every day's result.
#[task]
pub fn total(by_day: BTreeMap<u32, u64>) -> u64 {
    by_day.values().sum()
}

/// The daily set of `count` days.
#[dag]
pub fn daily_set(count: u32) -> u64 {
    total(days(count).map(|day| daily(day)))
}
