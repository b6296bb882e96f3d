//! Checks that an Argo Workflows manifest (Workflow, WorkflowTemplate, ClusterWorkflowTemplate or
//! CronWorkflow, as JSON) would be accepted by Argo v4.1.2, for the tests of the manifest
//! generator to run on every manifest they produce. Argo cannot run in CI, so these checks stand
//! in for the API server and `argo lint`:
//! - [`schema_errors`]: the published JSON schema, made strict so that a misspelled key fails;
//! - [`crd_errors`]: the CRD rules and `validate.go` checks the schema does not carry, and the
//!   resolution of every `{{variable}}` in its scope;
//! - [`size_report`]: the numbers the byte-budget tests compare (`MAX_WORKFLOW_SIZE` is 1 MiB).
//!
//! Every error is one string, `<JSON pointer>: <what is wrong>`, the pointer into the manifest
//! (`(root)` for the document itself), so a failing test names the spot to fix.
//!
//! A test file in `examples/tests/` uses it with `mod argo_checks;` (Cargo compiles each
//! `tests/*.rs` as its own crate, and a folder with a `mod.rs` is not a crate of its own).
//! Rules are listed in `crd.rs`, `references.rs` and `variables.rs`; the spec is
//! `shared/reference/cluster-runtimes.md` §5, §7.3, §7.4 and pitfalls P17-P27.

// Each test crate that includes this module uses only some of it.
#![allow(dead_code)]

mod crd;
mod depends;
mod kind;
mod model;
mod pointer;
mod references;
mod schema;
mod variables;

use serde_json::Value;

/// The errors of `manifest` against the strict Argo v4.1.2 schema of its `kind` (see
/// `tests/schemas/README.md` for how it is made strict); empty when it is valid. An unknown or
/// missing `kind` is one error.
pub fn schema_errors(manifest: &Value) -> Vec<String> {
    schema::errors(manifest)
}

/// The errors of `manifest` against the rules Argo enforces beyond its JSON schema (CRD
/// validations, `validate.go`, and variable resolution as `argo lint` does it, reduced to the
/// generator's vocabulary); empty when it passes. Never panics on a malformed manifest: what
/// the schema would reject is skipped here, not reported twice.
pub fn crd_errors(manifest: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    crd::check(manifest, &mut errors);
    errors
}

/// What the byte-budget tests measure on a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeReport {
    /// Bytes of the compact JSON text (`serde_json`'s `to_string`), the form the controller
    /// stores and `MAX_WORKFLOW_SIZE` counts (status excluded, which the budget leaves room for).
    pub compact_bytes: usize,
    /// DAG tasks summed over every DAG template of the spec.
    pub dag_tasks: usize,
    /// Templates of the spec.
    pub templates: usize,
}

/// The size of `manifest` as compact JSON, and how many DAG tasks and templates it holds, so that
/// a test can assert a budget and a bytes-per-task ratio.
pub fn size_report(manifest: &Value) -> SizeReport {
    let spec = kind::Kind::of(manifest).ok().and_then(|kind| kind.workflow_spec(manifest));
    let templates = spec.map_or(&[][..], |spec| model::array(spec, "templates"));
    let dag_tasks =
        templates.iter().map(|template| template.get("dag").map_or(0, |dag| model::array(dag, "tasks").len())).sum();
    SizeReport { compact_bytes: manifest.to_string().len(), dag_tasks, templates: templates.len() }
}
