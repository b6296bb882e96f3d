//! Fixtures shared by the integration tests: the tasks most DAGs in them are made of, and a
//! scratch folder per test.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use dagger_core::prelude::*;

/// `0..n`, one number per partition.
#[task(partitioned)]
pub fn numbers(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[task]
pub fn double(x: u64) -> u64 {
    x * 2
}

/// The fan-in: every partition, summed.
#[task]
pub fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

/// An empty folder of this test run, under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    dir
}

/// The line every file a disk store writes ends with: the digest of the bytes before it.
pub fn trailer(bytes: &[u8]) -> String {
    format!("\n{{\"xxh3\":\"{:016x}\"}}\n", xxhash_rust::xxh3::xxh3_64(bytes))
}

/// The bytes a disk store wrote to `file`, without the digest line it ends with (checked).
pub fn stored(file: &Path) -> Vec<u8> {
    let bytes = fs::read(file).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
    let payload = &bytes[..bytes.len().checked_sub(29).unwrap_or_else(|| panic!("{}: no digest", file.display()))];
    assert_eq!(
        trailer(payload).as_bytes(),
        &bytes[payload.len()..],
        "{}: the digest is not its bytes'",
        file.display()
    );
    payload.to_vec()
}

/// The text a disk store wrote to `file`, without the digest line it ends with.
pub fn stored_text(file: &Path) -> String {
    String::from_utf8(stored(file)).unwrap()
}

/// Writes `bytes` to `file` as a disk store would, with the digest line after them.
pub fn store_bytes(file: &Path, bytes: &[u8]) {
    fs::write(file, [bytes, trailer(bytes).as_bytes()].concat()).unwrap();
}
