//! The default store: outputs stay in memory.

use super::{sealed, Location, Store, StoreError, Stored, StoredParts};
use crate::erased::{AnyValue, Batch, Codec};

/// Keeps outputs in memory, shared by every node that reads them (never copied for a reader
/// that takes a reference). The default.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryStore;

impl sealed::Sealed for MemoryStore {}

impl Store for MemoryStore {
    fn put(&self, _: &Location<'_>, value: AnyValue, _: &Codec) -> Result<Stored, StoreError> {
        Ok(Stored::Memory(value))
    }

    fn put_batch(&self, _: &Location<'_>, batch: Batch) -> Result<StoredParts, StoreError> {
        Ok(StoredParts::Batch(batch))
    }

    fn keeps_batches(&self) -> bool {
        true
    }

    fn take(&self, _: &Location<'_>, stored: Stored, _: &Codec) -> Result<AnyValue, StoreError> {
        match stored {
            Stored::Memory(value) => Ok(value),
            Stored::Written => Err(StoreError { file: None, source: "the memory store writes no files".into() }),
        }
    }

    fn seal(&self, _: &Location<'_>, _: usize) -> Result<(), StoreError> {
        Ok(())
    }

    fn find(&self, _: &Location<'_>) -> Option<Stored> {
        None
    }

    fn find_count(&self, _: &Location<'_>) -> Option<usize> {
        None
    }

    fn end(&self, _: &str, _: bool) {}
}
