//! Outputs in files, one per value (per partition of a partitioned output).

use std::fs;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{sealed, Location, Store, StoreError, Stored, StoredParts};
use crate::erased::{AnyValue, Batch, Codec};
use crate::error::{BoxError, NodePath};

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
