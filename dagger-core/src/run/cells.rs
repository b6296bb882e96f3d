//! Where a run keeps the outputs of its nodes, and how many reads of each are left: the last
//! read takes the value, so that a node that is a value's only reader gets it moved, not
//! copied, and memory is released as early as the graph allows.
//!
//! A whole output is one [`Held`] value. A partitioned output is kept in [`Chunks`]: the ranges
//! of partitions that were handed over together (a batch of a partitioned task, or the range
//! of one job of a map). Every reader of a partitioned output reads it chunk by chunk — a map
//! job reads the chunk of its range, a fan-in reads them all — so the bookkeeping costs one
//! lock per chunk, not one per partition.

use std::ops::Range;
use std::sync::{Arc, Mutex};

use super::plan::KEEP;
use crate::store::{Files, Stored, StoredParts};
use crate::sync::lock;

/// One whole value and the reads of it that are left.
#[derive(Default)]
pub(super) struct Held(Mutex<(Option<Stored>, u32)>);

impl Held {
    pub(super) fn set(&self, stored: Stored, reads: u32) {
        *lock(&self.0) = (Some(stored), reads);
    }

    pub(super) fn read(&self) -> Option<Stored> {
        let mut held = lock(&self.0);
        let (stored, reads) = &mut *held;
        read_once(stored, reads)
    }
}

/// Takes the value on its last read, clones it otherwise.
fn read_once<T: Clone>(value: &mut Option<T>, reads: &mut u32) -> Option<T> {
    match *reads {
        KEEP => value.clone(),
        0 | 1 => {
            *reads = 0;
            value.take()
        }
        _ => {
            *reads -= 1;
            value.clone()
        }
    }
}

/// The partitions of one output, chunk by chunk, sorted by their first partition.
#[derive(Default)]
pub(super) struct Chunks(Mutex<Vec<Arc<Chunk>>>);

struct Chunk {
    start: usize,
    len: usize,
    values: Mutex<(Option<StoredParts>, u32)>,
}

impl Chunks {
    /// Keeps partitions `start..start + values.len()`, to be read `reads` times. A chunk that
    /// nobody reads is not kept in memory.
    ///
    /// Partitions the store has written hold nothing in memory but the list of their files:
    /// they are kept for any number of reads (and for the output's listing), and adjacent runs
    /// of them make one chunk, so that an output announced one partition at a time (a slow
    /// source on disk) costs a few chunks, not one per partition.
    pub(super) fn push(&self, start: usize, values: StoredParts, reads: u32) {
        let mut chunks = lock(&self.0);
        let mut at = chunks.partition_point(|c| c.start < start);
        let (mut start, mut values, mut reads) = (start, values, reads);
        if let StoredParts::Files(mut files) = values {
            if at > 0 && chunks[at - 1].start + chunks[at - 1].len == start {
                if let Some(mut before) = chunks[at - 1].files() {
                    at -= 1;
                    start = chunks.remove(at).start;
                    before.append(files);
                    files = before;
                }
            }
            if at < chunks.len() && start + files.len() == chunks[at].start {
                if let Some(after) = chunks[at].files() {
                    chunks.remove(at);
                    files.append(after);
                }
            }
            values = StoredParts::Files(files);
            reads = KEEP;
        } else if reads == 0 {
            return;
        }
        let chunk = Arc::new(Chunk { start, len: values.len(), values: Mutex::new((Some(values), reads)) });
        chunks.insert(at, chunk);
    }

    /// The files of partitions `0..count`, when the store wrote every one.
    pub(super) fn files(&self, count: usize) -> Option<Files> {
        let chunks = lock(&self.0);
        let mut all = Files::default();
        for chunk in chunks.iter() {
            if chunk.start != all.len() {
                return None;
            }
            all.append(chunk.files()?);
        }
        (all.len() == count).then_some(all)
    }

    /// The chunk that holds partition `index`.
    fn chunk_at(&self, index: usize) -> Option<Arc<Chunk>> {
        let chunks = lock(&self.0);
        let at = chunks.partition_point(|c| c.start <= index).checked_sub(1)?;
        let chunk = &chunks[at];
        (index < chunk.start + chunk.len).then(|| chunk.clone())
    }

    /// Partitions `range`, for one reader. Ranges are handed over as chunks, so a range is
    /// normally one chunk, read at once; otherwise its partitions are copied one by one.
    pub(super) fn read_range(&self, range: Range<usize>) -> Option<StoredParts> {
        if let Some(chunk) = self.chunk_at(range.start) {
            if chunk.start == range.start && chunk.len == range.len() {
                return chunk.read();
            }
            if let Some(files) = chunk.files().and_then(|files| files.slice(chunk.start, range.clone())) {
                return Some(StoredParts::Files(files));
            }
        }
        range.map(|index| self.peek(index)).collect::<Option<_>>().map(StoredParts::each)
    }

    /// Partitions `0..count`, in order, chunk by chunk, for one reader.
    pub(super) fn read_all(&self, count: usize) -> Option<Vec<StoredParts>> {
        let chunks: Vec<Arc<Chunk>> = lock(&self.0).clone();
        let mut all = Vec::with_capacity(chunks.len());
        let mut read = 0;
        for chunk in chunks {
            if chunk.start != read {
                return None;
            }
            read += chunk.len;
            all.push(chunk.read()?);
        }
        (read == count).then_some(all)
    }

    /// Partition `index`, without counting a read (for running one node alone).
    pub(super) fn peek(&self, index: usize) -> Option<Stored> {
        let chunk = self.chunk_at(index)?;
        let values = lock(&chunk.values);
        values.0.as_ref()?.get(chunk.start, index - chunk.start)
    }
}

impl Chunk {
    /// The chunk's files, if the store wrote its partitions.
    fn files(&self) -> Option<Files> {
        match &lock(&self.values).0 {
            Some(StoredParts::Files(files)) => Some(files.clone()),
            _ => None,
        }
    }

    fn read(&self) -> Option<StoredParts> {
        let mut values = lock(&self.values);
        let (stored, reads) = &mut *values;
        read_once(stored, reads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(stored: Stored) -> usize {
        match stored {
            Stored::Memory(value) => *value.downcast_ref::<usize>().unwrap(),
            Stored::Written | Stored::InFile(_) => unreachable!("a test keeps values in memory"),
        }
    }

    fn stored(range: Range<usize>) -> StoredParts {
        StoredParts::Each(range.map(|i| Stored::Memory(Arc::new(i))).collect())
    }

    fn values(parts: StoredParts) -> Vec<usize> {
        parts.into_each().unwrap().into_iter().map(value).collect()
    }

    #[test]
    fn chunks_are_read_in_order_and_taken_by_their_last_reader() {
        let chunks = Chunks::default();
        // Handed over out of order, as parallel map jobs finish.
        chunks.push(3, stored(3..7), 2);
        chunks.push(0, stored(0..3), 2);
        assert_eq!(values(chunks.read_range(3..7).unwrap()), [3, 4, 5, 6]);
        assert_eq!(value(chunks.peek(5).unwrap()), 5);
        let all = chunks.read_all(7).unwrap();
        assert_eq!(all.len(), 2, "read chunk by chunk");
        assert_eq!(all.into_iter().flat_map(values).collect::<Vec<_>>(), (0..7).collect::<Vec<_>>());
        // Chunk 3..7 had two reads: both are done, its values are gone.
        assert!(chunks.read_range(3..7).is_none());
        // A range that is not one chunk is assembled partition by partition.
        assert_eq!(values(chunks.read_range(1..3).unwrap()), [1, 2]);
    }

    #[test]
    fn a_batch_is_kept_whole_and_taken_apart_only_when_read_by_partition() {
        let chunks = Chunks::default();
        let batch = crate::erased::Batch::new(
            Arc::new((0..4).collect::<Vec<usize>>()),
            4,
            crate::erased::Codec::of::<usize, crate::format::Json>(),
        );
        chunks.push(0, StoredParts::Batch(batch), 3);
        assert_eq!(value(chunks.peek(2).unwrap()), 2);
        assert_eq!(values(chunks.read_range(1..3).unwrap()), [1, 2], "a copy of part of the batch");
        assert!(matches!(chunks.read_range(0..4), Some(StoredParts::Batch(_))), "the batch itself");
        let runs = vec![chunks.read_all(4).unwrap().remove(0), stored(4..6)];
        assert_eq!(values(StoredParts::concat(runs).unwrap()), [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn partitions_written_by_the_store_cost_their_files_runs_not_a_handle_each() {
        let files = |lens: &[usize]| {
            let mut files = Files::default();
            lens.iter().for_each(|&len| files.push(len));
            StoredParts::Files(files)
        };
        let chunks = Chunks::default();
        chunks.push(0, files(&[1024, 5]), 1);
        assert!(matches!(chunks.read_range(1024..1029), Some(StoredParts::Files(f)) if f.len() == 5));
        assert!(matches!(chunks.peek(1028), Some(Stored::InFile(r)) if r == (1024..1029)));
        assert!(chunks.peek(1029).is_none());
        // A range inside one file is read partition by partition.
        assert!(matches!(chunks.read_range(10..20), Some(StoredParts::Each(each)) if each.len() == 10));
        // Announced one by one, out of order: adjacent runs become one chunk.
        chunks.push(1031, files(&[1]), 1);
        chunks.push(1029, files(&[1]), 1);
        chunks.push(1030, files(&[1]), 0);
        assert_eq!(chunks.0.lock().unwrap().len(), 1, "and kept even when nobody reads them: the listing needs them");
        assert!(matches!(chunks.peek(1030), Some(Stored::Written)));
        let all = chunks.read_all(1032).unwrap();
        assert!(matches!(&all[..], [StoredParts::Files(f)] if f.len() == 1032), "kept for every reader");
        assert!(chunks.read_all(1032).is_some());
        assert_eq!(chunks.files(1032).unwrap().ranges(0).count(), 5);
        let mixed = StoredParts::concat(vec![stored(0..2), stored(2..3)]).unwrap();
        assert!(matches!(&mixed, StoredParts::Each(each) if each.len() == 3));
    }

    #[test]
    fn a_missing_chunk_is_none() {
        let chunks = Chunks::default();
        chunks.push(0, stored(0..2), 1);
        assert!(chunks.read_all(3).is_none());
        assert!(chunks.peek(2).is_none());
        chunks.push(5, stored(5..6), 0);
        assert!(chunks.peek(5).is_none(), "a chunk nobody reads is not kept");
    }
}
