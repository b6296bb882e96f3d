//! Running a task over a batch in pieces, in parallel: the non-generic half of running a task
//! over a batch (the generic loop over one piece is [`crate::invoke::map_batch`]).

use std::ops::Range;

use rayon::prelude::*;

use crate::erased::Batch;
use crate::invoke::{BatchStop, Items};

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

/// Runs `task` over `batch` in pieces, in parallel, and returns what it gives for each piece,
/// in the order of the pieces. Pieces are split off as rayon's threads run out of work (its
/// adaptive splitting): few pieces when the others are busy, single partitions when the tasks
/// are slow. `task` gets each piece and the offset of its first item in `batch`.
pub(super) fn split_pieces<R: Send>(
    mut batch: Batch,
    task: &(dyn Fn(Items<'_>, usize) -> Result<R, BatchStop> + Sync),
) -> Result<Vec<R>, BatchStop> {
    let len = batch.len();
    let own = batch.is_unique();
    // A batch others read too is read by ranges; one of our own is split and moved.
    let (first, shared) = if own { (Piece::Own(batch, 0), None) } else { (Piece::Shared(0..len), Some(batch)) };
    let mut results: Vec<(usize, Result<R, BatchStop>)> = rayon::iter::split(first, Piece::split)
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
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::erased::{AnyValue, Codec};
    use crate::error::BoxError;
    use crate::format::Json;
    use crate::invoke::{map_batch, map_batch_ref, BatchRun, Failure};

    fn batch(items: Vec<u64>) -> Batch {
        let len = items.len();
        Batch::new(Arc::new(items), len, Codec::of::<u64, Json>())
    }

    /// The results of every piece, in order.
    fn values(pieces: Vec<AnyValue>) -> Vec<u64> {
        pieces.iter().flat_map(|piece| piece.downcast_ref::<Vec<u64>>().unwrap().clone()).collect()
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
        // A batch of its own is split and moved into the pieces.
        let doubled = split_pieces(batch((0..5000).collect()), &double).unwrap();
        assert_eq!(values(doubled), (0..5000).map(|x| x * 2).collect::<Vec<_>>());
        assert!(pieces.lock().unwrap().iter().all(|&own| own));
        // A batch others read too is read by ranges, and stays whole for them.
        pieces.lock().unwrap().clear();
        let shared = batch((0..5000).collect());
        let doubled = split_pieces(shared.clone(), &double).unwrap();
        assert_eq!(values(doubled), (0..5000).map(|x| x * 2).collect::<Vec<_>>());
        assert!(pieces.lock().unwrap().iter().all(|&own| !own));
        assert_eq!(shared.take::<u64>().unwrap(), (0..5000).collect::<Vec<_>>());
        let empty = split_pieces(batch(Vec::new()), &double).unwrap();
        assert!(values(empty).is_empty());
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
        let result = split_pieces(batch((0..100).collect()), &halve);
        assert!(matches!(result, Err(BatchStop::Cancelled)));
        assert_eq!(*failures.lock().unwrap(), [(52, "odd".to_string())], "only the failing item, at its partition");
        let run = BatchRun::new(0, "boom", &span, &cancelled, &fail);
        let one = batch(vec![1]);
        let panics = map_batch_ref(Items::Own(one), &run, |_: &u64| -> Result<u64, BoxError> { panic!("boom") });
        assert!(matches!(panics, Err(BatchStop::Cancelled)));
        assert_eq!(failures.lock().unwrap().len(), 1, "nothing starts once the run is cancelled");
    }
}
