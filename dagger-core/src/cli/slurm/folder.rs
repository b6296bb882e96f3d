//! A run's folder, beside the store's outputs (names starting with `.` are no node's):
//!
//! ```text
//! DIR/<dag>/.dagger/run.json                  the run: id, settings, how jobs call the program
//! DIR/<dag>/.dagger/params.json               its parameters (jobs read them: no quoting)
//! DIR/<dag>/.dagger/slurm/app                 the program, copied (jobs run the copy)
//! DIR/<dag>/.dagger/slurm/jobs/<job>.sh       a batch script per job
//! DIR/<dag>/.dagger/slurm/registry.json       job -> SLURM id, written before any is released
//! DIR/<dag>/.dagger/slurm/expanded/<job>.json what a source's job submitted for its maps
//! DIR/<dag>/.dagger/slurm/counts/<job>        the partitions a source's job produced
//! DIR/<dag>/.dagger/slurm/results/<job>[.<task>].json   exit code, attempts, seconds
//! DIR/<dag>/.dagger/slurm/logs/               the jobs' standard output and error
//! ```
//!
//! Every file a job reads is written whole, under a temporary name, then renamed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::super::report::Failure;

/// What every job of a run needs to know, written by `submit`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Run {
    /// The run's id: every job's `--job-name`, what fail-fast cancels by.
    pub(super) id: String,
    pub(super) dag: String,
    /// The DAG's fingerprint: a job whose program differs refuses to run.
    pub(super) fingerprint: String,
    /// The store's folder, absolute.
    pub(super) store: PathBuf,
    /// The program's arguments before its `slurm` command (`--dag NAME`, global flags).
    pub(super) prefix: Vec<String>,
    pub(super) keep_going: bool,
    /// Tasks per array at most.
    pub(super) max_array_tasks: usize,
    pub(super) throttle: Option<usize>,
    /// Added to every `sbatch`.
    pub(super) sbatch_args: Vec<String>,
    pub(super) default_mem: Option<u64>,
    pub(super) default_time: Option<String>,
    /// The range of keys the run is limited to (`--keys`), passed to every job.
    #[serde(default)]
    pub(super) keys: Option<String>,
}

/// A job's end, written by the job itself.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(super) struct Outcome {
    pub(super) exit_code: i32,
    pub(super) attempts: u32,
    pub(super) seconds: f64,
    /// The partitions it ran, for an array task.
    pub(super) partitions: Option<(usize, usize)>,
}

/// What a source's job submitted for the maps over its partitions.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq, Eq)]
pub(super) struct Expansion {
    pub(super) count: usize,
    /// Partitions per array task.
    pub(super) per_task: usize,
    /// Array job ids, by the map's job.
    pub(super) arrays: BTreeMap<String, String>,
}

/// The paths of one run's folder.
#[derive(Clone, Debug)]
pub(super) struct Folder {
    root: PathBuf,
}

impl Folder {
    /// The run folder of DAG `dag` in the store `store`.
    pub(super) fn new(store: &Path, dag: &str) -> Folder {
        Folder { root: store.join(dag).join(".dagger") }
    }

    /// The run folder whose `run.json` is `file`.
    pub(super) fn of_run_file(file: &Path) -> Folder {
        Folder { root: file.parent().map(Path::to_path_buf).unwrap_or_default() }
    }

    pub(super) fn run_file(&self) -> PathBuf {
        self.root.join("run.json")
    }

    pub(super) fn params_file(&self) -> PathBuf {
        self.root.join("params.json")
    }

    pub(super) fn slurm(&self) -> PathBuf {
        self.root.join("slurm")
    }

    pub(super) fn app(&self) -> PathBuf {
        self.slurm().join("app")
    }

    pub(super) fn script(&self, job: &str) -> PathBuf {
        self.slurm().join("jobs").join(format!("{job}.sh"))
    }

    pub(super) fn registry(&self) -> PathBuf {
        self.slurm().join("registry.json")
    }

    pub(super) fn expansion(&self, job: &str) -> PathBuf {
        self.slurm().join("expanded").join(format!("{job}.json"))
    }

    pub(super) fn count(&self, job: &str) -> PathBuf {
        self.slurm().join("counts").join(job)
    }

    pub(super) fn result(&self, job: &str, task: Option<usize>) -> PathBuf {
        let name = match task {
            Some(task) => format!("{job}.{task}.json"),
            None => format!("{job}.json"),
        };
        self.slurm().join("results").join(name)
    }

    pub(super) fn logs(&self) -> PathBuf {
        self.slurm().join("logs")
    }

    /// Reads a JSON file of the folder.
    pub(super) fn read<T: for<'de> Deserialize<'de>>(&self, file: &Path) -> Result<T, Failure> {
        let text = fs::read(file).map_err(|e| Failure::store(format!("cannot read `{}`: {e}", file.display())))?;
        serde_json::from_slice(&text)
            .map_err(|e| Failure::store(format!("`{}` is not what a run writes: {e}", file.display())))
    }

    /// Writes a file of the folder whole: under a temporary name, then renamed.
    pub(super) fn write(&self, file: &Path, bytes: &[u8]) -> Result<(), Failure> {
        let fail = |e: std::io::Error| Failure::store(format!("cannot write `{}`: {e}", file.display()));
        if let Some(parent) = file.parent() {
            fs::create_dir_all(parent).map_err(fail)?;
        }
        let temporary = file.with_extension(format!("{}.tmp", std::process::id()));
        fs::write(&temporary, bytes).map_err(fail)?;
        fs::rename(&temporary, file).map_err(fail)
    }

    /// Writes `value` as a JSON file of the folder.
    pub(super) fn write_json<T: Serialize>(&self, file: &Path, value: &T) -> Result<(), Failure> {
        let text = serde_json::to_vec_pretty(value).map_err(|e| Failure::store(e.to_string()))?;
        self.write(file, &text)
    }
}
