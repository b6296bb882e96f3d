//! SLURM end to end, on a real cluster: DAGs of the `pipelines` binary submitted with
//! `slurm submit --wait`, run by `slurmctld`/`slurmd` as batch jobs and job arrays, checked
//! from the store and from `slurm status` against a run in one process.
//!
//! `.ci/run` brings a one-node cluster up (`.ci/slurm-up`) and sets `DAGGER_SLURM=1`: the
//! cases are then required, and fail if the cluster is not there. Without it they run when
//! `sinfo` answers, and are skipped (with a notice) when no cluster is reachable.

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const PIPELINES: &str = env!("CARGO_BIN_EXE_pipelines");

fn scratch(name: &str) -> PathBuf {
    common::scratch("slurm", name)
}

/// Whether the cases run: a cluster is required, or one answers.
fn cluster() -> bool {
    let required = std::env::var("DAGGER_SLURM").is_ok_and(|v| v == "1");
    let answers = Command::new("sinfo").arg("-h").output().is_ok_and(|out| out.status.success());
    assert!(answers || !required, "DAGGER_SLURM=1, but `sinfo` does not answer: is the cluster up (.ci/slurm-up)?");
    if !answers {
        eprintln!("no SLURM cluster answers (`sinfo`): the SLURM cases are skipped; `.ci/run` runs them");
    }
    answers
}

/// The cluster's MaxArraySize.
fn max_array_size() -> Option<u64> {
    let out = Command::new("scontrol").args(["show", "config"]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text.lines().find(|line| line.trim_start().starts_with("MaxArraySize"))?;
    line.split('=').nth(1)?.trim().parse().ok()
}

fn pipelines(dag: &str, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(PIPELINES).arg("--dag").arg(dag).args(args).env_remove("RUST_LOG").output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

/// A case: the DAG, its parameters, extra `submit` flags, and whether it succeeds.
struct Case {
    dag: &'static str,
    params: &'static [&'static str],
    flags: &'static [&'static str],
    succeeds: bool,
}

/// Submits a case and waits for it; returns its store and status.
fn submit(case: &Case, name: &str) -> (PathBuf, i32, Value) {
    let store = scratch(name).join("store");
    let store_text = store.to_str().unwrap().to_string();
    let mut args = vec!["slurm", "submit", "--store", &store_text, "--wait"];
    for param in case.params {
        args.extend(["-p", param]);
    }
    args.extend(case.flags);
    let (code, out, err) = pipelines(case.dag, &args);
    let submitted: Value = serde_json::from_str(out.lines().next().unwrap_or("null"))
        .unwrap_or_else(|_| panic!("{name}: submit printed {out:?}; {err}"));
    assert!(
        submitted["run"].as_str().is_some_and(|run| run.starts_with(&format!("dagger-{}-", case.dag))),
        "{submitted}"
    );
    let (status_code, status, status_err) = pipelines(case.dag, &["slurm", "status", "--store", &store_text, "--json"]);
    assert_eq!(status_code, 0, "{name}: status: {status_err}");
    (store, code, serde_json::from_str(&status).unwrap())
}

/// Checks a case: a success gives the store a run in one process reads its result from, and
/// every job done; a failure exits 1, and its status says which job failed.
fn check(case: &Case, name: &str) {
    let (store, code, status) = submit(case, name);
    let jobs = status["jobs"].as_object().unwrap();
    if !case.succeeds {
        assert_eq!(code, 1, "{name}: a failed run exits 1; status {status}");
        assert_eq!(status["succeeded"], false);
        let failed = jobs.values().any(|job| {
            job["state"].as_str().is_some_and(|s| s.starts_with("failed"))
                || job["states"].as_object().is_some_and(|s| s.keys().any(|k| k.starts_with("failed")))
        });
        assert!(failed, "{name}: no job failed in {status}");
        return;
    }
    assert_eq!(code, 0, "{name}: status {status}");
    assert_eq!(status["succeeded"], true, "{name}: {status}");
    // Array indices stay under the cluster's MaxArraySize, whatever the partitions.
    if let Some(size) = max_array_size() {
        for job in jobs.values().filter(|job| job.get("tasks").is_some()) {
            assert!(job["tasks"].as_u64().unwrap() < size, "{name}: {job} has more tasks than MaxArraySize {size}");
        }
    }
    let mut run = vec!["run".to_string()];
    for param in case.params {
        run.extend(["-p".to_string(), param.to_string()]);
    }
    // A run limited to a range of keys is compared with the same range in memory.
    run.extend(case.flags.iter().filter(|flag| flag.starts_with("--keys=")).map(|flag| flag.to_string()));
    let in_memory = pipelines(case.dag, &run.iter().map(String::as_str).collect::<Vec<_>>());
    run.extend(["--store".to_string(), store.to_str().unwrap().to_string()]);
    let from_store = pipelines(case.dag, &run.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(from_store, in_memory, "{name}: the store holds another result");
}

#[test]
fn dags_run_as_slurm_jobs() {
    if !cluster() {
        return;
    }
    let cases = [
        // Flags a site needs pass through to every sbatch.
        (
            "chained-4",
            Case { dag: "chained", params: &["n=4"], flags: &["--sbatch-arg=--partition=debug"], succeeds: true },
        ),
        ("chained-0", Case { dag: "chained", params: &["n=0"], flags: &[], succeeds: true }),
        // More partitions than array tasks: each task runs a range of them.
        (
            "chained-10-in-3",
            Case { dag: "chained", params: &["n=10"], flags: &["--max-array-tasks", "3"], succeeds: true },
        ),
        // ... and as many as the cluster's MaxArraySize allows (`.ci/run` sets it to 5).
        ("chained-10", Case { dag: "chained", params: &["n=10"], flags: &[], succeeds: true }),
        ("halves-fails", Case { dag: "halves", params: &["n=3"], flags: &[], succeeds: false }),
        (
            "composite-3",
            Case { dag: "composite_map_reduce", params: &["partitions_count=3"], flags: &[], succeeds: true },
        ),
        (
            "composite-0",
            Case { dag: "composite_map_reduce", params: &["partitions_count=0"], flags: &[], succeeds: true },
        ),
        ("nested-fails", Case { dag: "nested_halves", params: &["n=3"], flags: &[], succeeds: false }),
        ("summary", Case { dag: "summary", params: &[], flags: &[], succeeds: true }),
        // Keyed partitions: keys kept by maps and read by a fan-in by key; a window and a key
        // range; a shuffle.
        ("sales-report", Case { dag: "sales_report", params: &[], flags: &[], succeeds: true }),
        (
            "weekly-trend",
            Case {
                dag: "weekly_trend",
                params: &["from=2024-02-20", "to=2024-03-02", "report_from=2024-02-28"],
                flags: &[],
                succeeds: true,
            },
        ),
        ("shuffled-words", Case { dag: "shuffled_words", params: &["count=6"], flags: &[], succeeds: true }),
        (
            "sales-report-keys",
            Case { dag: "sales_report", params: &[], flags: &["--keys=2024-02-28..=2024-03-01"], succeeds: true },
        ),
    ];
    std::thread::scope(|scope| {
        let runs: Vec<_> = cases.iter().map(|(name, case)| scope.spawn(move || check(case, name))).collect();
        for run in runs {
            if let Err(panic) = run.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}
