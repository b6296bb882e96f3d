//! Where the runtime receives what a task produces: one value ([`OneEmit`]), or partitions
//! stored as they come and announced to the maps over them in batches ([`PartsEmit`]).

use std::collections::HashSet;
use std::time::Instant;

use super::state::Run;
use super::{BATCH_TIME, MAX_BATCH};
use crate::erased::{AnyValue, Batch};
use crate::error::BoxError;
use crate::invoke::Emit;
use crate::keys::Keys;
use crate::store::StoredParts;

/// The size past which a partition, as stored, is big: batches of those do not grow.
const BIG_PARTITION: u64 = 256 * 1024;

/// Keeps the single output of one run of a task.
#[derive(Default)]
pub(super) struct OneEmit(Option<AnyValue>);

impl OneEmit {
    pub(super) fn into_value(self) -> Option<AnyValue> {
        self.0
    }
}

impl Emit for OneEmit {
    fn one(&mut self, value: AnyValue) -> Result<(), BoxError> {
        self.0 = Some(value);
        Ok(())
    }

    fn part(&mut self, _: AnyValue) -> Result<(), BoxError> {
        Err("a task that returns one value produced a partition".into())
    }

    fn batch(&mut self, _: AnyValue, _: usize) -> Result<(), BoxError> {
        Err("a task that returns one value produced partitions".into())
    }
}

/// Stores the partitions of a partitioned task as it produces them, and announces them to the
/// maps over it in batches sized to take about [`BATCH_TIME`] to produce.
pub(super) struct PartsEmit<'r, 's> {
    run: &'s Run<'s>,
    /// Where the maps over the partitions run; none when the node runs alone.
    scope: Option<&'r rayon::ScopeFifo<'s>>,
    node: usize,
    next: usize,
    announced: usize,
    batch: usize,
    /// When the batch being produced was started.
    since: Instant,
    /// The time spent storing partitions since then: not the task's, so not what sizes its
    /// batches (a slow file system would otherwise make batches small, and files many).
    storing: std::time::Duration,
    /// The bytes written for the partitions stored since then.
    bytes: u64,
    /// The partitions stored since the last announcement.
    pending: Vec<StoredParts>,
    /// The keys of a keyed output, as handed over.
    keys: Vec<String>,
    /// The keys seen, to refuse a key given to two partitions.
    seen: HashSet<String>,
    /// Whether the store is ready for the output (readied at the first partition).
    ready: bool,
}

impl<'r, 's> PartsEmit<'r, 's> {
    pub(super) fn new(run: &'s Run<'s>, scope: Option<&'r rayon::ScopeFifo<'s>>, node: usize) -> Self {
        PartsEmit {
            run,
            scope,
            node,
            next: 0,
            announced: 0,
            batch: 1,
            since: Instant::now(),
            storing: std::time::Duration::ZERO,
            bytes: 0,
            pending: Vec::new(),
            keys: Vec::new(),
            seen: HashSet::new(),
            ready: false,
        }
    }

    /// Readies the store for the output, before its first partition.
    fn ready(&mut self) -> Result<(), BoxError> {
        if !self.ready {
            let began = Instant::now();
            self.run.prepare(self.node).map_err(|_| "the output could not be readied")?;
            self.storing += began.elapsed();
            self.ready = true;
        }
        Ok(())
    }

    /// Announces the last partitions; returns how many there are, and their keys for a keyed
    /// output.
    pub(super) fn finish(mut self) -> Result<(usize, Option<Keys>), BoxError> {
        self.ready()?;
        self.announce()?;
        if !self.run.graph.nodes[self.node].keyed() {
            return Ok((self.next, None));
        }
        if self.keys.len() != self.next {
            return Err(format!("{} partition keys for {} partitions", self.keys.len(), self.next).into());
        }
        let digests = crate::sync::lock(&self.run.outputs[self.node].digests).clone();
        Ok((self.next, Some(Keys::with_digests(self.keys, digests))))
    }

    fn stored(&mut self, parts: StoredParts) -> Result<(), BoxError> {
        self.next += parts.len();
        match (self.pending.last_mut(), parts) {
            (Some(last @ StoredParts::Files(_)), parts @ StoredParts::Files(_))
            | (Some(last @ StoredParts::Each(_)), parts @ StoredParts::Each(_)) => {
                last.append(parts).ok_or("a batch of partitions could not be taken apart")?
            }
            (_, parts) => self.pending.push(parts),
        }
        if self.next - self.announced >= self.batch {
            let partitions = (self.next - self.announced) as u64;
            self.announce()?;
            let took = std::mem::replace(&mut self.since, Instant::now()).elapsed();
            let took = took.saturating_sub(std::mem::take(&mut self.storing));
            // Big partitions are stored a few at a time (memory holds a batch), however quickly
            // they come.
            let big = std::mem::take(&mut self.bytes) / partitions.max(1) > BIG_PARTITION;
            if took < BATCH_TIME && !big {
                self.batch = (self.batch * 2).min(MAX_BATCH);
            } else if took > 4 * BATCH_TIME || big {
                self.batch = (self.batch / 2).max(1);
            }
        }
        Ok(())
    }

    fn announce(&mut self) -> Result<(), BoxError> {
        if self.next > self.announced {
            let pending = StoredParts::concat(std::mem::take(&mut self.pending))
                .ok_or("a batch of partitions could not be taken apart")?;
            self.run.outputs[self.node].parts.push(self.announced, pending, self.run.plan.reads[self.node]);
            if let Some(scope) = self.scope {
                self.run.parts_available(scope, self.node, self.announced..self.next);
            }
            self.announced = self.next;
        }
        Ok(())
    }
}

impl Emit for PartsEmit<'_, '_> {
    fn one(&mut self, _: AnyValue) -> Result<(), BoxError> {
        Err("a partitioned task produced one value".into())
    }

    fn part(&mut self, value: AnyValue) -> Result<(), BoxError> {
        if self.run.stopped() {
            return Err("the run stopped".into());
        }
        self.ready()?;
        let stored =
            self.run.put(self.node, Some(self.next), value).map_err(|_| "the partition could not be stored")?;
        self.stored(StoredParts::each(vec![stored]))
    }

    /// As many partitions as fill the next announcement: they are stored together (in
    /// memory as one vector, on disk as one file).
    /// A job stores one partition per file, for the jobs that read one partition each.
    fn room(&self) -> usize {
        if self.run.alone {
            return 1;
        }
        self.batch.saturating_sub(self.next - self.announced).max(1)
    }

    fn batch(&mut self, items: AnyValue, len: usize) -> Result<(), BoxError> {
        if self.run.stopped() {
            return Err("the run stopped".into());
        }
        self.ready()?;
        let spec = &self.run.graph.nodes[self.node];
        let batch = Batch::new(items, len, spec.codec);
        // Digests serve a later run's reuse by key: only a store that keeps outputs needs them.
        if spec.keyed() && !self.run.store.holds_values() {
            let digests = (0..len)
                .map(|i| {
                    batch.item(i).map(|item| {
                        super::fingerprints::of_encoding("partition value", item, &spec.codec, &self.run.inputs.stamps)
                    })
                })
                .collect::<Option<Vec<_>>>();
            let digests = digests.ok_or("a batch of partitions has fewer items than it says")?;
            crate::sync::lock(&self.run.outputs[self.node].digests).extend(digests);
        }
        let at = self.run.location(spec, Some(self.next));
        let (began, written) = (Instant::now(), crate::store::written_here());
        let stored = self.run.store.put_batch(&at, batch).map_err(|error| {
            self.run.store_failed(spec, Some(self.next), true, error);
            "the partitions could not be stored"
        })?;
        self.storing += began.elapsed();
        self.bytes += crate::store::written_here() - written;
        self.stored(stored)
    }

    fn keys(&mut self, keys: Vec<String>) -> Result<(), BoxError> {
        let spec = &self.run.graph.nodes[self.node];
        if !spec.keyed() {
            return Err("partition keys were handed over for an output that has no keys".into());
        }
        for key in &keys {
            if !self.seen.insert(key.clone()) {
                let key = crate::error::shown_key(key);
                return Err(format!("two partitions have the key `{key}`: keys name partitions, one each").into());
            }
        }
        self.keys.extend(keys);
        Ok(())
    }

    /// In a run limited to a range of keys, a keyed task's partitions outside it are left out.
    fn keeps(&self, key: &str) -> Result<bool, BoxError> {
        match (&self.run.inputs.keys, &self.run.graph.nodes[self.node].work) {
            (Some(range), crate::graph::Work::Task(..)) => Ok(range.contains(key)?),
            _ => Ok(true),
        }
    }
}
