//! The lazy fan-in: a task parameter that reads the partitions of an output one at a time.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use crate::data::Data;
use crate::format::Codec;
use crate::graph::AnyValue;
use crate::store::{Store, StoreError, Stored};

/// Every partition of a partitioned output, in order, each read only when the iteration
/// reaches it.
///
/// Declare a task parameter as `Partitions<T>` instead of `Vec<T>` to reduce partitions as a
/// stream: with a [`DiskStore`](crate::DiskStore), memory then holds one partition at a time,
/// however many there are. (With the in-memory store every partition is in memory anyway, and
/// each item is a copy.)
///
/// ```
/// use dagger_core::prelude::*;
/// use dagger_core::{DiskStore, Partitions};
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
pub struct Partitions<T> {
    reader: Arc<PartsReader>,
    next: usize,
    _item: PhantomData<fn() -> T>,
}

impl<T> Clone for Partitions<T> {
    fn clone(&self) -> Self {
        Partitions { reader: self.reader.clone(), next: self.next, _item: PhantomData }
    }
}

impl<T> fmt::Debug for Partitions<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partitions").field("count", &self.reader.stored.len()).field("next", &self.next).finish()
    }
}

impl<T: Data> Partitions<T> {
    pub(crate) fn new(reader: Arc<PartsReader>) -> Self {
        Partitions { reader, next: 0, _item: PhantomData }
    }
}

impl<T: Data> Iterator for Partitions<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let index = self.next;
        let stored = self.reader.stored.get(index)?;
        self.next += 1;
        let loaded = self.reader.store.get(stored, &self.reader.codec).map_err(|error| (index, error));
        let value = loaded.and_then(|value| {
            crate::private::owned::<T>(value).map_err(|source| (index, StoreError { file: None, source }))
        });
        match value {
            Ok(value) => Some(value),
            Err(failure) => {
                self.reader.fail(failure);
                self.next = self.reader.stored.len();
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.reader.stored.len() - self.next;
        (left, Some(left))
    }
}

impl<T: Data> ExactSizeIterator for Partitions<T> {}

/// Reads the partitions of one output for one run of a fan-in node, and keeps the first
/// failure for the runtime to report.
#[doc(hidden)]
pub struct PartsReader {
    pub(crate) stored: Vec<Stored>,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) codec: Codec,
    failure: Mutex<Option<(usize, StoreError)>>,
}

impl PartsReader {
    pub(crate) fn new(stored: Vec<Stored>, store: Arc<dyn Store>, codec: Codec) -> Self {
        PartsReader { stored, store, codec, failure: Mutex::new(None) }
    }

    /// Reads every partition now (for a `Vec<T>` fan-in).
    pub(crate) fn load_all(&self) -> Result<Vec<AnyValue>, (usize, StoreError)> {
        let values = self
            .stored
            .iter()
            .enumerate()
            .map(|(index, stored)| self.store.get(stored, &self.codec).map_err(|error| (index, error)))
            .collect();
        if let Err((index, error)) = &values {
            self.fail((*index, StoreError { file: error.file.clone(), source: error.source.to_string().into() }));
        }
        values
    }

    fn fail(&self, failure: (usize, StoreError)) {
        self.failure.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(failure);
    }

    /// The first partition that could not be read, and why.
    pub(crate) fn take_failure(&self) -> Option<(usize, StoreError)> {
        self.failure.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}
