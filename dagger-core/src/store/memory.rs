//! The default store: outputs stay in memory.

use std::sync::Arc;

use super::{sealed, Existing, Files, Location, Previous, Store, StoreError, Stored, StoredParts};
use crate::erased::{AnyValue, Batch, Codec};
use crate::fingerprint::Fingerprint;
use crate::keys::Keys;

/// Keeps outputs in memory, shared by every node that reads them (never copied for a reader
/// that takes a reference). The default. Nothing outlives the run.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryStore;

impl sealed::Sealed for MemoryStore {}

impl Store for MemoryStore {
    fn open_run(&self, _: &str, _: Fingerprint) -> Result<Arc<dyn Store>, StoreError> {
        Ok(Arc::new(MemoryStore))
    }

    fn end(&self, _: bool) {}

    fn find(&self, _: &Location<'_>, _: Fingerprint) -> Result<Existing, StoreError> {
        Ok(Existing::Nothing)
    }

    fn prepare(&self, _: &Location<'_>, _: Fingerprint, _: bool, _: bool) -> Result<Existing, StoreError> {
        Ok(Existing::Nothing)
    }

    fn put(&self, _: &Location<'_>, value: AnyValue, _: &Codec, _: Fingerprint) -> Result<Stored, StoreError> {
        Ok(Stored::Memory(value))
    }

    fn put_batch(&self, _: &Location<'_>, batch: Batch) -> Result<StoredParts, StoreError> {
        Ok(StoredParts::Batch(batch))
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn take(&self, _: &Location<'_>, stored: Stored, _: &Codec) -> Result<AnyValue, StoreError> {
        match stored {
            Stored::Memory(value) => Ok(value),
            Stored::Written | Stored::InFile(_) => Err(StoreError::new(None, "the memory store writes no files")),
        }
    }

    fn load(&self, _: &Location<'_>, _: &Files, _: &Codec) -> Result<Batch, StoreError> {
        Err(StoreError::new(None, "the memory store writes no files"))
    }

    fn put_keys(&self, _: &Location<'_>, _: &Keys) -> Result<(), StoreError> {
        Ok(())
    }

    fn keys(&self, _: &Location<'_>) -> Result<Option<Keys>, StoreError> {
        Ok(None)
    }

    fn put_by_key(&self, _: &Location<'_>, _: &[Fingerprint]) -> Result<(), StoreError> {
        Ok(())
    }

    fn previous(&self, _: &Location<'_>) -> Result<Option<Previous>, StoreError> {
        Ok(None)
    }

    fn load_previous(&self, _: &Location<'_>, _: &Files, _: &Codec) -> Result<Batch, StoreError> {
        Err(StoreError::new(None, "a memory store keeps nothing from an earlier run"))
    }

    fn drop_previous(&self, _: &Location<'_>) {}

    fn seal(&self, _: &Location<'_>, _: usize, _: Option<&Files>) -> Result<(), StoreError> {
        Ok(())
    }
}
