//! Helpers shared by the tests of the example binaries. (Each test crate uses some of them.)

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// An empty folder of the test's own, `area/name` under cargo's temporary folder for tests.
pub fn scratch(area: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(area).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every DAG of the `pipelines` binary, as its usage lists them.
pub fn example_dags() -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_pipelines")).arg("run").output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    let list = err.split_once("--dag (").unwrap().1.trim_end().trim_end_matches(')');
    list.split(", ").map(str::to_string).collect()
}

/// What a disk store wrote to a file, without the line it ends with: the digest of the bytes
/// before it (`\n{"xxh3":"<16 hex digits>"}\n`), checked here.
pub fn stored(bytes: &[u8]) -> &[u8] {
    let payload = &bytes[..bytes.len().checked_sub(29).expect("a stored file ends with its digest")];
    let digest = format!("\n{{\"xxh3\":\"{:016x}\"}}\n", xxhash_rust::xxh3::xxh3_64(payload));
    assert_eq!(&bytes[payload.len()..], digest.as_bytes(), "a stored file ends with the digest of its bytes");
    payload
}

/// The text a disk store wrote to `file`, without its digest line.
pub fn stored_text(file: &Path) -> String {
    let bytes = fs::read(file).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
    String::from_utf8(stored(&bytes).to_vec()).unwrap()
}
