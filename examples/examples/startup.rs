//! What a job costs as a process: `startup PIPELINES [ROUNDS]` times, in interleaved rounds, a
//! job on small values (`node sum_numbers` of `quick_start`: start, read 7 partitions, write
//! one value) against the same binary's `run` of the whole 3-node DAG in memory, and against
//! the binary doing nothing but print its help; prints the medians and the ratios.
//!
//! ```text
//! cargo build --release --bin pipelines --example startup
//! target/release/examples/startup target/release/pipelines 201
//! ```

use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(binary), rounds) = (args.next(), args.next()) else {
        eprintln!("usage: startup PIPELINES [ROUNDS]");
        return ExitCode::from(2);
    };
    let rounds: usize = rounds.and_then(|r| r.parse().ok()).unwrap_or(101);
    let store = std::env::temp_dir().join(format!("dagger-startup-{}", std::process::id()));
    let store = store.to_str().unwrap_or_default().to_string();
    let time = |args: &[&str]| -> f64 {
        let start = Instant::now();
        let status = Command::new(&binary).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status();
        let seconds = start.elapsed().as_secs_f64();
        assert!(status.map(|s| s.success()).unwrap_or(false), "{binary} {args:?} failed");
        seconds
    };
    // The inputs of the job, stored once.
    time(&["--dag", "quick_start", "run", "--store", &store]);
    let (mut job, mut run, mut help) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        job.push(time(&["--dag", "quick_start", "node", "sum_numbers", "--store", &store, "--no-reuse"]));
        run.push(time(&["--dag", "quick_start", "run"]));
        help.push(time(&["--help"]));
    }
    let _ = std::fs::remove_dir_all(&store);
    let ratios: Vec<f64> = job.iter().zip(&run).map(|(j, r)| j / r).collect();
    println!("rounds {rounds}");
    println!("JOB_MS {:.2}", median(&job) * 1e3);
    println!("RUN_MS {:.2}", median(&run) * 1e3);
    println!("HELP_MS {:.2}", median(&help) * 1e3);
    let (low, high) = range(&ratios);
    println!("JOB_OVER_RUN {:.2} ({low:.2}-{high:.2})", median(&ratios));
    ExitCode::SUCCESS
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn range(values: &[f64]) -> (f64, f64) {
    values.iter().fold((f64::MAX, f64::MIN), |(low, high), &v| (low.min(v), high.max(v)))
}
