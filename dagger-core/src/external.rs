//! Files outside the store that tasks read: [`InputPath`], a path whose fingerprint covers what
//! it points at, so that a stored output computed from a file is reused only while the file is
//! what it was.
//!
//! A value's fingerprint is the digest of its encoding ([`crate::Format`]). While a run
//! fingerprints values ([`fingerprinting`]), an `InputPath` in them is encoded with the
//! fingerprint of what it points at: a file's size and the digest of its bytes; a folder's
//! entries, by name, each fingerprinted so (through links, as a task opening them would read
//! them). Reading every byte of a large input at every run would cost what the run saves, so
//! each file's digest is kept with its size, modification time and inode ([`Stamps`], in the
//! store's folder): a file whose stamp has not changed is not read again, and a file that was
//! changed is read once, so that a file touched without a change costs a read and no
//! recomputation. A stamp recorded less than two seconds after the file's modification time
//! is not trusted (the file may change again within the same tick of the clock): such a file is
//! read every time until it is older.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::fingerprint::{Fingerprint, Hasher};
use crate::sync::lock;

/// A path to a file or folder that a task reads, outside the store: declare a parameter of
/// this type (instead of `PathBuf`) and a stored output computed from it is reused only while
/// what it points at is unchanged.
///
/// Its fingerprint covers the file's size and the digest of its bytes, or, for a folder, the
/// name, size and digest of everything in it (see the module `external` in the README's
/// disk-store section). As a value it is its path: it is written and read as a string, it
/// dereferences to [`Path`], and a task opens it as any path (`std::fs::File::open(&path)`).
///
/// ```
/// use dagger_core::prelude::*;
///
/// #[task]
/// fn line_count(csv: InputPath) -> Result<usize, std::io::Error> {
///     Ok(std::fs::read_to_string(&csv)?.lines().count())
/// }
///
/// #[dag]
/// fn rows(csv: InputPath) -> usize {
///     line_count(csv)
/// }
///
/// let file = std::env::temp_dir().join(format!("dagger-doc-input-{}.csv", std::process::id()));
/// std::fs::write(&file, "a\nb\n").unwrap();
/// let runner = Runner::new().with_store(DiskStore::temporary().unwrap());
/// assert_eq!(rows { csv: InputPath::new(&file) }.execute_on(&runner).unwrap(), 2);
/// # std::fs::remove_file(&file).unwrap();
/// ```
///
/// A path that only names something (where a task writes, a label) is a `String`; a task that
/// reads files it finds by other means (a glob of its own, a database) is `#[task(cache =
/// false)]`, so that it runs every time.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InputPath(PathBuf);

impl InputPath {
    /// The path `path`, as an input.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        InputPath(path.into())
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The path, owned.
    pub fn into_path_buf(self) -> PathBuf {
        self.0
    }
}

impl fmt::Debug for InputPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("InputPath").field(&self.0).finish()
    }
}

impl fmt::Display for InputPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.display().fmt(f)
    }
}

impl std::ops::Deref for InputPath {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for InputPath {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl From<PathBuf> for InputPath {
    fn from(path: PathBuf) -> Self {
        InputPath(path)
    }
}

impl From<&Path> for InputPath {
    fn from(path: &Path) -> Self {
        InputPath(path.to_path_buf())
    }
}

impl From<&str> for InputPath {
    fn from(path: &str) -> Self {
        InputPath(PathBuf::from(path))
    }
}

impl From<String> for InputPath {
    fn from(path: String) -> Self {
        InputPath(PathBuf::from(path))
    }
}

impl std::str::FromStr for InputPath {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(InputPath::from(text))
    }
}

impl Serialize for InputPath {
    /// The path; while a run fingerprints values, the path and the fingerprint of what it
    /// points at.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let stamp = FINGERPRINTING.with(|current| current.borrow().as_ref().map(|stamps| stamps.of(&self.0)));
        match stamp {
            Some(Some(stamp)) => (&self.0, stamp.to_hex()).serialize(serializer),
            Some(None) | None => self.0.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for InputPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        PathBuf::deserialize(deserializer).map(InputPath)
    }
}

thread_local! {
    /// The stamps of the fingerprints being computed on this thread, if any.
    static FINGERPRINTING: RefCell<Option<Arc<Stamps>>> = const { RefCell::new(None) };
}

/// Runs `encode` (the encoding of a value for its fingerprint) with the input paths in it
/// fingerprinted by what they point at, from `stamps`.
pub(crate) fn fingerprinting<T>(stamps: &Arc<Stamps>, encode: impl FnOnce() -> T) -> T {
    let before = FINGERPRINTING.with(|current| current.replace(Some(stamps.clone())));
    let result = encode();
    FINGERPRINTING.with(|current| *current.borrow_mut() = before);
    result
}

/// What a file was when its digest was computed.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    size: u64,
    modified_ns: u128,
    inode: u64,
}

/// A file's digest, and when it was computed.
#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    stamp: Stamp,
    digest: String,
    recorded_ns: u128,
}

/// The digests of the input files a store's runs read, with the stamps they were computed at,
/// so that an unchanged file is not read again to be fingerprinted.
pub(crate) struct Stamps {
    /// Where they are kept between runs; nowhere for a store that keeps nothing (whose runs
    /// reuse nothing, so that paths need not be fingerprinted by what they point at at all).
    file: Option<PathBuf>,
    /// Whether paths are fingerprinted by what they point at.
    active: bool,
    entries: Mutex<HashMap<PathBuf, Entry>>,
    /// The files whose digests were computed by this run: not read again by it, however
    /// recently they changed (the run reads each input once to fingerprint it).
    read: Mutex<std::collections::HashSet<PathBuf>>,
    changed: Mutex<bool>,
}

/// How long after a file's modification time a digest of it is trusted.
const SETTLED: Duration = Duration::from_secs(2);

/// Nested folders followed at most: a link to a folder above itself would be endless.
const MAX_DEPTH: usize = 64;

impl Stamps {
    /// Stamps that fingerprint no path by what it points at: for a store that reuses nothing.
    pub(crate) fn inactive() -> Arc<Stamps> {
        Arc::new(Stamps {
            file: None,
            active: false,
            entries: Mutex::default(),
            read: Mutex::default(),
            changed: Mutex::new(false),
        })
    }

    /// The stamps kept in `file` (none yet if it is missing or unreadable: they are only a
    /// cache of digests).
    pub(crate) fn load(file: PathBuf) -> Arc<Stamps> {
        let entries = fs::read(&file).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default();
        Arc::new(Stamps {
            file: Some(file),
            active: true,
            entries: Mutex::new(entries),
            read: Mutex::default(),
            changed: Mutex::new(false),
        })
    }

    /// Keeps the stamps for the next run, if some changed (a lost write costs a read of the
    /// files, nothing else), without those of files that are gone.
    pub(crate) fn save(&self) {
        let (Some(file), true) = (&self.file, *lock(&self.changed)) else { return };
        let mut entries = lock(&self.entries);
        entries.retain(|path, _| path.exists());
        let Ok(bytes) = serde_json::to_vec(&*entries) else { return };
        let temporary = file.with_extension(format!("{}.tmp", std::process::id()));
        if fs::write(&temporary, bytes).and_then(|()| fs::rename(&temporary, file)).is_err() {
            let _ = fs::remove_file(&temporary);
        }
    }

    /// The fingerprint of what `path` points at; `None` when paths are not fingerprinted so.
    fn of(&self, path: &Path) -> Option<Fingerprint> {
        if !self.active {
            return None;
        }
        let mut hasher = Hasher::new("input path");
        self.add(path, &mut hasher, 0);
        Some(hasher.finish())
    }

    fn add(&self, path: &Path, hasher: &mut Hasher, depth: usize) {
        match fs::metadata(path) {
            Err(error) => {
                hasher.text("cannot be read").text(&error.kind().to_string());
            }
            Ok(meta) if meta.is_dir() && depth < MAX_DEPTH => {
                hasher.text("folder");
                let mut names: Vec<_> = match fs::read_dir(path) {
                    Ok(entries) => entries.flatten().map(|entry| entry.file_name()).collect(),
                    Err(error) => {
                        hasher.text("cannot be listed").text(&error.kind().to_string());
                        return;
                    }
                };
                names.sort();
                hasher.number(names.len() as u64);
                for name in names {
                    hasher.text(&name.to_string_lossy());
                    self.add(&path.join(&name), hasher, depth + 1);
                }
            }
            Ok(meta) if meta.is_dir() => {
                hasher.text("folder too deep");
            }
            Ok(meta) => {
                hasher.text("file").number(meta.len());
                match self.digest(path, &meta) {
                    Ok(digest) => hasher.text(&digest),
                    Err(error) => hasher.text("cannot be read").text(&error.kind().to_string()),
                };
            }
        }
    }

    /// The digest of the file at `path` (of metadata `meta`): the one recorded if its stamp is
    /// the same, read otherwise.
    fn digest(&self, path: &Path, meta: &fs::Metadata) -> std::io::Result<String> {
        let stamp = stamp_of(meta);
        let key = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(entry) = lock(&self.entries).get(&key) {
            let settled = entry.recorded_ns >= stamp.modified_ns + SETTLED.as_nanos();
            if entry.stamp == stamp && (settled || lock(&self.read).contains(&key)) {
                return Ok(entry.digest.clone());
            }
        }
        let mut file = fs::File::open(path)?;
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut buffer = vec![0; 1 << 16];
        loop {
            match file.read(&mut buffer)? {
                0 => break,
                read => hasher.update(&buffer[..read]),
            }
        }
        let digest = format!("{:032x}", hasher.digest128());
        let recorded_ns = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        lock(&self.read).insert(key.clone());
        lock(&self.entries).insert(key, Entry { stamp, digest: digest.clone(), recorded_ns });
        *lock(&self.changed) = true;
        Ok(digest)
    }
}

fn stamp_of(meta: &fs::Metadata) -> Stamp {
    let modified_ns = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0;
    Stamp { size: meta.len(), modified_ns, inode }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dagger-external-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn encoded(stamps: &Arc<Stamps>, path: &InputPath) -> String {
        fingerprinting(stamps, || serde_json::to_string(path).unwrap())
    }

    #[test]
    fn a_path_is_a_string_and_fingerprinted_by_what_it_points_at() {
        let dir = scratch("path");
        let file = dir.join("rows.csv");
        fs::write(&file, "a,1\nb,2\n").unwrap();
        let path = InputPath::new(&file);
        assert_eq!(serde_json::to_string(&path).unwrap(), serde_json::to_string(&file).unwrap());
        assert_eq!(serde_json::from_str::<InputPath>(&serde_json::to_string(&file).unwrap()).unwrap(), path);
        let stamps = Stamps::load(dir.join("stamps.json"));
        let first = encoded(&stamps, &path);
        assert!(first.starts_with('[') && first.contains(&file.display().to_string()), "{first}");
        assert_eq!(encoded(&stamps, &path), first);
        // Same size, other bytes: another fingerprint, whatever the stamps say.
        fs::write(&file, "a,1\nb,3\n").unwrap();
        assert_ne!(encoded(&stamps, &path), first);
        // A store that reuses nothing reads no file.
        assert_eq!(encoded(&Stamps::inactive(), &path), serde_json::to_string(&file).unwrap());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_folder_is_fingerprinted_by_every_name_and_file_in_it() {
        let dir = scratch("folder");
        let data = dir.join("data");
        fs::create_dir_all(data.join("2024")).unwrap();
        fs::write(data.join("2024/01.csv"), "x").unwrap();
        let stamps = Stamps::load(dir.join("stamps.json"));
        let path = InputPath::new(&data);
        let first = encoded(&stamps, &path);
        fs::write(data.join("2024/02.csv"), "").unwrap();
        let second = encoded(&stamps, &path);
        assert_ne!(second, first, "a file added");
        fs::rename(data.join("2024/02.csv"), data.join("2024/03.csv")).unwrap();
        assert_ne!(encoded(&stamps, &path), second, "a file renamed");
        fs::remove_file(data.join("2024/03.csv")).unwrap();
        assert_eq!(encoded(&stamps, &path), first, "as it was");
        fs::remove_dir_all(&data).unwrap();
        assert_ne!(encoded(&stamps, &path), first, "gone");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_settled_file_is_not_read_again_and_its_digest_is_kept() {
        let dir = scratch("settled");
        let file = dir.join("big.csv");
        fs::write(&file, "old").unwrap();
        let old = SystemTime::now() - Duration::from_secs(60);
        fs::File::options().write(true).open(&file).unwrap().set_modified(old).unwrap();
        let stamps = Stamps::load(dir.join("stamps.json"));
        let first = encoded(&stamps, &InputPath::new(&file));
        stamps.save();
        // The next run (its own stamps, read from the file) takes the digest as it was kept:
        // changing the bytes behind the stamp's back (same size, same time) shows it was not read.
        fs::write(&file, "new").unwrap();
        fs::File::options().write(true).open(&file).unwrap().set_modified(old).unwrap();
        let next = Stamps::load(dir.join("stamps.json"));
        assert_eq!(encoded(&next, &InputPath::new(&file)), first);
        // A file changed within the last two seconds is read every time.
        fs::write(&file, "newer").unwrap();
        let fresh = encoded(&next, &InputPath::new(&file));
        fs::write(&file, "newes").unwrap();
        assert_ne!(encoded(&next, &InputPath::new(&file)), fresh);
        fs::remove_dir_all(&dir).unwrap();
    }
}
