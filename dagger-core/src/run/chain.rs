//! A map's chain of tasks over a batch of partitions, in memory: the batch is split into
//! pieces that run in parallel (rayon's adaptive splitting), and each piece goes through the
//! whole chain before more of it is started, so that what a chain holds at once is bounded by
//! the pieces in flight, not by the batch.
//!
//! Within a piece, a chain of several tasks advances by slices of partitions sized by time:
//! a slice doubles while it takes under [`BATCH_TIME`] through the chain and halves when it
//! takes over four times that. Slow tasks over big values (a file parsed, then summarized)
//! hold one partition per thread at a time, as a plain `par_iter` would; quick tasks over
//! small values advance by slices large enough that their bookkeeping does not show. A map of
//! one task in memory runs over whole pieces: it holds nothing between tasks. On disk, each
//! slice's results are written as soon as they are computed, so that a run killed half way
//! loses at most the slices in flight.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::pieces::split_pieces;
use super::plan::Chain;
use super::state::{Run, Stopped};
use super::{BATCH_TIME, MAX_BATCH};
use crate::erased::{AnyValue, Batch, Codec, Fronts};
use crate::error::BoxError;
use crate::graph::{NodeSpec, Work};
use crate::invoke::{BatchFn, BatchRun, BatchStop, Failure, Inputs, Items};
use crate::store::{Files, StoredParts};

/// The values of one run of a chain: slot 0 is what the map's source gives, slot `1 + i` the
/// result of the chain's node `i`. Each is read as often as the plan says, and moved out on
/// its last read.
pub(super) struct Slots<V> {
    values: Vec<Option<V>>,
    uses: Vec<usize>,
}

impl<V: Clone> Slots<V> {
    pub(super) fn new(chain: &Chain, source: V) -> Self {
        let mut values = Vec::with_capacity(chain.uses.len());
        values.push(Some(source));
        Slots { values, uses: chain.uses.clone() }
    }

    /// The value of `slot`: a copy, or the value itself for its last reader.
    pub(super) fn read(&mut self, slot: usize) -> Option<V> {
        self.uses[slot] = self.uses[slot].checked_sub(1)?;
        if self.uses[slot] == 0 {
            self.values[slot].take()
        } else {
            self.values[slot].clone()
        }
    }

    /// The result of the next node of the chain, kept if a later node reads it.
    pub(super) fn push(&mut self, value: V) {
        let slot = self.values.len();
        let used = self.uses.get(slot).is_some_and(|&uses| uses > 0);
        self.values.push(used.then_some(value));
    }
}

/// What a step keeps of a piece or a slice: the values (from a partition, how many, a `Vec`),
/// or the files the store wrote them to.
enum Kept {
    Value(usize, usize, AnyValue),
    Files(Files),
}

impl Kept {
    fn into_value(self) -> Option<(usize, usize, AnyValue)> {
        match self {
            Kept::Value(at, len, value) => Some((at, len, value)),
            Kept::Files(_) => None,
        }
    }
}

/// How much work a thread may hold the results of, unwritten, in a map on disk: past it, the
/// results are written (a run killed half way loses at most this per thread, and one slice). A
/// piece that ends holding more than half of it writes them too, rather than holding them with
/// the next piece's (its results are otherwise written with the whole job's).
pub(super) const FLUSH_TIME: std::time::Duration = std::time::Duration::from_millis(50);

thread_local! {
    /// The work this thread did whose results are not written yet, in maps on disk.
    static UNWRITTEN: std::cell::Cell<std::time::Duration> = const { std::cell::Cell::new(std::time::Duration::ZERO) };
}

/// How many partitions `items` holds.
fn items_len(items: &Items<'_>) -> usize {
    match items {
        Items::Own(batch) => batch.len(),
        Items::Shared(_, range) => range.len(),
    }
}

/// What every piece of one batch shares.
#[derive(Clone, Copy)]
struct Piece<'a, 's> {
    chain: &'a Chain,
    steps: &'a [Step<'s>],
    fail: &'a (dyn Fn(usize, &NodeSpec, Failure) + Sync),
    span: &'a tracing::Span,
    /// The size of the map's slices, as the last piece left it.
    slice: &'a AtomicUsize,
}

/// One task of a chain, ready to run over partitions.
struct Step<'a> {
    spec: &'a NodeSpec,
    run_batch: BatchFn,
    /// The parameter the partition feeds.
    split: usize,
    /// The slot of the chain that parameter reads.
    slot: usize,
    /// The task's inputs, with a placeholder for the partition: whole values are read once
    /// per batch.
    inputs: Inputs,
    /// Whether its results are kept for other nodes, or for the store to write.
    keep: bool,
}

impl Run<'_> {
    /// Runs a batch of partitions from `start` through the chain of tasks of `map`: the
    /// results of each node that other nodes read, as one batch each (an empty run for the
    /// others).
    pub(super) fn run_batches(
        &self,
        map: usize,
        start: usize,
        batch: Batch,
        span: &tracing::Span,
    ) -> Result<Vec<StoredParts>, Stopped> {
        let chain = &self.plan.chains[map];
        let steps = self.steps(map)?;
        let len = batch.len();
        let fail = |partition, spec: &NodeSpec, failure| {
            self.fail(self.task_error(spec, Some(partition), failure));
        };
        let context = Piece { chain, steps: &steps, fail: &fail, span, slice: &self.maps[map].slice };
        let piece = |items: Items<'_>, offset: usize| self.run_piece(&context, items, start + offset);
        let pieces = match split_pieces(batch, &piece) {
            Ok(pieces) => pieces,
            Err(BatchStop::Cancelled) => return Err(Stopped),
            Err(BatchStop::Inputs(error)) => return Err(self.internal(steps[0].spec, &error.to_string())),
        };
        let mut columns: Vec<Vec<Kept>> = steps.iter().map(|_| Vec::with_capacity(pieces.len())).collect();
        for piece in pieces {
            for (column, output) in columns.iter_mut().zip(piece) {
                column.extend(output);
            }
        }
        steps.iter().zip(columns).map(|(step, column)| self.store_step(step, len, column)).collect()
    }

    /// The results of one step over a batch of `len` partitions, as the store
    /// keeps them: in memory, one batch; on disk, the files written slice by slice, and the
    /// values not written yet written now, each run of them as one file.
    fn store_step(&self, step: &Step<'_>, len: usize, column: Vec<Kept>) -> Result<StoredParts, Stopped> {
        if !step.keep {
            return Ok(StoredParts::Each(Vec::new()));
        }
        if self.store.holds_values() {
            let values = column.into_iter().filter_map(Kept::into_value).map(|(_, _, value)| value).collect();
            let items = (step.spec.codec.concat)(values)
                .ok_or_else(|| self.internal(step.spec, "the results of a batch are not of the task's output type"))?;
            return Ok(StoredParts::Batch(Batch::new(items, len, step.spec.codec)));
        }
        let mut files = Files::default();
        let mut pending = Vec::new();
        for kept in column {
            match kept {
                Kept::Value(at, len, value) => pending.push((at, len, value)),
                Kept::Files(written) => {
                    files.append(self.write_values(step, std::mem::take(&mut pending)).map_err(|_| Stopped)?);
                    files.append(written);
                }
            }
        }
        files.append(self.write_values(step, pending).map_err(|_| Stopped)?);
        Ok(StoredParts::Files(files))
    }

    /// Writes consecutive results of `step` (each a first partition, a length and a `Vec`) as
    /// one file.
    fn write_values(&self, step: &Step<'_>, values: Vec<(usize, usize, AnyValue)>) -> Result<Files, BatchStop> {
        let Some(&(start, _, _)) = values.first() else { return Ok(Files::default()) };
        let len = values.iter().map(|(_, len, _)| len).sum();
        let items = (step.spec.codec.concat)(values.into_iter().map(|(_, _, value)| value).collect())
            .ok_or("the results of a batch are not of the task's output type")?;
        match self.store.put_batch(&self.location(step.spec, Some(start)), Batch::new(items, len, step.spec.codec)) {
            Ok(StoredParts::Files(files)) => Ok(files),
            Ok(_) => Err(BatchStop::Inputs("a store that writes partitions kept them".into())),
            Err(error) => {
                self.store_failed(step.spec, Some(start), true, error);
                Err(BatchStop::Cancelled)
            }
        }
    }

    /// The tasks of `map`, each with its whole inputs read.
    fn steps(&self, map: usize) -> Result<Vec<Step<'_>>, Stopped> {
        let chain = &self.plan.chains[map];
        let mut steps = Vec::with_capacity(chain.slots.len());
        for (slots, &node) in chain.slots.iter().zip(&self.graph.maps[map].nodes) {
            let spec = &self.graph.nodes[node as usize];
            let Work::Task(_, Some(run_batch)) = spec.work else {
                return Err(self.internal(spec, "a batch of partitions reached a task that runs one at a time"));
            };
            let (split, slot) = slots
                .iter()
                .enumerate()
                .find_map(|(input, slot)| Some((input, (*slot)?)))
                .ok_or_else(|| self.internal(spec, "a task of a map reads no partition"))?;
            let mut inputs = Inputs::default();
            for (position, edge) in spec.inputs.iter().enumerate() {
                inputs.push(if position == split { Arc::new(()) } else { self.whole(edge.port)? });
            }
            let keep = self.plan.reads[node as usize] > 0 || !self.store.holds_values();
            steps.push(Step { spec, run_batch, split, slot, inputs, keep });
        }
        Ok(steps)
    }

    /// Runs one piece of a batch, from partition `start`, through the chain: for each step,
    /// its results over the piece (in slices), if they are kept.
    fn run_piece(&self, piece: &Piece<'_, '_>, items: Items<'_>, start: usize) -> Result<Vec<Vec<Kept>>, BatchStop> {
        let Piece { chain, steps, fail, span, slice } = *piece;
        let mut outputs: Vec<Vec<Kept>> = steps.iter().map(|_| Vec::new()).collect();
        // A task alone, in memory, holds nothing between tasks: it runs over the whole piece.
        if let ([step], true) = (steps, self.store.holds_values()) {
            let len = items_len(&items);
            let output = self.run_step(step, items, start, fail, span)?;
            if step.keep {
                outputs[0].push(Kept::Value(start, len, output));
            }
            return Ok(outputs);
        }
        let mut slices = Slices::new(items)?;
        let mut size = slice.load(Ordering::Relaxed).max(1);
        let mut at = start;
        let on_disk = !self.store.holds_values();
        while let Some((slice, len)) = slices.next(size) {
            let began = Instant::now();
            let mut slots = Slots::new(chain, slice);
            for (position, (step, output)) in steps.iter().zip(&mut outputs).enumerate() {
                let input = slots.read(step.slot).ok_or("a slice of partitions was read after its last use")?;
                let result = self.run_step(step, input, at, fail, span)?;
                let last = position + 1 == steps.len();
                if step.keep {
                    // A result no later task reads is kept as it is; others are written now on
                    // disk, so that the next task gets them to itself.
                    output.push(if last {
                        Kept::Value(at, len, result.clone())
                    } else {
                        self.keep(step, at, len, &result)?
                    });
                }
                slots.push(Items::Own(Batch::new(result, len, step.spec.codec)));
                if last && on_disk && UNWRITTEN.get() + began.elapsed() > FLUSH_TIME {
                    let pending = std::mem::take(output);
                    output.extend(self.flush(step, pending)?);
                    UNWRITTEN.set(std::time::Duration::ZERO);
                }
            }
            at += len;
            let took = began.elapsed();
            if on_disk {
                UNWRITTEN.set(UNWRITTEN.get() + took);
            }
            if took < BATCH_TIME {
                size = (size * 2).min(MAX_BATCH);
            } else if took > 4 * BATCH_TIME {
                size = (size / 2).max(1);
            }
        }
        // The next piece of the map starts where this one ended.
        slice.store(size, Ordering::Relaxed);
        if let (Some(last), Some(output), true) = (steps.last(), outputs.last_mut(), on_disk) {
            if last.keep && UNWRITTEN.get() > FLUSH_TIME / 2 {
                let pending = std::mem::take(output);
                output.extend(self.flush(last, pending)?);
                UNWRITTEN.set(std::time::Duration::ZERO);
            }
        }
        Ok(outputs)
    }

    /// The results of the last step kept so far, with the values not written yet written as
    /// one file: how a slow map on disk keeps what it computed should the run be killed.
    fn flush(&self, step: &Step<'_>, kept: Vec<Kept>) -> Result<Vec<Kept>, BatchStop> {
        let mut out = Vec::with_capacity(2);
        let mut pending = Vec::new();
        for kept in kept {
            match kept {
                Kept::Value(at, len, value) => pending.push((at, len, value)),
                files => out.push(files),
            }
        }
        out.push(Kept::Files(self.write_values(step, pending)?));
        Ok(out)
    }

    /// A slice's results that are kept: in memory, the values (shared with the next task); on
    /// disk, written now, so that the next task gets the values to itself (moved, not copied).
    fn keep(&self, step: &Step<'_>, start: usize, len: usize, result: &AnyValue) -> Result<Kept, BatchStop> {
        if self.store.holds_values() {
            return Ok(Kept::Value(start, len, result.clone()));
        }
        let at = self.location(step.spec, Some(start));
        match self.store.put_batch(&at, Batch::new(result.clone(), len, step.spec.codec)) {
            Ok(StoredParts::Files(files)) => Ok(Kept::Files(files)),
            Ok(_) => Err(BatchStop::Inputs("a store that writes partitions kept them".into())),
            Err(error) => {
                self.store_failed(step.spec, Some(start), true, error);
                Err(BatchStop::Cancelled)
            }
        }
    }

    /// Runs one task over `items`, the partitions from `start`.
    fn run_step(
        &self,
        step: &Step<'_>,
        items: Items<'_>,
        start: usize,
        fail: &(dyn Fn(usize, &NodeSpec, Failure) + Sync),
        span: &tracing::Span,
    ) -> Result<AnyValue, BatchStop> {
        let fail = |partition, failure| fail(partition, step.spec, failure);
        let run = BatchRun::new(start, &step.spec.name, span, &self.cancelled, &fail);
        (step.run_batch)(step.split, items, &step.inputs, &run)
    }
}

/// A piece of a batch, handed out in slices from the front.
enum Slices<'a> {
    /// A piece of our own: moved out slice by slice.
    Own { fronts: Fronts, left: usize, codec: Codec },
    /// A range of a batch others read too: read by ranges.
    Shared { batch: &'a Batch, range: Range<usize> },
}

impl<'a> Slices<'a> {
    fn new(items: Items<'a>) -> Result<Self, BoxError> {
        match items {
            Items::Own(batch) => {
                let (left, codec) = (batch.len(), *batch.codec());
                match batch.into_fronts() {
                    Ok(fronts) => Ok(Slices::Own { fronts, left, codec }),
                    Err(_) => Err("a piece of a batch that others hold is not ours to move".into()),
                }
            }
            Items::Shared(batch, range) => Ok(Slices::Shared { batch, range }),
        }
    }

    /// The next slice of at most `size` partitions, and how many it has.
    fn next(&mut self, size: usize) -> Option<(Items<'a>, usize)> {
        match self {
            Slices::Own { fronts, left, codec } => {
                let len = size.min(*left);
                *left -= len;
                (len > 0).then(|| (Items::Own(Batch::new(fronts(len), len, *codec)), len))
            }
            Slices::Shared { batch, range } => {
                let len = size.min(range.len());
                let slice = range.start..range.start + len;
                range.start += len;
                (len > 0).then(|| (Items::Shared(batch, slice), len))
            }
        }
    }
}
