// A task parameter is stored between nodes: `&Path`, `&OsStr` and `&CStr` borrow types that
// have no size of their own. One error each, with the owned type to take instead.
use dagger_core::prelude::*;
use std::ffi::OsStr;
use std::path::Path;

#[task]
fn count_entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|entries| entries.count()).unwrap_or(0)
}

#[task]
fn name_length(name: &OsStr) -> usize {
    name.len()
}

fn main() {}
