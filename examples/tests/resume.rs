//! Runs of the W4 binary (`src/bin/w4.rs`) as separate processes on one disk store: a run
//! killed with SIGKILL half way resumes without redoing what it finished, and a process with
//! other parameters cannot write into a folder another process is using.

mod common;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use dagger_core::{DiskStore, Runner};
use dagger_examples::many::many;

/// An empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("", name)
}

/// `w4 dagger DIR N`, its map slowed by `delay_us` per partition, logging each partition it
/// computes to `log`.
fn w4(dir: &Path, n: u64, delay_us: u64, log: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_w4"));
    command
        .args(["dagger", &dir.to_string_lossy(), &n.to_string()])
        .env("DAGGER_W4_DELAY_US", delay_us.to_string())
        .env("DAGGER_W4_LOG", log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The partitions a run computed, from its log.
fn logged(log: &Path) -> Vec<u64> {
    fs::read_to_string(log).unwrap_or_default().lines().filter_map(|line| line.parse().ok()).collect()
}

/// Waits until `log` has `lines` lines, then kills `child` with SIGKILL.
fn kill_when_logged(mut child: Child, log: &Path, lines: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while logged(log).len() < lines {
        assert!(Instant::now() < deadline, "the run never got half way");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it was killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

fn result(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.lines().find_map(|line| line.strip_prefix("RESULT ")).unwrap_or_default().to_string()
}

fn sum_of_squares(n: u64) -> u64 {
    (0..n).map(|x| x * x).sum()
}

/// How many partitions of `square`'s output are in files (listed or not) in `dir`.
fn stored_partitions(dir: &Path) -> usize {
    let output = dir.join("many/square/output");
    let Ok(entries) = fs::read_dir(&output) else { return 0 };
    entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            match name.split_once('-') {
                Some((a, b)) => Some(b.parse::<usize>().ok()? - a.parse::<usize>().ok()? + 1),
                None => name.parse::<usize>().ok().map(|_| 1),
            }
        })
        .sum()
}

#[test]
fn a_run_killed_with_sigkill_resumes_without_redoing_what_it_finished() {
    let dir = scratch("resume-sigkill");
    let (first_log, second_log) = (dir.join("first.log"), dir.join("second.log"));
    let store = dir.join("store");
    let n = 3000;
    // 2 ms a partition: the run takes seconds, and is killed when half the partitions ran.
    let child = w4(&store, n, 2000, &first_log).spawn().unwrap();
    kill_when_logged(child, &first_log, n as usize / 2);
    let finished = stored_partitions(&store);
    assert!(finished > 0 && finished < n as usize, "{finished} of {n} partitions stored when killed");

    let rerun = w4(&store, n, 0, &second_log).output().unwrap();
    assert!(rerun.status.success(), "{}", String::from_utf8_lossy(&rerun.stderr));
    assert_eq!(result(&rerun), sum_of_squares(n).to_string());
    let (first, second): (HashSet<u64>, Vec<u64>) = (logged(&first_log).into_iter().collect(), logged(&second_log));
    // The rerun computes exactly the partitions that were not stored...
    assert_eq!(second.len(), n as usize - finished, "recomputed");
    // ... so what runs twice is what was running when the process died.
    let twice = second.iter().filter(|x| first.contains(x)).count();
    assert_eq!(twice, first.len() - finished);
    println!("W5: {n} partitions, {finished} stored at the kill, {} recomputed, {twice} ran twice", second.len());

    // A run of a finished run reuses everything.
    let third_log = dir.join("third.log");
    let again = w4(&store, n, 0, &third_log).output().unwrap();
    assert_eq!(result(&again), sum_of_squares(n).to_string());
    assert!(logged(&third_log).is_empty());
}

#[test]
fn a_killed_run_with_other_parameters_leaves_nothing_taken_for_complete() {
    let dir = scratch("resume-stale");
    let store = dir.join("store");
    let log = dir.join("log");
    // A complete run with n = 1000, then one with n = 500 killed half way.
    assert_eq!(result(&w4(&store, 1000, 0, &log).output().unwrap()), sum_of_squares(1000).to_string());
    fs::remove_file(&log).unwrap();
    kill_when_logged(w4(&store, 500, 2000, &log).spawn().unwrap(), &log, 250);
    let runner = Runner::new().with_store(DiskStore::new(&store)).with_progress(false);
    let dag = many::dag();
    // The fan-in of either run cannot run from what is stored: neither run's map is complete.
    let error = runner.run_node(&dag, (500,), "sum_all", None).unwrap_err();
    assert!(
        error.to_string().contains("is not ready: partition") && error.to_string().contains("is missing"),
        "{error}"
    );
    let error = runner.run_node(&dag, (1000,), "sum_all", None).unwrap_err();
    assert!(error.to_string().contains("produced by other parameters"), "{error}");
    // A run finishes the work, and is right.
    assert_eq!((many { n: 500 }).execute_on(&runner).unwrap(), sum_of_squares(500));
}

#[test]
fn a_process_with_other_parameters_cannot_use_a_folder_another_is_using() {
    let dir = scratch("resume-side-by-side");
    let store = dir.join("store");
    let (log, other_log, same_log) = (dir.join("log"), dir.join("other.log"), dir.join("same.log"));
    let first = w4(&store, 2000, 1000, &log).spawn().unwrap();
    let pid = first.id();
    let deadline = Instant::now() + Duration::from_secs(60);
    while logged(&log).is_empty() {
        assert!(Instant::now() < deadline, "the first run never started its map");
        std::thread::sleep(Duration::from_millis(5));
    }
    let other = w4(&store, 1500, 0, &other_log).output().unwrap();
    assert!(!other.status.success());
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(stderr.contains("in use by another run of this DAG with other parameters or code"), "{stderr}");
    assert!(stderr.contains(&format!("process {pid} on ")), "{stderr}");
    assert!(stderr.contains(&store.join("many").display().to_string()), "{stderr}");
    // The same parameters may share the folder: both runs give the right value.
    let same = w4(&store, 2000, 0, &same_log).output().unwrap();
    assert_eq!(result(&same), sum_of_squares(2000).to_string(), "{}", String::from_utf8_lossy(&same.stderr));
    let first = first.wait_with_output().unwrap();
    assert_eq!(result(&first), sum_of_squares(2000).to_string(), "{}", String::from_utf8_lossy(&first.stderr));
}

/// `w4 daily DIR N`: a daily set of `n` days, each day's work `work_us`, logging each day
/// computed to `log`.
fn daily(dir: &Path, n: u64, work_us: u64, log: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_w4"));
    command
        .args(["daily", &dir.to_string_lossy(), &n.to_string()])
        .env("DAGGER_DAILY_WORK_US", work_us.to_string())
        .env("DAGGER_DAILY_LOG", log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// How many partitions from `first` on the files in the output folder `output` hold.
fn stored_from(output: &Path, first: usize) -> usize {
    let Ok(entries) = fs::read_dir(output) else { return 0 };
    entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let (a, b) = match name.split_once('-') {
                Some((a, b)) => (a.parse::<usize>().ok()?, b.parse::<usize>().ok()? + 1),
                None => name.parse::<usize>().ok().map(|p| (p, p + 1))?,
            };
            Some(b.saturating_sub(a.max(first)))
        })
        .sum()
}

#[test]
fn a_run_killed_while_it_reuses_by_key_resumes_without_redoing_what_it_stored() {
    let dir = scratch("resume-by-key");
    let store = dir.join("store");
    let (base_log, first_log, second_log) = (dir.join("base.log"), dir.join("first.log"), dir.join("second.log"));
    let (old, all) = (600, 1200);
    let base = daily(&store, old, 0, &base_log).output().unwrap();
    assert!(base.status.success(), "{}", String::from_utf8_lossy(&base.stderr));
    // Twice as many days, killed when half the new ones ran: the old days are found by key.
    let child = daily(&store, all, 2000, &first_log).spawn().unwrap();
    kill_when_logged(child, &first_log, (all - old) as usize / 2);
    let stored = stored_from(&store.join("daily_set/daily/output"), old as usize);
    assert!(stored > 0, "no new day was stored when the run was killed");
    let rerun = daily(&store, all, 0, &second_log).output().unwrap();
    assert!(rerun.status.success(), "{}", String::from_utf8_lossy(&rerun.stderr));
    let expected: u64 = (1..=all).map(|day| day * 2).sum();
    assert_eq!(result(&rerun), expected.to_string());
    // The rerun computes exactly the new days that were not stored: none found by key, none
    // stored by the killed run, is computed again.
    let (first, second): (HashSet<u64>, Vec<u64>) = (logged(&first_log).into_iter().collect(), logged(&second_log));
    assert_eq!(second.len(), (all - old) as usize - stored, "recomputed");
    assert!(second.iter().all(|day| *day > old), "an old day was computed again: {second:?}");
    let twice = second.iter().filter(|day| first.contains(day)).count();
    println!(
        "by key: {} new days, {stored} stored at the kill, {} recomputed, {twice} ran twice",
        all - old,
        second.len()
    );
}
