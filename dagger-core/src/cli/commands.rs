//! What each command does.

use std::time::{Duration, Instant};

use super::argo;
use super::args::{self, JobArgs, NodeArgs, ParamArgs, PlanArgs, RunArgs, SealArgs};
use super::report::Failure;
use super::slurm::{self, SlurmCommand};
use super::{Command, Entry};
use crate::erased::AnyValue;
use crate::error::Error;
use crate::graph::Graph;
use crate::run::{Action, Done, Runner};
use crate::store::DiskStore;

/// Does what `command` says with `dag`. `dag_flag`: the program is a [`Cli`](super::Cli), whose
/// `--dag NAME` the jobs it starts must pass (a clap program of the user's has no such flag).
pub(super) fn execute(command: &Command, dag: &dyn Entry, dag_flag: bool) -> Result<(), Failure> {
    let graph = dag.graph();
    match command {
        Command::Run(args) => run(args, dag),
        Command::Node(args) => node(args, graph),
        Command::Seal(args) => seal(args, graph),
        Command::Explain => {
            print!("{}", graph.explain());
            Ok(())
        }
        Command::Dot => {
            print!("{}", graph.to_dot());
            Ok(())
        }
        Command::Plan(args) => plan(args, graph),
        Command::Argo(args) => argo::write(args, graph, dag_flag),
        Command::Slurm(args) => match &args.command {
            SlurmCommand::Submit(args) => slurm::submit(args, graph, dag_flag),
            SlurmCommand::Status(args) => slurm::status(args, graph),
            SlurmCommand::Cancel(args) => slurm::cancel(args, graph),
            SlurmCommand::Job(args) => slurm::run_job(args, graph),
        },
    }
}

fn run(args: &RunArgs, dag: &dyn Entry) -> Result<(), Failure> {
    let values = values(dag.graph(), &args.params)?;
    let mut runner = runner(args.threads)?.with_progress(!args.no_progress).with_reuse(!args.no_reuse);
    if let Some(dir) = &args.store {
        runner = runner.with_store(DiskStore::new(dir));
    }
    if let Some(keys) = &args.keys {
        runner = runner.with_keys(args::key_filter(dag.graph(), keys)?);
    }
    let json = dag.run(&runner, values)?;
    println!("{json}");
    Ok(())
}

fn node(args: &NodeArgs, graph: &Graph) -> Result<(), Failure> {
    let partitions = args::partitions(args.partition.as_deref(), args.partitions.as_deref())?;
    let (runner, values) = job_runner(&args.job, graph, args.threads)?;
    let runner = runner.with_reuse(!args.no_reuse);
    let timeout = Duration::try_from_secs_f64(args.input_timeout)
        .map_err(|_| Failure::usage(format!("--input-timeout {} is not a number of seconds", args.input_timeout)))?;
    let action = match &args.key {
        Some(key) => Action::RunKey(key.clone()),
        None => Action::Run(partitions),
    };
    let done = with_timeout(timeout, || runner.job(graph, values.clone(), &args.path, action.clone()))?;
    if let Some(file) = &args.write_count {
        let count = done.count.ok_or_else(|| {
            Failure::usage(format!("`{}` has no partitioned output of its own: there is no count to write", args.path))
        })?;
        let parent = file.parent().filter(|parent| !parent.as_os_str().is_empty());
        parent
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(file, count.to_string()))
            .map_err(|e| Failure::store(format!("cannot write the count to `{}`: {e}", file.display())))?;
    }
    Ok(())
}

fn seal(args: &SealArgs, graph: &Graph) -> Result<(), Failure> {
    let (runner, values) = job_runner(&args.job, graph, Some(1))?;
    runner.job(graph, values, &args.path, Action::Seal)?;
    Ok(())
}

fn plan(args: &PlanArgs, graph: &Graph) -> Result<(), Failure> {
    let plan = graph.plan();
    if args.json {
        println!("{}", plan.to_json());
    } else {
        print!("{plan}");
    }
    Ok(())
}

/// The runner of one job, and the parameters, once the job is known to be this binary's.
fn job_runner(job: &JobArgs, graph: &Graph, threads: Option<usize>) -> Result<(Runner, Vec<AnyValue>), Failure> {
    if let Some(expected) = &job.fingerprint {
        let actual = graph.fingerprint().to_hex();
        if !expected.eq_ignore_ascii_case(&actual) {
            return Err(Failure::usage(format!(
                "this program's DAG `{}` has the fingerprint {actual}, but the job was planned for {expected}: \
                 run the jobs with the binary that planned them, or plan them again",
                graph.name()
            )));
        }
    }
    let values = values(graph, &job.params)?;
    let mut runner =
        runner(threads)?.with_store(DiskStore::new(&job.store)).with_progress(false).with_run_id(&job.run_id);
    if let Some(keys) = &job.keys {
        runner = runner.with_keys(args::key_filter(graph, keys)?);
    }
    Ok((runner, values))
}

/// Runs `job`, again while it fails for an input not in the store, until `timeout` is over.
fn with_timeout(timeout: Duration, job: impl Fn() -> Result<Done, Error>) -> Result<Done, Failure> {
    let deadline = Instant::now() + timeout;
    loop {
        match job() {
            Err(Error::NotReady { .. }) if Instant::now() < deadline => {
                let left = deadline.saturating_duration_since(Instant::now());
                std::thread::sleep(left.min(Duration::from_millis(500)));
            }
            outcome => return Ok(outcome?),
        }
    }
}

fn values(graph: &Graph, params: &ParamArgs) -> Result<Vec<AnyValue>, Failure> {
    graph.params_from_text(&params.given()?).map_err(|error| Failure::usage(error.to_string()))
}

fn runner(threads: Option<usize>) -> Result<Runner, Failure> {
    match args::threads(threads)? {
        Some(threads) => {
            tracing::info!(threads, "threads");
            Ok(Runner::with_threads(threads)?)
        }
        None => {
            tracing::info!(threads = rayon::current_num_threads(), "threads");
            Ok(Runner::new())
        }
    }
}
