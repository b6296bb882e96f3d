//! Reuse by key: a map over keyed partitions finds, in the output an earlier run left with
//! another fingerprint, the partitions it computed from the same values, wherever they were.
//!
//! A partition's fingerprint by key is its node's code and whole inputs (the node's
//! fingerprint without what it reads per partition) with the fingerprint by key of the
//! partition it reads; at the keyed output the maps run over, the digest of the partition's
//! value. So when a daily set grows by one day, the other days' partitions have the same
//! fingerprints by key, though the output's fingerprint (which covers every partition) changed:
//! the store keeps the old output aside, the map takes from it the partitions it finds and
//! computes the others only. The output records its fingerprints by key when it is sealed, for
//! the next run, and the old one is dropped.

use std::ops::Range;

use super::state::{Run, Stopped};
use crate::erased::AnyValue;
use crate::fingerprint::{Fingerprint, Hasher};
use crate::graph::{How, Source};
use crate::store::{Files, Previous, StoreError, StoredParts};
use crate::sync::lock;

/// A run of partitions to compute (`None`), or found by key (each node's values, stored anew).
pub(super) type Found = (Range<usize>, Option<Vec<StoredParts>>);

impl Run<'_> {
    /// The fingerprint by key of partition `p` of `node`, a node in a map over keyed
    /// partitions whose values' digests are known; `None` otherwise.
    pub(super) fn by_key(&self, node: usize, p: usize) -> Option<Fingerprint> {
        let base = *self.by_key_bases.get(node)?;
        let mut hasher = Hasher::new("partition by key");
        hasher.fingerprint(base);
        for edge in &self.graph.nodes[node].inputs {
            if let (How::Split(_), Source::Node(source)) = (edge.how, edge.port.source) {
                let source = source as usize;
                let read = match self.graph.nodes[source].map {
                    Some(_) => self.by_key(source, p)?,
                    None => *lock(&self.outputs[source].digests).get(p)?,
                };
                hasher.fingerprint(read);
            }
        }
        Some(hasher.finish())
    }

    /// For each node of `map`, the output an earlier run left with another fingerprint, kept
    /// aside by the store (or why it could not be read): read once per run, or per job's
    /// process, not once per partition.
    pub(super) fn kept(&self, map: usize) -> &[Result<Option<Previous>, StoreError>] {
        self.maps[map].previous.get_or_init(|| {
            let nodes = &self.graph.maps[map].nodes;
            nodes
                .iter()
                .map(|&node| self.store.previous(&self.location(&self.graph.nodes[node as usize], None)))
                .collect()
        })
    }

    /// What of `range`, partitions of `map`'s source just announced (after those held back
    /// before), is run now: up to where a file of the first node's kept output ends. The
    /// partitions found in a file whose rest is not announced yet are held back, so that the
    /// next job takes the whole file and links it, rather than two jobs copying its halves.
    pub(super) fn carry_kept(&self, map: usize, range: Range<usize>) -> Range<usize> {
        let mut carry = lock(&self.maps[map].carry);
        let start = carry.take().unwrap_or(range.start).min(range.start);
        let cut = self.kept_cut(map, start..range.end);
        if cut < range.end {
            *carry = Some(cut);
        }
        start..cut
    }

    /// Where in `range` the last whole file of the first node's kept output ends, if the file
    /// of the range's last partition holds partitions after it: the start of that file's
    /// partitions in `range`; the range's end otherwise.
    fn kept_cut(&self, map: usize, range: Range<usize>) -> usize {
        // Only once the map's outputs are readied (the store has kept the old ones aside), and
        // for outputs found by key at all.
        if self.by_key_bases.is_empty() || self.maps[map].existing.get().is_none() {
            return range.end;
        }
        let Some(&node) = self.graph.maps[map].nodes.first() else { return range.end };
        let Some(Ok(Some(kept))) = self.kept(map).first() else { return range.end };
        let old = |p: usize| self.by_key(node as usize, p).and_then(|f| kept.by_key.get(&f).copied());
        let Some(last) = range.end.checked_sub(1).filter(|&last| last >= range.start) else { return range.end };
        let Some(at) = old(last) else { return range.end };
        let Some(file) = kept.files.file_of(0, at) else { return range.end };
        if at + 1 == file.end {
            return range.end;
        }
        // The partitions of that file before `at`, if they come in order just before `last`.
        let first = last.checked_sub(at - file.start).filter(|&first| first >= range.start);
        match first {
            Some(first) if (first..last).all(|p| old(p) == Some(file.start + (p - first))) => first,
            _ => range.end,
        }
    }

    /// Splits `range`, partitions `map` must compute, into runs found in the outputs kept aside
    /// (with, for each node, their values stored anew at their positions) and runs to compute.
    pub(super) fn found_by_key(&self, map: usize, range: Range<usize>) -> Result<Vec<Found>, Stopped> {
        let nodes = &self.graph.maps[map].nodes;
        // An output kept aside that cannot be read is as none: the partitions are computed.
        let previous = self.kept(map).iter().map(|kept| kept.as_ref().ok().and_then(Option::as_ref));
        let Some(previous) = previous.collect::<Option<Vec<&Previous>>>() else {
            return Ok(vec![(range, None)]);
        };
        // For each partition, its position in each node's kept output, if every node has it.
        let found = |p: usize| -> Option<Vec<usize>> {
            nodes
                .iter()
                .zip(&previous)
                .map(|(&node, kept)| kept.by_key.get(&self.by_key(node as usize, p)?).copied())
                .collect()
        };
        let mut runs: Vec<Found> = Vec::new();
        let mut p = range.start;
        while p < range.end {
            let start = p;
            let first = found(p);
            let is_found = first.is_some();
            let mut positions = vec![first];
            p += 1;
            while p < range.end {
                let next = found(p);
                if next.is_some() != is_found {
                    break;
                }
                positions.push(next);
                p += 1;
            }
            let stored = match is_found {
                true => {
                    Some(self.take_kept(map, start, &positions.into_iter().flatten().collect::<Vec<_>>(), &previous)?)
                }
                false => None,
            };
            runs.push((start..p, stored));
        }
        Ok(runs)
    }

    /// Stores anew, from partition `start` on, the kept partitions at `positions` (one list of
    /// positions per partition, one position per node): each node's values as a run. A kept
    /// file whose partitions come in order, all of them, is linked into the output under its new
    /// name (nothing read or written again); the other partitions are copied.
    fn take_kept(
        &self,
        map: usize,
        start: usize,
        positions: &[Vec<usize>],
        previous: &[&Previous],
    ) -> Result<Vec<StoredParts>, Stopped> {
        let nodes = &self.graph.maps[map].nodes;
        let mut columns = Vec::with_capacity(nodes.len());
        for (column, (&node, kept)) in nodes.iter().zip(previous).enumerate() {
            let olds: Vec<usize> = positions.iter().map(|positions| positions[column]).collect();
            columns.push(StoredParts::Files(self.take_kept_column(node as usize, start, &olds, kept)?));
        }
        tracing::info!(first = start, partitions = positions.len(), "found by key");
        Ok(columns)
    }

    /// The kept partitions at `olds` of `node`, stored from partition `start` on.
    fn take_kept_column(&self, node: usize, start: usize, olds: &[usize], kept: &Previous) -> Result<Files, Stopped> {
        let spec = &self.graph.nodes[node];
        let mut files = Files::default();
        let mut copied: Vec<AnyValue> = Vec::new();
        let mut loaded: Option<(Range<usize>, crate::erased::Batch)> = None;
        let mut k = 0;
        while k < olds.len() {
            let at = olds[k];
            let file = kept.files.file_of(0, at).ok_or_else(|| self.internal(spec, "a kept partition has no file"))?;
            let whole = file.start == at
                && k + file.len() <= olds.len()
                && olds[k..k + file.len()].iter().copied().eq(file.clone());
            if whole {
                let linked = self
                    .store
                    .link_previous(&self.location(spec, Some(start + k)), &file)
                    .map_err(|error| self.store_failed(spec, Some(start + k), true, error))?;
                if linked {
                    self.store_copied(spec, start + k - copied.len(), &mut copied, &mut files)?;
                    files.push(file.len());
                    k += file.len();
                    continue;
                }
            }
            if loaded.as_ref().is_none_or(|(range, _)| *range != file) {
                let location = self.location(spec, Some(file.start));
                let batch = self
                    .store
                    .load_previous(&location, &Files::one(file.len()), &spec.codec)
                    .map_err(|error| self.store_failed(spec, Some(start + k), false, error))?;
                loaded = Some((file.clone(), batch));
            }
            let value = loaded
                .as_ref()
                .and_then(|(range, batch)| batch.value(at - range.start))
                .ok_or_else(|| self.internal(spec, "a kept partition is not in its file"))?;
            copied.push(value);
            k += 1;
        }
        self.store_copied(spec, start + olds.len() - copied.len(), &mut copied, &mut files)?;
        Ok(files)
    }

    /// Stores the partitions `copied` from partition `first` on, as one batch (one file on
    /// disk), after `files`.
    fn store_copied(
        &self,
        spec: &crate::graph::NodeSpec,
        first: usize,
        copied: &mut Vec<AnyValue>,
        files: &mut Files,
    ) -> Result<(), Stopped> {
        if copied.is_empty() {
            return Ok(());
        }
        let len = copied.len();
        let items = (spec.codec.gather)(std::mem::take(copied))
            .ok_or_else(|| self.internal(spec, "kept partitions of another type"))?;
        let stored = self
            .store
            .put_batch(&self.location(spec, Some(first)), crate::erased::Batch::new(items, len, spec.codec))
            .map_err(|error| self.store_failed(spec, Some(first), true, error))?;
        match stored {
            StoredParts::Files(written) => {
                files.append(written);
                Ok(())
            }
            _ => Err(self.internal(spec, "a store that keeps outputs aside kept partitions in memory")),
        }
    }

    /// Before `node`'s output (a node in a map) is sealed with `count` partitions: its
    /// fingerprints by key, for a later run, when they are all known.
    pub(super) fn record_by_key(&self, node: usize, count: usize) -> Result<(), Stopped> {
        if self.graph.nodes[node].map.is_none() || self.by_key_bases.is_empty() {
            return Ok(());
        }
        let Some(fingerprints) = (0..count).map(|p| self.by_key(node, p)).collect::<Option<Vec<_>>>() else {
            return Ok(());
        };
        let spec = &self.graph.nodes[node];
        self.store
            .put_by_key(&self.location(spec, None), &fingerprints)
            .map_err(|error| self.store_failed(spec, None, true, error))
    }
}
