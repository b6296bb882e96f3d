//! Errors of a run, and of a hand-built DAG.

use std::error::Error as StdError;
use std::fmt;

/// The error a task returns, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where a node sits: its DAG path from the root DAG, with the partition of every partitioned
/// node on the way (`pipeline/per_chunk[3]/clean`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodePath {
    segments: Vec<(String, Option<usize>)>,
}

impl NodePath {
    pub(crate) fn root(name: &str) -> Self {
        NodePath { segments: vec![(name.to_string(), None)] }
    }

    pub(crate) fn child(&self, name: &str, partition: Option<usize>) -> Self {
        let mut segments = self.segments.clone();
        segments.push((name.to_string(), partition));
        NodePath { segments }
    }

    pub(crate) fn segments(&self) -> impl Iterator<Item = (&str, Option<usize>)> {
        self.segments.iter().map(|(name, partition)| (name.as_str(), *partition))
    }

    /// The names along the path, root DAG first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().map(|(name, _)| name.as_str())
    }

    /// The node's own name (the last segment).
    pub fn node(&self) -> &str {
        self.segments.last().map_or("", |(name, _)| name.as_str())
    }
}

impl fmt::Display for NodePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, partition)) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            // A DAG's names are checked; a path a job was given may hold anything.
            f.write_str(&shown(name))?;
            if let Some(p) = partition {
                write!(f, "[{p}]")?;
            }
        }
        Ok(())
    }
}

fn on_partition(partition: &Option<usize>) -> String {
    partition.map_or(String::new(), |p| format!(" on partition {p}"))
}

/// A partition key's JSON text as people read it: a string key without its quotes.
pub(crate) fn shown_key(text: &str) -> String {
    match serde_json::from_str::<String>(text) {
        Ok(string) => shown(&string),
        Err(_) => shown(text),
    }
}

/// Text someone gave (a name, a key, a flag's value) as a message may print it: control
/// characters (a newline, a NUL) escaped, so that a message is one line that says what it got.
pub(crate) fn shown(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars().map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() }).collect()
}

/// ` on partition `2024-01-27` (3)` for a keyed partition, ` on partition 3` otherwise.
fn on_keyed_partition(partition: &Option<usize>, key: &Option<String>) -> String {
    match (partition, key) {
        (Some(p), Some(key)) => format!(" on partition `{}` ({p})", shown_key(key)),
        _ => on_partition(partition),
    }
}

/// Why a run failed.
///
/// Its message says what failed, where, and why, with the cause's own message inline:
/// `task `logs/parse_file` failed on partition 2: app-002.log: 100 lines are malformed`. So
/// that a report of the error's chain (anyhow's "Caused by:", or `main() -> Result<_, Error>`,
/// which prints this type's `Debug`) does not repeat that cause, [`source`](StdError::source)
/// starts one step further down: it is the cause's own source. The cause itself is the field
/// `error` of [`Error::TaskFailed`] and [`Error::Store`], to downcast:
///
/// ```
/// use dagger_core::prelude::*;
///
/// #[derive(Debug)]
/// struct Odd(u64);
/// impl std::fmt::Display for Odd {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "{} is odd", self.0)
///     }
/// }
/// impl std::error::Error for Odd {}
///
/// #[task]
/// fn halve(x: u64) -> Result<u64, Odd> {
///     if x % 2 == 1 { Err(Odd(x)) } else { Ok(x / 2) }
/// }
///
/// #[dag]
/// fn halved(x: u64) -> u64 {
///     halve(x)
/// }
///
/// let error = halved::run(3).unwrap_err();
/// assert_eq!(error.to_string(), "task `halved/halve` failed: 3 is odd");
/// match &error {
///     Error::TaskFailed { error, .. } => assert_eq!(error.downcast_ref::<Odd>().unwrap().0, 3),
///     _ => unreachable!(),
/// }
/// ```
#[non_exhaustive]
pub enum Error {
    /// A task returned `Err`.
    TaskFailed {
        /// The failing node.
        path: NodePath,
        /// The partition it was running, if it runs once per partition.
        partition: Option<usize>,
        /// The partition's key, for a keyed partitioned output, as JSON text.
        key: Option<String>,
        /// The task's error.
        error: BoxError,
    },
    /// A task panicked; the panic was caught and the run stopped.
    TaskPanicked {
        /// The failing node.
        path: NodePath,
        /// The partition it was running, if it runs once per partition.
        partition: Option<usize>,
        /// The partition's key, for a keyed partitioned output, as JSON text.
        key: Option<String>,
        /// The panic message.
        message: String,
    },
    /// A node's output could not be written to, or read back from, the store.
    Store {
        /// The node whose output it is.
        path: NodePath,
        /// The partition, for a partitioned output.
        partition: Option<usize>,
        /// The file, for a [`DiskStore`](crate::DiskStore).
        file: Option<std::path::PathBuf>,
        /// Whether it was being written (or read).
        writing: bool,
        /// What went wrong: an I/O error, or a value that does not decode.
        error: BoxError,
    },
    /// The store cannot be used for this run: its folder is in use by a run with other
    /// parameters or code, or cannot be created.
    StoreUnavailable {
        /// The folder or file involved.
        file: Option<std::path::PathBuf>,
        /// Why.
        error: BoxError,
    },
    /// A value between nodes did not have the type the graph declared. Handles make this
    /// impossible for DAGs built with the macros or the builder; it signals a bug in dagger.
    Internal {
        /// The node involved.
        path: NodePath,
        /// What went wrong.
        message: String,
    },
    /// A node could not be run alone ([`Runner::run_node`](crate::Runner::run_node)).
    Isolation {
        /// The node.
        path: NodePath,
        /// Why.
        message: String,
    },
    /// A node run alone cannot run yet: an output it reads is not in the store, or not
    /// complete (a partition is missing). Run the node named first.
    NotReady {
        /// The node whose output is missing.
        path: NodePath,
        /// What is missing, and what to run.
        message: String,
    },
    /// The thread pool could not be built.
    ThreadPool(rayon::ThreadPoolBuildError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TaskFailed { path, partition, key, error } => {
                write!(f, "task `{path}` failed{}: {error}", on_keyed_partition(partition, key))
            }
            Error::TaskPanicked { path, partition, key, message } => {
                write!(f, "task `{path}` panicked{}: {message}", on_keyed_partition(partition, key))
            }
            Error::Store { path, partition, file, writing, error } => {
                let verb = if *writing { "write" } else { "read" };
                write!(f, "cannot {verb} the output of `{path}`{}", on_partition(partition))?;
                if let Some(file) = file {
                    write!(f, " (file `{}`)", file.display())?;
                }
                write!(f, ": {error}")?;
                match file.as_deref().and_then(node_folder) {
                    Some(folder) if !*writing => {
                        write!(f, "; delete `{}` to compute this output again", folder.display())
                    }
                    _ => Ok(()),
                }
            }
            Error::StoreUnavailable { file, error } => {
                f.write_str("cannot use the store")?;
                if let Some(file) = file {
                    write!(f, " at `{}`", file.display())?;
                }
                write!(f, ": {error}")
            }
            Error::Internal { path, message } => write!(f, "internal error at `{path}`: {message}"),
            Error::Isolation { path, message } => write!(f, "cannot run `{path}` alone: {message}"),
            Error::NotReady { path, message } => write!(f, "the output of `{path}` is not ready: {message}"),
            Error::ThreadPool(error) => write!(f, "cannot start the thread pool: {error}"),
        }
    }
}

impl StdError for Error {
    /// The cause of the cause: the message already shows the cause itself.
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::TaskFailed { error, .. } | Error::Store { error, .. } | Error::StoreUnavailable { error, .. } => {
                error.source()
            }
            Error::ThreadPool(error) => error.source(),
            Error::TaskPanicked { .. } | Error::Internal { .. } | Error::Isolation { .. } | Error::NotReady { .. } => {
                None
            }
        }
    }
}

/// The folder of the node whose output `file` belongs to (`<node>/output` or a file in it), if
/// it is a disk store's: deleting it makes the next run compute that output again.
fn node_folder(file: &std::path::Path) -> Option<&std::path::Path> {
    file.ancestors().find(|path| path.file_name().is_some_and(|name| name == "output"))?.parent()
}

/// The message, then the chain of causes below it, as a report: what `main() -> Result<_,
/// Error>` prints. `{:#?}` shows the fields instead.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return self.fields(f);
        }
        write!(f, "{self}")?;
        let mut cause = self.source();
        if cause.is_some() {
            f.write_str("\n\nCaused by:")?;
        }
        while let Some(error) = cause {
            write!(f, "\n    {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

impl From<rayon::ThreadPoolBuildError> for Error {
    fn from(error: rayon::ThreadPoolBuildError) -> Self {
        Error::ThreadPool(error)
    }
}

impl Error {
    fn fields(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TaskFailed { path, partition, key, error } => f
                .debug_struct("TaskFailed")
                .field("path", path)
                .field("partition", partition)
                .field("key", key)
                .field("error", error)
                .finish(),
            Error::TaskPanicked { path, partition, key, message } => f
                .debug_struct("TaskPanicked")
                .field("path", path)
                .field("partition", partition)
                .field("key", key)
                .field("message", message)
                .finish(),
            Error::Store { path, partition, file, writing, error } => f
                .debug_struct("Store")
                .field("path", path)
                .field("partition", partition)
                .field("file", file)
                .field("writing", writing)
                .field("error", error)
                .finish(),
            Error::Internal { path, message } => {
                f.debug_struct("Internal").field("path", path).field("message", message).finish()
            }
            Error::Isolation { path, message } => {
                f.debug_struct("Isolation").field("path", path).field("message", message).finish()
            }
            Error::NotReady { path, message } => {
                f.debug_struct("NotReady").field("path", path).field("message", message).finish()
            }
            Error::StoreUnavailable { file, error } => {
                f.debug_struct("StoreUnavailable").field("file", file).field("error", error).finish()
            }
            Error::ThreadPool(error) => f.debug_tuple("ThreadPool").field(error).finish(),
        }
    }

    /// The path of the node that failed, when a node failed.
    pub fn path(&self) -> Option<&NodePath> {
        match self {
            Error::TaskFailed { path, .. }
            | Error::TaskPanicked { path, .. }
            | Error::Store { path, .. }
            | Error::Isolation { path, .. }
            | Error::NotReady { path, .. }
            | Error::Internal { path, .. } => Some(path),
            Error::ThreadPool(_) | Error::StoreUnavailable { .. } => None,
        }
    }

    /// The partition the failing node was running, when it runs once per partition.
    pub fn partition(&self) -> Option<usize> {
        match self {
            Error::TaskFailed { partition, .. }
            | Error::TaskPanicked { partition, .. }
            | Error::Store { partition, .. } => *partition,
            _ => None,
        }
    }

    /// The key of the partition the failing node was running, when its partitions are keyed
    /// (`#[task(partitioned, keyed)]`), as JSON text: `"2024-01-27"` for a string or a date.
    pub fn key(&self) -> Option<&str> {
        match self {
            Error::TaskFailed { key, .. } | Error::TaskPanicked { key, .. } => key.as_deref(),
            _ => None,
        }
    }
}

/// A DAG that cannot be built: a handle used where it is not valid (only hand-written builder
/// code can do that; the macros never do), or names that cannot be told apart or stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A handle made by another DAG's builder was passed to this one.
    #[error("DAG `{dag}` uses a handle that belongs to another DAG; handles are only valid in the DAG that made them")]
    ForeignHandle {
        /// The DAG being built.
        dag: String,
    },
    /// A name that cannot name a DAG, a parameter or a node.
    #[error("DAG `{dag}`: {what} `{name}` cannot be a name: {reason}")]
    InvalidName {
        /// The DAG being built.
        dag: String,
        /// What it would name: `a DAG`, `a parameter`, `a node`.
        what: &'static str,
        /// The name.
        name: String,
        /// Why not.
        reason: String,
    },
    /// Two different tasks (or DAGs) of one DAG have the same name: their outputs would be one.
    #[error("DAG `{dag}` has two different tasks named `{name}`: `{first}` and `{second}`; give one of them another name, with `#[task(name = \"...\")]`")]
    DuplicateName {
        /// The DAG being built.
        dag: String,
        /// The name.
        name: String,
        /// One task or DAG (its Rust path).
        first: String,
        /// The other.
        second: String,
    },
    /// Two names of one DAG (nodes, fields, parameters) differ only in case: on a file system
    /// that ignores case, their outputs would be one folder.
    #[error("DAG `{dag}` has {first} and {second}, names that differ only in case, which a file system that ignores case (macOS, Windows) cannot tell apart; rename one")]
    NamesDifferInCase {
        /// The DAG being built.
        dag: String,
        /// One name, with what it names: ``a node `half` ``.
        first: String,
        /// The other.
        second: String,
    },
    /// A partition was taken out of the map closure that received it.
    #[error("DAG `{dag}` uses a partition outside the map that produced it; a partition is only valid inside its own `.map(...)` closure")]
    PartitionOutsideItsMap {
        /// The DAG being built.
        dag: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_someone_gave_is_shown_on_one_line() {
        assert_eq!(shown("train-model"), "train-model");
        assert_eq!(shown("a\nb\0c\u{1b}[31m"), "a\\nb\\0c\\u{1b}[31m");
        assert_eq!(shown("día"), "día");
        assert_eq!(NodePath::root("d").child("x\ny", Some(2)).to_string(), "d/x\\ny[2]");
        assert_eq!(shown_key("\"2024-01-01\""), "2024-01-01");
    }
}
