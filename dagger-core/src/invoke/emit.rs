//! How a task hands over its output: one value, or partitions as it produces them.

use std::sync::Arc;

use crate::erased::AnyValue;
use crate::error::BoxError;
use crate::keys::{Keys, PartitionKey};

/// Receives what a task produces, as it produces it: a partitioned task's partitions are stored
/// (and can be mapped over) while the task is still producing the next ones.
#[doc(hidden)]
pub trait Emit {
    /// The task's single output.
    fn one(&mut self, value: AnyValue) -> Result<(), BoxError>;
    /// The next partition of a partitioned task's output.
    fn part(&mut self, value: AnyValue) -> Result<(), BoxError>;
    /// How many partitions to hand over together next, with [`batch`](Emit::batch).
    fn room(&self) -> usize {
        1
    }
    /// The next partitions of a partitioned task's output, handed over together: `items` is a
    /// `Vec<T>` of `len` partitions.
    fn batch(&mut self, items: AnyValue, len: usize) -> Result<(), BoxError>;
    /// The keys of the next partitions of a keyed output (JSON text, one per partition),
    /// handed over before the partitions themselves.
    fn keys(&mut self, _keys: Vec<String>) -> Result<(), BoxError> {
        Err("partition keys were handed over for an output that has no partitions".into())
    }
    /// Whether the partition of key `key` (JSON text) is handed over at all: not when the run
    /// is limited to a range of keys that leaves it out.
    fn keeps(&self, _key: &str) -> Result<bool, BoxError> {
        Ok(true)
    }
}

/// Hands over the return value of a task. (`Callable::Output: Data` checks the type, once.)
pub fn one<T: Send + Sync + 'static>(emit: &mut dyn Emit, value: T) -> Result<(), BoxError> {
    emit.one(Arc::new(value))
}

/// Hands over the return value of a `#[task(partitioned)]` task, one partition per item, as
/// the iterator produces them: in batches as large as `emit` has room for, so that small
/// partitions cost no allocation each.
pub fn parts<I>(emit: &mut dyn Emit, items: I) -> Result<(), BoxError>
where
    I: IntoIterator,
    I::Item: Send + Sync + 'static,
{
    let mut items = items.into_iter();
    loop {
        let room = emit.room().max(1);
        let batch: Vec<I::Item> = items.by_ref().take(room).collect();
        let len = batch.len();
        if len > 0 {
            emit.batch(Arc::new(batch), len)?;
        }
        if len < room {
            return Ok(());
        }
    }
}

/// Hands over the return value of a `#[task(partitioned, keyed)]` task, as `(key, value)`
/// pairs: each value is one partition, named by its key. As [`parts`], in batches.
pub fn keyed_parts<I, K, V>(emit: &mut dyn Emit, items: I) -> Result<(), BoxError>
where
    I: IntoIterator<Item = (K, V)>,
    K: PartitionKey,
    V: Send + Sync + 'static,
{
    let mut items = items.into_iter();
    loop {
        let room = emit.room().max(1);
        let mut keys = Vec::with_capacity(room);
        let mut values = Vec::with_capacity(room);
        let mut taken = 0;
        for (key, value) in items.by_ref().take(room) {
            taken += 1;
            let key = Keys::text_of(&key)?;
            if emit.keeps(&key)? {
                keys.push(key);
                values.push(value);
            }
        }
        let len = values.len();
        if len > 0 {
            emit.keys(keys)?;
            emit.batch(Arc::new(values), len)?;
        }
        if taken < room {
            return Ok(());
        }
    }
}

/// Partitions a node the builder makes (a window, a selection, a join, a regrouping, a shuffle)
/// produces one at a time, handed over in batches as large as `emit` has room for: stored
/// together (one file on disk, as a task's batch is), rather than a file each.
pub(crate) struct Batched<'e, T> {
    emit: &'e mut dyn Emit,
    keys: Vec<String>,
    values: Vec<T>,
}

impl<'e, T: Send + Sync + 'static> Batched<'e, T> {
    pub(crate) fn new(emit: &'e mut dyn Emit) -> Self {
        Batched { emit, keys: Vec::new(), values: Vec::new() }
    }

    /// The next partition, with its key for a keyed output (JSON text).
    pub(crate) fn push(&mut self, key: Option<String>, value: T) -> Result<(), BoxError> {
        self.keys.extend(key);
        self.values.push(value);
        if self.values.len() >= self.emit.room().max(1) {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BoxError> {
        if self.values.is_empty() {
            return Ok(());
        }
        if !self.keys.is_empty() {
            self.emit.keys(std::mem::take(&mut self.keys))?;
        }
        let values = std::mem::take(&mut self.values);
        let len = values.len();
        self.emit.batch(Arc::new(values), len)
    }

    /// Hands over what is left.
    pub(crate) fn finish(mut self) -> Result<(), BoxError> {
        self.flush()
    }
}
