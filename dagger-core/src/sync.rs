//! Locks that survive a panic.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, even if a thread panicked while holding it.
///
/// Tasks run under `catch_unwind`, so a panic must not turn into a poisoned-lock failure of
/// the rest of the run. Every critical section of the crate is one push, take or replace, so
/// the data behind a lock is consistent even after a panic inside one.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
