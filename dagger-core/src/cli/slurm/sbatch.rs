//! The SLURM commands a run calls: `sbatch`, `scontrol`, `squeue`, `scancel`. A command that
//! fails is an engine error (exit code 5), with what it printed.

use std::path::Path;
use std::process::Command;

use super::super::report::Failure;

/// Runs `program` with `args`; its standard output, or an engine error.
fn call(program: &str, args: &[String]) -> Result<String, Failure> {
    let output = Command::new(program).args(args).output().map_err(|e| Failure {
        code: 5,
        message: format!("cannot run `{program}`: {e} (is SLURM installed, and on the PATH?)"),
        causes: Vec::new(),
    })?;
    if !output.status.success() {
        return Err(Failure {
            code: 5,
            message: format!(
                "`{program} {}` failed ({}): {}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            causes: Vec::new(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Submits `script` with `args` (before the script); returns the job's id. `--parsable`
/// prints `id` or `id;cluster`: the id is what comes before `;`.
pub(super) fn sbatch(args: &[String], script: &Path) -> Result<String, Failure> {
    let mut all = vec!["--parsable".to_string()];
    all.extend(args.iter().cloned());
    all.push(script.display().to_string());
    let out = call("sbatch", &all)?;
    let id = out.trim().split(';').next().unwrap_or_default().to_string();
    match id.chars().all(|c| c.is_ascii_digit()) && !id.is_empty() {
        true => Ok(id),
        false => Err(Failure {
            code: 5,
            message: format!("sbatch printed `{}`, not a job id", out.trim()),
            causes: Vec::new(),
        }),
    }
}

/// Releases held jobs.
pub(super) fn release(ids: &[String]) -> Result<(), Failure> {
    if ids.is_empty() {
        return Ok(());
    }
    call("scontrol", &["release".to_string(), ids.join(",")]).map(drop)
}

/// Replaces the dependency of the pending job `id` (empty: none).
pub(super) fn set_dependency(id: &str, dependency: &str) -> Result<(), Failure> {
    call("scontrol", &["update".to_string(), format!("JobId={id}"), format!("Dependency={dependency}")]).map(drop)
}

/// The run's jobs still in the queue: id (`123`, `124_3` for an array task) and state.
pub(super) fn queued(run: &str) -> Result<Vec<(String, String)>, Failure> {
    let out = call("squeue", &["-h".into(), "-r".into(), format!("--name={run}"), "-o".into(), "%i %T".into()])?;
    Ok(out
        .lines()
        .filter_map(|line| line.split_once(' ').map(|(id, state)| (id.to_string(), state.trim().to_string())))
        .collect())
}

/// Whether job `id` is still in the queue.
pub(super) fn in_queue(id: &str) -> Result<bool, Failure> {
    let out = call("squeue", &["-h".into(), "-j".into(), id.to_string(), "-o".into(), "%i".into()]);
    // squeue fails on an id it no longer knows.
    Ok(out.map(|out| !out.trim().is_empty()).unwrap_or(false))
}

/// Cancels the run's pending jobs (fail-fast).
pub(super) fn cancel_pending(run: &str) -> Result<(), Failure> {
    call("scancel", &[format!("--name={run}"), "--state=PENDING".into()]).map(drop)
}

/// Cancels jobs.
pub(super) fn cancel(ids: &[String]) -> Result<(), Failure> {
    if ids.is_empty() {
        return Ok(());
    }
    call("scancel", ids).map(drop)
}

/// The CPUs of the cluster (every partition's nodes), if `sinfo` says.
pub(super) fn cluster_cpus() -> Option<usize> {
    let out = call("sinfo", &["-h".into(), "-o".into(), "%C".into()]).ok()?;
    // allocated/idle/other/total, per partition: the largest total.
    out.lines().filter_map(|line| line.trim().rsplit('/').next()?.parse().ok()).max()
}

/// The cluster's `MaxArraySize`: array indices must be below it.
pub(super) fn max_array_size() -> Option<usize> {
    let out = call("scontrol", &["show".into(), "config".into()]).ok()?;
    let line = out.lines().find(|line| line.trim_start().starts_with("MaxArraySize"))?;
    line.split('=').nth(1)?.trim().parse().ok()
}
