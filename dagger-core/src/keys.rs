//! Partition keys: names of partitions (days, regions, categories) that travel with them.
//!
//! A `#[task(partitioned, keyed)]` task returns pairs `(key, value)` (a `Vec<(K, V)>`, a
//! `BTreeMap<K, V>`, any iterator of pairs): each value is one partition, named by its key. The
//! key type is part of the handle's type (`Partitioned<V, K>`), so that what needs keys (a
//! fan-in into `BTreeMap<K, T>`) only compiles on keyed outputs with keys of that type.
//!
//! The runtime keeps a keyed output's keys once, as the JSON text of each key, in partition
//! order: the partitions of every map over the output have the same keys in the same order, so
//! they are read from the source's. JSON text is what errors and logs print and what files
//! hold, and it reads back into `K` exactly.
//!
//! Key sets: a static list is a keyed task that returns fixed keys; a dynamic set is whatever
//! keys a keyed task returns this run; `days` and `hours` (`jiff` feature) give the days or
//! hours between two bounds, for daily and hourly partitions.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::BoxError;
use crate::fingerprint::Fingerprint;

/// The type of a partition key: a value that names a partition.
///
/// Implemented for every `Serialize + DeserializeOwned + Clone + Send + Sync + 'static` type:
/// strings, integers, dates (`jiff::civil::Date`, `chrono::NaiveDate`), tuples of them, your
/// own enums with serde derives. Operations that compare keys (a fan-in into `BTreeMap<K, T>`)
/// also ask for `Ord`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a partition key",
    label = "a partition key must be `Serialize + Deserialize + Clone + Send + Sync + 'static`",
    note = "derive them: `#[derive(Clone, serde::Serialize, serde::Deserialize)]`"
)]
pub trait PartitionKey: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {}

impl<K: Serialize + DeserializeOwned + Clone + Send + Sync + 'static> PartitionKey for K {}

/// The key type of partitions that have no keys: partitions numbered `0..n` only, the output of
/// a `#[task(partitioned)]` task without `keyed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unkeyed;

/// The key of partitions keyed by `Self` is a `K`: holds for `K` itself only, so that an
/// operation that reads keys of type `K` compiles on outputs keyed by `K`, and is refused, with
/// this message, on unkeyed outputs and on keys of another type.
#[diagnostic::on_unimplemented(
    message = "this parameter reads partition keys of type `{K}`, but the partitions are keyed by `{Self}`",
    label = "partitions keyed by `{Self}`",
    note = "`Unkeyed` partitions have no keys: return `(key, value)` pairs from a `#[task(partitioned, keyed)]` task to key them",
    note = "to ignore the keys, take the partitions as `Vec<T>`"
)]
pub trait KeyedBy<K> {}

#[diagnostic::do_not_recommend]
impl<K: PartitionKey> KeyedBy<K> for K {}

/// The key and the value of one item of a keyed partitioned task's output.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "a `#[task(partitioned, keyed)]` task returns `(key, value)` pairs, and its items are `{Self}`",
    label = "each item must be a pair: the partition's key, and its value",
    note = "return a `Vec<(K, V)>`, a `BTreeMap<K, V>` or any iterator of pairs; or drop `keyed` for partitions without keys"
)]
pub trait KeyValue {
    type Key: PartitionKey;
    type Value;
    fn split(self) -> (Self::Key, Self::Value);
}

impl<K: PartitionKey, V> KeyValue for (K, V) {
    type Key = K;
    type Value = V;
    fn split(self) -> (K, V) {
        self
    }
}

/// The keys of one partitioned output, in partition order, as JSON text, with the digest of
/// each partition's value when it is known (what lets a later run find a partition it already
/// computed from the same value, whatever its position).
#[doc(hidden)]
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Keys(Arc<Vec<String>>, Arc<Vec<Fingerprint>>);

impl Keys {
    /// Keys with the digests of their partitions' values (`digests` empty: unknown).
    pub(crate) fn with_digests(texts: Vec<String>, digests: Vec<Fingerprint>) -> Keys {
        Keys(Arc::new(texts), Arc::new(digests))
    }

    /// The digests of the partitions' values, in partition order; empty when unknown.
    pub(crate) fn digests(&self) -> &[Fingerprint] {
        &self.1
    }

    /// The key of `key` as JSON text.
    pub(crate) fn text_of<K: Serialize>(key: &K) -> Result<String, BoxError> {
        Ok(serde_json::to_string(key)?)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn texts(&self) -> &[String] {
        &self.0
    }

    /// The key of partition `index`, as JSON text.
    pub(crate) fn get(&self, index: usize) -> Option<&str> {
        self.0.get(index).map(String::as_str)
    }

    /// Every key, read as a `K`.
    pub(crate) fn decode<K: DeserializeOwned>(&self) -> Result<Vec<K>, BoxError> {
        self.0
            .iter()
            .map(|text| {
                serde_json::from_str(text)
                    .map_err(|e| format!("the partition key {text} is not a key of this output: {e}").into())
            })
            .collect()
    }

    /// The partition whose key is `key`: its JSON text, or for a string key the string itself
    /// (`2024-01-27` for `"2024-01-27"`), as a user types it on a command line.
    pub(crate) fn position(&self, key: &str) -> Option<usize> {
        let quoted = serde_json::to_string(key).ok()?;
        self.0.iter().position(|text| text == key || *text == quoted)
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

/// Every day from `from` to `to`, both included, in order: the keys of a daily partitioned
/// output (`jiff` feature). Empty when `to` is before `from`.
///
/// ```
/// use dagger_core::keys::days;
/// use dagger_core::prelude::*;
/// use jiff::civil::{date, Date};
///
/// #[task(partitioned, keyed)]
/// fn visits(from: Date, to: Date) -> Vec<(Date, u64)> {
///     days(from, to).map(|day| (day, u64::from(day.day().unsigned_abs()))).collect()
/// }
///
/// assert_eq!(days(date(2024, 2, 28), date(2024, 3, 1)).count(), 3); // a leap year
/// assert_eq!(visits(date(2024, 1, 30), date(2024, 2, 1))[2], (date(2024, 2, 1), 1));
/// ```
#[cfg(feature = "jiff")]
pub fn days(from: jiff::civil::Date, to: jiff::civil::Date) -> impl Iterator<Item = jiff::civil::Date> {
    use jiff::ToSpan;
    from.series(1.day()).take_while(move |day| *day <= to)
}

/// Every hour from the hour of `from` to `to`, both included, in order: the keys of an hourly
/// partitioned output (`jiff` feature). Empty when `to` is before `from`'s hour.
///
/// ```
/// use dagger_core::keys::hours;
/// use jiff::civil::date;
///
/// let from = date(2024, 3, 31).at(22, 30, 0, 0);
/// let to = date(2024, 4, 1).at(1, 0, 0, 0);
/// let keys: Vec<String> = hours(from, to).map(|hour| hour.to_string()).collect();
/// assert_eq!(keys, ["2024-03-31T22:00:00", "2024-03-31T23:00:00", "2024-04-01T00:00:00", "2024-04-01T01:00:00"]);
/// ```
#[cfg(feature = "jiff")]
pub fn hours(from: jiff::civil::DateTime, to: jiff::civil::DateTime) -> impl Iterator<Item = jiff::civil::DateTime> {
    use jiff::ToSpan;
    let start = from.date().at(from.hour(), 0, 0, 0);
    start.series(1.hour()).take_while(move |hour| *hour <= to)
}

/// A range of keys a run is limited to (`run --keys 2024-01-01..2024-01-08`): the keyed tasks
/// hand over only the partitions whose keys are in it, and everything after them runs on
/// those.
///
/// Written `from..to`, `from..=to`, `from..` or `..to`; each bound is the JSON text of a key
/// (`7`, `"eu"`, `[2024, 3]`) or, for a string key, the string itself (`2024-01-01`). Keys are
/// compared as JSON values: numbers by value, strings (and dates, which are written as
/// strings) character by character, lists element by element. That is the order of numbers,
/// strings, dates and tuples of them; for other keys (an enum whose variants are written as
/// strings) it is the order of their JSON, not of the type.
///
/// ```
/// use dagger_core::keys::KeyFilter;
///
/// let week = KeyFilter::parse("2024-01-01..2024-01-08").unwrap();
/// assert!(week.contains(r#""2024-01-07""#).unwrap());
/// assert!(!week.contains(r#""2024-01-08""#).unwrap());
/// assert!(KeyFilter::parse("10..=20").unwrap().contains("20").unwrap());
/// assert!(KeyFilter::parse("a..b..c").is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct KeyFilter {
    text: String,
    from: Option<serde_json::Value>,
    to: Option<serde_json::Value>,
    inclusive: bool,
}

impl KeyFilter {
    /// The range written as `from..to`, `from..=to`, `from..` or `..to`.
    pub fn parse(text: &str) -> Result<KeyFilter, String> {
        let mut parts = text.splitn(2, "..");
        let (from, to) = match (parts.next(), parts.next()) {
            (Some(from), Some(to)) if !to.contains("..") => (from.trim(), to.trim()),
            _ => {
                return Err(format!(
                    "`{text}` is not a range of keys: write `from..to`, `from..=to`, `from..` or `..to`"
                ))
            }
        };
        let (to, inclusive) = match to.strip_prefix('=') {
            Some(to) => (to.trim(), true),
            None => (to, false),
        };
        let bound = |text: &str| -> Option<serde_json::Value> {
            (!text.is_empty())
                .then(|| serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string())))
        };
        if inclusive && to.is_empty() {
            return Err(format!("`{text}` has `..=` without an end"));
        }
        Ok(KeyFilter { text: text.trim().to_string(), from: bound(from), to: bound(to), inclusive })
    }

    /// The range as it was written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the key of JSON text `key` is in the range; an error when the key and a bound
    /// cannot be compared (a number and a string).
    pub fn contains(&self, key: &str) -> Result<bool, String> {
        let key: serde_json::Value =
            serde_json::from_str(key).map_err(|e| format!("the key {key} is not JSON: {e}"))?;
        let compare = |bound: &serde_json::Value| {
            json_order(&key, bound)
                .ok_or_else(|| format!("the key {key} cannot be compared with the bound {bound} of `{}`", self.text))
        };
        if let Some(from) = &self.from {
            if compare(from)?.is_lt() {
                return Ok(false);
            }
        }
        match &self.to {
            Some(to) if self.inclusive => Ok(compare(to)?.is_le()),
            Some(to) => Ok(compare(to)?.is_lt()),
            None => Ok(true),
        }
    }
}

/// The order of two JSON values of one kind: numbers by value, strings and booleans as such,
/// lists element by element; `None` for values of different kinds (or objects).
fn json_order(a: &serde_json::Value, b: &serde_json::Value) -> Option<std::cmp::Ordering> {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
            (Some(x), Some(y), _, _) => Some(x.cmp(&y)),
            (_, _, Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => x.as_f64()?.partial_cmp(&y.as_f64()?),
        },
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Array(x), Value::Array(y)) => {
            for (x, y) in x.iter().zip(y) {
                match json_order(x, y)? {
                    std::cmp::Ordering::Equal => continue,
                    order => return Some(order),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => None,
    }
}
