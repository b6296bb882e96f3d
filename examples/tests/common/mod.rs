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
