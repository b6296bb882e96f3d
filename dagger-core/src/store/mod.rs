//! Where node outputs live between nodes: in memory ([`MemoryStore`], the default) or in files
//! ([`DiskStore`], whose module documents its layout and what it guarantees).
//!
//! A run opens the store for itself ([`Store::open_run`]), and asks it, before it runs a node,
//! what an earlier run left that the same inputs and code produced ([`Store::prepare`]): what
//! is there is reused, and anything else removed before the node writes. Every stored output
//! records its [`Fingerprint`].

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use crate::erased::{AnyValue, Batch, Codec};
use crate::error::{BoxError, NodePath};
use crate::fingerprint::Fingerprint;
use crate::keys::Keys;

mod disk;
mod files;
mod keyed_partitions;
mod memory;
mod partitions;

pub(crate) use disk::written_here;
pub use disk::DiskStore;
pub(crate) use files::Files;
pub use keyed_partitions::KeyedPartitions;
pub use memory::MemoryStore;
pub use partitions::Partitions;
pub(crate) use partitions::PartsReader;

mod sealed {
    pub trait Sealed {}
}

/// Where a runner keeps the outputs of nodes: [`MemoryStore`] or [`DiskStore`].
pub trait Store: Send + Sync + fmt::Debug + sealed::Sealed {
    /// The store one run of the root DAG `dag` reads and writes, holding what the run holds
    /// while it lasts (a lock on a folder); `run` fingerprints the DAG and its parameters, so
    /// that runs that would write the same values may share a folder and others may not.
    #[doc(hidden)]
    fn open_run(&self, dag: &str, run: Fingerprint) -> Result<Arc<dyn Store>, StoreError>;
    /// The run ends.
    #[doc(hidden)]
    fn end(&self, succeeded: bool);
    /// What an earlier run stored at `at` (a node's output) that `fingerprint` produced, to read
    /// it. Nothing is changed.
    #[doc(hidden)]
    fn find(&self, at: &Location<'_>, fingerprint: Fingerprint) -> Result<Existing, StoreError>;
    /// Readies `at` for the output of a node that `fingerprint` produces (`partitioned` or
    /// whole): what an earlier run left there with that fingerprint is kept and returned (if
    /// `reuse`); anything else is removed, a partitioned output's listing first, so that no
    /// reader takes it for complete. Several processes of one run may ready one output: the
    /// first cleans it, the others find it ready.
    #[doc(hidden)]
    fn prepare(
        &self,
        at: &Location<'_>,
        fingerprint: Fingerprint,
        partitioned: bool,
        reuse: bool,
    ) -> Result<Existing, StoreError>;
    /// Stores a whole output (`at.partition` is `None`), recording its fingerprint, or one
    /// partition.
    #[doc(hidden)]
    fn put(
        &self,
        at: &Location<'_>,
        value: AnyValue,
        codec: &Codec,
        fingerprint: Fingerprint,
    ) -> Result<Stored, StoreError>;
    /// Stores partitions handed over together; `at` names the first.
    #[doc(hidden)]
    fn put_batch(&self, at: &Location<'_>, batch: Batch) -> Result<StoredParts, StoreError>;
    /// Whether outputs are held by the store itself (in memory), so that an output no node
    /// reads need not be stored.
    #[doc(hidden)]
    fn holds_values(&self) -> bool;
    /// The value of `stored`, the output at `at`: moved out of it when it is kept in memory,
    /// read from its file otherwise.
    #[doc(hidden)]
    fn take(&self, at: &Location<'_>, stored: Stored, codec: &Codec) -> Result<AnyValue, StoreError>;
    /// The partitions in `files`, from partition `at.partition`, read as one batch.
    #[doc(hidden)]
    fn load(&self, at: &Location<'_>, files: &Files, codec: &Codec) -> Result<Batch, StoreError>;
    /// Marks a partitioned output complete, with `count` partitions: those in `files` (from
    /// partition 0), or, when the caller does not know them (partitions written by other
    /// processes), whatever files the store finds.
    #[doc(hidden)]
    fn seal(&self, at: &Location<'_>, count: usize, files: Option<&Files>) -> Result<(), StoreError>;
    /// Stores the keys of a keyed partitioned output, before it is sealed: a sealed output's
    /// keys are complete. (A store that keeps nothing between runs need not keep them: the run
    /// holds them.)
    #[doc(hidden)]
    fn put_keys(&self, at: &Location<'_>, keys: &Keys) -> Result<(), StoreError>;
    /// The keys stored with a sealed keyed output, if the store keeps them.
    #[doc(hidden)]
    fn keys(&self, at: &Location<'_>) -> Result<Option<Keys>, StoreError>;
    /// Records, before a map's output is sealed, the fingerprint of each partition that does
    /// not depend on its position (see `run::by_key`): a later run whose output at `at` has
    /// another fingerprint keeps this one aside ([`Store::prepare`]) and takes from it the
    /// partitions it would compute again.
    #[doc(hidden)]
    fn put_by_key(&self, at: &Location<'_>, fingerprints: &[Fingerprint]) -> Result<(), StoreError>;
    /// The output an earlier run left at `at` with another fingerprint and kept aside: the
    /// position of each partition by its fingerprint by key, and its files.
    #[doc(hidden)]
    fn previous(&self, at: &Location<'_>) -> Result<Option<Previous>, StoreError>;
    /// The partitions of one file of the output kept aside, from partition `at.partition`.
    #[doc(hidden)]
    fn load_previous(&self, at: &Location<'_>, files: &Files, codec: &Codec) -> Result<Batch, StoreError>;
    /// Puts the file of partitions `file` of the output kept aside into the output at `at`, as
    /// its partitions from `at.partition` on, without reading or writing it again; `false` when
    /// the store cannot (the caller copies the partitions instead).
    #[doc(hidden)]
    fn link_previous(&self, _at: &Location<'_>, _file: &Range<usize>) -> Result<bool, StoreError> {
        Ok(false)
    }
    /// The output kept aside is no longer needed (the new one is sealed).
    #[doc(hidden)]
    fn drop_previous(&self, at: &Location<'_>);
    /// Where the digests of the files that runs' input paths point at are kept between runs
    /// (see [`crate::InputPath`]); none for a store that keeps nothing between runs.
    #[doc(hidden)]
    fn stamps_file(&self) -> Option<PathBuf> {
        None
    }
    /// Where the output at `at` is kept, for messages (a disk store's `<node>/output`).
    #[doc(hidden)]
    fn output_path(&self, _at: &Location<'_>) -> Option<PathBuf> {
        None
    }
}

/// An output an earlier run left with another fingerprint, kept aside for its partitions.
#[doc(hidden)]
#[derive(Debug)]
pub struct Previous {
    pub(crate) by_key: std::collections::HashMap<Fingerprint, usize>,
    pub(crate) files: Files,
}

/// The output of one node (one partition of it), in a store.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Location<'a> {
    pub(crate) dag: &'a NodePath,
    pub(crate) node: &'a str,
    pub(crate) partition: Option<usize>,
}

/// What an earlier run left of an output.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Nothing (or nothing it may reuse).
    Nothing,
    /// A whole output.
    Whole,
    /// A partitioned output, complete: its files, from partition 0.
    Sealed(Files),
    /// Some partitions of a partitioned output, not yet complete: the partitions of each file.
    Partial(Vec<Range<usize>>),
    /// An output that another fingerprint produced (other parameters, inputs or code).
    Different,
}

/// A stored value: kept in memory, or written by the store at its location (the runtime knows
/// the location, so that a million partitions on disk do not cost a million paths in memory).
#[doc(hidden)]
#[derive(Clone)]
pub enum Stored {
    Memory(AnyValue),
    /// In a file of its own.
    Written,
    /// One partition in the file that holds partitions `range`.
    InFile(Range<usize>),
}

/// Consecutive partitions of one output, in a store: each kept on its own, a batch kept as it
/// was handed over, or the files the store wrote them to.
#[doc(hidden)]
#[derive(Clone)]
pub enum StoredParts {
    Each(Vec<Stored>),
    Batch(Batch),
    Files(Files),
}

impl StoredParts {
    /// `each`, as files of one partition if the store wrote every one to its own file.
    pub(crate) fn each(each: Vec<Stored>) -> StoredParts {
        if each.iter().all(|stored| matches!(stored, Stored::Written)) {
            let mut files = Files::default();
            for _ in &each {
                files.push(1);
            }
            StoredParts::Files(files)
        } else {
            StoredParts::Each(each)
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            StoredParts::Each(each) => each.len(),
            StoredParts::Batch(batch) => batch.len(),
            StoredParts::Files(files) => files.len(),
        }
    }

    /// Partition `i` of these, which start at partition `start` (a copy, for a batch).
    pub(crate) fn get(&self, start: usize, i: usize) -> Option<Stored> {
        match self {
            StoredParts::Each(each) => each.get(i).cloned(),
            StoredParts::Batch(batch) => batch.value(i).map(Stored::Memory),
            StoredParts::Files(files) => match files.file_of(start, start + i)? {
                file if file.len() == 1 => Some(Stored::Written),
                file => Some(Stored::InFile(file)),
            },
        }
    }

    /// Each partition on its own: a batch is taken apart. `None` for files: they are read
    /// with [`Store::load`].
    pub(crate) fn into_each(self) -> Option<Vec<Stored>> {
        match self {
            StoredParts::Each(each) => Some(each),
            StoredParts::Batch(batch) => Some(batch.into_values()?.into_iter().map(Stored::Memory).collect()),
            StoredParts::Files(_) => None,
        }
    }

    /// Appends the next partitions.
    pub(crate) fn append(&mut self, next: StoredParts) -> Option<()> {
        match (&mut *self, next) {
            (StoredParts::Files(files), StoredParts::Files(more)) => files.append(more),
            (StoredParts::Each(each), StoredParts::Each(more)) => each.extend(more),
            (_, next) => {
                let mut each = std::mem::replace(self, StoredParts::Each(Vec::new())).into_each()?;
                each.extend(next.into_each()?);
                *self = StoredParts::Each(each);
            }
        }
        Some(())
    }

    /// Consecutive runs of partitions as one.
    pub(crate) fn concat(runs: Vec<StoredParts>) -> Option<StoredParts> {
        let mut runs = runs.into_iter();
        let mut all = runs.next().unwrap_or(StoredParts::Each(Vec::new()));
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
    /// Whether what failed was a read of what is stored, even on the way to writing (a
    /// listing read before an output is rewritten): the error then says to delete the output.
    pub(crate) reading: bool,
}

impl StoreError {
    pub(crate) fn new(file: impl Into<Option<PathBuf>>, source: impl Into<BoxError>) -> StoreError {
        StoreError { file: file.into(), source: source.into(), reading: false }
    }

    /// A stored file that could not be read, or is not what was written.
    pub(crate) fn reading(file: impl Into<Option<PathBuf>>, source: impl Into<BoxError>) -> StoreError {
        StoreError { reading: true, ..StoreError::new(file, source) }
    }
}
