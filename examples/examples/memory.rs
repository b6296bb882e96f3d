//! W3, the memory benchmark: `N` partitions of `MB` megabytes each (default 8) through a map and
//! a streaming reduce, with outputs on disk. Peak memory must not grow with `N`.
//!
//! ```text
//! cargo build --release --example memory
//! target/release/examples/memory N [MB] [DIR]
//! ```
//!
//! Prints `RESULT`, `RUN_S` and `PEAK_RSS_MB` (the process's high-water mark, from
//! `/proc/self/status`). Outputs go to a temporary folder, removed after the run, or to `DIR`.

use std::process::ExitCode;
use std::time::Instant;

use dagger_core::{DiskStore, Runner};
use dagger_examples::peers::w3;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), mb) = (args.first().and_then(|a| a.parse::<u64>().ok()), args.get(1).map(|a| a.parse::<u64>()))
    else {
        eprintln!("usage: memory N [MB] [DIR]");
        return ExitCode::from(2);
    };
    let Ok(mb) = mb.unwrap_or(Ok(8)) else {
        eprintln!("usage: memory N [MB] [DIR]");
        return ExitCode::from(2);
    };
    let store = match args.get(2) {
        Some(dir) => DiskStore::new(dir),
        None => match DiskStore::temporary() {
            Ok(store) => store,
            Err(error) => {
                eprintln!("cannot create a temporary folder: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    let len = mb * 1024 * 1024 / 8;
    let runner = Runner::new().with_store(store);
    let t0 = Instant::now();
    match (w3 { n, len }).execute_on(&runner) {
        Ok(total) => {
            println!("RESULT {total}");
            println!("RUN_S {:.3}", t0.elapsed().as_secs_f64());
            println!("PEAK_RSS_MB {}", peak_rss_mb().map_or("unknown".to_string(), |mb| mb.to_string()));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}
