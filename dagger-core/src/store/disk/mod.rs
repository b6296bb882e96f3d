//! The disk store: node outputs in files under a folder, written so that what a later run (or
//! another process of the same run) finds there can be trusted.
//!
//! - **Layout** ([`layout`]): every value has a path of its own inside the folder, whatever
//!   the names. A partitioned output is a folder of files that hold one partition (`3`) or a
//!   run of them (`0-1023`: the partitions a task handed over together), and their listing,
//!   `partitions.json`, written last.
//! - **Fingerprints**: a node's output records what produced it, in the file `fingerprint`.
//!   A run reuses an output whose fingerprint it would compute itself, and removes any other
//!   before writing (the listing first, so that a rewrite cut short is never read as complete).
//! - **Checked bytes** ([`io`], [`records`]): every file that holds a value or says what an
//!   output is ends with the digest of its bytes, checked on every read: a file that is not
//!   what was written is reported as corrupt, with the folder to delete, and never used. No
//!   symbolic link below the folder is followed.
//! - **Durability**: files are written under temporary names and renamed into place, so a
//!   killed process leaves whole files or none. A listed output is on disk: its files and
//!   folder are synced before its listing is written (one sync per file of a batch of
//!   partitions, not per partition), so after a crash of the machine a listed output is
//!   complete and intact. A whole output is synced before its fingerprint is written.
//! - **Runs side by side** ([`lock`]): a run locks its root DAG's folder; a run with other
//!   parameters or code fails at once instead of mixing its files with the holder's.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::files::{file_name, parse_file_name};
use super::{sealed, Existing, Files, Location, Previous, Store, StoreError, Stored, StoredParts};
use crate::erased::{AnyValue, Batch, Codec};
use crate::error::BoxError;
use crate::fingerprint::Fingerprint;
use crate::keys::Keys;

mod io;
pub(crate) use io::written_here;
mod layout;
mod listing;
mod lock;
mod records;

use lock::{NodeLock, RunLock};
use records::Recorded;

/// Keeps outputs in files under a folder, serialized with each task's [`Format`](crate::Format),
/// so that memory holds only the values being computed, and so that a later run reuses what an
/// earlier one computed: a run killed anywhere resumes where it stopped, and a run with one
/// parameter or one task changed computes only what depends on the change.
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
    kind: Kind,
    /// The files this run linked from outputs kept aside: on disk since an earlier run synced
    /// them, so that a seal need not sync them again.
    linked: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
    /// When the run started: a file a listing does not name, written before, is what a run
    /// cut short left (and is removed at the seal); one written since may be another
    /// process's of this run, still writing.
    started: std::time::SystemTime,
}

#[derive(Debug)]
enum Kind {
    /// A folder the user named: kept between runs.
    Kept,
    /// [`DiskStore::temporary`]: each run gets a folder of its own in it.
    Temporary,
    /// The store one run reads and writes.
    Run {
        _lock: Option<RunLock>,
        /// The run's own folder, removed after a successful run.
        remove_on_success: bool,
    },
}

static NEXT_RUN: AtomicU64 = AtomicU64::new(0);

impl DiskStore {
    /// Stores outputs under `dir` (created if needed), and keeps them: a later run of the same
    /// DAG reuses every output its own inputs and code would produce, and recomputes the rest.
    /// Runs with other parameters wait their turn: while one runs, another fails at once.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DiskStore { root: dir.into(), kind: Kind::Kept, linked: Default::default(), started: std::time::UNIX_EPOCH }
    }

    /// Stores outputs in a new folder under the system's temporary folder, with a folder of its
    /// own for each run, removed after a successful run and kept after a failed one (to look
    /// at).
    pub fn temporary() -> std::io::Result<Self> {
        let name = format!("dagger-{}-{}", std::process::id(), unique());
        let root = std::env::temp_dir().join(name);
        fs::create_dir_all(&root)?;
        Ok(DiskStore { root, kind: Kind::Temporary, linked: Default::default(), started: std::time::UNIX_EPOCH })
    }

    /// The folder that holds the outputs.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn node_dir(&self, at: &Location<'_>) -> PathBuf {
        layout::node_dir(&self.root, at.dag, at.node)
    }

    /// The file of the value at `at`: a whole output's, one partition's, or the file that holds
    /// partitions `file`.
    fn file(&self, at: &Location<'_>, file: Option<std::ops::Range<usize>>) -> PathBuf {
        let output = layout::output(&self.node_dir(at));
        match (file, at.partition) {
            (Some(range), _) => output.join(file_name(&range)),
            (None, Some(partition)) => output.join(partition.to_string()),
            (None, None) => output,
        }
    }

    /// The folder of a partitioned output at `at`.
    fn output_dir(&self, at: &Location<'_>) -> PathBuf {
        layout::output(&self.node_dir(at))
    }

    /// What is stored at `at` if `fingerprint` produced it.
    fn existing(&self, at: &Location<'_>, fingerprint: Fingerprint) -> Result<Existing, StoreError> {
        let dir = self.node_dir(at);
        let output = layout::output(&dir);
        io::check_no_links(&self.root, &output)?;
        match records::read_fingerprint(&layout::fingerprint(&dir))? {
            Recorded::Nothing => return Ok(Existing::Nothing),
            Recorded::Fingerprint(recorded) if recorded == fingerprint => {}
            Recorded::Fingerprint(_) | Recorded::Unreadable => return Ok(Existing::Different),
        }
        match fs::symlink_metadata(&output) {
            Ok(meta) if meta.is_file() => Ok(Existing::Whole),
            Ok(_) => match listing::read(&output.join(layout::LISTING))? {
                Some(files) => Ok(Existing::Sealed(files)),
                None => Ok(Existing::Partial(partition_files(&output)?)),
            },
            Err(_) => Ok(Existing::Nothing),
        }
    }
}

/// A number no other store or run of this process has.
fn unique() -> String {
    format!(
        "{}-{}",
        NEXT_RUN.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
    )
}

/// The partitions of each file in the output folder `output`, sorted.
fn partition_files(output: &Path) -> Result<Vec<std::ops::Range<usize>>, StoreError> {
    let entries = match fs::read_dir(output) {
        Ok(entries) => entries,
        Err(error) if io::absent(&error) => return Ok(Vec::new()),
        Err(error) => return Err(StoreError::reading(output.to_path_buf(), error)),
    };
    let mut files: Vec<_> =
        entries.flatten().filter_map(|entry| parse_file_name(&entry.file_name().to_string_lossy())).collect();
    files.sort_unstable_by_key(|range| (range.start, range.end));
    Ok(files)
}

impl Drop for DiskStore {
    /// A temporary store's folder goes when it is empty: failed runs' folders stay.
    fn drop(&mut self) {
        if let Kind::Temporary = self.kind {
            let _ = fs::remove_dir(&self.root);
        }
    }
}

impl sealed::Sealed for DiskStore {}

impl Store for DiskStore {
    fn open_run(&self, dag: &str, run: Fingerprint) -> Result<Arc<dyn Store>, StoreError> {
        let (root, lock, remove_on_success) = match &self.kind {
            Kind::Temporary => {
                let root = self.root.join(format!("run-{}", unique()));
                fs::create_dir_all(&root).map_err(|e| StoreError::new(root.clone(), e))?;
                (root, None, true)
            }
            Kind::Kept | Kind::Run { .. } => {
                let dag_dir = layout::root_dag_dir(&self.root, dag);
                let lock = lock::lock_run(&dag_dir, run)?;
                if lock.alone {
                    io::sweep(&dag_dir);
                }
                (self.root.clone(), Some(lock), false)
            }
        };
        Ok(Arc::new(DiskStore {
            root,
            kind: Kind::Run { _lock: lock, remove_on_success },
            linked: Default::default(),
            started: std::time::SystemTime::now(),
        }))
    }

    fn end(&self, succeeded: bool) {
        if let Kind::Run { remove_on_success: true, .. } = self.kind {
            if succeeded {
                let _ = fs::remove_dir_all(&self.root);
            }
        }
    }

    fn find(&self, at: &Location<'_>, fingerprint: Fingerprint) -> Result<Existing, StoreError> {
        self.existing(at, fingerprint)
    }

    fn prepare(
        &self,
        at: &Location<'_>,
        fingerprint: Fingerprint,
        partitioned: bool,
        reuse: bool,
    ) -> Result<Existing, StoreError> {
        let dir = self.node_dir(at);
        io::check_no_links(&self.root, &layout::output(&dir))?;
        let _lock = NodeLock::take(&layout::node_lock(&dir))?;
        if reuse {
            match self.existing(at, fingerprint)? {
                Existing::Nothing | Existing::Different => {}
                existing => return Ok(existing),
            }
        }
        let output = layout::output(&dir);
        // A sealed output whose partitions have fingerprints by key is kept aside, for the
        // partitions this run would compute again from the same values.
        let previous = dir.join(layout::PREVIOUS);
        if partitioned && reuse && output.join(layout::BY_KEY).is_file() && output.join(layout::LISTING).is_file() {
            io::remove(&previous)?;
            io::remove(&layout::fingerprint(&dir))?;
            fs::rename(&output, &previous).map_err(|e| StoreError::new(previous.clone(), e))?;
        }
        // The listing first: from here on the output is not complete, whatever is cut short.
        io::remove(&output.join(layout::LISTING))?;
        io::remove(&layout::fingerprint(&dir))?;
        io::remove(&output)?;
        if partitioned {
            // Written before any partition: the files in the folder are this fingerprint's.
            fs::create_dir_all(&output).map_err(|e| StoreError::new(output.clone(), e))?;
            records::write_fingerprint(&layout::fingerprint(&dir), fingerprint)?;
        }
        Ok(Existing::Nothing)
    }

    fn put(
        &self,
        at: &Location<'_>,
        value: AnyValue,
        codec: &Codec,
        fingerprint: Fingerprint,
    ) -> Result<Stored, StoreError> {
        let file = self.file(at, None);
        let encode = |writer: &mut dyn std::io::Write| (codec.encode)(&*value, writer);
        match at.partition {
            Some(_) => io::write_checked(&file, false, encode)?,
            None => {
                // Synced before its fingerprint says it is there.
                io::write_checked(&file, true, encode)?;
                records::write_fingerprint(&layout::fingerprint(&self.node_dir(at)), fingerprint)?;
            }
        }
        Ok(Stored::Written)
    }

    fn put_batch(&self, at: &Location<'_>, batch: Batch) -> Result<StoredParts, StoreError> {
        let start = at.partition.unwrap_or(0);
        let range = start..start + batch.len();
        let file = self.file(at, Some(range.clone()));
        let codec = *batch.codec();
        match range.len() {
            0 => {}
            1 => {
                let item = batch.item(0).ok_or_else(|| StoreError::new(file.clone(), "an empty batch of one"))?;
                io::write_checked(&file, false, |writer| (codec.encode)(item, writer))?;
            }
            _ => io::write_checked(&file, false, |writer| (codec.encode_batch)(&**batch.items(), writer))?,
        }
        Ok(StoredParts::Files(if range.is_empty() { Files::default() } else { Files::one(range.len()) }))
    }

    fn holds_values(&self) -> bool {
        false
    }

    fn take(&self, at: &Location<'_>, stored: Stored, codec: &Codec) -> Result<AnyValue, StoreError> {
        match stored {
            Stored::Memory(value) => Ok(value),
            Stored::Written => io::read(&self.file(at, None), codec),
            Stored::InFile(range) => {
                let index = at.partition.unwrap_or(0).wrapping_sub(range.start);
                let batch =
                    self.load(&Location { partition: Some(range.start), ..*at }, &Files::one(range.len()), codec)?;
                batch
                    .value(index)
                    .ok_or_else(|| StoreError::reading(self.file(at, Some(range)), "a partition is not in its file"))
            }
        }
    }

    fn load(&self, at: &Location<'_>, files: &Files, codec: &Codec) -> Result<Batch, StoreError> {
        let start = at.partition.unwrap_or(0);
        let mut parts = Vec::new();
        for range in files.ranges(start) {
            parts.push(read_file(&self.file(at, Some(range.clone())), range.len(), codec)?);
        }
        let len = files.len();
        let items =
            (codec.concat)(parts).ok_or_else(|| StoreError::new(self.file(at, None), "partitions of another type"))?;
        Ok(Batch::new(items, len, *codec))
    }

    fn put_keys(&self, at: &Location<'_>, keys: &Keys) -> Result<(), StoreError> {
        let output = self.output_dir(at);
        fs::create_dir_all(&output).map_err(|e| StoreError::new(output.clone(), e))?;
        records::write_list(&output.join(layout::KEYS), keys.texts().iter().map(String::as_str), true)?;
        if !keys.digests().is_empty() {
            records::write_fingerprints(&output.join(layout::DIGESTS), keys.digests(), true)?;
        }
        Ok(())
    }

    fn keys(&self, at: &Location<'_>) -> Result<Option<Keys>, StoreError> {
        let output = self.output_dir(at);
        let Some(keys) = records::read_list(&output.join(layout::KEYS), "partition keys")? else {
            return Ok(None);
        };
        let digests = records::read_fingerprints(&output.join(layout::DIGESTS), "digests")?;
        Ok(Some(Keys::with_digests(keys, digests.unwrap_or_default())))
    }

    fn put_by_key(&self, at: &Location<'_>, fingerprints: &[Fingerprint]) -> Result<(), StoreError> {
        records::write_fingerprints(&self.output_dir(at).join(layout::BY_KEY), fingerprints, false)
    }

    fn previous(&self, at: &Location<'_>) -> Result<Option<Previous>, StoreError> {
        let previous = self.node_dir(at).join(layout::PREVIOUS);
        io::check_no_links(&self.root, &previous)?;
        let Some(files) = listing::read(&previous.join(layout::LISTING))? else { return Ok(None) };
        let by_key = records::read_fingerprints(&previous.join(layout::BY_KEY), "fingerprints by key")?;
        let Some(by_key) = by_key else { return Ok(None) };
        if by_key.len() != files.len() {
            let message = format!("{} fingerprints by key for {} partitions", by_key.len(), files.len());
            return Err(StoreError::reading(previous.join(layout::BY_KEY), message));
        }
        Ok(Some(Previous { by_key: by_key.into_iter().enumerate().map(|(i, f)| (f, i)).collect(), files }))
    }

    fn load_previous(&self, at: &Location<'_>, files: &Files, codec: &Codec) -> Result<Batch, StoreError> {
        let start = at.partition.unwrap_or(0);
        let range = files.ranges(start).next().ok_or_else(|| StoreError::new(None, "no file to read"))?;
        let file = self.node_dir(at).join(layout::PREVIOUS).join(file_name(&range));
        Ok(Batch::new(read_file(&file, range.len(), codec)?, range.len(), *codec))
    }

    fn stamps_file(&self) -> Option<PathBuf> {
        // A temporary store's runs reuse nothing: their input paths need no stamps.
        match self.kind {
            Kind::Temporary => None,
            Kind::Kept | Kind::Run { .. } => Some(layout::stamps(&self.root)),
        }
    }

    fn link_previous(&self, at: &Location<'_>, file: &std::ops::Range<usize>) -> Result<bool, StoreError> {
        let start = at.partition.unwrap_or(0);
        let kept = self.node_dir(at).join(layout::PREVIOUS).join(file_name(file));
        let new = self.output_dir(at).join(file_name(&(start..start + file.len())));
        // A second name for the same bytes (no inode made, none freed when `previous` goes),
        // given under a temporary name and renamed into place, as every file is.
        let temporary = io::temporary_name(&new);
        match fs::hard_link(&kept, &temporary) {
            Ok(()) => match fs::rename(&temporary, &new) {
                Ok(()) => {
                    crate::sync::lock(&self.linked).insert(new);
                    Ok(true)
                }
                Err(error) => {
                    let _ = fs::remove_file(&temporary);
                    Err(StoreError::new(new, error))
                }
            },
            // A file system without hard links: the partitions are copied.
            Err(_) => Ok(false),
        }
    }

    fn output_path(&self, at: &Location<'_>) -> Option<PathBuf> {
        Some(self.output_dir(at))
    }

    fn drop_previous(&self, at: &Location<'_>) {
        let _ = io::remove(&self.node_dir(at).join(layout::PREVIOUS));
    }

    fn seal(&self, at: &Location<'_>, count: usize, files: Option<&Files>) -> Result<(), StoreError> {
        let output = self.output_dir(at);
        let files = match files {
            Some(files) => files.clone(),
            None => covering(&output, count)?,
        };
        if files.len() != count {
            return Err(StoreError::new(output, format!("{} partitions written where there are {count}", files.len())));
        }
        fs::create_dir_all(&output).map_err(|e| StoreError::new(output.clone(), e))?;
        let paths: Vec<PathBuf> = {
            let mut linked = crate::sync::lock(&self.linked);
            let paths = files.ranges(0).map(|range| output.join(file_name(&range)));
            paths.filter(|path| !linked.remove(path)).collect()
        };
        io::sync(paths, &output)?;
        listing::write(&output.join(layout::LISTING), &files)?;
        remove_unlisted(&output, &files, self.started);
        Ok(())
    }
}

/// Removes the partition files in `output` that its listing, `files`, does not name, written
/// before `started`: those of runs cut short, whose partitions the listed files hold.
fn remove_unlisted(output: &Path, files: &Files, started: std::time::SystemTime) {
    let Ok(found) = partition_files(output) else { return };
    for range in found {
        let file = output.join(file_name(&range));
        let old = fs::symlink_metadata(&file).and_then(|meta| meta.modified()).is_ok_and(|time| time < started);
        if old && !files.holds(&range) {
            let _ = fs::remove_file(file);
        }
    }
}

/// The `len` partitions of one partition file, as one typed list.
fn read_file(file: &Path, len: usize, codec: &Codec) -> Result<AnyValue, StoreError> {
    if len == 1 {
        let value = io::read(file, codec)?;
        return (codec.gather)(vec![value])
            .ok_or_else(|| StoreError::reading(file.to_path_buf(), "a value of another type"));
    }
    let invalid = |e: BoxError| -> BoxError { format!("not a valid {} list of partitions: {e}", codec.format).into() };
    let (items, found) = io::read_decoded(
        file,
        |bytes| (codec.decode_batch_slice)(bytes).map_err(invalid),
        |reader| (codec.decode_batch)(reader).map_err(invalid),
    )?;
    if found != len {
        let message = format!("holds {found} partitions where its name says {len}");
        return Err(StoreError::reading(file.to_path_buf(), message));
    }
    Ok(items)
}

/// The files in `output` that hold partitions `0..count`, each once; an error naming the first
/// partition no file holds.
fn covering(output: &Path, count: usize) -> Result<Files, StoreError> {
    let mut files = Files::default();
    for range in partition_files(output)? {
        if range.start == files.len() && range.end <= count {
            files.push(range.len());
        }
    }
    if files.len() != count {
        let missing = files.len();
        return Err(StoreError::new(
            output.join(missing.to_string()),
            format!("partition {missing} of {count} is missing"),
        ));
    }
    Ok(files)
}
