//! The operations on the values of one node's output that need their type: chosen where the
//! type is known (where a task is declared), called where it is not (the runtime, the stores).

use std::io::{Read, Write};
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{AnyValue, Erased, OwnedValue};
use crate::data::Data;
use crate::error::BoxError;
use crate::format::Format;

/// Writes, reads and copies the values of one node's output: its type and its format, erased.
/// It also knows the type of the node's partitions kept together (a `Vec<T>`, see
/// [`Batch`](super::Batch)), so that the runtime can take them apart.
///
/// One pointer to a table made at compile time for each type and format, so that every batch
/// of partitions carries it at the cost of a pointer.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Codec(&'static Ops);

impl std::ops::Deref for Codec {
    type Target = Ops;
    fn deref(&self) -> &Ops {
        self.0
    }
}

/// Reads a `Vec<T>`, and its length.
type DecodeBatch = fn(&mut dyn Read) -> Result<(AnyValue, usize), BoxError>;

/// Reads a `Vec<T>`, and its length, from bytes in memory.
type DecodeBatchSlice = fn(&[u8]) -> Result<(AnyValue, usize), BoxError>;

/// The operations of a [`Codec`].
#[doc(hidden)]
pub struct Ops {
    pub(crate) format: &'static str,
    pub(crate) encode: fn(&Erased, &mut dyn Write) -> Result<(), BoxError>,
    pub(crate) decode: fn(&mut dyn Read) -> Result<AnyValue, BoxError>,
    /// Writes a `Vec<T>` (partitions kept in one file).
    pub(crate) encode_batch: fn(&Erased, &mut dyn Write) -> Result<(), BoxError>,
    /// Reads a `Vec<T>`, and its length.
    pub(crate) decode_batch: DecodeBatch,
    /// Reads a value from bytes in memory.
    pub(crate) decode_slice: fn(&[u8]) -> Result<AnyValue, BoxError>,
    /// Reads a `Vec<T>`, and its length, from bytes in memory.
    pub(crate) decode_batch_slice: DecodeBatchSlice,
    /// `T`s, each a value of its own, as one `Vec<T>` (moved out of those nothing else holds).
    pub(crate) gather: fn(Vec<AnyValue>) -> Option<AnyValue>,
    /// Item `i` of a `Vec<T>`.
    pub(crate) item: fn(&Erased, usize) -> Option<&Erased>,
    /// A copy of a `T`, as a value of its own.
    pub(crate) copy: fn(&Erased) -> Option<AnyValue>,
    /// A copy of items `range` of a `Vec<T>`, as a `Vec<T>`.
    pub(crate) copy_range: fn(&Erased, Range<usize>) -> Option<OwnedValue>,
    /// Splits a `Vec<T>` held by nobody else at `at`: the items from `at` on, as a `Vec<T>`.
    pub(crate) split_off: fn(&mut AnyValue, usize) -> Option<AnyValue>,
    /// `Vec<T>`s held by nobody else, one after the other, as one.
    pub(crate) concat: fn(Vec<AnyValue>) -> Option<AnyValue>,
    /// The items of a `Vec<T>`, each a value of its own: moved out when nothing else holds it.
    pub(crate) split: fn(AnyValue) -> Option<Vec<AnyValue>>,
    /// The items of a `Vec<T>` held by nobody else, as a cursor that hands them out in
    /// consecutive `Vec<T>`s of the sizes asked for; the vector back if others hold it.
    pub(crate) fronts: fn(AnyValue) -> Result<Fronts, AnyValue>,
}

/// Hands out the items of a vector from the front, `n` at a time, as a `Vec<T>` (empty once
/// every item is out): the pieces of a batch without copying what is left at each cut.
pub(crate) type Fronts = Box<dyn FnMut(usize) -> AnyValue + Send>;

impl Codec {
    /// The codec of values of type `T` in format `F`.
    pub fn of<T: Data, F: Format>() -> Codec {
        Codec(&Table::<T, F>::OPS)
    }
}

/// Where the operations of values of type `T` in format `F` are made, once, at compile time.
struct Table<T, F>(PhantomData<(T, F)>);

impl<T: Data, F: Format> Table<T, F> {
    const OPS: Ops = Ops {
        format: F::NAME,
        encode: encode::<T, F>,
        decode: decode::<T, F>,
        encode_batch: encode_batch::<T, F>,
        decode_batch: decode_batch::<T, F>,
        decode_slice: |bytes| {
            let De(value, _) = F::read_slice::<De<T>>(bytes)?;
            Ok(Arc::new(value))
        },
        decode_batch_slice: |bytes| {
            let items: Vec<T> = F::read_slice::<Vec<De<T>>>(bytes)?.into_iter().map(|De(item, _)| item).collect();
            let len = items.len();
            Ok((Arc::new(items), len))
        },
        gather: |values| {
            let items = values.into_iter().map(|value| {
                let value = value.downcast::<T>().ok()?;
                Some(Arc::try_unwrap(value).unwrap_or_else(|shared| shared.clone_value()))
            });
            Some(Arc::new(items.collect::<Option<Vec<T>>>()?) as AnyValue)
        },
        item: |items, i| Some(items.downcast_ref::<Vec<T>>()?.get(i)? as &Erased),
        copy: |value| Some(Arc::new(value.downcast_ref::<T>()?.clone_value()) as AnyValue),
        copy_range: |items, range| {
            let items = items.downcast_ref::<Vec<T>>()?.get(range)?;
            Some(Box::new(items.iter().map(T::clone_value).collect::<Vec<T>>()))
        },
        split_off: |items, at| {
            let items = Arc::get_mut(items)?.downcast_mut::<Vec<T>>()?;
            (at <= items.len()).then(|| Arc::new(items.split_off(at)) as AnyValue)
        },
        concat: |parts| {
            let mut parts = parts.into_iter().map(|part| Arc::try_unwrap(part.downcast::<Vec<T>>().ok()?).ok());
            let mut all = parts.next().unwrap_or_else(|| Some(Vec::new()))?;
            for part in parts {
                all.extend(part?);
            }
            Some(Arc::new(all) as AnyValue)
        },
        split: |items| {
            let items = items.downcast::<Vec<T>>().ok()?;
            let values = match Arc::try_unwrap(items) {
                Ok(items) => items.into_iter().map(|item| Arc::new(item) as AnyValue).collect(),
                Err(items) => items.iter().map(|item| Arc::new(item.clone_value()) as AnyValue).collect(),
            };
            Some(values)
        },
        fronts: |items| {
            let items = items.downcast::<Vec<T>>()?;
            let mut items = Arc::try_unwrap(items).map_err(|items| items as AnyValue)?.into_iter();
            Ok(Box::new(move |n| Arc::new(items.by_ref().take(n).collect::<Vec<T>>()) as AnyValue))
        },
    };
}

fn encode<T: Data, F: Format>(value: &Erased, writer: &mut dyn Write) -> Result<(), BoxError> {
    let value = value
        .downcast_ref::<T>()
        .ok_or_else(|| format!("a value to store is not a `{}`", std::any::type_name::<T>()))?;
    F::write(&Ser(value), writer)
}

fn decode<T: Data, F: Format>(reader: &mut dyn Read) -> Result<AnyValue, BoxError> {
    let De(value, _) = F::read::<De<T>>(reader)?;
    Ok(Arc::new(value))
}

fn encode_batch<T: Data, F: Format>(items: &Erased, writer: &mut dyn Write) -> Result<(), BoxError> {
    let items = items
        .downcast_ref::<Vec<T>>()
        .ok_or_else(|| format!("partitions to store are not `{}` values", std::any::type_name::<T>()))?;
    F::write(&SerSlice(items), writer)
}

fn decode_batch<T: Data, F: Format>(reader: &mut dyn Read) -> Result<(AnyValue, usize), BoxError> {
    let items: Vec<T> = F::read::<Vec<De<T>>>(reader)?.into_iter().map(|De(item, _)| item).collect();
    let len = items.len();
    Ok((Arc::new(items), len))
}

/// `Data` reaches serde through its methods (see [`Data`] for why).
struct Ser<'a, T>(&'a T);

/// Partitions written as one sequence.
struct SerSlice<'a, T>(&'a [T]);

impl<T: Data> Serialize for SerSlice<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(Ser))
    }
}

impl<T: Data> Serialize for Ser<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_value(serializer)
    }
}

struct De<T>(T, PhantomData<T>);

impl<'de, T: Data> Deserialize<'de> for De<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_value(deserializer).map(|value| De(value, PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Binary, Json};

    fn round_trip<F: Format>() {
        let codec = Codec::of::<Vec<(String, u64)>, F>();
        let value: AnyValue = Arc::new(vec![("a".to_string(), 1u64), ("b".to_string(), 2)]);
        let mut bytes = Vec::new();
        (codec.encode)(&*value, &mut bytes).unwrap();
        let back = (codec.decode)(&mut bytes.as_slice()).unwrap();
        assert_eq!(back.downcast_ref::<Vec<(String, u64)>>(), value.downcast_ref::<Vec<(String, u64)>>());
    }

    #[test]
    fn json_and_binary_round_trip() {
        round_trip::<Json>();
        round_trip::<Binary>();
    }

    #[test]
    fn json_is_the_original_layout() {
        let mut bytes = Vec::new();
        (Codec::of::<Vec<u64>, Json>().encode)(&vec![1u64, 2, 3], &mut bytes).unwrap();
        assert_eq!(bytes, b"[1,2,3]");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!((Codec::of::<Vec<u64>, Json>().decode)(&mut &b"[1, 2"[..]).is_err());
        assert!((Codec::of::<String, Binary>().decode)(&mut &[0xff, 0xff, 0xff][..]).is_err());
    }
}
