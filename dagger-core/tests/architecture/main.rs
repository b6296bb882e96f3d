//! The shape of the crates, checked on their source so that it stays as designed while the
//! code moves: no import cycle between modules, no oversized file or function, and a public
//! API that only changes through a reviewed diff of `tests/public-api.txt`.
//!
//! Everything is read with `syn` from the files the `mod` declarations lead to, never matched
//! as text: modules can move into folders and be renamed without touching this test.

mod cycles;
mod layout;
mod model;
mod public_api;
mod sizes;
mod syntax;

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use layout::read_sources;
use model::Crate;

/// The folder of dagger-core's `Cargo.toml`.
fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn core_src() -> PathBuf {
    manifest_dir().join("src")
}

fn macros_src() -> PathBuf {
    manifest_dir().join("../dagger-macros/src")
}

fn load(src: &Path) -> Crate {
    Crate::load(&read_sources(src)).unwrap_or_else(|e| panic!("cannot read the crate in {}: {e}", src.display()))
}

/// The module that the macros' expansions name (`dagger_core::__private::..`).
const PRIVATE_MODULE: &str = "__private";

#[test]
fn modules_do_not_import_each_other_in_a_cycle() {
    let report = cycles::report(&load(&core_src()), "dagger-core/src", PRIVATE_MODULE);
    assert!(report.is_empty(), "\n{report}");
}

#[test]
fn files_and_functions_stay_small() {
    let mut offenders = Vec::new();
    for (label, src) in [("dagger-core/src", core_src()), ("dagger-macros/src", macros_src())] {
        offenders.extend(sizes::oversized(label, &read_sources(&src)).unwrap_or_else(|e| panic!("{e}")));
    }
    let report: String = offenders.iter().map(|o| format!("  {o}\n")).collect();
    assert!(offenders.is_empty(), "\n{} files or functions over their limit; split them:\n{report}", offenders.len());
}

/// Set to `1` to write the current API to the golden file instead of checking it.
const UPDATE: &str = "UPDATE_PUBLIC_API";

#[test]
fn public_api_is_the_reviewed_list() {
    let core = load(&core_src());
    let externs = BTreeMap::from([("dagger_macros".to_string(), load(&macros_src()))]);
    let actual = public_api::render(&public_api::Api { externs: &externs }.list("dagger_core", &core));
    let golden = manifest_dir().join("tests/public-api.txt");
    if env::var(UPDATE).is_ok_and(|v| v == "1") {
        fs::write(&golden, &actual).unwrap_or_else(|e| panic!("cannot write {}: {e}", golden.display()));
        return;
    }
    let expected = fs::read_to_string(&golden).unwrap_or_default();
    let diff = public_api::diff(&expected, &actual);
    assert!(
        diff.is_empty(),
        "\nThe public API of dagger-core changed (+ added, - removed):\n{diff}\n\
         If this is intended, regenerate the list and commit it with the change:\n  \
         {UPDATE}=1 cargo test -p dagger-core --test architecture public_api\n"
    );
}
