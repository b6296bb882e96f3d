//! The lazy fan-in by key: a task parameter that reads keyed partitions one at a time, each
//! with its key.

use std::fmt;

use super::Partitions;
use crate::data::{Data, TaskInput};
use crate::keys::PartitionKey;

/// Every partition of a keyed partitioned output with its key, in order, each read only when
/// the iteration reaches it: what [`Partitions<T>`] is to `Vec<T>`, this is to
/// `BTreeMap<K, T>`.
///
/// Declare a task parameter as `KeyedPartitions<K, T>` to reduce keyed partitions as a stream:
/// with a [`DiskStore`](crate::DiskStore), memory holds one partition at a time. It compiles
/// only on partitions keyed by `K`.
///
/// ```
/// use dagger_core::prelude::*;
///
/// #[task(partitioned, keyed)]
/// fn visits(days: u32) -> Vec<(u32, u64)> {
///     (1..=days).map(|day| (day, u64::from(day) * 10)).collect()
/// }
///
/// #[task]
/// fn busiest(visits: KeyedPartitions<u32, u64>) -> Option<u32> {
///     visits.max_by_key(|(_, count)| *count).map(|(day, _)| day)
/// }
///
/// #[dag]
/// fn report(days: u32) -> Option<u32> {
///     busiest(visits(days))
/// }
///
/// let runner = Runner::new().with_store(DiskStore::temporary().unwrap());
/// assert_eq!(report { days: 5 }.execute_on(&runner).unwrap(), Some(5));
/// // As a plain function, from pairs:
/// assert_eq!(busiest(vec![(1, 3), (2, 1)].into()), Some(1));
/// ```
pub struct KeyedPartitions<K, T> {
    keys: std::vec::IntoIter<K>,
    parts: Partitions<T>,
}

impl<K, T> KeyedPartitions<K, T> {
    pub(crate) fn new(keys: Vec<K>, parts: Partitions<T>) -> Self {
        KeyedPartitions { keys: keys.into_iter(), parts }
    }
}

#[diagnostic::do_not_recommend]
impl<K: PartitionKey, T: Data> TaskInput for KeyedPartitions<K, T> {
    /// Another cursor over the same partitions, as [`Partitions`]' (each partition is read
    /// once, by whichever cursor reaches it first).
    fn clone_input(&self) -> Self {
        KeyedPartitions { keys: self.keys.clone(), parts: self.parts.clone_input() }
    }
}

impl<K, T> fmt::Debug for KeyedPartitions<K, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedPartitions").field("left", &self.keys.len()).finish()
    }
}

impl<K, T> From<Vec<(K, T)>> for KeyedPartitions<K, T> {
    fn from(pairs: Vec<(K, T)>) -> Self {
        let (keys, values): (Vec<K>, Vec<T>) = pairs.into_iter().unzip();
        KeyedPartitions::new(keys, values.into())
    }
}

impl<K, T> FromIterator<(K, T)> for KeyedPartitions<K, T> {
    fn from_iter<I: IntoIterator<Item = (K, T)>>(pairs: I) -> Self {
        pairs.into_iter().collect::<Vec<(K, T)>>().into()
    }
}

impl<K, T: Data> Iterator for KeyedPartitions<K, T> {
    type Item = (K, T);

    fn next(&mut self) -> Option<(K, T)> {
        let value = self.parts.next()?;
        Some((self.keys.next()?, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.parts.size_hint()
    }
}
