//! Partitions handed over together, as one typed vector.
//!
//! A partitioned output of small values (W1's million integers) would cost one allocation per
//! partition if every partition were a value of its own. Instead, a partitioned task hands its
//! partitions over in batches (a `Vec<T>` per batch), the in-memory store keeps each batch as
//! it is, and the tasks of a map run over a whole batch and hand their results over as a
//! batch again: a million partitions cost a few thousand allocations. Readers that need
//! partitions one at a time (a nested DAG, running one node alone) take a batch apart with the
//! [`Codec`] of the output, which knows its type.

use std::ops::Range;
use std::sync::Arc;

use super::{AnyValue, Codec, Erased};
use crate::error::BoxError;

/// Consecutive partitions of one output: a `Vec<T>` of the output's type, erased, with the
/// codec that knows `T`.
#[derive(Clone)]
#[doc(hidden)]
pub struct Batch {
    items: AnyValue,
    len: usize,
    codec: Codec,
}

impl Batch {
    /// `items` must be a `Vec<T>` of `len` items, `T` the type of `codec`.
    pub(crate) fn new(items: AnyValue, len: usize, codec: Codec) -> Self {
        Batch { items, len, codec }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn codec(&self) -> &Codec {
        &self.codec
    }

    /// The `Vec<T>` of the items, for writing them together.
    pub(crate) fn items(&self) -> &AnyValue {
        &self.items
    }

    /// Item `i`, for writing it.
    pub(crate) fn item(&self, i: usize) -> Option<&Erased> {
        (self.codec.item)(&*self.items, i)
    }

    /// Item `i` as a value of its own (a copy).
    pub(crate) fn value(&self, i: usize) -> Option<AnyValue> {
        (self.codec.copy)(self.item(i)?)
    }

    /// Every item as a value of its own: moved out when nothing else holds the batch.
    pub(crate) fn into_values(self) -> Option<Vec<AnyValue>> {
        (self.codec.split)(self.items)
    }

    /// The items, for a reader that takes them by value: moved out when nothing else holds
    /// the batch, copied otherwise.
    pub(crate) fn take<T: Send + Sync + 'static>(self) -> Result<Vec<T>, BoxError> {
        let items = self.items.downcast::<Vec<T>>().map_err(|_| type_error::<T>())?;
        match Arc::try_unwrap(items) {
            Ok(items) => Ok(items),
            Err(shared) => copy_range(&self.codec, &*shared, 0..self.len),
        }
    }

    /// A copy of items `range`, for a reader that takes them by value while others read them.
    pub(crate) fn copy_range<T: 'static>(&self, range: Range<usize>) -> Result<Vec<T>, BoxError> {
        copy_range(&self.codec, &*self.items, range)
    }

    /// Whether nothing else holds the items, so that they can be split and moved.
    pub(crate) fn is_unique(&mut self) -> bool {
        Arc::get_mut(&mut self.items).is_some()
    }

    /// The items from `at` on, moved out into a batch of their own; `None` if others hold the
    /// items.
    pub(crate) fn split_off(&mut self, at: usize) -> Option<Batch> {
        let tail = (self.codec.split_off)(&mut self.items, at)?;
        let tail = Batch { items: tail, len: self.len - at, codec: self.codec };
        self.len = at;
        Some(tail)
    }

    /// A cursor over the items, from the front, `n` at a time; the batch itself when others
    /// hold its items too.
    pub(crate) fn into_fronts(self) -> Result<super::codec::Fronts, Batch> {
        let Batch { items, len, codec } = self;
        (codec.fronts)(items).map_err(|items| Batch { items, len, codec })
    }

    /// The items, for a reader that borrows them.
    pub(crate) fn borrow<T: 'static>(&self) -> Result<&[T], BoxError> {
        self.items.downcast_ref::<Vec<T>>().map(Vec::as_slice).ok_or_else(type_error::<T>)
    }
}

fn copy_range<T: 'static>(codec: &Codec, items: &Erased, range: Range<usize>) -> Result<Vec<T>, BoxError> {
    (codec.copy_range)(items, range)
        .and_then(|copy| copy.downcast::<Vec<T>>().ok())
        .map(|copy| *copy)
        .ok_or_else(type_error::<T>)
}

fn type_error<T>() -> BoxError {
    format!("partitions between nodes are not `{}` values", std::any::type_name::<T>()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Json;

    fn batch(items: Vec<u64>) -> Batch {
        let len = items.len();
        Batch::new(Arc::new(items), len, Codec::of::<u64, Json>())
    }

    #[test]
    fn a_batch_is_moved_to_its_only_reader_and_copied_for_others() {
        let only = batch(vec![1, 2, 3]);
        assert_eq!(only.take::<u64>().unwrap(), [1, 2, 3]);
        let shared = batch(vec![4, 5]);
        let other = shared.clone();
        assert_eq!(shared.take::<u64>().unwrap(), [4, 5]);
        assert_eq!(other.borrow::<u64>().unwrap(), [4, 5]);
        assert!(other.clone().take::<String>().is_err(), "a wrong type is an error, not a panic");
    }

    #[test]
    fn a_batch_comes_apart_into_values() {
        let values = batch(vec![7, 8]).into_values().unwrap();
        assert_eq!(values.iter().map(|v| *v.downcast_ref::<u64>().unwrap()).collect::<Vec<_>>(), [7, 8]);
        assert_eq!(*batch(vec![7, 8]).value(1).unwrap().downcast_ref::<u64>().unwrap(), 8);
        assert!(batch(vec![7]).value(1).is_none());
    }
}
