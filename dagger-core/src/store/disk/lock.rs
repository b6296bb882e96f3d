//! Advisory locks (the system's `flock`, released when the process dies, however it dies):
//!
//! - a run holds the lock of its root DAG's folder while it lasts. The first run to take it
//!   records its run fingerprint (DAG and parameters) and who it is; a run with the same
//!   fingerprint shares the folder (the jobs of one cluster run, each a process), a run with
//!   another one fails at once, naming the folder and the holder;
//! - readying a node's output for writing holds the node folder's lock, so that two jobs of one
//!   run never clean up under each other.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::io;
use crate::fingerprint::Fingerprint;
use crate::store::StoreError;

/// A lock held while a run lasts; dropping it releases it.
#[derive(Debug)]
pub(super) struct RunLock {
    _file: File,
    /// Whether no other run held the folder when this one took it: the leftovers of dead
    /// writers may then be removed.
    pub(super) alone: bool,
}

/// Takes the lock of the folder `dag_dir` for a run whose fingerprint is `run`.
pub(super) fn lock_run(dag_dir: &Path, run: Fingerprint) -> Result<RunLock, StoreError> {
    fs::create_dir_all(dag_dir).map_err(|e| StoreError::new(dag_dir.to_path_buf(), e))?;
    let path = dag_dir.join(".lock");
    let file = open(&path)?;
    let holder = dag_dir.join(".run");
    // A run that takes the lock alone writes who it is; one that finds others compares.
    for _ in 0..100 {
        match file.try_lock() {
            Ok(()) => {
                io::write_atomically(&holder, false, |w| Ok(w.write_all(describe(run).as_bytes())?))?;
                file.lock_shared().map_err(|e| StoreError::new(path.clone(), e))?;
                return Ok(RunLock { _file: file, alone: true });
            }
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(error)) => return Err(StoreError::new(path, error)),
        }
        match file.try_lock_shared() {
            Ok(()) => {
                let text = io::read_text(&holder)?.unwrap_or_default();
                if text.lines().next() == Some(&format!("run {run}")) {
                    return Ok(RunLock { _file: file, alone: false });
                }
                return Err(in_use(dag_dir, &text));
            }
            // Another run is recording who it is: a moment.
            Err(TryLockError::WouldBlock) => std::thread::sleep(Duration::from_millis(10)),
            Err(TryLockError::Error(error)) => return Err(StoreError::new(path, error)),
        }
    }
    Err(StoreError::new(path, "the folder's lock stayed taken for a second"))
}

/// Holds the lock of a node's folder while its output is readied for writing.
pub(super) struct NodeLock(File);

impl NodeLock {
    pub(super) fn take(path: &Path) -> Result<NodeLock, StoreError> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| StoreError::new(dir.to_path_buf(), e))?;
        }
        let file = open(path)?;
        file.lock().map_err(|e| StoreError::new(path.to_path_buf(), e))?;
        Ok(NodeLock(file))
    }
}

impl Drop for NodeLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn open(path: &Path) -> Result<File, StoreError> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| StoreError::new(path.to_path_buf(), e))
}

/// What a run records of itself: its fingerprint first, then who it is.
fn describe(run: Fingerprint) -> String {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format!("run {run}\npid {}\nhost {}\nstarted {since}\n", std::process::id(), host())
}

fn host() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "an unknown host".to_string())
}

/// The error of a run that finds the folder held by a run with another fingerprint.
fn in_use(dag_dir: &Path, holder: &str) -> StoreError {
    let field = |key: &str| holder.lines().find_map(|line| line.strip_prefix(key)).map(str::trim);
    let ago = field("started ")
        .and_then(|s| s.parse::<u64>().ok())
        .map(|since| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()).saturating_sub(since));
    let who = format!(
        "process {} on {}{}",
        field("pid ").unwrap_or("?"),
        field("host ").unwrap_or("an unknown host"),
        ago.map_or(String::new(), |s| format!(", started {s} s ago"))
    );
    StoreError::new(
        PathBuf::from(dag_dir),
        format!(
            "the folder is in use by another run of this DAG with other parameters or code ({who}); \
             wait for it to end, or give this run a folder of its own"
        ),
    )
}
