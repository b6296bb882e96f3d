//! The chained-map memory benchmark: `FILES` log files of `LINES` lines, each parsed then
//! summarized by a chain of two tasks in one map, under dagger or under plain rayon.
//!
//! ```text
//! cargo build --release --example logs
//! target/release/examples/logs dagger|rayon FILES [LINES]
//! ```
//!
//! Prints `RESULT` (lines and errors counted), `RUN_S` and `PEAK_RSS_MB` (the process's
//! high-water mark, from `/proc/self/status`). Run the two one after the other, alternately:
//! the peak memory of a process is its own.

use std::process::ExitCode;
use std::time::Instant;

use dagger_core::Runner;
use dagger_examples::logs::{logs, logs_with_rayon};

const USAGE: &str = "usage: logs dagger|rayon FILES [LINES]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: u64| args.get(i).map_or(Ok(default), |s| s.parse::<u64>());
    let (Some(engine), Ok(files), Ok(lines)) = (args.first(), number(1, 40), number(2, 50_000)) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    rayon::broadcast(|_| ());
    let t0 = Instant::now();
    let stats = match engine.as_str() {
        "dagger" => (logs { files, lines }).execute_on(&Runner::new().with_progress(false)).map_err(|e| e.to_string()),
        "rayon" => logs_with_rayon(files, lines),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let elapsed = t0.elapsed().as_secs_f64();
    match stats {
        Ok(stats) => {
            println!("RESULT {{\"lines\":{},\"errors\":{}}}", stats.lines, stats.errors);
            println!("RUN_S {elapsed:.3}");
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
