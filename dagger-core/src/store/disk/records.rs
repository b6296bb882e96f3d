//! The small files that say what an output is:
//!
//! - `fingerprint`: what produced the output, 32 hexadecimal digits. Anything else there (an
//!   edited or damaged file, random bytes) is the fingerprint of another output: the output is
//!   stale, and computed again, never an error that stops the run;
//! - the lists beside a keyed output's listing (its keys, its partitions' digests, a map's
//!   fingerprints by key): JSON lists, checked as every file the store writes is (see
//!   [`io`]), so that a key or a digest changed in a file is reported as corrupt instead of
//!   naming a partition wrongly.

use std::path::Path;

use serde_json::value::RawValue;

use super::io;
use crate::fingerprint::Fingerprint;
use crate::store::StoreError;

/// What a `fingerprint` file records.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Recorded {
    /// No file.
    Nothing,
    /// The output's fingerprint.
    Fingerprint(Fingerprint),
    /// A file that says nothing this store wrote.
    Unreadable,
}

/// Records that `fingerprint` produces the output of the node whose fingerprint file is
/// `path`.
pub(super) fn write_fingerprint(path: &Path, fingerprint: Fingerprint) -> Result<(), StoreError> {
    io::write_atomically(path, false, |writer| Ok(writer.write_all(fingerprint.to_hex().as_bytes())?))
}

/// What the fingerprint file `path` records.
pub(super) fn read_fingerprint(path: &Path) -> Result<Recorded, StoreError> {
    let Some(bytes) = io::read_bytes(path)? else { return Ok(Recorded::Nothing) };
    let fingerprint = std::str::from_utf8(&bytes).ok().and_then(Fingerprint::from_hex);
    Ok(fingerprint.map_or(Recorded::Unreadable, Recorded::Fingerprint))
}

/// Writes `items` (JSON texts) to `path` as a JSON list.
pub(super) fn write_list<'a>(
    path: &Path,
    items: impl IntoIterator<Item = &'a str>,
    sync: bool,
) -> Result<(), StoreError> {
    io::write_checked(path, sync, |writer| {
        writer.write_all(b"[")?;
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                writer.write_all(b",")?;
            }
            writer.write_all(item.as_bytes())?;
        }
        writer.write_all(b"]")?;
        Ok(())
    })
}

/// The items (JSON texts) of the list written to `path` by [`write_list`], if the file
/// exists; anything else there is a corrupt list of `what`.
pub(super) fn read_list(path: &Path, what: &str) -> Result<Option<Vec<String>>, StoreError> {
    let Some(bytes) = io::read_checked_bytes(path)? else { return Ok(None) };
    let items: Vec<&RawValue> = serde_json::from_slice(&bytes)
        .map_err(|error| StoreError::reading(path.to_path_buf(), format!("not a JSON list of {what}: {error}")))?;
    Ok(Some(items.into_iter().map(|item| item.get().to_string()).collect()))
}

/// Writes `fingerprints` to `path` as a JSON list of their hexadecimal texts.
pub(super) fn write_fingerprints(path: &Path, fingerprints: &[Fingerprint], sync: bool) -> Result<(), StoreError> {
    let texts: Vec<String> = fingerprints.iter().map(|fingerprint| format!("\"{}\"", fingerprint.to_hex())).collect();
    write_list(path, texts.iter().map(String::as_str), sync)
}

/// The fingerprints [`write_fingerprints`] wrote to `path`, if the file exists.
pub(super) fn read_fingerprints(path: &Path, what: &str) -> Result<Option<Vec<Fingerprint>>, StoreError> {
    let Some(items) = read_list(path, what)? else { return Ok(None) };
    let corrupt = || StoreError::reading(path.to_path_buf(), format!("not a JSON list of {what}"));
    let parse = |item: &String| serde_json::from_str::<String>(item).ok().and_then(|hex| Fingerprint::from_hex(&hex));
    items.iter().map(parse).collect::<Option<Vec<_>>>().map(Some).ok_or_else(corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::Hasher;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("dagger-records-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_fingerprint_file_that_says_anything_else_is_stale_not_an_error() {
        let dir = scratch("fingerprint");
        let path = dir.join("fingerprint");
        let fingerprint = Hasher::new("t").finish();
        assert_eq!(read_fingerprint(&path).unwrap(), Recorded::Nothing);
        write_fingerprint(&path, fingerprint).unwrap();
        assert_eq!(read_fingerprint(&path).unwrap(), Recorded::Fingerprint(fingerprint));
        let edited = fingerprint.to_hex().replacen(|c: char| c.is_ascii_hexdigit(), "g", 1);
        for bytes in [&[0xff, 0xfe, 0x00, 0x9c][..], b"", b"\n", edited.as_bytes(), b"0123 4567 89ab"] {
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(read_fingerprint(&path).unwrap(), Recorded::Unreadable, "{bytes:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_list_is_read_back_and_a_change_to_it_is_corrupt() {
        let dir = scratch("list");
        let path = dir.join("keys.json");
        write_list(&path, ["\"2024-01-01\"", "\"2024-01-02\""], false).unwrap();
        assert_eq!(read_list(&path, "keys").unwrap().unwrap(), ["\"2024-01-01\"", "\"2024-01-02\""]);
        assert_eq!(read_list(&dir.join("none"), "keys").unwrap(), None);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(r#"["2024-01-01","2024-01-02"]"#), "{text}");
        for corrupt in [text.replace("01-02", "01-03"), r#"["2024-01-01"]"#.into(), "".into()] {
            std::fs::write(&path, &corrupt).unwrap();
            let error = read_list(&path, "partition keys").unwrap_err();
            assert!(
                error.reading && error.source.to_string().starts_with("the file is not what was stored"),
                "{corrupt}"
            );
        }
        let fingerprints = [Hasher::new("a").finish(), Hasher::new("b").finish()];
        write_fingerprints(&path, &fingerprints, true).unwrap();
        assert_eq!(read_fingerprints(&path, "fingerprints").unwrap().unwrap(), fingerprints);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
