//! A daily set that grows between runs: a keyed source of `count` days, a map of per-day work
//! (busy for a few milliseconds, counted), and a fan-in by key. On a disk store, a run with one
//! day more computes that day only (`examples/incremental.rs` measures it).
//!
//! For the kill benchmark (`examples/killed.rs`), the environment can set the work of a day
//! (`DAGGER_DAILY_WORK_US`, microseconds, instead of `WORK`) and name a file that gets one line
//! per day computed (`DAGGER_DAILY_LOG`): side channels, not inputs of the DAG.

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
    let work = side_channel(day).unwrap_or_else(|| Duration::from_millis(WORK.load(Ordering::Relaxed) as u64));
    let until = Instant::now() + work;
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

/// The kill benchmark's side channels (see the module's documentation): logs `day`, and gives
/// the work of a day if the environment sets it.
fn side_channel(day: u64) -> Option<Duration> {
    use std::io::Write;
    static WORK_US: std::sync::OnceLock<Option<Duration>> = std::sync::OnceLock::new();
    static LOG: std::sync::OnceLock<Option<std::sync::Mutex<std::fs::File>>> = std::sync::OnceLock::new();
    let log = LOG.get_or_init(|| {
        let path = std::env::var_os("DAGGER_DAILY_LOG")?;
        std::fs::OpenOptions::new().create(true).append(true).open(path).ok().map(std::sync::Mutex::new)
    });
    if let Some(log) = log {
        let _ = writeln!(log.lock().unwrap_or_else(|e| e.into_inner()), "{day}");
    }
    *WORK_US.get_or_init(|| {
        std::env::var("DAGGER_DAILY_WORK_US").ok().and_then(|us| us.parse().ok()).map(Duration::from_micros)
    })
}
