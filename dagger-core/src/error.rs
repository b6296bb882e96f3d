//! Errors of a run, and of a hand-built DAG.

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
            f.write_str(name)?;
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

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A task returned `Err`.
    #[error("task `{path}` failed{}: {source}", on_partition(.partition))]
    TaskFailed {
        /// The failing node.
        path: NodePath,
        /// The partition it was running, if it runs once per partition.
        partition: Option<usize>,
        /// The task's error.
        #[source]
        source: BoxError,
    },
    /// A task panicked; the panic was caught and the run stopped.
    #[error("task `{path}` panicked{}: {message}", on_partition(.partition))]
    TaskPanicked {
        /// The failing node.
        path: NodePath,
        /// The partition it was running, if it runs once per partition.
        partition: Option<usize>,
        /// The panic message.
        message: String,
    },
    /// A node's output could not be written to, or read back from, the store.
    #[error(
        "cannot {} the output of `{path}`{}{}: {source}",
        if *.writing { "write" } else { "read" },
        on_partition(.partition),
        .file.as_ref().map_or(String::new(), |f| format!(" (file `{}`)", f.display()))
    )]
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
        #[source]
        source: BoxError,
    },
    /// A value between nodes did not have the type the graph declared. Handles make this
    /// impossible for DAGs built with the macros or the builder; it signals a bug in dagger.
    #[error("internal error at `{path}`: {message}")]
    Internal {
        /// The node involved.
        path: NodePath,
        /// What went wrong.
        message: String,
    },
    /// A node could not be run alone ([`Runner::run_node`](crate::Runner::run_node)).
    #[error("cannot run `{path}` alone: {message}")]
    Isolation {
        /// The node.
        path: NodePath,
        /// Why.
        message: String,
    },
    /// The thread pool could not be built.
    #[error("cannot start the thread pool: {0}")]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
}

impl Error {
    /// The path of the node that failed, when a node failed.
    pub fn path(&self) -> Option<&NodePath> {
        match self {
            Error::TaskFailed { path, .. }
            | Error::TaskPanicked { path, .. }
            | Error::Store { path, .. }
            | Error::Isolation { path, .. }
            | Error::Internal { path, .. } => Some(path),
            Error::ThreadPool(_) => None,
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
}

/// A DAG declared with the builder API uses a handle where it is not valid. The macros never
/// do; these can only come from hand-written builder code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A handle made by another DAG's builder was passed to this one.
    #[error("DAG `{dag}` uses a handle that belongs to another DAG; handles are only valid in the DAG that made them")]
    ForeignHandle {
        /// The DAG being built.
        dag: String,
    },
    /// A partition was taken out of the map closure that received it.
    #[error("DAG `{dag}` uses a partition outside the map that produced it; a partition is only valid inside its own `.map(...)` closure")]
    PartitionOutsideItsMap {
        /// The DAG being built.
        dag: String,
    },
}
