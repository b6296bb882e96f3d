//! Files written so that a reader never sees half of one, and read so that a reader never takes
//! anything but what was written for a value:
//!
//! - each file is written under a temporary name in its folder and renamed into place.
//!   Temporary names carry the writer's process and a random number, so that two writers (two
//!   attempts of one job on two hosts) never share one, and a later run can tell them from the
//!   store's own files and remove those a dead writer left;
//! - a file that holds a value or says what an output is ends with the digest of the bytes
//!   before it (XXH3, 64 bits), as one more line of JSON: `\n{"xxh3":"9f3a6c1e22b04d17"}\n`.
//!   The digest travels with the file wherever it is copied (an Argo artifact, another disk),
//!   and a reader checks it on every read: a file changed, cut short or replaced is reported as
//!   corrupt, never decoded into a value. (A JSON file stays readable by `jq`, as two values.)
//! - nothing below the store's folder may be a symbolic link: a store that followed one would
//!   read (or write) values outside itself. Files are opened without following links, and the
//!   folders on the way to an output are checked.

use std::collections::hash_map::RandomState;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use xxhash_rust::xxh3::Xxh3;

use crate::erased::{AnyValue, Codec};
use crate::error::BoxError;
use crate::store::StoreError;

static NEXT: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The bytes this thread wrote to stored files, ever (see [`written_here`]).
    static WRITTEN: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The bytes this thread has written to stored files: the difference over a write is its size.
pub(crate) fn written_here() -> u64 {
    WRITTEN.get()
}

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

/// A temporary name for `file`, in its folder, that no other writer has.
pub(super) fn temporary_name(file: &Path) -> PathBuf {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    file.with_file_name(format!(".{name}.{}-{:016x}.tmp", std::process::id(), random()))
}

/// The line a checked file ends with, around the 16 hexadecimal digits of its digest.
const TRAILER_START: &[u8] = b"\n{\"xxh3\":\"";
const TRAILER_END: &[u8] = b"\"}\n";
const TRAILER_LEN: u64 = (TRAILER_START.len() + 16 + TRAILER_END.len()) as u64;

/// A writer that computes the digest of what goes through it, and counts it.
struct Digesting<W> {
    inner: W,
    hasher: Xxh3,
    written: u64,
}

impl<W: Write> Write for Digesting<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        self.written += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
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
    write_file(file, sync, false, write)
}

/// Writes `file` as [`write_atomically`] does, ending with the digest of what `write` wrote:
/// what [`read_checked`] reads.
pub(super) fn write_checked(
    file: &Path,
    sync: bool,
    write: impl FnOnce(&mut dyn Write) -> Result<(), BoxError>,
) -> Result<(), StoreError> {
    write_file(file, sync, true, write)
}

fn write_file(
    file: &Path,
    sync: bool,
    checked: bool,
    write: impl FnOnce(&mut dyn Write) -> Result<(), BoxError>,
) -> Result<(), StoreError> {
    let fail = |source: BoxError| StoreError::new(file.to_path_buf(), source);
    let dir = file.parent().ok_or_else(|| fail("a stored file has no folder".into()))?;
    fs::create_dir_all(dir).map_err(|e| fail(e.into()))?;
    let temporary = temporary_name(file);
    let result = (|| {
        let handle = fs::File::create(&temporary)?;
        // The digest sees the buffer's chunks, not each of the encoder's small writes.
        let mut writer =
            BufWriter::with_capacity(1 << 16, Digesting { inner: handle, hasher: Xxh3::new(), written: 0 });
        write(&mut writer)?;
        let Digesting { inner: mut handle, hasher, written } = writer.into_inner().map_err(|e| e.into_error())?;
        WRITTEN.set(WRITTEN.get() + written);
        if checked {
            let trailer = [TRAILER_START, format!("{:016x}", hasher.digest()).as_bytes(), TRAILER_END].concat();
            handle.write_all(&trailer)?;
        }
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

/// Opens `file` for reading, refusing a symbolic link in its place.
pub(super) fn open(file: &Path) -> std::io::Result<fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        match fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(file) {
            Err(error) if error.raw_os_error() == Some(libc::ELOOP) => Err(link_error(file)),
            opened => opened,
        }
    }
    #[cfg(not(unix))]
    {
        if fs::symlink_metadata(file).is_ok_and(|meta| meta.file_type().is_symlink()) {
            return Err(link_error(file));
        }
        fs::File::open(file)
    }
}

fn link_error(file: &Path) -> std::io::Error {
    std::io::Error::other(format!(
        "`{}` is a symbolic link: a store reads only its own files, and follows no link; remove the link",
        file.display()
    ))
}

/// Checks that no folder or file from below `root` down to `path` is a symbolic link (those
/// that do not exist yet are not).
pub(super) fn check_no_links(root: &Path, path: &Path) -> Result<(), StoreError> {
    let Ok(below) = path.strip_prefix(root) else { return Ok(()) };
    let mut at = root.to_path_buf();
    for part in below.components() {
        at.push(part);
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(StoreError::reading(at.clone(), link_error(&at)));
            }
            Ok(_) => {}
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

/// A reader that computes the digest of what goes through it.
struct Digested<R> {
    inner: R,
    hasher: Xxh3,
}

impl<R: Read> Read for Digested<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.hasher.update(&buffer[..read]);
        Ok(read)
    }
}

/// The error of a file that is not what the store wrote.
fn corrupt(file: &Path, why: &str) -> StoreError {
    StoreError::reading(file.to_path_buf(), format!("the file is not what was stored: {why}"))
}

/// Reads the file [`write_checked`] wrote with `decode`, and checks that its bytes are those
/// whose digest it ends with: a file that is not what was written is an error that says so,
/// whatever `decode` made of it.
pub(super) fn read_checked<T>(
    file: &Path,
    decode: impl FnOnce(&mut dyn Read) -> Result<T, BoxError>,
) -> Result<T, StoreError> {
    let fail = |source: BoxError| StoreError::reading(file.to_path_buf(), source);
    let opened = open(file).map_err(|e| fail(e.into()))?;
    let len = opened.metadata().map_err(|e| fail(e.into()))?.len();
    let Some(payload) = len.checked_sub(TRAILER_LEN) else {
        return Err(corrupt(file, "it is too short to end with the digest of its bytes"));
    };
    let mut reader = BufReader::with_capacity(1 << 16, opened);
    let mut digested = Digested { inner: (&mut reader).take(payload), hasher: Xxh3::new() };
    let decoded = decode(&mut digested);
    // The rest of the value's bytes, if the decoder stopped short of their end, count too.
    std::io::copy(&mut digested, &mut std::io::sink()).map_err(|e| fail(e.into()))?;
    let found = digested.hasher.digest();
    let mut trailer = Vec::with_capacity(TRAILER_LEN as usize + 1);
    reader.read_to_end(&mut trailer).map_err(|e| fail(e.into()))?;
    check_trailer(file, &trailer, found)?;
    decoded.map_err(fail)
}

/// Checks that `trailer`, the end of `file`, records `found`, the digest of the bytes before it.
fn check_trailer(file: &Path, trailer: &[u8], found: u64) -> Result<(), StoreError> {
    let recorded = trailer
        .strip_prefix(TRAILER_START)
        .and_then(|rest| rest.strip_suffix(TRAILER_END))
        .and_then(|hex| std::str::from_utf8(hex).ok())
        .filter(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .and_then(|hex| u64::from_str_radix(hex, 16).ok());
    match recorded {
        None => Err(corrupt(file, "it does not end with the digest of its bytes")),
        Some(recorded) if recorded != found => Err(corrupt(
            file,
            &format!(
                "its bytes have the digest {found:016x} where {recorded:016x} was written (it was changed or damaged)"
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// Reads the file [`write_checked`] wrote with `decode`, from its bytes in memory if it is not
/// too big (read whole at the size it has, checked, then decoded: faster), else as a stream
/// ([`read_checked`]).
pub(super) fn read_decoded<T>(
    file: &Path,
    decode: impl FnOnce(&[u8]) -> Result<T, BoxError>,
    stream: impl FnOnce(&mut dyn Read) -> Result<T, BoxError>,
) -> Result<T, StoreError> {
    let fail = |source: BoxError| StoreError::reading(file.to_path_buf(), source);
    let mut opened = open(file).map_err(|e| fail(e.into()))?;
    let len = opened.metadata().map_err(|e| fail(e.into()))?.len();
    if len > crate::format::WHOLE_READ as u64 {
        drop(opened);
        return read_checked(file, stream);
    }
    let mut bytes = Vec::with_capacity(len as usize);
    opened.read_to_end(&mut bytes).map_err(|e| fail(e.into()))?;
    let Some(payload) = bytes.len().checked_sub(TRAILER_LEN as usize) else {
        return Err(corrupt(file, "it is too short to end with the digest of its bytes"));
    };
    let found = xxhash_rust::xxh3::xxh3_64(&bytes[..payload]);
    check_trailer(file, &bytes[payload..], found)?;
    decode(&bytes[..payload]).map_err(fail)
}

/// Reads one value of `codec`'s type from the file [`write_checked`] wrote.
pub(super) fn read(file: &Path, codec: &Codec) -> Result<AnyValue, StoreError> {
    let invalid = |e: BoxError| -> BoxError { format!("not a valid {} value: {e}", codec.format).into() };
    read_decoded(
        file,
        |bytes| (codec.decode_slice)(bytes).map_err(invalid),
        |reader| (codec.decode)(reader).map_err(invalid),
    )
}

/// What [`read_checked`] reads of `file`, if it exists.
pub(super) fn read_checked_if_there<T>(
    file: &Path,
    decode: impl FnOnce(&mut dyn Read) -> Result<T, BoxError>,
) -> Result<Option<T>, StoreError> {
    match read_checked(file, decode) {
        Err(error) if error.source.downcast_ref::<std::io::Error>().is_some_and(absent) => Ok(None),
        result => result.map(Some),
    }
}

/// The bytes [`write_checked`] wrote to a small file, if it exists.
pub(super) fn read_checked_bytes(file: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    read_checked_if_there(file, |reader| {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        Ok(bytes)
    })
}

/// The bytes of a small file, if it exists.
pub(super) fn read_bytes(file: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match open(file) {
        Ok(mut handle) => {
            let mut bytes = Vec::new();
            handle.read_to_end(&mut bytes).map_err(|e| StoreError::reading(file.to_path_buf(), e))?;
            Ok(Some(bytes))
        }
        Err(error) if absent(&error) => Ok(None),
        Err(error) => Err(StoreError::reading(file.to_path_buf(), error)),
    }
}

/// The text of a small file, if it exists; bytes that are not UTF-8 are an error.
pub(super) fn read_text(file: &Path) -> Result<Option<String>, StoreError> {
    match read_bytes(file)? {
        Some(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| StoreError::reading(file.to_path_buf(), "the file is not text (UTF-8)")),
        None => Ok(None),
    }
}

/// Removes `path` (a file or a folder), if it exists. A symbolic link is removed, not followed.
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
        open(&file).and_then(|f| f.sync_data()).map_err(|e| StoreError::new(file.clone(), e))?;
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

    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("dagger-io-{name}-{}", random()))
    }

    #[test]
    fn temporary_names_are_told_apart_and_swept() {
        let dir = scratch("sweep");
        write_atomically(&dir.join("a/value"), false, |w| Ok(w.write_all(b"1")?)).unwrap();
        fs::write(dir.join("a/.value.123-0000000000000001.tmp"), b"half").unwrap();
        fs::write(dir.join(".x.9-ff.tmp"), b"").unwrap();
        assert_eq!(sweep(&dir), 2);
        assert_eq!(fs::read(dir.join("a/value")).unwrap(), b"1");
        assert!(is_temporary(".0-1023.1-ab.tmp") && !is_temporary("0-1023") && !is_temporary(".lock"));
        remove(&dir).unwrap();
        remove(&dir).unwrap();
    }

    #[test]
    fn a_file_is_read_only_with_the_bytes_it_was_written_with() {
        let dir = scratch("checked");
        let file = dir.join("v");
        write_checked(&file, false, |w| Ok(w.write_all(b"[1,2,3]")?)).unwrap();
        let digest = xxhash_rust::xxh3::xxh3_64(b"[1,2,3]");
        let written = fs::read(&file).unwrap();
        assert_eq!(written, format!("[1,2,3]\n{{\"xxh3\":\"{digest:016x}\"}}\n").as_bytes());
        let read = |file: &Path| {
            read_checked(file, |r| {
                let mut text = String::new();
                r.read_to_string(&mut text)?;
                Ok(text)
            })
        };
        assert_eq!(read(&file).unwrap(), "[1,2,3]");
        let trailer = &written[7..];
        // A digit changed, bytes added, the file cut short, another file in its place.
        for bytes in [
            [&b"[1,2,4]"[..], trailer].concat(),
            [&b"[1,2,3] "[..], trailer].concat(),
            b"[1,2".to_vec(),
            b"266".to_vec(),
        ] {
            fs::write(&file, &bytes).unwrap();
            let error = read(&file).unwrap_err();
            let message = error.source.to_string();
            assert!(error.reading && message.starts_with("the file is not what was stored"), "{message}");
        }
        // A decoder that stops early still has the rest checked.
        fs::write(&file, [&b"[1,2,3]xyz"[..], trailer].concat()).unwrap();
        assert!(read_checked(&file, |r| Ok(r.read_exact(&mut [0; 7])?)).is_err());
        assert_eq!(read_checked_bytes(&dir.join("none")).unwrap(), None);
        remove(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_are_refused_not_followed() {
        let dir = scratch("links");
        let outside = scratch("outside");
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("value"), b"266").unwrap();
        fs::create_dir_all(dir.join("dag/node")).unwrap();
        std::os::unix::fs::symlink(outside.join("value"), dir.join("dag/node/output")).unwrap();
        let error = read_bytes(&dir.join("dag/node/output")).unwrap_err();
        assert!(error.source.to_string().contains("is a symbolic link"), "{error:?}");
        std::os::unix::fs::symlink(&outside, dir.join("dag/other")).unwrap();
        assert!(check_no_links(&dir, &dir.join("dag/other/value")).is_err());
        assert!(check_no_links(&dir, &dir.join("dag/node/output/0")).is_err(), "the link on the way");
        assert!(check_no_links(&dir, &dir.join("dag/node/nothing-yet")).is_ok());
        assert!(check_no_links(&dir, &dir.join("dag/missing/value")).is_ok());
        remove(&dir.join("dag/other")).unwrap();
        assert_eq!(fs::read(outside.join("value")).unwrap(), b"266", "a link is removed, not what it points at");
        remove(&dir).unwrap();
        remove(&outside).unwrap();
    }
}
