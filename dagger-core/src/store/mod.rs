//! Where node outputs live between nodes: in memory ([`MemoryStore`], the default) or in files
//! ([`DiskStore`]).
//!
//! On disk, the output of node `n` of DAG `d` is the file `<root>/d/n/output`; a partitioned
//! output is the folder `<root>/d/n/output/` holding one file per partition, named `0` to
//! `count - 1`, and `partitions.json`, the JSON list of those names, written last. A nested DAG
//! adds its node's name to the path, and the partition for a nested DAG that runs once per
//! partition: `<root>/d/inner/3/n/output`. This is the layout of the original's command-line
//! runtime, and the one a per-node entry point on a cluster reads and writes.
//!
//! Every file is written under a temporary name in the same folder, then renamed into place: a
//! reader never sees half a file, and a folder without `partitions.json` is not complete.

use std::fmt;
use std::path::PathBuf;

use crate::erased::{AnyValue, Batch, Codec};
use crate::error::{BoxError, NodePath};

mod disk;
mod memory;
mod partitions;

pub use disk::DiskStore;
pub use memory::MemoryStore;
pub use partitions::Partitions;
pub(crate) use partitions::PartsReader;

mod sealed {
    pub trait Sealed {}
}

/// Where a runner keeps the outputs of nodes: [`MemoryStore`] or [`DiskStore`].
pub trait Store: Send + Sync + fmt::Debug + sealed::Sealed {
    #[doc(hidden)]
    fn put(&self, at: &Location<'_>, value: AnyValue, codec: &Codec) -> Result<Stored, StoreError>;
    /// Stores partitions handed over together; `at` names the first.
    #[doc(hidden)]
    fn put_batch(&self, at: &Location<'_>, batch: Batch) -> Result<StoredParts, StoreError>;
    /// Whether partitions handed over together stay together, so that a task may produce
    /// them in batches. A store that writes each partition as it is produced says no: its
    /// memory holds one partition at a time.
    #[doc(hidden)]
    fn keeps_batches(&self) -> bool;
    /// The value of `stored`, the output at `at`: moved out of it when it is kept in memory,
    /// read from its file otherwise.
    #[doc(hidden)]
    fn take(&self, at: &Location<'_>, stored: Stored, codec: &Codec) -> Result<AnyValue, StoreError>;
    /// Marks a partitioned output complete, with `count` partitions.
    #[doc(hidden)]
    fn seal(&self, at: &Location<'_>, count: usize) -> Result<(), StoreError>;
    /// A value stored by an earlier run, if there is one.
    #[doc(hidden)]
    fn find(&self, at: &Location<'_>) -> Option<Stored>;
    /// The number of partitions of a partitioned output stored by an earlier run, if complete.
    #[doc(hidden)]
    fn find_count(&self, at: &Location<'_>) -> Option<usize>;
    /// Called when a run of the root DAG `dag` ends.
    #[doc(hidden)]
    fn end(&self, dag: &str, succeeded: bool);
}

/// The output of one node (one partition of it), in a store.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Location<'a> {
    pub(crate) dag: &'a NodePath,
    pub(crate) node: &'a str,
    pub(crate) partition: Option<usize>,
}

/// A stored value: kept in memory, or written by the store at its location (the runtime knows
/// the location, so that a million partitions on disk do not cost a million paths in memory).
#[doc(hidden)]
#[derive(Clone)]
pub enum Stored {
    Memory(AnyValue),
    Written,
}

/// Consecutive partitions of one output, in a store: each kept on its own, a batch kept as it
/// was handed over, or a number of partitions written by the store at their locations.
#[doc(hidden)]
#[derive(Clone)]
pub enum StoredParts {
    Each(Vec<Stored>),
    Batch(Batch),
    Written(usize),
}

impl StoredParts {
    /// `each`, as `Written` if the store wrote every one.
    pub(crate) fn each(each: Vec<Stored>) -> StoredParts {
        if each.iter().all(|stored| matches!(stored, Stored::Written)) {
            StoredParts::Written(each.len())
        } else {
            StoredParts::Each(each)
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            StoredParts::Each(each) => each.len(),
            StoredParts::Batch(batch) => batch.len(),
            StoredParts::Written(len) => *len,
        }
    }

    /// Partition `i` of these (a copy, for a batch).
    pub(crate) fn get(&self, i: usize) -> Option<Stored> {
        match self {
            StoredParts::Each(each) => each.get(i).cloned(),
            StoredParts::Batch(batch) => batch.value(i).map(Stored::Memory),
            StoredParts::Written(len) => (i < *len).then_some(Stored::Written),
        }
    }

    /// Each partition on its own, if these are not a batch.
    pub(crate) fn unbatched(self) -> Result<Vec<Stored>, Batch> {
        match self {
            StoredParts::Each(each) => Ok(each),
            StoredParts::Written(len) => Ok(vec![Stored::Written; len]),
            StoredParts::Batch(batch) => Err(batch),
        }
    }

    /// Each partition on its own: a batch is taken apart.
    pub(crate) fn into_each(self) -> Option<Vec<Stored>> {
        match self.unbatched() {
            Ok(each) => Some(each),
            Err(batch) => Some(batch.into_values()?.into_iter().map(Stored::Memory).collect()),
        }
    }

    /// Appends the next partitions, keeping runs of written ones as a number.
    pub(crate) fn append(&mut self, next: StoredParts) -> Option<()> {
        match (&mut *self, next) {
            (StoredParts::Written(len), StoredParts::Written(more)) => *len += more,
            (StoredParts::Each(each), StoredParts::Each(more)) => each.extend(more),
            (_, next) => {
                let mut each = std::mem::replace(self, StoredParts::Written(0)).into_each()?;
                each.extend(next.into_each()?);
                *self = StoredParts::Each(each);
            }
        }
        Some(())
    }

    /// Consecutive runs of partitions as one.
    pub(crate) fn concat(runs: Vec<StoredParts>) -> Option<StoredParts> {
        let mut runs = runs.into_iter();
        let mut all = runs.next().unwrap_or(StoredParts::Written(0));
        for run in runs {
            all.append(run)?;
        }
        Some(all)
    }
}

/// Why a store could not write or read a value.
#[doc(hidden)]
#[derive(Debug)]
pub struct StoreError {
    pub(crate) file: Option<PathBuf>,
    pub(crate) source: BoxError,
}
