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
