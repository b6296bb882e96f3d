//! Running a map: partitions of its source go through the chain of tasks declared in it.
//!
//! With the in-memory store, a map whose nodes are all tasks that read one partition runs
//! over whole batches: each task over the batch, in pieces in parallel, handing its results to
//! the next as a batch. Otherwise (a nested DAG, a field, a task reading two partitions, any
//! map on disk) each partition goes through the chain on its own, partitions in parallel.
//! Either way a value of the chain is moved into its last reader ([`Slots`]), so that a task
//! taking it by value gets it without a copy.

use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use super::emit::OneEmit;
use super::pieces::run_pieces;
use super::plan::Chain;
use super::state::{Run, Stopped};
use crate::erased::{AnyValue, Batch};
use crate::graph::{Body, NodeSpec};
use crate::invoke::{BatchRun, BatchStop, Inputs, Items};
use crate::store::{Stored, StoredParts};

/// The values of one run of a chain: slot 0 is what the map's source gives, slot `1 + i` the
/// result of the chain's node `i`. Each is read as often as the plan says, and moved out on its
/// last read.
struct Slots<V> {
    values: Vec<Option<V>>,
    uses: Vec<usize>,
}

impl<V: Clone> Slots<V> {
    fn new(chain: &Chain, source: V) -> Self {
        let mut values = Vec::with_capacity(chain.uses.len());
        values.push(Some(source));
        Slots { values, uses: chain.uses.clone() }
    }

    /// The value of `slot`: a copy, or the value itself for its last reader.
    fn read(&mut self, slot: usize) -> Option<V> {
        self.uses[slot] = self.uses[slot].checked_sub(1)?;
        if self.uses[slot] == 0 {
            self.values[slot].take()
        } else {
            self.values[slot].clone()
        }
    }

    /// The result of the next node of the chain, kept if a later node reads it.
    fn push(&mut self, value: V) {
        let slot = self.values.len();
        let used = self.uses.get(slot).is_some_and(|&uses| uses > 0);
        self.values.push(used.then_some(value));
    }
}

impl<'s> Run<'s> {
    /// The job of a map: runs partitions `range` through every node of `map`, keeps each node's
    /// results as one chunk, and starts what waits for them.
    pub(super) fn run_map(&'s self, scope: &rayon::ScopeFifo<'s>, map: usize, range: Range<usize>) {
        let spec = &self.graph.maps[map];
        let source = spec.source as usize;
        let Some(parts) = self.outputs[source].parts.read_range(range.clone()) else {
            self.internal(&self.graph.nodes[source], "partitions were read before they were stored");
            return;
        };
        let columns = match parts {
            StoredParts::Batch(batch) if self.plan.chains[map].batched => self.run_batches(map, range.start, batch),
            parts => self.run_each(map, range.clone(), parts),
        };
        let Ok(columns) = columns else { return };
        for (&node, column) in spec.nodes.iter().zip(columns) {
            self.outputs[node as usize].parts.push(range.start, column, self.plan.reads[node as usize]);
        }
        self.map_done(scope, map, range);
    }

    /// Runs a batch of partitions from `start` through the chain of tasks of `map`, task by
    /// task, each over the whole batch (in parallel): the results of each node, as a batch.
    fn run_batches(&self, map: usize, start: usize, batch: Batch) -> Result<Vec<StoredParts>, Stopped> {
        let nodes = &self.graph.maps[map].nodes;
        let chain = &self.plan.chains[map];
        let mut slots = Slots::new(chain, batch);
        let mut columns = Vec::with_capacity(nodes.len());
        for (position, &node) in nodes.iter().enumerate() {
            let spec = &self.graph.nodes[node as usize];
            let (split, slot) = chain.slots[position]
                .iter()
                .enumerate()
                .find_map(|(input, slot)| Some((input, (*slot)?)))
                .ok_or_else(|| self.internal(spec, "a task of a map reads no partition"))?;
            let input = slots
                .read(slot)
                .ok_or_else(|| self.internal(spec, "a batch of partitions was read after its last use"))?;
            let output = self.run_batch(spec, start, split, input)?;
            // Only results that other nodes read, or that the store writes, are stored.
            let keep = self.plan.reads[node as usize] > 0 || !self.store.keeps_batches();
            columns.push(match keep {
                true => self
                    .store
                    .put_batch(&self.location(spec, Some(start)), output.clone())
                    .map_err(|error| self.store_failed(spec, Some(start), true, error))?,
                false => StoredParts::Each(Vec::new()),
            });
            slots.push(output);
        }
        Ok(columns)
    }

    /// Runs the task of `spec` over `batch`, the partitions from `start` of its input `split`,
    /// in pieces run in parallel.
    fn run_batch(&self, spec: &NodeSpec, start: usize, split: usize, batch: Batch) -> Result<Batch, Stopped> {
        let Body::Task(_, Some(run_batch)) = spec.body else {
            return Err(self.internal(spec, "a batch of partitions reached a task that runs one at a time"));
        };
        let mut inputs = Inputs::default();
        for (position, edge) in spec.inputs.iter().enumerate() {
            inputs.push(if position == split { Arc::new(()) } else { self.whole(edge.port)? });
        }
        let fail = |partition, failure| {
            self.fail(self.task_error(spec, Some(partition), failure));
        };
        let piece = |items: Items<'_>, offset: usize| {
            let run = BatchRun::new(start + offset, &spec.name, &self.span, &self.cancelled, &fail);
            run_batch(split, items, &inputs, &run)
        };
        match run_pieces(batch, spec.codec, &piece) {
            Ok(batch) => Ok(batch),
            Err(BatchStop::Cancelled) => Err(Stopped),
            Err(BatchStop::Inputs(error)) => Err(self.internal(spec, &error.to_string())),
        }
    }

    /// Runs partitions `range` through the nodes of `map` one partition at a time (in
    /// parallel): the results of each node, as one run of partitions.
    fn run_each(&self, map: usize, range: Range<usize>, parts: StoredParts) -> Result<Vec<StoredParts>, Stopped> {
        let spec = &self.graph.maps[map];
        let values = parts.into_each().ok_or_else(|| {
            self.internal(&self.graph.nodes[spec.source as usize], "a batch of partitions could not be taken apart")
        })?;
        let rows: Vec<Result<Vec<Option<Stored>>, Stopped>> = values
            .into_par_iter()
            .enumerate()
            .map(|(offset, stored)| {
                if self.stopped() {
                    return Err(Stopped);
                }
                self.run_chain(map, range.start + offset, stored)
            })
            .collect();
        if self.stopped() {
            return Err(Stopped);
        }
        let mut columns: Vec<Vec<Stored>> = spec.nodes.iter().map(|_| Vec::with_capacity(range.len())).collect();
        for row in rows {
            columns.iter_mut().zip(row?).for_each(|(column, stored)| column.extend(stored));
        }
        Ok(columns.into_iter().map(StoredParts::each).collect())
    }

    /// Runs partition `partition` through the nodes of `map`, in order; a node reads the
    /// partition of the map's source, and the results of the nodes before it, directly.
    /// Returns each node's result, if other nodes read it.
    fn run_chain(&self, map: usize, partition: usize, source: Stored) -> Result<Vec<Option<Stored>>, Stopped> {
        let nodes = &self.graph.maps[map].nodes;
        let chain = &self.plan.chains[map];
        let value = self.get(self.graph.maps[map].source as usize, Some(partition), source)?;
        let mut slots: Slots<AnyValue> = Slots::new(chain, value);
        let mut stored = Vec::with_capacity(nodes.len());
        for (position, &node) in nodes.iter().enumerate() {
            let spec = &self.graph.nodes[node as usize];
            let _span = tracing::debug_span!(parent: &self.span, "partition", node = %spec.name, partition).entered();
            let mut readers = Vec::new();
            let mut inputs = Inputs::default();
            for (edge, slot) in spec.inputs.iter().zip(&chain.slots[position]) {
                inputs.push(match *slot {
                    Some(slot) => slots.read(slot).ok_or_else(|| self.missing(edge.port))?,
                    None => self.read_input(spec, edge, Some(partition), &mut readers)?,
                });
            }
            let mut emit = OneEmit::default();
            self.call_with(node as usize, inputs, readers, Some(partition), &mut emit)?;
            let value = emit.into_value().ok_or_else(|| self.internal(spec, "a task returned no value"))?;
            let kept = self.put(spec, Some(partition), value.clone())?;
            // Only outputs that other nodes read stay; the store has written the others.
            stored.push((self.plan.reads[node as usize] > 0).then_some(kept));
            slots.push(value);
        }
        Ok(stored)
    }
}
