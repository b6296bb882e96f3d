//! The lazy fan-in: a task parameter that reads the partitions of an output one at a time.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::data::Data;
use crate::format::Codec;
use crate::graph::{AnyValue, BoxError};
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

impl<T> Partitions<T> {
    /// Another cursor over the same partitions. Each partition is read once: whichever cursor
    /// reaches it first gets it. (A task receives its `Partitions` by value, so this only
    /// serves [`TaskInput`](crate::TaskInput).)
    pub(crate) fn share(&self) -> Self {
        Partitions { reader: self.reader.clone(), next: self.next, _item: PhantomData }
    }
}

impl<T> fmt::Debug for Partitions<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partitions").field("count", &self.reader.count).field("next", &self.next).finish()
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
        if index >= self.reader.count {
            return None;
        }
        self.next += 1;
        match self
            .reader
            .load(index)
            .and_then(|value| crate::private::owned::<T>(value).map_err(|source| StoreError { file: None, source }))
        {
            Ok(value) => Some(value),
            Err(error) => {
                self.reader.fail((index, error));
                self.next = self.reader.count;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.reader.count - self.next;
        (left, Some(left))
    }
}

impl<T: Data> ExactSizeIterator for Partitions<T> {}

/// Reads the partitions of one output for one run of a fan-in node, and keeps the first
/// failure for the runtime to report. Each partition is read once, and moved out of the store
/// when it is kept in memory and no other node reads it.
#[doc(hidden)]
pub struct PartsReader {
    stored: Mutex<Vec<Option<Stored>>>,
    count: usize,
    store: Arc<dyn Store>,
    codec: Codec,
    failure: Mutex<Option<(usize, StoreError)>>,
}

impl PartsReader {
    pub(crate) fn new(stored: Vec<Option<Stored>>, store: Arc<dyn Store>, codec: Codec) -> Self {
        let count = stored.len();
        PartsReader { stored: Mutex::new(stored), count, store, codec, failure: Mutex::new(None) }
    }

    fn load(&self, index: usize) -> Result<AnyValue, StoreError> {
        let stored = self.stored.lock().unwrap_or_else(|e| e.into_inner()).get_mut(index).and_then(Option::take);
        self.value_of(stored)
    }

    /// The value of a partition taken out of the reader (`None`: read already).
    fn value_of(&self, stored: Option<Stored>) -> Result<AnyValue, StoreError> {
        let stored =
            stored.ok_or_else(|| StoreError { file: None, source: "this partition was already read".into() })?;
        self.store.take(stored, &self.codec)
    }

    /// Reads every partition now, in parallel, and converts each with `convert` (for a `Vec<T>`
    /// fan-in).
    pub(crate) fn load_all<U: Send>(
        &self,
        convert: impl Fn(AnyValue) -> Result<U, BoxError> + Sync + Send,
    ) -> Result<Vec<U>, BoxError> {
        let stored = std::mem::take(&mut *self.stored.lock().unwrap_or_else(|e| e.into_inner()));
        stored
            .into_par_iter()
            .enumerate()
            .map(|(index, stored)| match self.value_of(stored) {
                Ok(value) => convert(value),
                Err(error) => {
                    let message = format!("partition {index}: {}", error.source);
                    self.fail((index, error));
                    Err(message.into())
                }
            })
            .collect()
    }

    fn fail(&self, failure: (usize, StoreError)) {
        self.failure.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(failure);
    }

    /// The first partition that could not be read, and why.
    pub(crate) fn take_failure(&self) -> Option<(usize, StoreError)> {
        self.failure.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}
