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
use std::fs;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::batch::Batch;
use crate::error::NodePath;
use crate::format::Codec;
use crate::graph::{AnyValue, BoxError};

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

/// Keeps outputs in memory, shared by every node that reads them (never copied for a reader
/// that takes a reference). The default.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryStore;

impl sealed::Sealed for MemoryStore {}

impl Store for MemoryStore {
    fn put(&self, _: &Location<'_>, value: AnyValue, _: &Codec) -> Result<Stored, StoreError> {
        Ok(Stored::Memory(value))
    }

    fn put_batch(&self, _: &Location<'_>, batch: Batch) -> Result<StoredParts, StoreError> {
        Ok(StoredParts::Batch(batch))
    }

    fn keeps_batches(&self) -> bool {
        true
    }

    fn take(&self, _: &Location<'_>, stored: Stored, _: &Codec) -> Result<AnyValue, StoreError> {
        match stored {
            Stored::Memory(value) => Ok(value),
            Stored::Written => Err(StoreError { file: None, source: "the memory store writes no files".into() }),
        }
    }

    fn seal(&self, _: &Location<'_>, _: usize) -> Result<(), StoreError> {
        Ok(())
    }

    fn find(&self, _: &Location<'_>) -> Option<Stored> {
        None
    }

    fn find_count(&self, _: &Location<'_>) -> Option<usize> {
        None
    }

    fn end(&self, _: &str, _: bool) {}
}

/// Keeps outputs in files under a folder, serialized with each task's [`Format`](crate::Format),
/// so that memory holds only the values being computed: a pipeline over more partitions than
/// fit in memory runs in memory that does not grow with their number.
///
/// ```
/// use dagger_core::{DiskStore, Runner};
/// let dir = std::env::temp_dir().join("dagger-doc-disk-store");
/// let runner = Runner::new().with_store(DiskStore::new(&dir));
/// # let _ = runner;
/// ```
#[derive(Debug)]
pub struct DiskStore {
    root: PathBuf,
    temporary: bool,
}

static NEXT_FILE: AtomicU64 = AtomicU64::new(0);

impl DiskStore {
    /// Stores outputs under `dir` (created if needed), and keeps them after the run: each run of
    /// DAG `d` replaces the files of the previous run under `dir/d`. Give each concurrent run
    /// its own folder.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DiskStore { root: dir.into(), temporary: false }
    }

    /// Stores outputs in a new folder under the system's temporary folder, removed after a
    /// successful run and kept after a failed one (to look at).
    pub fn temporary() -> std::io::Result<Self> {
        let name = format!(
            "dagger-{}-{}-{}",
            std::process::id(),
            NEXT_FILE.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
        );
        let root = std::env::temp_dir().join(name);
        fs::create_dir_all(&root)?;
        Ok(DiskStore { root, temporary: true })
    }

    /// The folder that holds the outputs.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file (or, for a partitioned output, the folder) of a node's output.
    fn output_path(&self, dag: &NodePath, node: &str) -> PathBuf {
        let mut path = self.root.clone();
        for (name, partition) in dag.segments() {
            path.push(name);
            if let Some(partition) = partition {
                path.push(partition.to_string());
            }
        }
        path.push(node);
        path.push("output");
        path
    }

    fn file(&self, at: &Location<'_>) -> PathBuf {
        let mut path = self.output_path(at.dag, at.node);
        if let Some(partition) = at.partition {
            path.push(partition.to_string());
        }
        path
    }

    /// Writes `file` through a temporary file in the same folder, renamed into place.
    fn write_atomically(
        file: &Path,
        write: impl FnOnce(&mut dyn Write) -> Result<(), BoxError>,
    ) -> Result<(), StoreError> {
        let fail = |source: BoxError| StoreError { file: Some(file.to_path_buf()), source };
        let dir = file.parent().ok_or_else(|| fail("a stored file has no folder".into()))?;
        fs::create_dir_all(dir).map_err(|e| fail(e.into()))?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary =
            dir.join(format!(".{name}.{}-{}.tmp", std::process::id(), NEXT_FILE.fetch_add(1, Ordering::Relaxed)));
        let result = (|| {
            let mut writer = BufWriter::new(fs::File::create(&temporary)?);
            write(&mut writer)?;
            writer.into_inner().map_err(|e| e.into_error())?.sync_data()?;
            fs::rename(&temporary, file)?;
            Ok::<(), BoxError>(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        result.map_err(fail)
    }

    fn read(file: &Path, codec: &Codec) -> Result<AnyValue, StoreError> {
        let fail = |source: BoxError| StoreError { file: Some(file.to_path_buf()), source };
        let mut reader = BufReader::new(fs::File::open(file).map_err(|e| fail(e.into()))?);
        (codec.decode)(&mut reader).map_err(|e| fail(format!("not a valid {} value: {e}", codec.format).into()))
    }
}

impl sealed::Sealed for DiskStore {}

impl Store for DiskStore {
    fn put(&self, at: &Location<'_>, value: AnyValue, codec: &Codec) -> Result<Stored, StoreError> {
        let file = self.file(at);
        Self::write_atomically(&file, |writer| (codec.encode)(&*value, writer))?;
        Ok(Stored::Written)
    }

    fn put_batch(&self, at: &Location<'_>, batch: Batch) -> Result<StoredParts, StoreError> {
        let start = at.partition.unwrap_or(0);
        for i in 0..batch.len() {
            let file = self.file(&Location { partition: Some(start + i), ..*at });
            let item = batch.item(i).ok_or_else(|| StoreError {
                file: Some(file.clone()),
                source: "a batch of partitions is shorter than it says".into(),
            })?;
            Self::write_atomically(&file, |writer| (batch.codec().encode)(item, writer))?;
        }
        Ok(StoredParts::Written(batch.len()))
    }

    fn keeps_batches(&self) -> bool {
        false
    }

    fn take(&self, at: &Location<'_>, stored: Stored, codec: &Codec) -> Result<AnyValue, StoreError> {
        match stored {
            Stored::Memory(value) => Ok(value),
            Stored::Written => DiskStore::read(&self.file(at), codec),
        }
    }

    fn seal(&self, at: &Location<'_>, count: usize) -> Result<(), StoreError> {
        let file = self.output_path(at.dag, at.node).join("partitions.json");
        // `["0","1",...]`, written name by name: a million partitions need no list in memory.
        Self::write_atomically(&file, |writer| {
            writer.write_all(b"[")?;
            for i in 0..count {
                write!(writer, "{}\"{i}\"", if i == 0 { "" } else { "," })?;
            }
            writer.write_all(b"]")?;
            Ok(())
        })
    }

    fn find(&self, at: &Location<'_>) -> Option<Stored> {
        let file = self.file(at);
        file.is_file().then_some(Stored::Written)
    }

    fn find_count(&self, at: &Location<'_>) -> Option<usize> {
        let listing = fs::read(self.output_path(at.dag, at.node).join("partitions.json")).ok()?;
        serde_json::from_slice::<Vec<String>>(&listing).ok().map(|names| names.len())
    }

    fn end(&self, _: &str, succeeded: bool) {
        if self.temporary && succeeded {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}
