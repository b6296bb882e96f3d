//! `partitions.json`: the JSON list of a partitioned output's files, in partition order,
//! written last (after the files are on disk), so that its presence says the output is
//! complete. It is read as a stream and checked entry by entry: a listing of ten million
//! partitions costs no list in memory, and one that names anything but this output's partition
//! files, in order, from partition 0, is a corrupt listing, not a count. It ends with the digest
//! of its bytes, as every file the store writes (see [`io`]): an entry taken out is a corrupt
//! listing too, not fewer partitions.

use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};

use super::io;
use crate::store::files::{file_name, parse_file_name};
use crate::store::{Files, StoreError};

/// Writes the listing of `files` (from partition 0) to `path`, synced.
pub(super) fn write(path: &Path, files: &Files) -> Result<(), StoreError> {
    io::write_checked(path, true, |writer| {
        writer.write_all(b"[")?;
        for (i, range) in files.ranges(0).enumerate() {
            write!(writer, "{}\"{}\"", if i == 0 { "" } else { "," }, file_name(&range))?;
        }
        writer.write_all(b"]")?;
        Ok(())
    })
}

/// The files a listing names, if there is one; a clear error if it is not a listing of this
/// output's partition files.
pub(super) fn read(path: &Path) -> Result<Option<Files>, StoreError> {
    io::read_checked_if_there(path, |reader| {
        let mut deserializer = serde_json::Deserializer::from_reader(reader);
        let files = Listing
            .deserialize(&mut deserializer)
            .and_then(|files| deserializer.end().map(|()| files))
            .map_err(|error| format!("corrupt listing: {error}"))?;
        Ok(files)
    })
}

/// Reads a listing entry by entry.
struct Listing;

impl<'de> DeserializeSeed<'de> for Listing {
    type Value = Files;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Files, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Listing {
    type Value = Files;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of partition file names: \"0\", \"1\", ... or \"0-1023\", ...")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut entries: A) -> Result<Files, A::Error> {
        let mut files = Files::default();
        let mut index = 0;
        while let Some(name) = entries.next_element::<std::borrow::Cow<'de, str>>()? {
            let expected = files.len();
            let Some(range) = parse_file_name(&name) else {
                return Err(de::Error::custom(format!("entry {index}, {name:?}, is not the name of a partition file")));
            };
            if range.start != expected {
                return Err(de::Error::custom(format!(
                    "entry {index}, {name:?}, holds partitions from {} where partition {expected} comes next",
                    range.start
                )));
            }
            files.push(range.len());
            index += 1;
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    /// Reads a listing of `text`, with the digest a store would write after it.
    fn listing(text: &str) -> Result<Option<Files>, StoreError> {
        let dir = std::env::temp_dir().join(format!("dagger-listing-{}-{}", std::process::id(), text.len()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("partitions.json");
        io::write_checked(&path, false, |w| Ok(w.write_all(text.as_bytes())?)).unwrap();
        let files = read(&path);
        let _ = fs::remove_dir_all(&dir);
        files
    }

    #[test]
    fn a_listing_names_consecutive_partition_files_from_zero() {
        let mut files = Files::one(1);
        files.push(1023);
        files.push(1);
        let dir = std::env::temp_dir().join(format!("dagger-listing-w-{}", std::process::id()));
        write(&dir.join("partitions.json"), &files).unwrap();
        let text = fs::read_to_string(dir.join("partitions.json")).unwrap();
        assert!(text.starts_with("[\"0\",\"1-1023\",\"1024\"]\n{\"xxh3\":\""), "{text}");
        assert_eq!(read(&dir.join("partitions.json")).unwrap(), Some(files));
        // An entry taken out (by hand) is not fewer partitions.
        fs::write(dir.join("partitions.json"), text.replace(",\"1024\"", "")).unwrap();
        let error = read(&dir.join("partitions.json")).unwrap_err();
        assert!(error.source.to_string().starts_with("the file is not what was stored"), "{error:?}");
        assert_eq!(read(&dir.join("nothing.json")).unwrap(), None);
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(listing(r#"[]"#).unwrap(), Some(Files::default()));
    }

    #[test]
    fn anything_else_is_a_corrupt_listing() {
        for (text, says) in [
            (r#"["../../../tmp/evil", "/etc/passwd"]"#, "entry 0, \"../../../tmp/evil\", is not the name"),
            (r#"["0", "2"]"#, "entry 1, \"2\", holds partitions from 2 where partition 1 comes next"),
            (r#"["0", "0"]"#, "holds partitions from 0 where partition 1"),
            (r#"["1"]"#, "where partition 0 comes next"),
            (r#"{"a": 1}"#, "a list of partition file names"),
            (r#"["0""#, "EOF"),
            (r#"["0"] trailing"#, "trailing"),
        ] {
            let error = listing(text).unwrap_err();
            let message = error.source.to_string();
            assert!(message.starts_with("corrupt listing") && message.contains(says), "{text}: {message}");
        }
    }
}
