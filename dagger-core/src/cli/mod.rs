//! The command line of a program that runs DAGs (feature `cli`): the same binary runs a DAG
//! whole, or one node (one partition, a range of partitions) of it reading and writing a
//! [`DiskStore`](crate::DiskStore) folder, as each job of a cluster run does; it seals
//! outputs, and prints plans.
//!
//! ```no_run
//! use dagger_core::prelude::*;
//!
//! #[task]
//! fn double(x: u64) -> u64 {
//!     x * 2
//! }
//!
//! #[dag]
//! fn twice(#[default(2)] x: u64) -> u64 {
//!     double(x)
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     dagger_core::cli::Cli::new(twice::dag()).run()
//! }
//! ```
//!
//! ```text
//! $ app run -p x=21                           # prints 42 (`app` alone runs with the defaults)
//! $ app node double --store out/ -p x=21      # one job: prints nothing
//! $ app explain                               # the plan, as text
//! ```
//!
//! **Standard output** carries only results (`run`'s output as one line of JSON, `explain`,
//! `dot`, `plan`); `node` and `seal` print nothing there. **Standard error** carries the logs
//! (`RUST_LOG`, `-v`, `-q`), the progress bar on terminals, and errors, with their causes.
//! **Exit codes**, the same for every command:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | a task failed: it returned `Err` or panicked |
//! | 2 | usage: a bad flag, node, partition or parameter value; another binary's job (fingerprint) |
//! | 3 | an input is not in the store, or not complete: run the node named first |
//! | 4 | the store could not be written or read |
//! | 5 | Argo's limits: a manifest over its byte budget, too many templates |
//! | 70 | an internal error of dagger |

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::dsl::callable::DagReturn;
use crate::dsl::dag::{Dag, Params};
use crate::erased::AnyValue;
use crate::error::Error;
use crate::graph::Graph;
use crate::run::Runner;

mod argo;
mod args;
mod commands;
mod report;
mod slurm;

pub use args::{ArgoArgs, ArgoCrd, ArgoKind, JobArgs, NodeArgs, ParamArgs, PlanArgs, RunArgs, SealArgs};
use report::Failure;
pub use slurm::{JobArgs as SlurmJobArgs, SlurmArgs, SlurmCommand, StatusArgs, SubmitArgs};

/// The command line of a program's DAGs: give it the DAGs, and call [`run`](Cli::run) in
/// `main`.
pub struct Cli {
    dags: Vec<Arc<dyn Entry>>,
}

/// The command line as clap reads it.
#[derive(Parser, Debug)]
#[command(about = "Runs a DAG, or one node of it as one job of a cluster run.")]
struct Args {
    /// The DAG to use, when the program has several.
    #[arg(long, global = true, value_name = "NAME")]
    dag: Option<String>,
    /// More logs on standard error: -v for each node, -vv for each partition.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Errors only on standard error.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

/// What the command line can do with a DAG: flatten it into a clap program of your own
/// (`#[command(flatten)] Pipeline(Box<dagger_core::cli::Command>)`: boxed, as it is much larger
/// than most commands), and [`execute`](Command::execute) it.
#[derive(Subcommand, Debug, Clone)]
// This documentation is not the help of the program it is flattened into.
#[command(about = None, long_about = None)]
pub enum Command {
    /// Runs the DAG in this process, and prints its output as one line of JSON.
    Run(RunArgs),
    /// Runs one node alone, reading its inputs from the store and writing its output there:
    /// one job of a cluster run. Prints nothing on standard output.
    Node(NodeArgs),
    /// Lists the partitions of a map's outputs once every job of the map stored its own, so
    /// that the nodes that read them whole can trust them complete. Prints nothing.
    Seal(SealArgs),
    /// Prints the DAG's plan: its nodes, how they read each other, where maps are.
    Explain,
    /// Prints the DAG as a Graphviz graph.
    Dot,
    /// Prints the jobs a cluster runs, and what each reads and writes in the store.
    Plan(PlanArgs),
    /// Prints an Argo Workflows manifest (JSON) whose pods run this program's jobs.
    Argo(ArgoArgs),
    /// Runs the DAG on a SLURM cluster: submit, status, cancel.
    Slurm(SlurmArgs),
}

impl Cli {
    /// The command line of a program with one DAG.
    pub fn new<P: Params, R: DagReturn>(dag: Dag<P, R>) -> Self
    where
        R::Run: serde::Serialize,
    {
        Cli { dags: vec![Arc::new(dag)] }
    }

    /// The same command line, with another DAG: `--dag NAME` chooses which one a command
    /// uses.
    pub fn with<P: Params, R: DagReturn>(mut self, dag: Dag<P, R>) -> Self
    where
        R::Run: serde::Serialize,
    {
        self.dags.push(Arc::new(dag));
        self
    }

    /// Reads the process's arguments, does what they say, and returns the exit code. Without
    /// a command, runs the DAG with its defaults (`run`).
    pub fn run(self) -> ExitCode {
        self.run_from(std::env::args_os())
    }

    /// [`run`](Cli::run) with these arguments (the program's name first).
    pub fn run_from<I, T>(self, args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let args = match Args::try_parse_from(args) {
            Ok(args) => args,
            Err(error) => {
                let _ = error.print();
                return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
            }
        };
        report::init_logs(args.verbose, args.quiet);
        let outcome = self.pick(args.dag.as_deref()).and_then(|entry| {
            let command = args.command.unwrap_or(Command::Run(RunArgs::default()));
            commands::execute(&command, entry.as_ref(), true)
        });
        report::exit(outcome)
    }

    fn pick(&self, name: Option<&str>) -> Result<&Arc<dyn Entry>, Failure> {
        let names = || self.dags.iter().map(|dag| dag.graph().name().to_string()).collect::<Vec<_>>().join(", ");
        match name {
            Some(name) => self.dags.iter().find(|dag| dag.graph().name() == name).ok_or_else(|| {
                Failure::usage(format!("this program has no DAG named `{name}`; its DAGs are: {}", names()))
            }),
            None if self.dags.len() == 1 => Ok(&self.dags[0]),
            None => Err(Failure::usage(format!("this program has several DAGs: choose one with --dag ({})", names()))),
        }
    }
}

impl Command {
    /// Does what the command says with `dag`, as [`Cli::run`] would, and returns the exit
    /// code. Logs go to standard error as `RUST_LOG` says (warnings by default).
    pub fn execute<P: Params, R: DagReturn>(&self, dag: &Dag<P, R>) -> ExitCode
    where
        R::Run: serde::Serialize,
    {
        report::init_logs(0, false);
        report::exit(commands::execute(self, dag, false))
    }
}

/// A DAG the command line can run, its types erased.
trait Entry: Send + Sync {
    fn graph(&self) -> &Graph;
    /// Runs the DAG with parameters `values` on `runner`, and returns its output in JSON.
    fn run(&self, runner: &Runner, values: Vec<AnyValue>) -> Result<String, Error>;
}

impl<P: Params, R: DagReturn> Entry for Dag<P, R>
where
    R::Run: serde::Serialize,
{
    fn graph(&self) -> &Graph {
        Dag::graph(self)
    }

    fn run(&self, runner: &Runner, values: Vec<AnyValue>) -> Result<String, Error> {
        let output = runner.run_values(self.graph(), values)?;
        let root = || crate::error::NodePath::root(self.graph().name());
        let output = R::from_output(output).map_err(|e| Error::Internal { path: root(), message: e.to_string() })?;
        let mut json = Vec::new();
        <crate::format::Json as crate::format::Format>::write(&output, &mut json).map_err(|error| Error::Store {
            path: root(),
            partition: None,
            file: None,
            writing: true,
            error: format!("the DAG's output cannot be printed as JSON: {error}").into(),
        })?;
        String::from_utf8(json).map_err(|e| Error::Internal { path: root(), message: e.to_string() })
    }
}
