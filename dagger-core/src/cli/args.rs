//! The flags of each command, and what they stand for: parameters from flags and a file, the
//! partitions of a job, the number of threads.

use std::ops::Range;
use std::path::PathBuf;

use super::report::Failure;
use crate::graph::Graph;
use crate::keys::KeyFilter;

/// The DAG's parameters: `-p NAME=VALUE` (repeatable) and `--params FILE`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ParamArgs {
    /// A parameter: VALUE is JSON of the parameter's type (`-p n=5`, `-p 'words=["a","b"]'`),
    /// or, for a string, the text itself (`-p label=hello`). Wins over --params.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub param: Vec<String>,
    /// Parameters from a JSON object in FILE (`-` for standard input).
    #[arg(long = "params", value_name = "FILE")]
    pub params: Option<PathBuf>,
}

/// `run`: the whole DAG in this process.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RunArgs {
    /// The DAG's parameters.
    #[command(flatten)]
    pub params: ParamArgs,
    /// Keep outputs in files under DIR, reuse what an earlier run stored there, and resume
    /// where a killed run stopped (in memory by default).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Threads (default: SLURM_CPUS_PER_TASK, SLURM_CPUS_ON_NODE, or the CPUs this process may
    /// use).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar (there is one on terminals only).
    #[arg(long)]
    pub no_progress: bool,
    /// Compute every node again, even when the store holds its output.
    #[arg(long)]
    pub no_reuse: bool,
    /// Run only the partitions whose keys are in RANGE (`from..to`, `from..=to`, `from..`,
    /// `..to`; keys as JSON, or strings as they are): the keyed tasks hand over those only. A
    /// backfill: with --store, the other keys' stored results stay and are found by key.
    #[arg(long, value_name = "RANGE")]
    pub keys: Option<String>,
}

/// `node`: one node alone, one job of a cluster run.
#[derive(clap::Args, Debug, Clone)]
pub struct NodeArgs {
    /// The node: `name`, or inside nested DAGs `inner/name`, `inner[2]/name` (the nested DAG
    /// `inner`'s run on partition 2).
    pub path: String,
    /// The partition to run, for a node that runs once per partition (empty: none).
    #[arg(long, value_name = "P", conflicts_with_all = ["partitions", "key"])]
    pub partition: Option<String>,
    /// The partitions to run, `A..B` (from A to B, B excluded), in parallel.
    #[arg(long, value_name = "A..B", conflicts_with = "key")]
    pub partitions: Option<String>,
    /// The partition to run by its key, for a node in a map over keyed partitions: the key's
    /// JSON text, or a string key as it is (`--key 2024-01-27`).
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// The store, parameters and run of the job.
    #[command(flatten)]
    pub job: JobArgs,
    /// Write the number of partitions of the output to FILE (a node with a partitioned
    /// output: what a cluster's fan-out reads).
    #[arg(long, value_name = "FILE")]
    pub write_count: Option<PathBuf>,
    /// Wait up to S seconds for inputs that are not in the store yet (a shared file system's
    /// late view), instead of failing at once.
    #[arg(long, value_name = "S", default_value_t = 0.0)]
    pub input_timeout: f64,
    /// Threads (default: SLURM_CPUS_PER_TASK, SLURM_CPUS_ON_NODE, or the CPUs this process may
    /// use).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Compute the node again, even when the store holds its output.
    #[arg(long)]
    pub no_reuse: bool,
}

/// `seal`: lists the outputs of a map once its jobs are done.
#[derive(clap::Args, Debug, Clone)]
pub struct SealArgs {
    /// A node of the map: `name`, `inner/name` or `inner[2]/name`.
    pub path: String,
    /// The store, parameters and run of the job.
    #[command(flatten)]
    pub job: JobArgs,
}

/// What every job of one cluster run shares.
#[derive(clap::Args, Debug, Clone)]
pub struct JobArgs {
    /// The store's folder, shared by the jobs of the run.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// The DAG's parameters.
    #[command(flatten)]
    pub params: ParamArgs,
    /// The DAG's fingerprint the run was planned with (`plan` prints it): a binary whose DAG
    /// differs refuses the job.
    #[arg(long, value_name = "HEX")]
    pub fingerprint: Option<String>,
    /// The run this job belongs to: tasks with `cache = false` run again in each run, and the
    /// jobs of one run share their outputs.
    #[arg(long, value_name = "ID", default_value = "")]
    pub run_id: String,
    /// The range of keys the run is limited to (as `run --keys`): every job of the run takes
    /// the same.
    #[arg(long, value_name = "RANGE")]
    pub keys: Option<String>,
}

/// `plan`: the jobs of a cluster run.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PlanArgs {
    /// As JSON (for programs), not text.
    #[arg(long)]
    pub json: bool,
}

impl ParamArgs {
    /// The parameters given, as name and text: the file's first, then the flags', so that the
    /// flags win.
    pub(super) fn given(&self) -> Result<Vec<(String, String)>, Failure> {
        let mut given = Vec::new();
        if let Some(file) = &self.params {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
            } else {
                std::fs::read_to_string(file)
            }
            .map_err(|e| Failure::usage(format!("cannot read the parameters in `{}`: {e}", file.display())))?;
            let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).map_err(|e| {
                Failure::usage(format!("the parameters in `{}` are not a JSON object: {e}", file.display()))
            })?;
            given.extend(object.into_iter().map(|(name, value)| (name, value.to_string())));
        }
        for flag in &self.param {
            let (name, value) = flag
                .split_once('=')
                .ok_or_else(|| Failure::usage(format!("`--param {}` is not NAME=VALUE", crate::error::shown(flag))))?;
            given.push((name.to_string(), value.to_string()));
        }
        Ok(given)
    }
}

/// The partitions of a `node` job: none, one, or a range.
pub(super) fn partitions(one: Option<&str>, range: Option<&str>) -> Result<Option<Range<usize>>, Failure> {
    let number = |text: &str| {
        text.trim()
            .parse::<usize>()
            .map_err(|_| Failure::usage(format!("`{}` is not a partition number", crate::error::shown(text))))
    };
    match (one, range) {
        (Some(""), None) | (None, None) => Ok(None),
        (Some(p), None) => {
            let p = number(p)?;
            let end = p.checked_add(1).ok_or_else(|| Failure::usage(format!("there is no partition {p}")))?;
            Ok(Some(p..end))
        }
        (None, Some(range)) => {
            let (a, b) = range.split_once("..").ok_or_else(|| {
                Failure::usage(format!("`{}` is not a range of partitions: A..B", crate::error::shown(range)))
            })?;
            let (a, b) = (number(a)?, number(b)?);
            if a >= b {
                let why = if a == b { "it holds no partition (B is excluded)" } else { "its start is after its end" };
                return Err(Failure::usage(format!("`{range}` is an empty range: {why}")));
            }
            Ok(Some(a..b))
        }
        (Some(_), Some(_)) => Err(Failure::usage("give --partition or --partitions, not both".to_string())),
    }
}

/// The range of keys `--keys` gives, for a DAG that has keyed partitions.
pub(super) fn key_filter(graph: &Graph, keys: &str) -> Result<KeyFilter, Failure> {
    if !graph.has_keyed_tasks() {
        return Err(Failure::usage(format!(
            "DAG `{}` has no keyed partitions: --keys limits what `#[task(partitioned, keyed)]` tasks hand over",
            graph.name()
        )));
    }
    KeyFilter::parse(keys).map_err(Failure::usage)
}

/// The most threads per CPU `--threads` may ask for: more than enough for tasks that wait on
/// I/O, and short of a number (a typo, a count of partitions) that would only cost memory and
/// time in switching between threads.
const MAX_THREADS_PER_CPU: usize = 16;

/// The number of threads: the flag's, else what a SLURM job was given, else none (rayon's
/// default: the CPUs this process may use, which honours a container's CPU quota).
pub(super) fn threads(flag: Option<usize>) -> Result<Option<usize>, Failure> {
    if let Some(threads) = flag {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        let most = (MAX_THREADS_PER_CPU * cpus).max(64);
        return match threads {
            0 => Err(Failure::usage("--threads must be at least 1".to_string())),
            n if n > most => Err(Failure::usage(format!(
                "--threads {n} is more than {most} ({MAX_THREADS_PER_CPU} per CPU this process may use, of which \
                 there are {cpus}, and at least 64): more threads than that would only wait for one another"
            ))),
            n => Ok(Some(n)),
        };
    }
    for variable in ["SLURM_CPUS_PER_TASK", "SLURM_CPUS_ON_NODE"] {
        if let Some(n) = std::env::var(variable).ok().and_then(|v| v.trim().parse::<usize>().ok()) {
            if n > 0 {
                return Ok(Some(n));
            }
        }
    }
    Ok(None)
}

/// What a job passes the program before its own command (`node`, `slurm job`): the arguments
/// this process got before its `command` (the program's own global flags, not the logs'), and,
/// for a [`Cli`](super::Cli) (`dag`), `--dag NAME`, so that a program of several DAGs runs the
/// right one.
pub(super) fn program_prefix(command: &str, dag: Option<&str>) -> Vec<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut prefix: Vec<String> = match args.iter().position(|arg| arg == command) {
        Some(at) => args[..at].to_vec(),
        None => Vec::new(),
    };
    let logs = |arg: &String| arg.starts_with("-v") || arg == "-q" || arg == "--quiet" || arg.starts_with("--verbose");
    prefix.retain(|arg| !logs(arg));
    let Some(dag) = dag else { return prefix };
    if let Some(at) = prefix.iter().position(|arg| arg == "--dag") {
        prefix.drain(at..(at + 2).min(prefix.len()));
    }
    prefix.retain(|arg| !arg.starts_with("--dag="));
    let mut all = vec!["--dag".to_string(), dag.to_string()];
    all.extend(prefix);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_none_one_or_a_half_open_range() {
        assert_eq!(partitions(None, None).unwrap(), None);
        assert_eq!(partitions(Some(""), None).unwrap(), None);
        assert_eq!(partitions(Some("3"), None).unwrap(), Some(3..4));
        assert_eq!(partitions(None, Some("2..5")).unwrap(), Some(2..5));
        assert!(partitions(None, Some("5..5")).unwrap_err().message.contains("holds no partition"));
        assert!(partitions(None, Some("5..2")).is_err());
        let largest = usize::MAX.to_string();
        assert!(partitions(Some(&largest), None).unwrap_err().message.contains("there is no partition"));
        assert!(partitions(Some("x"), None).is_err());
        assert!(partitions(None, Some("3")).is_err());
    }
}

/// Which Argo resource `argo` writes.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgoKind {
    /// A run, to submit (`argo submit`, `kubectl create -f`).
    Workflow,
    /// A template in a namespace.
    WorkflowTemplate,
    /// A template for the whole cluster.
    ClusterWorkflowTemplate,
    /// Runs on a schedule (`--schedule`).
    CronWorkflow,
}

/// Argo's CRDs: the full ones limit templates and tasks to 200.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArgoCrd {
    /// At most 200 templates, 200 tasks in a DAG template: big DAGs are cut into parts.
    #[default]
    Full,
    /// No such limits.
    Minimal,
}

/// `argo`: an Argo Workflows manifest whose pods run this program's jobs.
#[derive(clap::Args, Debug, Clone)]
pub struct ArgoArgs {
    /// The kind of resource.
    #[arg(value_enum)]
    pub kind: ArgoKind,
    /// The container image that holds this program.
    #[arg(long)]
    pub image: String,
    /// Run only the partitions whose keys are in RANGE, as `run --keys`: every pod takes it.
    #[arg(long, value_name = "RANGE")]
    pub keys: Option<String>,
    /// The program's path in the image (default: this program's file name).
    #[arg(long, value_name = "PATH")]
    pub command: Option<String>,
    /// The resource's name (a Workflow gets a generated one by default).
    #[arg(long)]
    pub name: Option<String>,
    /// The prefix of a Workflow's generated name (default: the DAG's name and `-`).
    #[arg(long, value_name = "PREFIX")]
    pub generate_name: Option<String>,
    /// The namespace.
    #[arg(long)]
    pub namespace: Option<String>,
    /// A CronWorkflow's schedule, a cron expression (repeatable).
    #[arg(long, value_name = "CRON")]
    pub schedule: Vec<String>,
    /// A CronWorkflow's concurrency policy: Allow, Forbid or Replace.
    #[arg(long, value_name = "POLICY")]
    pub concurrency_policy: Option<String>,
    /// A CronWorkflow's time zone.
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,
    /// The artifacts' keys start with this.
    #[arg(long, value_name = "PREFIX", default_value = "dagger/{{workflow.uid}}")]
    pub key_prefix: String,
    /// The pods' service account.
    #[arg(long, value_name = "NAME")]
    pub service_account: Option<String>,
    /// At most N pods at once.
    #[arg(long, value_name = "N")]
    pub parallelism: Option<u32>,
    /// The artifact repository: CONFIGMAP/KEY (default: the namespace's).
    #[arg(long, value_name = "CONFIGMAP/KEY")]
    pub artifact_repository_ref: Option<String>,
    /// An environment variable of every pod, NAME=VALUE, or NAME for this process's value
    /// (repeatable).
    #[arg(long, value_name = "NAME[=VALUE]")]
    pub env: Vec<String>,
    /// A JSON object merged into the spec last.
    #[arg(long, value_name = "JSON")]
    pub spec_override: Option<String>,
    /// The largest manifest, in bytes.
    #[arg(long, value_name = "N", default_value_t = 512 * 1024)]
    pub max_bytes: usize,
    /// The cluster's Argo CRDs.
    #[arg(long, value_enum, default_value_t = ArgoCrd::Full)]
    pub argo_crd: ArgoCrd,
    /// Write the manifest to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The values of the Workflow's parameters (defaults otherwise).
    #[command(flatten)]
    pub params: ParamArgs,
}
