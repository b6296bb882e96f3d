//! Checks that an Argo Workflows manifest (Workflow, WorkflowTemplate, ClusterWorkflowTemplate or
//! CronWorkflow, as JSON) would be accepted by Argo v4.1.2, for the tests of the manifest
//! generator to run on every manifest they produce. Argo cannot run in CI, so these checks stand
//! in for the API server and `argo lint`:
//! - [`schema_errors`]: the published JSON schema, made strict so that a misspelled key fails;
//!
//! Every error is one string, `<JSON pointer>: <what is wrong>`, the pointer into the manifest
//! (`(root)` for the document itself), so a failing test names the spot to fix.
//!
//! A test file in `examples/tests/` uses it with `mod argo_checks;` (Cargo compiles each
//! `tests/*.rs` as its own crate, and a folder with a `mod.rs` is not a crate of its own).
//! The spec is `shared/reference/cluster-runtimes.md` §5, §7.3, §7.4 and pitfalls P17-P27.

// Each test crate that includes this module uses only some of it.
#![allow(dead_code)]

mod kind;
mod pointer;
mod schema;

use serde_json::Value;

/// The errors of `manifest` against the strict Argo v4.1.2 schema of its `kind` (see
/// `tests/schemas/README.md` for how it is made strict); empty when it is valid. An unknown or
/// missing `kind` is one error.
pub fn schema_errors(manifest: &Value) -> Vec<String> {
    schema::errors(manifest)
}
