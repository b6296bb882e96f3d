//! Incremental reruns by key: a daily set of `DAYS` days (default 365) through a map of
//! per-day work (about `WORK_MS` ms each, default 2) and a fan-in, on a disk store; then the
//! same DAG with one day more. Prints how many partitions each run computed (counted by the
//! task itself) and how long each took.
//!
//! ```text
//! cargo run --release --example incremental -- [DAYS] [WORK_MS]
//! ```

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

use dagger_core::prelude::*;
use dagger_examples::incremental::{daily_set, COMPUTED, WORK};

fn main() -> ExitCode {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let count = args.first().copied().unwrap_or(365) as u32;
    WORK.store(args.get(1).copied().unwrap_or(2) as usize, Ordering::Relaxed);
    let store = match DiskStore::temporary() {
        Ok(store) => store,
        Err(error) => {
            eprintln!("error: cannot make a temporary store: {error}");
            return ExitCode::FAILURE;
        }
    };
    let dir = store.root().join("incremental");
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    for (label, days) in [("first run", count), ("one day more", count + 1)] {
        let start = Instant::now();
        match (daily_set { count: days }).execute_on(&runner) {
            Ok(total) => {
                let expected: u64 = (1..=u64::from(days)).map(|d| d * 2).sum();
                if total != expected {
                    eprintln!("error: {label}: {total}, expected {expected}");
                    return ExitCode::FAILURE;
                }
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
        let seconds = start.elapsed().as_secs_f64();
        let computed = COMPUTED.swap(0, Ordering::SeqCst);
        println!("{label}: {days} days, computed {computed} of {days} partitions, {seconds:.3} s");
    }
    let _ = std::fs::remove_dir_all(&dir);
    ExitCode::SUCCESS
}
