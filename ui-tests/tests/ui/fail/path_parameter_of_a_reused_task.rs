// A task whose stored output may be reused reads no file by a `PathBuf`: the output's
// fingerprint would cover the path, not the file, and a rerun would not see the file change.
// One error at each path, saying to take `InputPath` or to mark the task `cache = false`.
use dagger_core::prelude::*;
use std::path::PathBuf;

#[task]
fn line_count(csv: PathBuf) -> usize {
    std::fs::read_to_string(csv).map(|text| text.lines().count()).unwrap_or(0)
}

#[task]
fn sizes(files: Vec<std::path::PathBuf>, extra: &PathBuf) -> u64 {
    files.iter().chain([extra]).map(|file| std::fs::metadata(file).map(|m| m.len()).unwrap_or(0)).sum()
}

fn main() {}
