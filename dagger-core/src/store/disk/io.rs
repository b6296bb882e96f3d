//! Files written so that a reader never sees half of one: each is written under a temporary
//! name in its folder and renamed into place. Temporary names carry the writer's process and a
//! random number, so that two writers (two attempts of one job on two hosts) never share one,
//! and a later run can tell them from the store's own files and remove those a dead writer
//! left.

use std::collections::hash_map::RandomState;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::erased::{AnyValue, Codec};
use crate::error::BoxError;
use crate::store::StoreError;

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A random 64-bit number: std's hasher keys are random per process.
fn random() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    hasher.finish()
}

/// Whether `name` is a temporary file's.
pub(super) fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Writes `file` through a temporary file in the same folder, renamed into place. With `sync`,
/// the data is on disk before the rename (for the files whose presence says something is
/// complete); without, a crash of the machine (not of the process) may lose it, which the
/// listing written after syncing the output's files covers.
pub(super) fn write_atomically(
    file: &Path,
    sync: bool,
    write: impl FnOnce(&mut dyn Write) -> Result<(), BoxError>,
) -> Result<(), StoreError> {
    let fail = |source: BoxError| StoreError::new(file.to_path_buf(), source);
    let dir = file.parent().ok_or_else(|| fail("a stored file has no folder".into()))?;
    fs::create_dir_all(dir).map_err(|e| fail(e.into()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}-{:016x}.tmp", std::process::id(), random()));
    let result = (|| {
        let mut writer = BufWriter::new(fs::File::create(&temporary)?);
        write(&mut writer)?;
        let handle = writer.into_inner().map_err(|e| e.into_error())?;
        if sync {
            handle.sync_data()?;
        }
        drop(handle);
        fs::rename(&temporary, file)?;
        Ok::<(), BoxError>(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result.map_err(fail)
}

/// Reads one value of `codec`'s type from `file`.
pub(super) fn read(file: &Path, codec: &Codec) -> Result<AnyValue, StoreError> {
    let fail = |source: BoxError| StoreError::new(file.to_path_buf(), source);
    let mut reader = BufReader::new(fs::File::open(file).map_err(|e| fail(e.into()))?);
    (codec.decode)(&mut reader).map_err(|e| fail(format!("not a valid {} value: {e}", codec.format).into()))
}

/// The text of a small file, if it exists.
pub(super) fn read_text(file: &Path) -> Result<Option<String>, StoreError> {
    match fs::File::open(file) {
        Ok(mut handle) => {
            let mut text = String::new();
            handle.read_to_string(&mut text).map_err(|e| StoreError::new(file.to_path_buf(), e))?;
            Ok(Some(text))
        }
        Err(error) if absent(&error) => Ok(None),
        Err(error) => Err(StoreError::new(file.to_path_buf(), error)),
    }
}

/// Removes `path` (a file or a folder), if it exists.
pub(super) fn remove(path: &Path) -> Result<(), StoreError> {
    let result = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(error) => Err(error),
    };
    match result {
        Err(error) if !absent(&error) => Err(StoreError::new(path.to_path_buf(), error)),
        _ => Ok(()),
    }
}

/// Whether `error` says that a path is not there (not even its folder, which may be a file).
pub(super) fn absent(error: &std::io::Error) -> bool {
    matches!(error.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory)
}

/// Puts the data of `files` and the entries of their folder on disk.
pub(super) fn sync(files: impl IntoIterator<Item = PathBuf>, dir: &Path) -> Result<(), StoreError> {
    for file in files {
        fs::File::open(&file).and_then(|f| f.sync_data()).map_err(|e| StoreError::new(file.clone(), e))?;
    }
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| StoreError::new(dir.to_path_buf(), e))
}

/// Removes the temporary files under `dir` that dead writers left (the caller knows no writer
/// is alive), and returns how many there were.
pub(super) fn sweep(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => removed += sweep(&entry.path()),
            Ok(_) if is_temporary(&name) && fs::remove_file(entry.path()).is_ok() => removed += 1,
            _ => {}
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_told_apart_and_swept() {
        let dir = std::env::temp_dir().join(format!("dagger-io-{}", random()));
        write_atomically(&dir.join("a/value"), false, |w| Ok(w.write_all(b"1")?)).unwrap();
        fs::write(dir.join("a/.value.123-0000000000000001.tmp"), b"half").unwrap();
        fs::write(dir.join(".x.9-ff.tmp"), b"").unwrap();
        assert_eq!(sweep(&dir), 2);
        assert_eq!(fs::read(dir.join("a/value")).unwrap(), b"1");
        assert!(is_temporary(".0-1023.1-ab.tmp") && !is_temporary("0-1023") && !is_temporary(".lock"));
        remove(&dir).unwrap();
        remove(&dir).unwrap();
    }
}
