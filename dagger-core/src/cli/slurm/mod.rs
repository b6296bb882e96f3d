//! SLURM: a DAG submitted as batch jobs, one per job of its plan, with no process of ours
//! waiting anywhere (`../shared/reference/cluster-runtimes.md` §6).
//!
//! - `submit` copies the program into the run's folder (jobs run the copy, immune to a
//!   rebuild), writes a batch script per job, and submits the jobs of the root DAG *held*, with
//!   `afterok` dependencies; a map's seal (its *barrier*) depends on the map's source. It writes
//!   the registry of job ids, then releases them (`submit.rs`).
//! - Inside SLURM, each script runs `slurm job ID`: the node's job as a child process of this
//!   program, tried again on exit codes 1 and 4 (`job.rs`). A source's job, once its node
//!   succeeded, *expands* its maps: it submits each map as an array sized by the real count (each
//!   array task a range of partitions: `MaxArraySize` bounds the index, not the count) and points
//!   the barrier at the arrays. A failed job cancels the run's pending jobs (fail-fast).
//! - `status` and `cancel` read the registry, `squeue` and the jobs' result files (`status.rs`).
//!
//! A nested DAG runs as one job (or one array task per partition), the nested DAG in process.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::args::ParamArgs;

mod folder;
mod job;
mod sbatch;
mod scripts;
mod status;
mod submit;

pub(super) use job::run_job;
pub(super) use status::{cancel, status};
pub(super) use submit::submit;

/// `slurm`: runs the DAG on a SLURM cluster.
#[derive(Args, Debug, Clone)]
pub struct SlurmArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SlurmCommand,
}

/// The `slurm` commands.
#[derive(Subcommand, Debug, Clone)]
pub enum SlurmCommand {
    /// Submits the DAG as SLURM jobs; prints the run and its job ids as JSON.
    Submit(SubmitArgs),
    /// Says, job by job, what a run is doing: pending, running, done, failed (exit code).
    Status(StatusArgs),
    /// Cancels a run's jobs.
    Cancel(StatusArgs),
    /// One job of a run, inside SLURM (what the batch scripts run).
    #[command(hide = true)]
    Job(JobArgs),
}

/// `slurm submit`.
#[derive(Args, Debug, Clone)]
pub struct SubmitArgs {
    /// The store's folder, on a file system every node of the cluster sees.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// The DAG's parameters.
    #[command(flatten)]
    pub params: ParamArgs,
    /// Run only the partitions whose keys are in RANGE, as `run --keys`: every job takes it.
    #[arg(long, value_name = "RANGE")]
    pub keys: Option<String>,
    /// An argument added to every `sbatch` (`--account=lab`, `--partition=debug`, `--qos=low`);
    /// repeatable.
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    pub sbatch_arg: Vec<String>,
    /// The most tasks in one job array (default: four per CPU of the cluster, at most 1000
    /// and under its MaxArraySize); each array task runs a range of partitions.
    #[arg(long, value_name = "N")]
    pub max_array_tasks: Option<usize>,
    /// At most K tasks of an array run at once.
    #[arg(long, value_name = "K")]
    pub throttle: Option<usize>,
    /// Memory of a job whose task asks for none, in MiB.
    #[arg(long, value_name = "MIB")]
    pub default_mem: Option<u64>,
    /// Time limit of a job whose task asks for none (`HH:MM:SS`, or what `sbatch --time`
    /// takes).
    #[arg(long, value_name = "TIME")]
    pub default_time: Option<String>,
    /// Do not cancel the run's pending jobs when one fails.
    #[arg(long)]
    pub keep_going: bool,
    /// Submit again into a store that has a run folder: what is stored is reused, the jobs of
    /// what is done finish at once.
    #[arg(long)]
    pub resume: bool,
    /// Wait for the run to end (polling `squeue`), then print its status; exit 0 only if it
    /// succeeded.
    #[arg(long)]
    pub wait: bool,
    /// Write the scripts and print the commands, submit nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `slurm status` and `slurm cancel`.
#[derive(Args, Debug, Clone)]
pub struct StatusArgs {
    /// The store's folder the run was submitted with.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// As JSON (for programs), not text.
    #[arg(long)]
    pub json: bool,
}

/// `slurm job`.
#[derive(Args, Debug, Clone)]
pub struct JobArgs {
    /// The run's description (`.dagger/run.json` in the store).
    #[arg(long, value_name = "FILE")]
    pub run: PathBuf,
    /// The job of the plan.
    pub job: String,
}
