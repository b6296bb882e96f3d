//! Running a task over a batch of partitions: the loop the code generated for a task runs
//! over a piece of a batch, in order, with what it needs from the runtime ([`BatchRun`]).
//!
//! The loop is generic (one per task parameter a partition can feed) and sequential; the
//! runtime splits a batch into pieces and runs them in parallel in code that is not generic,
//! so a crate with hundreds of tasks does not compile rayon's machinery hundreds of times.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::Failure;
use crate::erased::{AnyValue, Batch};
use crate::error::BoxError;

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

/// Why a run over a batch stopped before its last partition.
#[doc(hidden)]
#[derive(Debug)]
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
        Failure::catch(task).map_err(|failure| {
            (self.fail)(partition, failure);
            BatchStop::Cancelled
        })
    }
}

/// The partitions one run of a task over a batch gets: a batch of its own (moved out of the
/// batch handed over when nothing else holds it), or a range of a batch that other nodes read
/// too.
#[doc(hidden)]
#[derive(Clone)]
pub enum Items<'a> {
    Own(Batch),
    Shared(&'a Batch, Range<usize>),
}

/// Runs a task that takes its partition by value on every item, in order, and returns its
/// results as a batch (a `Vec<O>`). Sequential: the runtime runs pieces of a batch in parallel
/// (`run_pieces`), so that this generic code, instantiated for every parameter of every
/// task, stays small.
pub fn map_batch<T, O>(
    items: Items<'_>,
    run: &BatchRun<'_>,
    task: impl Fn(T) -> Result<O, BoxError>,
) -> Result<AnyValue, BatchStop>
where
    T: Send + Sync + 'static,
    O: Send + Sync + 'static,
{
    match items {
        Items::Own(batch) => map_items(batch.take::<T>()?.into_iter(), run, task),
        Items::Shared(batch, range) => map_items(batch.copy_range::<T>(range)?.into_iter(), run, task),
    }
}

/// Runs a task that borrows its partition on every item, in order, and returns its results as
/// a batch (a `Vec<O>`).
pub fn map_batch_ref<T, O>(
    items: Items<'_>,
    run: &BatchRun<'_>,
    task: impl Fn(&T) -> Result<O, BoxError>,
) -> Result<AnyValue, BatchStop>
where
    T: 'static,
    O: Send + Sync + 'static,
{
    match items {
        Items::Own(batch) => map_items(batch.borrow::<T>()?.iter(), run, task),
        Items::Shared(batch, range) => {
            let items = batch.borrow::<T>()?.get(range).ok_or("a range of partitions is out of its batch")?;
            map_items(items.iter(), run, task)
        }
    }
}

fn map_items<I: ExactSizeIterator, O: Send + Sync + 'static>(
    items: I,
    run: &BatchRun<'_>,
    task: impl Fn(I::Item) -> Result<O, BoxError>,
) -> Result<AnyValue, BatchStop> {
    let mut outputs = Vec::with_capacity(items.len());
    for (offset, item) in items.enumerate() {
        outputs.push(run.item(offset, || task(item))?);
    }
    Ok(Arc::new(outputs))
}
