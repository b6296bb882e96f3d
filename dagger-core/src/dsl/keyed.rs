//! Operations on keyed partitions: windows over neighbouring keys, selections of a key range
//! and joins of two keyed outputs by key. Each is a node the builder makes, whose output is
//! keyed partitions again, so that maps and fan-ins after it work as after a keyed task, in
//! every runtime.
//!
//! Each reads its inputs partition by partition, through the keys: a window holds only the
//! partitions of one window in memory; a selection reads only the partitions its range
//! matches; a join reads only the partitions of its right side that it pairs.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::declare::{Declare, NewNode};
use super::handle::{Partitioned, PerPartition, Value};
use super::rules::input::read_lazily;
use crate::data::Data;
use crate::erased::{owned, Codec};
use crate::error::BoxError;
use crate::format::Json;
use crate::graph::{Collector, Edge, How, Port, Work};
use crate::invoke::{Batched, Emit, Inputs};
use crate::keys::{Keys, PartitionKey};
use crate::store::Partitions;

/// A partitioned output whose keys have an order, so that windows and ranges of keys mean
/// something.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a keyed partitioned output with keys in an order",
    label = "windows and key ranges run over keyed partitions whose keys have an order",
    note = "return `(key, value)` pairs from a `#[task(partitioned, keyed)]` task, with a key type that is `Ord` (`#[derive(PartialEq, Eq, PartialOrd, Ord)]`)"
)]
pub trait OrderedKeys {
    /// The type of one partition. (The serde bounds let a window of them be [`Data`].)
    type Item: Data + Serialize + DeserializeOwned + Clone;
    /// The type of the keys.
    type Key: PartitionKey + Ord;
    #[doc(hidden)]
    fn port(&self) -> Port;
}

/// Keys that have an order (`Ord`), for windows and ranges of keys.
#[diagnostic::on_unimplemented(
    message = "windows and key ranges need partition keys in an order, and `{Self}` keys have none",
    label = "keyed by `{Self}`",
    note = "derive an order on the key type: `#[derive(PartialEq, Eq, PartialOrd, Ord)]`",
    note = "`Unkeyed` partitions have no keys: return `(key, value)` pairs from a `#[task(partitioned, keyed)]` task to key them"
)]
pub trait OrderedKey: PartitionKey + Ord {}

#[diagnostic::do_not_recommend]
impl<K: PartitionKey + Ord> OrderedKey for K {}

impl<T: Data + Serialize + DeserializeOwned + Clone, K: OrderedKey> OrderedKeys for Partitioned<T, K> {
    type Item = T;
    type Key = K;
    fn port(&self) -> Port {
        self.port
    }
}

impl<T: Data + Serialize + DeserializeOwned + Clone, K: OrderedKey> OrderedKeys for PerPartition<T, K> {
    type Item = T;
    type Key = K;
    fn port(&self) -> Port {
        self.port
    }
}

/// The keys of `parts`, read as `K`, checked to be in increasing order.
fn ordered_keys<T: Data, K: PartitionKey + Ord>(parts: &Partitions<T>) -> Result<(Keys, Vec<K>), BoxError> {
    let keys = parts.keys().cloned().ok_or("these partitions have no keys")?;
    let decoded: Vec<K> = keys.decode()?;
    if let Some(at) = decoded.windows(2).position(|pair| pair[0] >= pair[1]) {
        let (before, after) = (keys.get(at).unwrap_or(""), keys.get(at + 1).unwrap_or(""));
        return Err(format!(
            "the partitions' keys are not in increasing order (`{}` comes before `{}`): a window or a key range \
             runs over keys in order; return the partitions sorted by key (a `BTreeMap` is)",
            crate::error::shown_key(before),
            crate::error::shown_key(after)
        )
        .into());
    }
    Ok((keys, decoded))
}

/// The window of each partition: it and the `before` partitions before it, oldest first, with
/// their keys; keyed by the partition's key. (Fewer at the start: the first has none before.)
pub(crate) fn window<H: OrderedKeys>(scope: &mut dyn Declare, source: H, before: usize, name: String) -> Windows<H> {
    let work = Work::Derived(Arc::new(move |mut inputs: Inputs, emit: &mut dyn Emit| {
        let parts = owned::<Partitions<H::Item>>(inputs.next().ok_or("a window of no partitions")?)?;
        let (keys, decoded) = ordered_keys::<H::Item, H::Key>(&parts)?;
        let mut window: std::collections::VecDeque<(H::Key, H::Item)> = std::collections::VecDeque::new();
        let mut out = Batched::new(emit);
        for ((text, key), value) in keys.texts().iter().zip(decoded).zip(parts) {
            if window.len() > before {
                window.pop_front();
            }
            window.push_back((key, value));
            let this: Vec<(H::Key, H::Item)> =
                window.iter().map(|(key, value)| (key.clone(), value.clone_value())).collect();
            out.push(Some(text.clone()), this)?;
        }
        out.finish()
    }));
    let collect: Collector = read_lazily::<H::Item>;
    let inputs = vec![Edge { port: source.port(), how: How::Collect(collect) }];
    let codec = Codec::of::<Vec<(H::Key, H::Item)>, Json>();
    let output_type = std::any::type_name::<Vec<(H::Key, H::Item)>>();
    let mut node = NewNode::made(name, format!("window {before}"), work, inputs, true, output_type, codec);
    node.key_type = Some(std::any::type_name::<H::Key>());
    Partitioned::new(scope.add_node(node))
}

/// The partitions of `source` whose keys are in the range from `start` to `end` (each bound
/// optional, `end` included if `inclusive`), with their keys: only those are read.
pub(crate) fn select<H: OrderedKeys>(
    scope: &mut dyn Declare,
    source: H,
    (start, end, inclusive): Bounds<H::Key>,
    name: String,
) -> Partitioned<H::Item, H::Key> {
    let (has_start, has_end) = (start.is_some(), end.is_some());
    let work = Work::Derived(Arc::new(move |mut inputs: Inputs, emit: &mut dyn Emit| {
        let parts = owned::<Partitions<H::Item>>(inputs.next().ok_or("a selection of no partitions")?)?;
        let mut bound = || -> Result<Option<H::Key>, BoxError> { inputs.next().map(owned::<H::Key>).transpose() };
        let start = if has_start { bound()? } else { None };
        let end = if has_end { bound()? } else { None };
        let (keys, decoded) = ordered_keys::<H::Item, H::Key>(&parts)?;
        let from = start.map_or(0, |start| decoded.partition_point(|key| *key < start));
        let to = match end {
            Some(end) if inclusive => decoded.partition_point(|key| *key <= end),
            Some(end) => decoded.partition_point(|key| *key < end),
            None => decoded.len(),
        };
        let to = to.max(from);
        let mut out = Batched::new(emit);
        for (text, value) in keys.texts()[from..to].iter().zip(parts.range(from..to)) {
            out.push(Some(text.clone()), value)?;
        }
        out.finish()
    }));
    let collect: Collector = read_lazily::<H::Item>;
    let mut inputs = vec![Edge { port: source.port(), how: How::Collect(collect) }];
    inputs.extend([start, end].into_iter().flatten().map(|bound| Edge { port: bound.port, how: How::Whole }));
    let codec = Codec::of::<H::Item, Json>();
    // `select from..to`, `select ..=to`: what `explain()` shows, and part of the fingerprint.
    let version = format!(
        "select {}{}{}",
        if has_start { "from" } else { "" },
        if inclusive { "..=" } else { ".." },
        if has_end { "to" } else { "" }
    );
    let mut node = NewNode::made(name, version, work, inputs, true, std::any::type_name::<H::Item>(), codec);
    node.key_type = Some(std::any::type_name::<H::Key>());
    Partitioned::new(scope.add_node(node))
}

/// The windows of the partitions of `H` ([`Scope::window`](crate::Scope::window)): each a
/// `Vec` of `(key, partition)`, keyed like `H`.
pub type Windows<H> = Partitioned<Vec<(<H as OrderedKeys>::Key, <H as OrderedKeys>::Item)>, <H as OrderedKeys>::Key>;

/// The bounds of a range of keys: start, end, and whether the end is in the range.
#[doc(hidden)]
pub type Bounds<K> = (Option<Value<K>>, Option<Value<K>>, bool);

/// A keyed partitioned output, whatever its keys' order: what a join reads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a keyed partitioned output",
    label = "a join matches the partitions of two keyed outputs by key",
    note = "return `(key, value)` pairs from a `#[task(partitioned, keyed)]` task to key them"
)]
pub trait KeyedOutput {
    /// The type of one partition. (The serde bounds let a pair of them be [`Data`].)
    type Item: Data + Serialize + DeserializeOwned + Clone;
    /// The type of the keys.
    type Key: PartitionKey;
    #[doc(hidden)]
    fn port(&self) -> Port;
}

#[diagnostic::do_not_recommend]
impl<T: Data + Serialize + DeserializeOwned + Clone, K: PartitionKey> KeyedOutput for Partitioned<T, K> {
    type Item = T;
    type Key = K;
    fn port(&self) -> Port {
        self.port
    }
}

#[diagnostic::do_not_recommend]
impl<T: Data + Serialize + DeserializeOwned + Clone, K: PartitionKey> KeyedOutput for PerPartition<T, K> {
    type Item = T;
    type Key = K;
    fn port(&self) -> Port {
        self.port
    }
}

/// A keyed output that can be joined with `L`: keyed by the same type. (One trait for both
/// conditions, so that an unkeyed right side is one error.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be joined with `{L}`: a join pairs the partitions of two outputs keyed by one type",
    label = "not keyed by the key type of the left side",
    note = "join keyed outputs (`#[task(partitioned, keyed)]`, or a map over one) whose keys are of the same type"
)]
pub trait JoinsWith<L: KeyedOutput> {
    /// The type of one partition.
    type Item: Data + Serialize + DeserializeOwned + Clone;
    #[doc(hidden)]
    fn port(&self) -> Port;
}

macro_rules! joins_with {
    ($($right:ident with $left:ident),*) => {$(
        #[diagnostic::do_not_recommend]
        impl<T, U, K> JoinsWith<$left<T, K>> for $right<U, K>
        where
            T: Data + Serialize + DeserializeOwned + Clone,
            U: Data + Serialize + DeserializeOwned + Clone,
            K: PartitionKey,
        {
            type Item = U;
            fn port(&self) -> Port {
                self.port
            }
        }
    )*};
}

joins_with!(Partitioned with Partitioned, Partitioned with PerPartition, PerPartition with Partitioned, PerPartition with PerPartition);

/// The pairs of partitions of `left` and `right` with the same key, keyed by it, in `left`'s
/// order: an inner join (keys on one side only are left out). Each `right` partition is read
/// only if its key is on the left.
pub(crate) fn join<A: KeyedOutput, B: JoinsWith<A>>(
    scope: &mut dyn Declare,
    (left, right): (A, B),
    name: String,
) -> Partitioned<(A::Item, B::Item), A::Key> {
    let work = Work::Derived(Arc::new(move |mut inputs: Inputs, emit: &mut dyn Emit| {
        let left = owned::<Partitions<A::Item>>(inputs.next().ok_or("a join without its left side")?)?;
        let right = owned::<Partitions<B::Item>>(inputs.next().ok_or("a join without its right side")?)?;
        let (Some(left_keys), Some(right_keys)) = (left.keys().cloned(), right.keys().cloned()) else {
            return Err("a join of partitions without keys".into());
        };
        let index: std::collections::HashMap<&str, usize> =
            right_keys.texts().iter().enumerate().map(|(i, text)| (text.as_str(), i)).collect();
        let mut out = Batched::new(emit);
        // The right side through a cursor that keeps the file it read last: when both sides
        // are in one key order, each file of right partitions is read once.
        let mut right = right.cursor();
        for (text, value) in left_keys.texts().iter().zip(left) {
            if let Some(&at) = index.get(text.as_str()) {
                out.push(Some(text.clone()), (value, right.take(at)?))?;
            }
        }
        out.finish()
    }));
    let inputs = vec![
        Edge { port: left.port(), how: How::Collect(read_lazily::<A::Item>) },
        Edge { port: right.port(), how: How::Collect(read_lazily::<B::Item>) },
    ];
    let codec = Codec::of::<(A::Item, B::Item), Json>();
    let output_type = std::any::type_name::<(A::Item, B::Item)>();
    let mut node = NewNode::made(name, "join".to_string(), work, inputs, true, output_type, codec);
    node.key_type = Some(std::any::type_name::<A::Key>());
    Partitioned::new(scope.add_node(node))
}

/// A bound of a range of keys of type `K`: a parameter or a value of the DAG.
#[diagnostic::on_unimplemented(
    message = "a bound of a range of partition keys of type `{K}` is a DAG value of that type, and this is a `{Self}`",
    label = "expected a parameter, an output or a constant of type `{K}`"
)]
pub trait KeyBound<K> {
    #[doc(hidden)]
    fn value(self) -> Value<K>;
}

impl<K> KeyBound<K> for Value<K> {
    fn value(self) -> Value<K> {
        self
    }
}

impl<K> KeyBound<K> for super::handle::Param<K> {
    fn value(self) -> Value<K> {
        Value::new(self.port)
    }
}

/// A range of keys of type `K`: `from..to`, `from..=to`, `from..`, `..to`, `..=to` or `..`,
/// with bounds that are [`KeyBound`]s.
pub trait KeyRange<K> {
    #[doc(hidden)]
    fn bounds(self) -> Bounds<K>;
}

impl<K, B: KeyBound<K>> KeyRange<K> for std::ops::Range<B> {
    fn bounds(self) -> Bounds<K> {
        (Some(self.start.value()), Some(self.end.value()), false)
    }
}

impl<K, B: KeyBound<K>> KeyRange<K> for std::ops::RangeInclusive<B> {
    fn bounds(self) -> Bounds<K> {
        let (start, end) = self.into_inner();
        (Some(start.value()), Some(end.value()), true)
    }
}

impl<K, B: KeyBound<K>> KeyRange<K> for std::ops::RangeFrom<B> {
    fn bounds(self) -> Bounds<K> {
        (Some(self.start.value()), None, false)
    }
}

impl<K, B: KeyBound<K>> KeyRange<K> for std::ops::RangeTo<B> {
    fn bounds(self) -> Bounds<K> {
        (None, Some(self.end.value()), false)
    }
}

impl<K, B: KeyBound<K>> KeyRange<K> for std::ops::RangeToInclusive<B> {
    fn bounds(self) -> Bounds<K> {
        (None, Some(self.end.value()), true)
    }
}

impl<K> KeyRange<K> for std::ops::RangeFull {
    fn bounds(self) -> Bounds<K> {
        (None, None, false)
    }
}
