//! How a task failed, caught where it ran.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::BoxError;

/// How a task failed: it returned `Err`, or it panicked.
pub(crate) enum Failure {
    Failed(BoxError),
    Panicked(String),
}

impl Failure {
    /// Runs `task`, catching a panic: a panicking task fails the run, not the process.
    pub(crate) fn catch<O>(task: impl FnOnce() -> Result<O, BoxError>) -> Result<O, Failure> {
        match catch_unwind(AssertUnwindSafe(task)) {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(error)) => Err(Failure::Failed(error)),
            Err(payload) => Err(Failure::Panicked(panic_message(payload.as_ref()))),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Failed(error) => error.fmt(f),
            Failure::Panicked(message) => f.write_str(message),
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}
