//! What a run killed with SIGKILL loses: a map's partitions computed before the kill that the
//! run after it computes again. Each round runs the DAG in a process of its own, kills it with
//! SIGKILL at a random point, runs it again to the end, and compares the partitions each
//! computed (each logs them in a side channel):
//!
//! - `plain`: W4's map (`dagger_examples::many`) of `N` partitions, `WORK_US` of work each;
//! - `keyed`: a daily set (`dagger_examples::incremental`) of `N` days computed to the end,
//!   then grown by `N` days and killed while the new days run: what reuse by key redoes.
//!
//! ```text
//! cargo build --release --example killed
//! target/release/examples/killed plain|keyed [ROUNDS] [N] [WORK_US]
//! ```
//!
//! Prints a line per round, then `REDONE` (partitions computed twice: median and range),
//! `REDONE_MS_PER_THREAD` (that work, per thread of the run) and `THREADS`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use dagger_core::prelude::*;
use dagger_examples::incremental::daily_set;
use dagger_examples::many::many;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        return child(&args[1..]);
    }
    let Some(kind) = args.first().filter(|kind| ["plain", "keyed"].contains(&kind.as_str())) else {
        eprintln!("usage: killed plain|keyed [ROUNDS] [N] [WORK_US]");
        return ExitCode::from(2);
    };
    let number = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (rounds, n, work_us) = (number(1, 7) as usize, number(2, 2000), number(3, 1000));
    let threads = rayon::current_num_threads();
    let dir = std::env::temp_dir().join(format!("dagger-killed-{}", std::process::id()));
    let mut redone = Vec::new();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..rounds {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        // Killed after a fifth to four fifths of the partitions it has to compute.
        let at = n / 5 + (seed >> 33) % (3 * n / 5).max(1);
        match kill_round(kind, &dir, n, work_us, at) {
            Ok((before, again, twice)) => {
                println!("round {round}: killed after {before} partitions; the rerun computed {again}, {twice} of them twice");
                redone.push(twice);
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    redone.sort_unstable();
    let median = redone[redone.len() / 2];
    println!("REDONE {median} ({}-{})", redone[0], redone[redone.len() - 1]);
    let ms = |count: usize| count as f64 * work_us as f64 / 1000.0 / threads as f64;
    println!("REDONE_MS_PER_THREAD {:.0} ({:.0}-{:.0})", ms(median), ms(redone[0]), ms(redone[redone.len() - 1]));
    println!("THREADS {threads}");
    ExitCode::SUCCESS
}

/// One round: the partitions the killed run computed, those the rerun computed, and how many
/// of those the killed run had computed too.
fn kill_round(kind: &str, dir: &Path, n: u64, work_us: u64, at: u64) -> Result<(usize, usize, usize), String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let (store, first, second) = (dir.join("store"), dir.join("first.log"), dir.join("second.log"));
    let total = match kind {
        "keyed" => {
            // The days before: computed to the end, then the set grows by as many.
            finish(&mut spawn(kind, &store, n, work_us, &dir.join("base.log"))?)?;
            2 * n
        }
        _ => n,
    };
    let mut killed = spawn(kind, &store, total, work_us, &first)?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while (logged(&first).len() as u64) < at {
        if Instant::now() > deadline || killed.try_wait().map_err(|e| e.to_string())?.is_some() {
            return Err("the run ended before it was killed".into());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    killed.kill().map_err(|e| e.to_string())?; // SIGKILL
    killed.wait().map_err(|e| e.to_string())?;
    finish(&mut spawn(kind, &store, total, work_us, &second)?)?;
    let before: HashSet<u64> = logged(&first).into_iter().collect();
    let again = logged(&second);
    let twice = again.iter().filter(|p| before.contains(p)).count();
    Ok((before.len(), again.len(), twice))
}

fn spawn(kind: &str, store: &Path, n: u64, work_us: u64, log: &Path) -> Result<std::process::Child, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    Command::new(exe)
        .args(["child", kind, &store.to_string_lossy(), &n.to_string()])
        .env("DAGGER_W4_DELAY_US", work_us.to_string())
        .env("DAGGER_W4_LOG", log)
        .env("DAGGER_DAILY_WORK_US", work_us.to_string())
        .env("DAGGER_DAILY_LOG", log)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())
}

fn finish(child: &mut std::process::Child) -> Result<(), String> {
    let status = child.wait().map_err(|e| e.to_string())?;
    match status.success() {
        true => Ok(()),
        false => Err(format!("a run failed: {status}")),
    }
}

/// The partitions a run logged.
fn logged(log: &Path) -> Vec<u64> {
    std::fs::read_to_string(log).unwrap_or_default().lines().filter_map(|line| line.parse().ok()).collect()
}

/// A run of the DAG, in this process: `child plain|keyed STORE N`.
fn child(args: &[String]) -> ExitCode {
    let (Some(kind), Some(store), Some(Ok(n))) = (args.first(), args.get(1), args.get(2).map(|a| a.parse::<u64>()))
    else {
        return ExitCode::from(2);
    };
    let runner = Runner::new().with_store(DiskStore::new(PathBuf::from(store))).with_progress(false);
    let result = match kind.as_str() {
        "keyed" => daily_set { count: n as u32 }.execute_on(&runner).map(drop),
        _ => many { n }.execute_on(&runner).map(drop),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
