//! `slurm job ID`, what a batch script runs: the node's job as a child process of this program
//! (tried again on exit codes 1 and 4, a task that failed or the store), then, for a source,
//! the expansion of its maps; its result file; and, on failure, the run's pending jobs
//! cancelled.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use super::super::report::Failure;
use super::folder::{Expansion, Folder, Outcome, Run};
use super::submit::job_options;
use super::{sbatch, scripts, JobArgs};
use crate::graph::{Graph, JobKind, JobPlan, PlanJob, PlanScope};

/// Runs job `args.job` of the run `args.run`.
pub(in crate::cli) fn run_job(args: &JobArgs, graph: &Graph) -> Result<(), Failure> {
    let folder = Folder::of_run_file(&args.run);
    let run: Run = folder.read(&args.run)?;
    let plan = graph.plan();
    if run.fingerprint != plan.fingerprint {
        return Err(Failure::usage(format!(
            "this program's DAG `{}` has the fingerprint {}, but the run was submitted for {}",
            graph.name(),
            plan.fingerprint,
            run.fingerprint
        )));
    }
    let scope = &plan.scopes[0];
    let job = scope
        .jobs
        .iter()
        .find(|job| job.id == args.job)
        .ok_or_else(|| Failure::usage(format!("the run has no job `{}`", args.job)))?;
    let started = Instant::now();
    let task = std::env::var("SLURM_ARRAY_TASK_ID").ok().and_then(|id| id.parse::<usize>().ok());
    let counted = scope.jobs.iter().any(|other| other.per_partition_of.as_deref() == Some(job.id.as_str()));
    let mut node_args: Vec<String> = Vec::new();
    let mut partitions = None;
    match (job.kind, &job.per_partition_of) {
        (JobKind::Seal, _) => node_args.extend(["seal".to_string(), job.node.clone()]),
        (_, Some(source)) => {
            let expansion: Expansion = folder.read(&folder.expansion(source))?;
            let task = task.ok_or_else(|| Failure::usage(format!("`{}` runs as an array task", job.id)))?;
            let start = (task * expansion.per_task).min(expansion.count);
            let end = (start + expansion.per_task).min(expansion.count);
            partitions = Some((start, end));
            node_args.extend([
                "node".to_string(),
                job.node.clone(),
                "--partitions".to_string(),
                format!("{start}..{end}"),
            ]);
        }
        (_, None) => {
            node_args.extend(["node".to_string(), job.node.clone()]);
            if counted {
                node_args.extend(["--write-count".to_string(), folder.count(&job.id).display().to_string()]);
            }
        }
    }
    for (flag, value) in [
        ("--store", run.store.display().to_string()),
        ("--params", folder.params_file().display().to_string()),
        ("--fingerprint", run.fingerprint.clone()),
        ("--run-id", run.id.clone()),
        ("--input-timeout", "30".to_string()),
    ] {
        if node_args[0] == "seal" && flag == "--input-timeout" {
            continue;
        }
        node_args.extend([flag.to_string(), value]);
    }
    if let Some(keys) = &run.keys {
        node_args.extend(["--keys".to_string(), keys.clone()]);
    }
    let retries = match job.kind {
        JobKind::Seal => 0,
        _ => job_options(&plan, job.options)?.retries.unwrap_or(0),
    };
    let (mut code, attempts) = attempt(&run, &node_args, retries);
    if code == 0 && counted {
        if let Err(failure) = expand(&folder, &run, (scope, &plan), job) {
            eprintln!("error: {}", failure.message);
            code = i32::from(failure.code);
        }
    }
    let outcome = Outcome { exit_code: code, attempts, seconds: started.elapsed().as_secs_f64(), partitions };
    folder.write_json(&folder.result(&job.id, task.filter(|_| partitions.is_some())), &outcome)?;
    if code == 0 {
        return Ok(());
    }
    if !run.keep_going {
        // Fail-fast: nothing pending of the run starts now.
        let _ = sbatch::cancel_pending(&run.id);
    }
    Err(Failure {
        code: u8::try_from(code).unwrap_or(1),
        message: format!("job `{}` ended with exit code {code}", job.id),
        causes: Vec::new(),
    })
}

/// Runs the program with `args` as a child (its output goes to the job's log), again while it
/// fails with a code worth another try, up to `retries` more times: backing off 2, 4, 8, ...
/// seconds, at most 60. Returns the last exit code and the attempts made.
fn attempt(run: &Run, args: &[String], retries: u32) -> (i32, u32) {
    let program = std::env::current_exe().unwrap_or_default();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let status = Command::new(&program).args(&run.prefix).args(args).status();
        let code = match status {
            Ok(status) => status.code().unwrap_or(1),
            Err(error) => {
                eprintln!("error: cannot run `{}`: {error}", program.display());
                return (70, attempts);
            }
        };
        if code == 0 || !matches!(code, 1 | 4) || attempts > retries {
            return (code, attempts);
        }
        let wait = 2u64.saturating_pow(attempts).min(60);
        eprintln!("attempt {attempts} ended with exit code {code}: trying again in {wait} s");
        std::thread::sleep(Duration::from_secs(wait));
    }
}

/// The maps over `source`'s partitions, submitted as arrays sized by the real count, each task
/// a range of partitions; the seals pointed at them. Done once: a requeued job finds the record.
fn expand(folder: &Folder, run: &Run, (scope, plan): (&PlanScope, &JobPlan), source: &PlanJob) -> Result<(), Failure> {
    if folder.expansion(&source.id).exists() {
        return Ok(());
    }
    let text = std::fs::read_to_string(folder.count(&source.id))
        .map_err(|e| Failure::store(format!("cannot read the count of `{}`: {e}", source.id)))?;
    let count: usize = text.trim().parse().map_err(|_| Failure::store(format!("`{text}` is not a count")))?;
    let per_task = count.div_ceil(run.max_array_tasks).max(1);
    let tasks = count.div_ceil(per_task);
    let registry: BTreeMap<String, String> = folder.read(&folder.registry())?;
    let maps: Vec<&PlanJob> = scope
        .jobs
        .iter()
        .filter(|job| job.kind != JobKind::Seal && job.per_partition_of.as_deref() == Some(source.id.as_str()))
        .collect();
    let mut expansion = Expansion { count, per_task, arrays: BTreeMap::new() };
    for map in maps.iter().filter(|_| tasks > 0) {
        let mut dependencies = Vec::new();
        for after in map.after.iter().filter(|after| **after != source.id) {
            let id = registry.get(after).ok_or_else(|| Failure::usage(format!("`{after}` is not in the registry")))?;
            dependencies.extend(still_needed(folder, after, id)?);
        }
        if let Some(each) = &map.after_each {
            let array = expansion.arrays.get(each).ok_or_else(|| Failure::usage(format!("`{each}` has no array")))?;
            dependencies.push(format!("aftercorr:{array}"));
        }
        let throttle = run.throttle.map_or_else(String::new, |k| format!("%{k}"));
        let mut args = vec!["--hold".to_string(), format!("--array=0-{}{throttle}", tasks - 1)];
        if !dependencies.is_empty() {
            args.push(format!("--dependency={}", dependencies.join(",")));
        }
        args.extend(scripts::extra_args(run, &job_options(plan, map.options)?));
        let id = sbatch::sbatch(&args, &folder.script(&map.id))?;
        expansion.arrays.insert(map.id.clone(), id);
    }
    folder.write_json(&folder.expansion(&source.id), &expansion)?;
    for seal in scope.jobs.iter().filter(|job| job.kind == JobKind::Seal && job.after.first() == Some(&source.id)) {
        let arrays: Vec<&str> =
            seal.after.iter().filter_map(|job| expansion.arrays.get(job).map(String::as_str)).collect();
        let dependency = if arrays.is_empty() { String::new() } else { format!("afterok:{}", arrays.join(":")) };
        sbatch::set_dependency(&registry[&seal.id], &dependency)?;
    }
    sbatch::release(&expansion.arrays.values().cloned().collect::<Vec<_>>())
}

/// The dependency on job `id` (plan job `job`) an array needs: `afterok` while it is in the
/// queue; none once it succeeded (SLURM forgets finished jobs, and takes an unknown id as
/// satisfied); an error if it neither runs nor succeeded.
fn still_needed(folder: &Folder, job: &str, id: &str) -> Result<Option<String>, Failure> {
    if sbatch::in_queue(id)? {
        return Ok(Some(format!("afterok:{id}")));
    }
    match folder.read::<Outcome>(&folder.result(job, None)) {
        Ok(outcome) if outcome.exit_code == 0 => Ok(None),
        _ => Err(Failure {
            code: 3,
            message: format!("`{job}` (job {id}) neither runs nor succeeded"),
            causes: Vec::new(),
        }),
    }
}
