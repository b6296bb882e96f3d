//! The lazy fan-in: a task parameter that reads the partitions of an output one at a time.

use std::fmt;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::{Files, Location, Store, StoreError, Stored, StoredParts};
use crate::data::{Data, TaskInput};
use crate::erased::{owned, AnyValue, Batch, Codec};
use crate::error::{BoxError, NodePath};
use crate::keys::Keys;
use crate::sync::lock;

/// Every partition of a partitioned output, in order, each read only when the iteration
/// reaches it.
///
/// Declare a task parameter as `Partitions<T>` instead of `Vec<T>` to reduce partitions as a
/// stream: with a [`DiskStore`](crate::DiskStore), memory then holds one partition at a time,
/// however many there are. (With the in-memory store every partition is in memory anyway; each
/// is moved out of the store when this is its only reader.)
///
/// ```
/// use dagger_core::prelude::*;
///
/// #[task(partitioned)]
/// fn numbers(n: u64) -> Vec<u64> {
///     (0..n).collect()
/// }
///
/// #[task]
/// fn streaming_sum(parts: Partitions<u64>) -> u64 {
///     parts.sum()
/// }
///
/// #[dag]
/// fn sum_all(n: u64) -> u64 {
///     streaming_sum(numbers(n))
/// }
///
/// let runner = Runner::new().with_store(DiskStore::temporary().unwrap());
/// assert_eq!(sum_all { n: 5 }.execute_on(&runner).unwrap(), 10);
/// ```
///
/// If a partition cannot be read (a missing or corrupt file), the iteration ends there and the
/// run fails with an error that names the partition and the file, whatever the task returns.
///
/// To call such a task as a plain function (in a unit test), make the partitions from a `Vec`
/// or an iterator:
///
/// ```
/// # use dagger_core::prelude::*;
/// # #[task]
/// # fn streaming_sum(parts: Partitions<u64>) -> u64 {
/// #     parts.sum()
/// # }
/// assert_eq!(streaming_sum(Partitions::from(vec![1, 2, 3])), 6);
/// assert_eq!(streaming_sum((1..=4).collect()), 10);
/// ```
pub struct Partitions<T> {
    /// Where the partitions are read from; none for partitions made from a `Vec`.
    reader: Option<Arc<PartsReader>>,
    /// How many partitions there are.
    count: usize,
    /// The partition `next()` returns.
    next: usize,
    /// The chunk of the reader to take when `current` is done.
    chunk: usize,
    current: Current<T>,
}

/// The chunk being iterated: typed items of a batch, or partitions stored each on its own,
/// loaded one by one.
enum Current<T> {
    Done,
    Items(std::vec::IntoIter<T>),
    Stored(std::vec::IntoIter<Stored>),
}

#[diagnostic::do_not_recommend]
impl<T: Data> TaskInput for Partitions<T> {
    /// Another cursor over the same partitions. Each partition in a store is read once:
    /// whichever cursor reaches it first gets it. (A task receives its `Partitions` by value,
    /// so the runtime never needs two.)
    fn clone_input(&self) -> Self {
        match (&self.reader, &self.current) {
            (Some(reader), _) => {
                let next = reader.starts.get(self.chunk).copied().unwrap_or(self.count);
                Partitions {
                    reader: Some(reader.clone()),
                    count: self.count,
                    next,
                    chunk: self.chunk,
                    current: Current::Done,
                }
            }
            (None, Current::Items(items)) => items.as_slice().iter().map(T::clone_value).collect(),
            (None, _) => Vec::new().into(),
        }
    }
}

impl<T> fmt::Debug for Partitions<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partitions").field("count", &self.count).field("next", &self.next).finish()
    }
}

impl<T> From<Vec<T>> for Partitions<T> {
    fn from(items: Vec<T>) -> Self {
        Partitions { reader: None, count: items.len(), next: 0, chunk: 0, current: Current::Items(items.into_iter()) }
    }
}

impl<T> FromIterator<T> for Partitions<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        items.into_iter().collect::<Vec<T>>().into()
    }
}

impl<T: Data> Partitions<T> {
    pub(crate) fn new(reader: Arc<PartsReader>) -> Self {
        let count = reader.count;
        Partitions { reader: Some(reader), count, next: 0, chunk: 0, current: Current::Done }
    }

    /// The keys of the partitions, in order, when they are keyed.
    pub(crate) fn keys(&self) -> Option<&Keys> {
        self.reader.as_ref().and_then(|reader| reader.keys())
    }

    /// Partitions `range` only: the chunks before it are never read, nor those after it.
    pub(crate) fn range(mut self, range: std::ops::Range<usize>) -> std::iter::Take<std::iter::Skip<Self>> {
        let (start, end) = (range.start.min(self.count), range.end.min(self.count));
        if let Some(reader) = &self.reader {
            let chunk = reader.starts.partition_point(|&first| first <= start).saturating_sub(1);
            self.chunk = chunk;
            self.next = reader.starts.get(chunk).copied().unwrap_or(self.count).min(start);
            self.current = Current::Done;
        }
        let skip = start - self.next;
        self.skip(skip).take(end.saturating_sub(start))
    }

    /// Partition `index` alone, wherever the iteration is: only its chunk is read (its file, on
    /// disk). A partition kept in memory is moved out, so each is taken once.
    pub(crate) fn take_one(&self, index: usize) -> Result<T, BoxError> {
        let reader = self.reader.as_ref().ok_or("partitions made from a list are read in order")?;
        if index >= self.count {
            return Err(format!("there is no partition {index} of {}", self.count).into());
        }
        reader.take_one::<T>(index).map_err(|error| {
            let message = format!("partition {index}: {}", error.source);
            reader.fail((index, error));
            message.into()
        })
    }

    /// Partitions `indices` (increasing), wherever the iteration is: each chunk that holds some
    /// of them is read once (a file, on disk), however many of them it holds.
    pub(crate) fn take_many(&self, indices: impl IntoIterator<Item = usize>) -> Result<Vec<T>, BoxError> {
        let mut cursor = self.cursor();
        indices.into_iter().map(|index| cursor.take(index)).collect()
    }

    /// A reader of partitions by index that keeps the file it read last: partitions taken in
    /// increasing order cost one read of each file that holds them.
    pub(crate) fn cursor(&self) -> Cursor<'_, T> {
        Cursor { parts: self, loaded: None }
    }

    /// Ends the iteration on a partition that could not be read.
    fn fail(&mut self, index: usize, error: StoreError) -> Option<T> {
        if let Some(reader) = &self.reader {
            reader.fail((index, error));
            self.chunk = reader.starts.len();
        }
        self.next = self.count;
        self.current = Current::Done;
        None
    }
}

impl<T: Data> Iterator for Partitions<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        loop {
            let index = self.next;
            match &mut self.current {
                Current::Items(items) => {
                    if let Some(item) = items.next() {
                        self.next += 1;
                        return Some(item);
                    }
                }
                Current::Stored(stored) => {
                    if let (Some(stored), Some(reader)) = (stored.next(), &self.reader) {
                        self.next += 1;
                        let value = reader
                            .take(index, stored)
                            .and_then(|value| owned::<T>(value).map_err(|source| StoreError::new(None, source)));
                        return value.map_or_else(|error| self.fail(index, error), Some);
                    }
                }
                Current::Done => {}
            }
            let Some(reader) = &self.reader else { return None };
            if index >= self.count {
                return None;
            }
            let Some(parts) = reader.take_chunk(self.chunk) else {
                return self.fail(index, already_read());
            };
            self.chunk += 1;
            self.current = match parts {
                StoredParts::Each(stored) => Current::Stored(stored.into_iter()),
                parts => match reader
                    .batch(index, parts)
                    .and_then(|batch| batch.take::<T>().map_err(|source| StoreError::new(None, source)))
                {
                    Ok(items) => Current::Items(items.into_iter()),
                    Err(error) => return self.fail(index, error),
                },
            };
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.count - self.next;
        (left, Some(left))
    }
}

impl<T: Data> ExactSizeIterator for Partitions<T> {}

/// See [`Partitions::cursor`].
pub(crate) struct Cursor<'p, T> {
    parts: &'p Partitions<T>,
    /// The file read last: its chunk, and its partitions.
    loaded: Option<(usize, Batch)>,
}

impl<T: Data> Cursor<'_, T> {
    /// Partition `index` (each is taken once).
    pub(crate) fn take(&mut self, index: usize) -> Result<T, BoxError> {
        let parts = self.parts;
        let reader = parts.reader.as_ref().ok_or("partitions made from a list are read in order")?;
        if index >= parts.count {
            return Err(format!("there is no partition {index} of {}", parts.count).into());
        }
        // In memory, each partition is moved out of its chunk: nothing to keep.
        if reader.store.holds_values() {
            return parts.take_one(index);
        }
        match reader.file_batch(index, &mut self.loaded) {
            Ok(Some(value)) => owned::<T>(value),
            Ok(None) => parts.take_one(index),
            Err(error) => {
                let message = format!("partition {index}: {}", error.source);
                reader.fail((index, error));
                Err(message.into())
            }
        }
    }
}

fn already_read() -> StoreError {
    StoreError::new(None, "these partitions were already read")
}

/// Reads the partitions of one output for one run of a fan-in node, chunk by chunk, and keeps
/// the first failure for the runtime to report. Each partition is read once, and moved out of
/// the store when it is kept in memory and no other node reads it.
#[doc(hidden)]
pub struct PartsReader {
    chunks: Mutex<Vec<Option<StoredParts>>>,
    /// The first partition of each chunk.
    starts: Vec<usize>,
    count: usize,
    store: Arc<dyn Store>,
    codec: Codec,
    /// Where the output is: its DAG and node.
    dag: NodePath,
    node: String,
    failure: Mutex<Option<(usize, StoreError)>>,
    /// The partitions' keys, for a keyed output.
    keys: Option<Keys>,
}

impl PartsReader {
    /// A reader of `chunks`: consecutive runs of partitions, from partition 0, of the output of
    /// `node` in `dag`. Partitions in files are read file by file.
    pub(crate) fn new(
        chunks: Vec<StoredParts>,
        store: Arc<dyn Store>,
        codec: Codec,
        dag: NodePath,
        node: String,
    ) -> Self {
        let mut starts = Vec::with_capacity(chunks.len());
        let mut each = Vec::with_capacity(chunks.len());
        let mut count = 0;
        for chunk in chunks {
            match chunk {
                StoredParts::Files(files) => {
                    for file in files.ranges(count) {
                        starts.push(file.start);
                        each.push(Some(StoredParts::Files(Files::one(file.len()))));
                    }
                    count += files.len();
                }
                chunk => {
                    starts.push(count);
                    count += chunk.len();
                    each.push(Some(chunk));
                }
            }
        }
        let chunks = Mutex::new(each);
        PartsReader { chunks, starts, count, store, codec, dag, node, failure: Mutex::new(None), keys: None }
    }

    /// The reader of a keyed output, with its keys.
    pub(crate) fn with_keys(self, keys: Option<Keys>) -> Self {
        PartsReader { keys, ..self }
    }

    /// The partitions' keys, in partition order, if they have keys.
    pub(crate) fn keys(&self) -> Option<&Keys> {
        self.keys.as_ref()
    }

    /// The value of partition `index`.
    fn take(&self, index: usize, stored: Stored) -> Result<AnyValue, StoreError> {
        let at = Location { dag: &self.dag, node: &self.node, partition: Some(index) };
        self.store.take(&at, stored, &self.codec)
    }

    fn take_chunk(&self, chunk: usize) -> Option<StoredParts> {
        lock(&self.chunks).get_mut(chunk).and_then(Option::take)
    }

    /// The partitions of a chunk from partition `start`, as a batch: read from their files if
    /// the store wrote them.
    fn batch(&self, start: usize, parts: StoredParts) -> Result<Batch, StoreError> {
        match parts {
            StoredParts::Batch(batch) => Ok(batch),
            StoredParts::Files(files) => {
                let at = Location { dag: &self.dag, node: &self.node, partition: Some(start) };
                self.store.load(&at, &files, &self.codec)
            }
            StoredParts::Each(_) => Err(StoreError::new(None, "partitions stored each on their own are not a batch")),
        }
    }

    /// The values of one chunk, from partition `start`; the partition that could not be read.
    fn chunk_values<T: Data>(&self, start: usize, parts: StoredParts) -> Result<Vec<T>, (usize, StoreError)> {
        match parts {
            StoredParts::Each(stored) => stored
                .into_iter()
                .enumerate()
                .map(|(offset, stored)| {
                    let index = start + offset;
                    let value = self.take(index, stored).map_err(|error| (index, error))?;
                    owned::<T>(value).map_err(|source| (index, StoreError::new(None, source)))
                })
                .collect(),
            parts => self
                .batch(start, parts)
                .and_then(|batch| batch.take::<T>().map_err(|source| StoreError::new(None, source)))
                .map_err(|error| (start, error)),
        }
    }

    /// Partition `index` alone: moved out of a chunk kept in memory (each partition is taken
    /// once), read from its file otherwise, the other partitions of its chunk left in place.
    fn take_one<T: Data>(&self, index: usize) -> Result<T, StoreError> {
        let chunk = self.starts.partition_point(|&first| first <= index).saturating_sub(1);
        let start = self.starts.get(chunk).copied().unwrap_or(0);
        let stored = {
            let mut chunks = lock(&self.chunks);
            let slot = chunks.get_mut(chunk).and_then(Option::as_mut);
            // A batch is taken apart on its first partition taken alone: each of its partitions
            // is then moved out (not copied) when nothing else holds the batch.
            if let Some(parts @ StoredParts::Batch(_)) = slot {
                if let StoredParts::Batch(batch) = std::mem::replace(parts, StoredParts::Each(Vec::new())) {
                    let values = batch.into_values().ok_or_else(|| StoreError::new(None, "a batch of another type"))?;
                    *parts = StoredParts::Each(values.into_iter().map(Stored::Memory).collect());
                }
            }
            match chunks.get_mut(chunk).and_then(Option::as_mut) {
                None => return Err(already_read()),
                Some(StoredParts::Each(each)) => {
                    let slot = each.get_mut(index - start).ok_or_else(already_read)?;
                    Some(std::mem::replace(slot, Stored::Memory(Arc::new(()))))
                }
                Some(StoredParts::Batch(batch)) => batch.value(index - start).map(Stored::Memory),
                Some(StoredParts::Files(_)) => None,
            }
        };
        let value = match stored {
            Some(stored) => self.take(index, stored)?,
            None => {
                let files = match lock(&self.chunks).get(chunk).and_then(Option::as_ref) {
                    Some(StoredParts::Files(files)) => files.clone(),
                    _ => return Err(already_read()),
                };
                let batch = self.batch(start, StoredParts::Files(files))?;
                batch.value(index - start).ok_or_else(already_read)?
            }
        };
        owned::<T>(value).map_err(|source| StoreError::new(None, source))
    }

    /// Partition `index` from the file that holds it, read once for the partitions after it in
    /// the same file (`loaded`: the last file read, by chunk); `None` when the partitions are
    /// not in files.
    fn file_batch(&self, index: usize, loaded: &mut Option<(usize, Batch)>) -> Result<Option<AnyValue>, StoreError> {
        let chunk = self.starts.partition_point(|&first| first <= index).saturating_sub(1);
        let start = self.starts.get(chunk).copied().unwrap_or(0);
        if !matches!(loaded, Some((at, _)) if *at == chunk) {
            let files = match lock(&self.chunks).get(chunk).and_then(Option::as_ref) {
                Some(StoredParts::Files(files)) => files.clone(),
                _ => return Ok(None),
            };
            *loaded = Some((chunk, self.batch(start, StoredParts::Files(files))?));
        }
        let batch = loaded.as_ref().map(|(_, batch)| batch);
        Ok(batch.and_then(|batch| batch.value(index - start)))
    }

    /// Reads every partition now, in order (chunks in parallel), for a `Vec<T>` fan-in.
    pub(crate) fn take_all<T: Data>(&self) -> Result<Vec<T>, BoxError> {
        let chunks = std::mem::take(&mut *lock(&self.chunks));
        let parts: Vec<Result<Vec<T>, BoxError>> = chunks
            .into_par_iter()
            .zip(self.starts.par_iter())
            .map(|(chunk, &start)| {
                let chunk = chunk.ok_or_else(|| already_read().source)?;
                self.chunk_values::<T>(start, chunk).map_err(|(index, error)| {
                    let message = format!("partition {index}: {}", error.source);
                    self.fail((index, error));
                    message.into()
                })
            })
            .collect();
        let mut all: Vec<T> = Vec::with_capacity(self.count);
        for part in parts {
            let part = part?;
            if all.is_empty() {
                all = part;
                all.reserve(self.count);
            } else {
                all.extend(part);
            }
        }
        Ok(all)
    }

    fn fail(&self, failure: (usize, StoreError)) {
        lock(&self.failure).get_or_insert(failure);
    }

    /// The first partition that could not be read, and why.
    pub(crate) fn take_failure(&self) -> Option<(usize, StoreError)> {
        lock(&self.failure).take()
    }
}
