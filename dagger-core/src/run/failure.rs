//! Failures of a run: the first one is recorded, with the node's path and partition, and
//! cancels the run; the errors are built only when something fails, never on the hot path.

use std::sync::atomic::Ordering;

use super::state::{Run, Stopped};
use crate::error::Error;
use crate::graph::{NodeSpec, Port};
use crate::invoke::Failure;
use crate::store::StoreError;
use crate::sync::lock;

impl Run<'_> {
    pub(super) fn stopped(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Records `error` unless another failure came first, and cancels the run.
    pub(super) fn fail(&self, error: Error) -> Stopped {
        lock(&self.failure).get_or_insert(error);
        self.cancelled.store(true, Ordering::SeqCst);
        Stopped
    }

    /// The error the run failed with.
    pub(super) fn take_failure(&self) -> Error {
        lock(&self.failure).take().unwrap_or_else(|| Error::Internal {
            path: self.path.clone(),
            message: "the DAG's output was not computed".into(),
        })
    }

    /// The error of a task that failed on `partition`.
    pub(super) fn task_error(&self, spec: &NodeSpec, partition: Option<usize>, failure: Failure) -> Error {
        let path = self.path.child(&spec.name, None);
        match failure {
            Failure::Failed(error) => Error::TaskFailed { path, partition, error },
            Failure::Panicked(message) => Error::TaskPanicked { path, partition, message },
        }
    }

    pub(super) fn store_failed(
        &self,
        spec: &NodeSpec,
        partition: Option<usize>,
        writing: bool,
        error: StoreError,
    ) -> Stopped {
        let path = self.path.child(&spec.name, None);
        self.fail(Error::Store { path, partition, file: error.file, writing, error: error.source })
    }

    /// A value that the schedule guarantees is there is not: a bug of the runtime, reported
    /// rather than panicking.
    pub(super) fn missing(&self, port: Port) -> Stopped {
        self.fail(Error::Internal {
            path: self.path.clone(),
            message: format!("a value was read before it was computed: {port:?}"),
        })
    }

    pub(super) fn internal(&self, spec: &NodeSpec, message: &str) -> Stopped {
        self.fail(Error::Internal { path: self.path.child(&spec.name, None), message: message.to_string() })
    }

    pub(super) fn isolation_error(&self, spec: &NodeSpec, message: &str) -> Error {
        Error::Isolation { path: self.path.child(&spec.name, None), message: message.to_string() }
    }
}
