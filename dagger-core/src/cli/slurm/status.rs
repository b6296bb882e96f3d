//! `slurm status`, `slurm cancel`, and `submit --wait`: what a run's jobs are doing, from the
//! registry, the queue and the jobs' result files (SLURM forgets finished jobs after a while,
//! and accounting may be off: the files are what lasts).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use super::super::report::Failure;
use super::folder::{Expansion, Folder, Outcome, Run};
use super::{sbatch, StatusArgs};
use crate::graph::{Graph, JobKind, PlanJob};

/// One job's state, or an array's tasks' states added up.
fn state(
    folder: &Folder,
    job: &PlanJob,
    registry: &BTreeMap<String, String>,
    queued: &BTreeMap<String, String>,
) -> Value {
    match (&job.per_partition_of, job.kind) {
        (Some(source), kind) if kind != JobKind::Seal => {
            let Ok(expansion) = folder.read::<Expansion>(&folder.expansion(source)) else {
                return json!({ "state": "waiting", "for": source });
            };
            let tasks = expansion.count.div_ceil(expansion.per_task.max(1));
            let array = expansion.arrays.get(&job.id).cloned().unwrap_or_default();
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for task in 0..tasks {
                let state = match queued.get(&format!("{array}_{task}")).or_else(|| queued.get(&array)) {
                    Some(state) => state.to_lowercase(),
                    None => finished(folder, &job.id, Some(task)),
                };
                *counts.entry(state).or_default() += 1;
            }
            json!({ "array": array, "tasks": tasks, "partitions": expansion.count, "states": counts })
        }
        _ => {
            let id = registry.get(&job.id).cloned().unwrap_or_default();
            let state = match queued.get(&id) {
                Some(state) => state.to_lowercase(),
                None => finished(folder, &job.id, None),
            };
            json!({ "id": id, "state": state })
        }
    }
}

/// The state of a job that is not in the queue: `done`, `failed (exit N)`, or `cancelled`
/// (it left no result: cancelled, or killed before it could write one).
fn finished(folder: &Folder, job: &str, task: Option<usize>) -> String {
    match folder.read::<Outcome>(&folder.result(job, task)) {
        Ok(outcome) if outcome.exit_code == 0 => "done".to_string(),
        Ok(outcome) => format!("failed (exit {})", outcome.exit_code),
        Err(_) => "cancelled".to_string(),
    }
}

/// Every job of the run and its state, and whether the run succeeded.
fn report(folder: &Folder, graph: &Graph) -> Result<(Run, Value, bool), Failure> {
    let run: Run = folder.read(&folder.run_file())?;
    let registry: BTreeMap<String, String> = folder.read(&folder.registry())?;
    let queued: BTreeMap<String, String> = sbatch::queued(&run.id)?.into_iter().collect();
    let plan = graph.plan();
    let mut jobs = serde_json::Map::new();
    let mut succeeded = queued.is_empty();
    for job in &plan.scopes[0].jobs {
        let state = state(folder, job, &registry, &queued);
        succeeded &= match state.get("states") {
            Some(states) => states.as_object().is_some_and(|s| s.keys().all(|k| k == "done")),
            None => state["state"] == "done",
        };
        jobs.insert(job.id.clone(), state);
    }
    Ok((run, Value::Object(jobs), succeeded))
}

/// The status as text (or JSON), one line per job.
fn text(run: &Run, jobs: &Value, succeeded: bool, as_json: bool) -> String {
    if as_json {
        return json!({ "run": run.id, "succeeded": succeeded, "jobs": jobs }).to_string() + "\n";
    }
    let mut out = format!("run {} of {} in {}\n", run.id, run.dag, run.store.display());
    let width = jobs.as_object().map_or(0, |jobs| jobs.keys().map(String::len).max().unwrap_or(0));
    for (job, state) in jobs.as_object().into_iter().flatten() {
        let text = match state.get("states") {
            Some(_) if state["partitions"] == 0 => "no partitions: no array".to_string(),
            Some(states) => {
                let states: Vec<String> =
                    states.as_object().into_iter().flatten().map(|(state, n)| format!("{n} {state}")).collect();
                format!(
                    "array {} of {} partitions: {}",
                    state["array"].as_str().unwrap_or(""),
                    state["partitions"],
                    states.join(", ")
                )
            }
            None => match state.get("for") {
                Some(source) => format!("waiting for {}", source.as_str().unwrap_or("")),
                None => {
                    format!("{} (job {})", state["state"].as_str().unwrap_or(""), state["id"].as_str().unwrap_or(""))
                }
            },
        };
        out.push_str(&format!("  {job:width$}  {text}\n"));
    }
    out
}

/// `slurm status`.
pub(in crate::cli) fn status(args: &StatusArgs, graph: &Graph) -> Result<(), Failure> {
    let folder = Folder::new(&args.store, graph.name());
    let (run, jobs, succeeded) = report(&folder, graph)?;
    print!("{}", text(&run, &jobs, succeeded, args.json));
    Ok(())
}

/// `slurm cancel`: the run's jobs, arrays included.
pub(in crate::cli) fn cancel(args: &StatusArgs, graph: &Graph) -> Result<(), Failure> {
    let folder = Folder::new(&args.store, graph.name());
    let run: Run = folder.read(&folder.run_file())?;
    let queued: Vec<String> = sbatch::queued(&run.id)?.into_iter().map(|(id, _)| id).collect();
    sbatch::cancel(&queued)?;
    println!("{}", queued.join("\n"));
    Ok(())
}

/// Waits until none of the run's jobs is in the queue, then prints its status on standard
/// error; fails unless
/// every job succeeded.
pub(super) fn wait(folder: &Folder, graph: &Graph) -> Result<(), Failure> {
    let run: Run = folder.read(&folder.run_file())?;
    while !sbatch::queued(&run.id)?.is_empty() {
        std::thread::sleep(Duration::from_millis(500));
    }
    let (run, jobs, succeeded) = report(folder, graph)?;
    // Standard output holds the submission's JSON: the status goes to standard error.
    eprint!("{}", text(&run, &jobs, succeeded, false));
    match succeeded {
        true => Ok(()),
        false => Err(Failure { code: 1, message: format!("run {} did not succeed", run.id), causes: Vec::new() }),
    }
}
