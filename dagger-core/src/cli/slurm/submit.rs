//! `slurm submit`: the run's folder, then the jobs of the root DAG, held, in plan order, each
//! depending on the jobs it waits for; a map's seal depending on the map's source (its job
//! points it at the map's arrays once it knows how many partitions there are); the registry of
//! job ids written; then every job released. Jobs are released only once the registry holds
//! their ids: a source's job that ended before could not find its barrier.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::super::report::Failure;
use super::folder::{Folder, Run};
use super::{sbatch, scripts, status, SubmitArgs};
use crate::graph::{Graph, JobKind, JobPlan, PlanJob, PlanScope, TaskOptions};

/// Submits `graph`'s run as `args` say.
pub(in crate::cli) fn submit(args: &SubmitArgs, graph: &Graph, dag_flag: bool) -> Result<(), Failure> {
    let given = args.params.given()?;
    graph.params_from_text(&given).map_err(|error| Failure::usage(error.to_string()))?;
    if let Some(keys) = &args.keys {
        crate::cli::args::key_filter(graph, keys)?;
    }
    let store = absolute(&args.store)?;
    let folder = Folder::new(&store, graph.name());
    if folder.registry().exists() && !args.resume {
        return Err(Failure::usage(format!(
            "a run was submitted to `{}` already: see `slurm status`, `slurm cancel`, or submit with --resume \
             (what it stored is reused)",
            store.display()
        )));
    }
    let _ = std::fs::remove_dir_all(folder.slurm());
    let plan = graph.plan();
    let limit = sbatch::max_array_size().map_or(1000, |size| size.saturating_sub(1).max(1));
    // By default, enough array tasks to fill the cluster four times over: each task runs its
    // range of partitions on its CPUs, and a task costs the scheduler about a second.
    let fill = sbatch::cluster_cpus().map_or(1000, |cpus| cpus.saturating_mul(4));
    let run = Run {
        id: run_id(graph.name()),
        dag: graph.name().to_string(),
        fingerprint: plan.fingerprint.clone(),
        store,
        prefix: super::super::args::program_prefix("slurm", dag_flag.then_some(graph.name())),
        keep_going: args.keep_going,
        max_array_tasks: args.max_array_tasks.unwrap_or(fill).clamp(1, 1000).min(limit),
        throttle: args.throttle,
        sbatch_args: args.sbatch_arg.clone(),
        default_mem: args.default_mem,
        default_time: args.default_time.clone(),
        keys: args.keys.clone(),
    };
    folder.write_json(&folder.params_file(), &params_json(&given))?;
    folder.write_json(&folder.run_file(), &run)?;
    copy_program(&folder)?;
    std::fs::create_dir_all(folder.logs())
        .map_err(|e| Failure::store(format!("cannot create the logs' folder: {e}")))?;
    let scope = &plan.scopes[0];
    let mut registry: BTreeMap<String, String> = BTreeMap::new();
    for job in &scope.jobs {
        let options = job_options(&plan, job.options)?;
        let (script, extra) = scripts::script(&run, &folder, job, &options)?;
        let file = folder.script(&job.id);
        folder.write(&file, script.as_bytes())?;
        if job.per_partition_of.is_some() && job.kind != JobKind::Seal {
            continue; // submitted as an array by its source's job
        }
        let mut sbatch_args = vec!["--hold".to_string()];
        let dependency = dependency(scope, job, &registry);
        if !dependency.is_empty() {
            sbatch_args.push(format!("--dependency={dependency}"));
        }
        sbatch_args.extend(extra);
        let id = match args.dry_run {
            true => {
                println!("sbatch --parsable {} {}", sbatch_args.join(" "), file.display());
                format!("<{}>", job.id)
            }
            false => sbatch::sbatch(&sbatch_args, &file)?,
        };
        registry.insert(job.id.clone(), id);
    }
    if args.dry_run {
        println!("scontrol release {}", registry.values().cloned().collect::<Vec<_>>().join(","));
        return Ok(());
    }
    folder.write_json(&folder.registry(), &registry)?;
    sbatch::release(&registry.values().cloned().collect::<Vec<_>>())?;
    let submitted = serde_json::json!({ "run": run.id, "store": run.store, "jobs": registry });
    println!("{submitted}");
    match args.wait {
        true => status::wait(&folder, graph),
        false => Ok(()),
    }
}

/// The dependency of a job submitted with the run: `afterok` on the jobs it waits for; a
/// seal's on its map's source only, until the source's job points it at the arrays.
fn dependency(scope: &PlanScope, job: &PlanJob, registry: &BTreeMap<String, String>) -> String {
    let waits: Vec<&String> = match job.kind {
        JobKind::Seal => job.after.iter().take(1).collect(),
        _ => job.after.iter().collect(),
    };
    let ids: Vec<&str> = waits
        .into_iter()
        .filter(|id| scope.jobs.iter().any(|other| &&other.id == id))
        .filter_map(|id| registry.get(id.as_str()).map(String::as_str))
        .collect();
    match ids.is_empty() {
        true => String::new(),
        false => format!("afterok:{}", ids.join(":")),
    }
}

/// The options of option set `index` of `plan`; an error is a bug of ours (exit code 70).
pub(super) fn job_options(plan: &JobPlan, index: usize) -> Result<TaskOptions, Failure> {
    plan.options(index).map_err(|e| Failure { code: 70, message: e.to_string(), causes: Vec::new() })
}

/// The parameters as a JSON object for `--params`: a value that is JSON stays so, any other
/// text is a JSON string (read back with the same rule as `-p`).
fn params_json(given: &[(String, String)]) -> Value {
    let mut object = serde_json::Map::new();
    for (name, text) in given {
        let value = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()));
        object.insert(name.clone(), value);
    }
    Value::Object(object)
}

/// Copies this program into the run's folder: the jobs run the copy, so that a rebuild while
/// they wait does not change what they run.
fn copy_program(folder: &Folder) -> Result<(), Failure> {
    let exe = std::env::current_exe().map_err(|e| Failure::store(format!("cannot find this program: {e}")))?;
    let app = folder.app();
    let temporary = app.with_extension("tmp");
    if let Some(parent) = app.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::store(format!("cannot create `{}`: {e}", parent.display())))?;
    }
    std::fs::copy(&exe, &temporary)
        .and_then(|_| std::fs::rename(&temporary, &app))
        .map_err(|e| Failure::store(format!("cannot copy `{}` to `{}`: {e}", exe.display(), app.display())))
}

/// A run's id, unique: the DAG, the time, and random digits (`scancel --name` matches it
/// exactly).
fn run_id(dag: &str) -> String {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let random = std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), seconds) & 0xffff;
    format!("dagger-{dag}-{seconds}-{random:04x}")
}

fn absolute(path: &Path) -> Result<PathBuf, Failure> {
    std::path::absolute(path).map_err(|e| Failure::usage(format!("`{}` is not a folder's path: {e}", path.display())))
}
