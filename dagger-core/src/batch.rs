//! Partitions handed over together, as one typed vector.
//!
//! A partitioned output of small values (W1's million integers) would cost one allocation per
//! partition if every partition were a value of its own. Instead, a partitioned task hands its
//! partitions over in batches (a `Vec<T>` per batch), the in-memory store keeps each batch as
//! it is, and a map of one task runs over a whole batch and hands its results over as a batch
//! again: a million partitions cost a few thousand allocations. Readers that need partitions
//! one at a time (a chain of tasks in a map, a nested DAG, running one node alone) take a
//! batch apart with the [`Codec`] of the output, which knows its type.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::format::{Codec, Erased};
use crate::graph::{AnyValue, BoxError};

/// Consecutive partitions of one output: a `Vec<T>` of the output's type, erased, with the
/// codec that knows `T`.
#[derive(Clone)]
pub struct Batch {
    items: AnyValue,
    len: usize,
    codec: Codec,
}

impl Batch {
    /// `items` must be a `Vec<T>` of `len` items, `T` the type of `codec`.
    pub(crate) fn new(items: AnyValue, len: usize, codec: Codec) -> Self {
        Batch { items, len, codec }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn codec(&self) -> &Codec {
        &self.codec
    }

    /// Item `i`, for writing it.
    pub(crate) fn item(&self, i: usize) -> Option<&Erased> {
        (self.codec.item)(&*self.items, i)
    }

    /// Item `i` as a value of its own (a copy).
    pub(crate) fn value(&self, i: usize) -> Option<AnyValue> {
        (self.codec.copy)(self.item(i)?)
    }

    /// Every item as a value of its own: moved out when nothing else holds the batch.
    pub(crate) fn into_values(self) -> Option<Vec<AnyValue>> {
        (self.codec.split)(self.items)
    }

    /// The items, for a reader that takes them by value: moved out when nothing else holds
    /// the batch, copied otherwise.
    pub(crate) fn take<T: Send + Sync + 'static>(self) -> Result<Vec<T>, BoxError> {
        let items = self.items.downcast::<Vec<T>>().map_err(|_| type_error::<T>())?;
        match Arc::try_unwrap(items) {
            Ok(items) => Ok(items),
            Err(shared) => (self.codec.copy_items)(&*shared)
                .and_then(|copy| copy.downcast::<Vec<T>>().ok())
                .map(|copy| *copy)
                .ok_or_else(type_error::<T>),
        }
    }

    /// The items, for a reader that borrows them.
    pub(crate) fn borrow<T: 'static>(&self) -> Result<&[T], BoxError> {
        self.items.downcast_ref::<Vec<T>>().map(Vec::as_slice).ok_or_else(type_error::<T>)
    }
}

fn type_error<T>() -> BoxError {
    format!("partitions between nodes are not `{}` values", std::any::type_name::<T>()).into()
}

/// What a run of a task over a batch of partitions needs from the runtime.
#[doc(hidden)]
pub struct BatchRun<'a> {
    /// The partition of the batch's first item.
    start: usize,
    node: &'a str,
    span: &'a tracing::Span,
    /// Set by the first failure anywhere in the run: no partition starts after it.
    cancelled: &'a AtomicBool,
    /// Records a failure on a partition, and cancels the run. It is called where the task
    /// fails, before anything else can see the run cancelled, so that the failure recorded is
    /// this one and not "the run stopped" from another node.
    fail: &'a (dyn Fn(usize, Failure) + Sync),
}

/// How a task failed on one partition.
pub(crate) enum Failure {
    Failed(BoxError),
    Panicked(String),
}

/// Why a run over a batch stopped before its last partition.
#[doc(hidden)]
pub enum BatchStop {
    /// The run was cancelled: by a failure in this batch (already recorded) or elsewhere.
    Cancelled,
    /// The inputs were not what the task takes: a bug of the runtime, reported.
    Inputs(BoxError),
}

impl From<&'static str> for BatchStop {
    fn from(error: &'static str) -> Self {
        BatchStop::Inputs(error.into())
    }
}

impl From<BoxError> for BatchStop {
    fn from(error: BoxError) -> Self {
        BatchStop::Inputs(error)
    }
}

impl<'a> BatchRun<'a> {
    pub(crate) fn new(
        start: usize,
        node: &'a str,
        span: &'a tracing::Span,
        cancelled: &'a AtomicBool,
        fail: &'a (dyn Fn(usize, Failure) + Sync),
    ) -> Self {
        BatchRun { start, node, span, cancelled, fail }
    }

    /// Runs `task` on item `offset`: under a `partition` span, catching a panic, and not at
    /// all once the run is cancelled.
    fn item<O>(&self, offset: usize, task: impl FnOnce() -> Result<O, BoxError>) -> Result<O, BatchStop> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(BatchStop::Cancelled);
        }
        let partition = self.start + offset;
        let _span = tracing::debug_span!(parent: self.span, "partition", node = %self.node, partition).entered();
        let failure = match catch_unwind(AssertUnwindSafe(task)) {
            Ok(Ok(output)) => return Ok(output),
            Ok(Err(error)) => Failure::Failed(error),
            Err(payload) => Failure::Panicked(crate::run::panic_message(payload.as_ref())),
        };
        (self.fail)(partition, failure);
        Err(BatchStop::Cancelled)
    }
}

/// Runs a task that takes its partition by value over every item of `batch`, in parallel,
/// and returns its results as a batch (a `Vec<O>`).
pub fn map_batch<T, O>(
    batch: Batch,
    run: &BatchRun<'_>,
    task: impl Fn(T) -> Result<O, BoxError> + Sync + Send,
) -> Result<AnyValue, BatchStop>
where
    T: Send + Sync + 'static,
    O: Send + Sync + 'static,
{
    map_items(batch.take::<T>()?.into_par_iter(), run, task)
}

/// Runs a task that borrows its partition over every item of `batch`, in parallel, and
/// returns its results as a batch (a `Vec<O>`).
pub fn map_batch_ref<T, O>(
    batch: Batch,
    run: &BatchRun<'_>,
    task: impl Fn(&T) -> Result<O, BoxError> + Sync + Send,
) -> Result<AnyValue, BatchStop>
where
    T: Sync + 'static,
    O: Send + Sync + 'static,
{
    map_items(batch.borrow::<T>()?.par_iter(), run, task)
}

fn map_items<I, O>(
    items: I,
    run: &BatchRun<'_>,
    task: impl Fn(I::Item) -> Result<O, BoxError> + Sync + Send,
) -> Result<AnyValue, BatchStop>
where
    I: IndexedParallelIterator,
    O: Send + Sync + 'static,
{
    let outputs: Vec<O> =
        items.enumerate().map(|(offset, item)| run.item(offset, || task(item))).collect::<Result<_, _>>()?;
    Ok(Arc::new(outputs))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::format::Json;

    fn batch(items: Vec<u64>) -> Batch {
        let len = items.len();
        Batch::new(Arc::new(items), len, Codec::of::<u64, Json>())
    }

    #[test]
    fn a_batch_is_moved_to_its_only_reader_and_copied_for_others() {
        let only = batch(vec![1, 2, 3]);
        assert_eq!(only.take::<u64>().unwrap(), [1, 2, 3]);
        let shared = batch(vec![4, 5]);
        let other = shared.clone();
        assert_eq!(shared.take::<u64>().unwrap(), [4, 5]);
        assert_eq!(other.borrow::<u64>().unwrap(), [4, 5]);
        assert!(other.clone().take::<String>().is_err(), "a wrong type is an error, not a panic");
    }

    #[test]
    fn a_batch_comes_apart_into_values() {
        let values = batch(vec![7, 8]).into_values().unwrap();
        assert_eq!(values.iter().map(|v| *v.downcast_ref::<u64>().unwrap()).collect::<Vec<_>>(), [7, 8]);
        assert_eq!(*batch(vec![7, 8]).value(1).unwrap().downcast_ref::<u64>().unwrap(), 8);
        assert!(batch(vec![7]).value(1).is_none());
    }

    #[test]
    fn a_failure_names_its_partition_and_cancels_the_run() {
        let cancelled = AtomicBool::new(false);
        let failures = Mutex::new(Vec::new());
        let fail = |partition: usize, failure: Failure| {
            let message = match failure {
                Failure::Failed(error) => error.to_string(),
                Failure::Panicked(message) => message,
            };
            failures.lock().unwrap().push((partition, message));
            cancelled.store(true, Ordering::SeqCst);
        };
        let span = tracing::Span::none();
        let run = BatchRun::new(10, "halve", &span, &cancelled, &fail);
        let result = map_batch(batch((0..100).collect()), &run, |x: u64| {
            if x == 42 {
                return Err("odd".into());
            }
            Ok(x / 2)
        });
        assert!(matches!(result, Err(BatchStop::Cancelled)));
        assert_eq!(*failures.lock().unwrap(), [(52, "odd".to_string())], "only the failing item, at its partition");
        let panics = map_batch_ref(batch(vec![1]), &run, |_: &u64| -> Result<u64, BoxError> { panic!("boom") });
        assert!(matches!(panics, Err(BatchStop::Cancelled)));
        assert_eq!(failures.lock().unwrap().len(), 1, "nothing starts once the run is cancelled");
    }
}
