//! Partitions handed over together, as one typed vector.
//!
//! A partitioned output of small values (W1's million integers) would cost one allocation per
//! partition if every partition were a value of its own. Instead, a partitioned task hands its
//! partitions over in batches (a `Vec<T>` per batch), the in-memory store keeps each batch as
//! it is, and the tasks of a map run over a whole batch and hand their results over as a
//! batch again: a million partitions cost a few thousand allocations. Readers that need
//! partitions one at a time (a nested DAG, running one node alone) take a batch apart with the
//! [`Codec`] of the output, which knows its type.
//!
//! The code generated for a task loops over a piece of a batch, in order ([`map_batch`]); the
//! runtime splits the batch into pieces and runs them in parallel ([`run_pieces`]). The
//! parallel part is not generic, so a crate with hundreds of tasks does not compile rayon's
//! machinery hundreds of times.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::format::{Codec, Erased};
use crate::graph::{AnyValue, BoxError};
use crate::run::Failure;

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
            Err(shared) => copy_range(&self.codec, &*shared, 0..self.len),
        }
    }

    /// A copy of items `range`, for a reader that takes them by value while others read them.
    fn copy_range<T: 'static>(&self, range: Range<usize>) -> Result<Vec<T>, BoxError> {
        copy_range(&self.codec, &*self.items, range)
    }

    /// Whether nothing else holds the items, so that they can be split and moved.
    fn is_unique(&mut self) -> bool {
        Arc::get_mut(&mut self.items).is_some()
    }

    /// The items from `at` on, moved out into a batch of their own; `None` if others hold the
    /// items.
    fn split_off(&mut self, at: usize) -> Option<Batch> {
        let tail = (self.codec.split_off)(&mut self.items, at)?;
        let tail = Batch { items: tail, len: self.len - at, codec: self.codec };
        self.len = at;
        Some(tail)
    }

    /// The items, for a reader that borrows them.
    pub(crate) fn borrow<T: 'static>(&self) -> Result<&[T], BoxError> {
        self.items.downcast_ref::<Vec<T>>().map(Vec::as_slice).ok_or_else(type_error::<T>)
    }
}

fn copy_range<T: 'static>(codec: &Codec, items: &Erased, range: Range<usize>) -> Result<Vec<T>, BoxError> {
    (codec.copy_range)(items, range)
        .and_then(|copy| copy.downcast::<Vec<T>>().ok())
        .map(|copy| *copy)
        .ok_or_else(type_error::<T>)
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

/// A piece of a batch, from item `start`.
enum Piece {
    Own(Batch, usize),
    Shared(Range<usize>),
}

impl Piece {
    fn start(&self) -> usize {
        match self {
            Piece::Own(_, start) => *start,
            Piece::Shared(range) => range.start,
        }
    }

    /// Halves the piece, if it has more than one item.
    fn split(self) -> (Piece, Option<Piece>) {
        match self {
            Piece::Own(mut batch, start) if batch.len() > 1 => {
                let mid = batch.len() / 2;
                match batch.split_off(mid) {
                    Some(tail) => (Piece::Own(batch, start), Some(Piece::Own(tail, start + mid))),
                    None => (Piece::Own(batch, start), None),
                }
            }
            Piece::Shared(range) if range.len() > 1 => {
                let mid = range.start + range.len() / 2;
                (Piece::Shared(range.start..mid), Some(Piece::Shared(mid..range.end)))
            }
            piece => (piece, None),
        }
    }
}

/// Runs `task` over `batch` in pieces, in parallel, and returns its results as one batch in
/// `codec`. Pieces are split off as rayon's threads run out of work (its adaptive splitting):
/// few pieces when the others are busy, single partitions when the tasks are slow. `task`
/// gets each piece and the offset of its first item in `batch`.
pub(crate) fn run_pieces(
    mut batch: Batch,
    codec: Codec,
    task: &(dyn Fn(Items<'_>, usize) -> Result<AnyValue, BatchStop> + Sync),
) -> Result<Batch, BatchStop> {
    let len = batch.len();
    let own = batch.is_unique();
    // A batch others read too is read by ranges; one of our own is split and moved.
    let (first, shared) = if own { (Piece::Own(batch, 0), None) } else { (Piece::Shared(0..len), Some(batch)) };
    let mut results: Vec<(usize, Result<AnyValue, BatchStop>)> = rayon::iter::split(first, Piece::split)
        .map(|piece| {
            let start = piece.start();
            let items = match (piece, &shared) {
                (Piece::Own(batch, _), _) => Items::Own(batch),
                (Piece::Shared(range), Some(shared)) => Items::Shared(shared, range),
                (Piece::Shared(_), None) => return (start, Err(BatchStop::Inputs("a piece of no batch".into()))),
            };
            (start, task(items, start))
        })
        .collect();
    results.sort_unstable_by_key(|(start, _)| *start);
    let outputs = results.into_iter().map(|(_, output)| output).collect::<Result<Vec<_>, _>>()?;
    let items = (codec.concat)(outputs).ok_or("the results of a batch are not of the task's output type")?;
    Ok(Batch::new(items, len, codec))
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

    fn values(batch: Batch) -> Vec<u64> {
        batch.take::<u64>().unwrap()
    }

    #[test]
    fn a_batch_runs_in_pieces_and_its_results_come_back_in_order() {
        let cancelled = AtomicBool::new(false);
        let fail = |_: usize, _: Failure| cancelled.store(true, Ordering::SeqCst);
        let span = tracing::Span::none();
        let pieces = Mutex::new(Vec::new());
        let double = |items: Items<'_>, start: usize| {
            pieces.lock().unwrap().push(matches!(items, Items::Own(_)));
            let run = BatchRun::new(start, "double", &span, &cancelled, &fail);
            map_batch(items, &run, |x: u64| Ok(x * 2))
        };
        let codec = Codec::of::<u64, Json>();
        // A batch of its own is split and moved into the pieces.
        let doubled = run_pieces(batch((0..5000).collect()), codec, &double).unwrap();
        assert_eq!(values(doubled), (0..5000).map(|x| x * 2).collect::<Vec<_>>());
        assert!(pieces.lock().unwrap().iter().all(|&own| own));
        // A batch others read too is read by ranges, and stays whole for them.
        pieces.lock().unwrap().clear();
        let shared = batch((0..5000).collect());
        let doubled = run_pieces(shared.clone(), codec, &double).unwrap();
        assert_eq!(values(doubled), (0..5000).map(|x| x * 2).collect::<Vec<_>>());
        assert!(pieces.lock().unwrap().iter().all(|&own| !own));
        assert_eq!(values(shared), (0..5000).collect::<Vec<_>>());
        let empty = run_pieces(batch(Vec::new()), codec, &double).unwrap();
        assert_eq!(empty.len(), 0);
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
        let halve = |items: Items<'_>, start: usize| {
            let run = BatchRun::new(10 + start, "halve", &span, &cancelled, &fail);
            map_batch(items, &run, |x: u64| {
                if x == 42 {
                    return Err("odd".into());
                }
                Ok(x / 2)
            })
        };
        let result = run_pieces(batch((0..100).collect()), Codec::of::<u64, Json>(), &halve);
        assert!(matches!(result, Err(BatchStop::Cancelled)));
        assert_eq!(*failures.lock().unwrap(), [(52, "odd".to_string())], "only the failing item, at its partition");
        let run = BatchRun::new(0, "boom", &span, &cancelled, &fail);
        let one = batch(vec![1]);
        let panics = map_batch_ref(Items::Own(one), &run, |_: &u64| -> Result<u64, BoxError> { panic!("boom") });
        assert!(matches!(panics, Err(BatchStop::Cancelled)));
        assert_eq!(failures.lock().unwrap().len(), 1, "nothing starts once the run is cancelled");
    }
}
