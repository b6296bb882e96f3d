//! Running a map: partitions of its source go through the chain of nodes declared in it.
//!
//! With the in-memory store, a map whose nodes are all tasks that read one partition runs
//! over whole batches ([`super::chain`]). Otherwise (a nested DAG, a field, a task reading two
//! partitions, any map on disk) each partition goes through the chain on its own, here,
//! partitions in parallel. Either way a value of the chain is moved into its last reader
//! ([`Slots`]), so that a task taking it by value gets it without a copy.

use rayon::prelude::*;
use std::ops::Range;

use super::chain::Slots;
use super::emit::OneEmit;
use super::state::{Run, Stopped};
use crate::erased::AnyValue;
use crate::invoke::Inputs;
use crate::store::{Stored, StoredParts};

impl<'s> Run<'s> {
    /// The job of a map: runs partitions `range` through every node of `map`, keeps each node's
    /// results as one chunk, and starts what waits for them.
    pub(super) fn run_map(&'s self, scope: &rayon::ScopeFifo<'s>, map: usize, range: Range<usize>) {
        let spec = &self.graph.maps[map];
        let source = spec.source as usize;
        let names: Vec<&str> = spec.nodes.iter().map(|&node| self.graph.nodes[node as usize].name.as_str()).collect();
        let span = tracing::info_span!(
            parent: &self.span,
            "map",
            source = %self.graph.nodes[source].name,
            nodes = %names.join(", "),
            first = range.start,
            partitions = range.len(),
        );
        let _entered = span.enter();
        let Some(parts) = self.outputs[source].parts.read_range(range.clone()) else {
            self.internal(&self.graph.nodes[source], "partitions were read before they were stored");
            return;
        };
        let columns = match parts {
            StoredParts::Batch(batch) if self.plan.chains[map].batched => {
                self.run_batches(map, range.start, batch, &span)
            }
            parts => self.run_each(map, range.clone(), parts, &span),
        };
        let Ok(columns) = columns else { return };
        for (&node, column) in spec.nodes.iter().zip(columns) {
            self.outputs[node as usize].parts.push(range.start, column, self.plan.reads[node as usize]);
        }
        self.map_done(scope, map, range);
    }

    /// Runs partitions `range` through the nodes of `map` one partition at a time (in
    /// parallel): the results of each node, as one run of partitions.
    fn run_each(
        &self,
        map: usize,
        range: Range<usize>,
        parts: StoredParts,
        span: &tracing::Span,
    ) -> Result<Vec<StoredParts>, Stopped> {
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
                self.run_chain(map, range.start + offset, stored, span)
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
    fn run_chain(
        &self,
        map: usize,
        partition: usize,
        source: Stored,
        span: &tracing::Span,
    ) -> Result<Vec<Option<Stored>>, Stopped> {
        let nodes = &self.graph.maps[map].nodes;
        let chain = &self.plan.chains[map];
        let value = self.get(self.graph.maps[map].source as usize, Some(partition), source)?;
        let mut slots: Slots<AnyValue> = Slots::new(chain, value);
        let mut stored = Vec::with_capacity(nodes.len());
        for (position, &node) in nodes.iter().enumerate() {
            let spec = &self.graph.nodes[node as usize];
            let _span = tracing::debug_span!(parent: span, "partition", node = %spec.name, partition).entered();
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
