//! How a task hands over its output: one value, or partitions as it produces them.

use std::sync::Arc;

use crate::erased::AnyValue;
use crate::error::BoxError;

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
