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
        let key = partition.and_then(|p| self.key_of(spec, p));
        match failure {
            Failure::Failed(error) => Error::TaskFailed { path, partition, key, error },
            Failure::Panicked(message) => Error::TaskPanicked { path, partition, key, message },
        }
    }

    /// The key of partition `partition` of the map `spec` runs in, if its source is keyed.
    fn key_of(&self, spec: &NodeSpec, partition: usize) -> Option<String> {
        let node = self.graph.nodes.iter().position(|n| std::ptr::eq(n, spec))?;
        self.keys_of(node)?.get(partition).map(str::to_string)
    }

    /// A partitioned task that handed over its partitions wrongly (two with one key): the
    /// task's error.
    pub(super) fn task_failed_with(&self, spec: &NodeSpec, error: crate::error::BoxError) -> Stopped {
        self.fail(self.task_error(spec, None, Failure::Failed(error)))
    }

    pub(super) fn store_failed(
        &self,
        spec: &NodeSpec,
        partition: Option<usize>,
        writing: bool,
        error: StoreError,
    ) -> Stopped {
        let path = self.path.child(&spec.name, None);
        let writing = writing && !error.reading;
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
