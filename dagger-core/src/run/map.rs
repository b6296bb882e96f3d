//! Running a map: partitions of its source go through the chain of nodes declared in it.
//!
//! A map whose nodes are all tasks that read one partition runs over whole batches
//! ([`super::chain`]). Otherwise (a nested DAG, a field, a task reading two partitions) each
//! partition goes through the chain on its own, here, partitions in parallel. Either way a
//! value of the chain is moved into its last reader ([`Slots`]), so that a task taking it by
//! value gets it without a copy, and each node's results of one job are stored together (on
//! disk, one file per node and job).
//!
//! On disk, the partitions whose results an earlier run stored with this run's fingerprints
//! (a run killed half way) are not computed again, wherever the files that hold them start; a
//! map whose outputs are all complete and listed runs no job at all.

use std::ops::Range;

use rayon::prelude::*;

use super::chain::Slots;
use super::emit::OneEmit;
use super::resume::{self, Piece, Segment};
use super::state::{NodeFiles, Run, Stopped};
use crate::erased::{AnyValue, Batch};
use crate::invoke::Inputs;
use crate::store::{Existing, Files, StoredParts};

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
        if self.map_listed(map) {
            // Its outputs are complete in the store: they are handed over once its source is.
            self.map_counted_done(scope, map, range);
            return;
        }
        let Ok(columns) = self.run_job(map, range.clone(), &span) else { return };
        for (&node, column) in spec.nodes.iter().zip(columns) {
            self.outputs[node as usize].parts.push(range.start, column, self.plan.reads[node as usize]);
        }
        self.map_done(scope, map, range);
    }

    /// The results of each node of `map` over partitions `range`: computed, or, for the parts
    /// an earlier run stored with this run's fingerprints, found.
    fn run_job(&self, map: usize, range: Range<usize>, span: &tracing::Span) -> Result<Vec<StoredParts>, Stopped> {
        let existing = self.existing(map);
        let nodes = self.graph.maps[map].nodes.len();
        let segments = match existing.len() == nodes && existing.iter().any(|files| !files.is_empty()) {
            true => resume::segments(&existing.iter().map(NodeFiles::files).collect::<Vec<_>>(), range.clone()),
            false => vec![Segment::Missing(range.clone())],
        };
        if let ([Segment::Missing(_)], true) = (&segments[..], self.by_key_bases.is_empty()) {
            return self.compute(map, range, None, span);
        }
        // Runs of partitions, in order, each with the results of every node of the map.
        let mut runs: Vec<Vec<StoredParts>> = Vec::new();
        for segment in segments {
            let missing = match segment {
                Segment::Stored(_, tilings) => {
                    runs.push(self.stored_run(map, tilings)?);
                    continue;
                }
                Segment::Missing(missing) => missing,
            };
            for (part, found) in self.found_by_key(map, missing)? {
                if let Some(found) = found {
                    runs.push(found);
                    continue;
                }
                // Only these partitions of the source are read (on disk, the files that hold
                // them), not the job's whole range.
                let parts = self.read_source(map, part.clone())?;
                runs.push(self.compute(map, part, Some(parts), span)?);
            }
        }
        self.concat_runs(map, runs)
    }

    /// Consecutive runs of results of `map`'s nodes, as one run per node.
    fn concat_runs(&self, map: usize, runs: Vec<Vec<StoredParts>>) -> Result<Vec<StoredParts>, Stopped> {
        let nodes = self.graph.maps[map].nodes.len();
        let mut columns: Vec<Vec<StoredParts>> = (0..nodes).map(|_| Vec::new()).collect();
        for run in runs {
            columns.iter_mut().zip(run).for_each(|(column, part)| column.push(part));
        }
        columns
            .into_iter()
            .map(|column| {
                StoredParts::concat(column).ok_or_else(|| {
                    self.internal(
                        &self.graph.nodes[self.graph.maps[map].source as usize],
                        "results could not be joined",
                    )
                })
            })
            .collect()
    }

    /// Runs partitions `range` through the chain of `map`: those of the source (`parts`, or
    /// read from it).
    fn compute(
        &self,
        map: usize,
        range: Range<usize>,
        parts: Option<StoredParts>,
        span: &tracing::Span,
    ) -> Result<Vec<StoredParts>, Stopped> {
        let parts = match parts {
            Some(parts) => parts,
            None => self.read_source(map, range.clone())?,
        };
        match parts {
            StoredParts::Batch(batch) if self.plan.chains[map].batched => {
                self.run_batches(map, range.start, batch, span)
            }
            parts => self.run_each(map, range, parts, span),
        }
    }

    /// Partitions `range` of the map's source: a batch, read from its files if the store wrote
    /// them.
    fn read_source(&self, map: usize, range: Range<usize>) -> Result<StoredParts, Stopped> {
        let source = self.graph.maps[map].source as usize;
        let spec = &self.graph.nodes[source];
        let parts = self.outputs[source]
            .parts
            .read_range(range.clone())
            .ok_or_else(|| self.internal(spec, "partitions were read before they were stored"))?;
        match parts {
            StoredParts::Files(files) => self
                .store
                .load(&self.location(spec, Some(range.start)), &files, &spec.codec)
                .map(StoredParts::Batch)
                .map_err(|error| self.store_failed(spec, Some(range.start), false, error)),
            parts => Ok(parts),
        }
    }

    /// For each node of `map`, the files an earlier run left with this run's fingerprint:
    /// read once, readying the outputs for the map's jobs.
    pub(super) fn existing(&self, map: usize) -> &[NodeFiles] {
        self.maps[map].existing.get_or_init(|| self.ready_map(map).unwrap_or_default())
    }

    /// Whether every output of `map` is complete and listed in the store with this run's
    /// fingerprints: then no job runs, and the outputs are handed over as they are.
    pub(super) fn map_listed(&self, map: usize) -> bool {
        let existing = self.existing(map);
        existing.len() == self.graph.maps[map].nodes.len()
            && !existing.is_empty()
            && existing.iter().all(|files| matches!(files, NodeFiles::Listed(_)))
    }

    /// Readies the outputs of the nodes of `map`: for each, the files an earlier run left with
    /// this run's fingerprint (none if they may not be reused).
    fn ready_map(&self, map: usize) -> Result<Vec<NodeFiles>, Stopped> {
        let mut all = Vec::new();
        for &node in &self.graph.maps[map].nodes {
            let spec = &self.graph.nodes[node as usize];
            let at = self.location(spec, None);
            let reuse = self.reuse && spec.cache;
            let existing = self
                .store
                .prepare(&at, self.fingerprints[node as usize], true, reuse)
                .map_err(|error| self.store_failed(spec, None, true, error))?;
            all.push(match existing {
                Existing::Partial(files) => NodeFiles::Partial(files),
                Existing::Sealed(files) => NodeFiles::Listed(files),
                Existing::Nothing | Existing::Whole | Existing::Different => NodeFiles::Partial(Vec::new()),
            });
        }
        Ok(all)
    }

    /// The results of each node of `map` that an earlier run stored, from the files of each
    /// (`tilings`): whole files as they are; of a file that holds partitions outside the job's
    /// range (its files were cut by another run's timing), the partitions inside, copied into a
    /// file of their own (read and written, never computed again).
    fn stored_run(&self, map: usize, tilings: Vec<Vec<Piece>>) -> Result<Vec<StoredParts>, Stopped> {
        let nodes = &self.graph.maps[map].nodes;
        let mut columns = Vec::with_capacity(nodes.len());
        for (&node, pieces) in nodes.iter().zip(tilings) {
            let spec = &self.graph.nodes[node as usize];
            let mut files = Files::default();
            for piece in pieces {
                let file = Files::one(piece.file.len());
                if piece.is_whole() {
                    files.append(file);
                    continue;
                }
                let batch = self
                    .store
                    .load(&self.location(spec, Some(piece.file.start)), &file, &spec.codec)
                    .map_err(|error| self.store_failed(spec, Some(piece.taken.start), false, error))?;
                let values: Option<Vec<AnyValue>> =
                    piece.taken.clone().map(|p| batch.value(p - piece.file.start)).collect();
                let items = values.and_then(spec.codec.gather);
                let items = items.ok_or_else(|| self.internal(spec, "a stored partition is not in its file"))?;
                let copied = Batch::new(items, piece.taken.len(), spec.codec);
                match self.store.put_batch(&self.location(spec, Some(piece.taken.start)), copied) {
                    Ok(StoredParts::Files(written)) => files.append(written),
                    Ok(_) => return Err(self.internal(spec, "a store that writes partitions kept them")),
                    Err(error) => return Err(self.store_failed(spec, Some(piece.taken.start), true, error)),
                }
            }
            columns.push(StoredParts::Files(files));
        }
        Ok(columns)
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
        let source = &self.graph.nodes[spec.source as usize];
        let mut values =
            parts.into_each().ok_or_else(|| self.internal(source, "partitions could not be taken apart"))?;
        // On disk, by rounds that take about as long as a thread may hold results unwritten
        // (see `chain`), each round's results written before the next starts.
        let mut round = match self.store.holds_values() {
            true => values.len().max(1),
            false => rayon::current_num_threads(),
        };
        let mut runs = Vec::new();
        let mut first = range.start;
        while !values.is_empty() || runs.is_empty() {
            let rest = values.split_off(round.min(values.len()));
            let began = std::time::Instant::now();
            let this = std::mem::replace(&mut values, rest);
            let len = this.len();
            runs.push(self.run_round(map, first, this, span)?);
            first += len;
            if began.elapsed() < super::chain::FLUSH_TIME / 2 {
                round *= 2;
            }
        }
        self.concat_runs(map, runs)
    }

    /// One round of [`run_each`](Self::run_each): partitions from `start` (their `values`)
    /// through the chain, in parallel, each node's results stored as one run.
    fn run_round(
        &self,
        map: usize,
        start: usize,
        values: Vec<crate::store::Stored>,
        span: &tracing::Span,
    ) -> Result<Vec<StoredParts>, Stopped> {
        let spec = &self.graph.maps[map];
        let len = values.len();
        let rows: Vec<Result<Vec<Option<AnyValue>>, Stopped>> = values
            .into_par_iter()
            .enumerate()
            .map(|(offset, stored)| {
                if self.stopped() {
                    return Err(Stopped);
                }
                let value = self.get(spec.source as usize, Some(start + offset), stored)?;
                self.run_chain(map, start + offset, value, span)
            })
            .collect();
        if self.stopped() {
            return Err(Stopped);
        }
        let mut columns: Vec<Vec<AnyValue>> = spec.nodes.iter().map(|_| Vec::with_capacity(len)).collect();
        for row in rows {
            columns.iter_mut().zip(row?).for_each(|(column, value)| column.extend(value));
        }
        spec.nodes.iter().zip(columns).map(|(&node, column)| self.store_column(node as usize, start, column)).collect()
    }

    /// The results of one node over a job, from partition `start`, as the store keeps them:
    /// one file for all of them on disk, each value on its own in memory.
    fn store_column(&self, node: usize, start: usize, column: Vec<AnyValue>) -> Result<StoredParts, Stopped> {
        if self.store.holds_values() || column.is_empty() {
            return Ok(StoredParts::Each(column.into_iter().map(crate::store::Stored::Memory).collect()));
        }
        let spec = &self.graph.nodes[node];
        let len = column.len();
        let items = (spec.codec.gather)(column).ok_or_else(|| self.internal(spec, "results of another type"))?;
        self.store
            .put_batch(&self.location(spec, Some(start)), Batch::new(items, len, spec.codec))
            .map_err(|error| self.store_failed(spec, Some(start), true, error))
    }

    /// Runs partition `partition` (of value `value`) through the nodes of `map`, in order; a
    /// node reads the partition of the map's source, and the results of the nodes before it,
    /// directly. Returns each node's result, if it is kept: read by other nodes, or written.
    fn run_chain(
        &self,
        map: usize,
        partition: usize,
        value: AnyValue,
        span: &tracing::Span,
    ) -> Result<Vec<Option<AnyValue>>, Stopped> {
        let nodes = &self.graph.maps[map].nodes;
        let chain = &self.plan.chains[map];
        let mut slots: Slots<AnyValue> = Slots::new(chain, value);
        let mut kept = Vec::with_capacity(nodes.len());
        for (position, &node) in nodes.iter().enumerate() {
            let spec = &self.graph.nodes[node as usize];
            let key = self.keys_of(node as usize).and_then(|keys| keys.get(partition));
            let _span = tracing::debug_span!(parent: span, "partition", node = %spec.name, partition, key).entered();
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
            let keep = self.plan.reads[node as usize] > 0 || !self.store.holds_values();
            kept.push(keep.then(|| value.clone()));
            slots.push(value);
        }
        Ok(kept)
    }
}
