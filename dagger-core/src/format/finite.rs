//! Finds a float that JSON cannot hold (NaN, an infinity) in a value, before it is written:
//! serde_json writes them as `null`, which reads back as an error, or as a different value,
//! long after the run that wrote it succeeded.
//!
//! The walk allocates nothing while it finds nothing: the path to a float it refuses is put
//! together on the way back, step by step, so that checking a value of a hundred million
//! numbers costs one pass over them, not a string per number.

use std::fmt::{self, Display};

use serde::ser::{self, Impossible, Serialize};

/// Where in the value the first float JSON cannot hold is, and what it is; `None` if there is
/// none. The path is written as Rust would reach it: `.stats.mean`, `[3]`, `[\"key\"]`.
pub(super) fn non_finite<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    match value.serialize(Walker) {
        Err(Found { written: Some(written), mut path }) => {
            path.reverse();
            let at = if path.is_empty() { String::new() } else { format!(" at `{}`", path.concat()) };
            Some(format!("`{written}`{at}"))
        }
        _ => None,
    }
}

/// A float JSON cannot hold (`written`, as Rust writes it), and the steps from it back up to
/// the value, innermost first; or (`written` none) a value whose `Serialize` fails on its own,
/// which is the format's to report.
#[derive(Debug)]
struct Found {
    written: Option<String>,
    path: Vec<String>,
}

impl Found {
    fn nothing() -> Found {
        Found { written: None, path: Vec::new() }
    }
}

impl Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.written.as_deref().unwrap_or("a value that cannot be written"))
    }
}

impl std::error::Error for Found {}

impl ser::Error for Found {
    /// A value whose `Serialize` fails on its own: not ours to report here, the format will.
    fn custom<M: Display>(_: M) -> Self {
        Found::nothing()
    }
}

/// Serializes nothing: visits every float.
struct Walker;

impl Walker {
    fn float(self, value: f64, written: impl Display) -> Result<(), Found> {
        if value.is_finite() {
            return Ok(());
        }
        Err(Found { written: Some(written.to_string()), path: Vec::new() })
    }
}

/// Visits `value`, and on the way back from a float it refuses, adds `step` to its path.
fn at<T: Serialize + ?Sized>(step: impl FnOnce() -> String, value: &T) -> Result<(), Found> {
    value.serialize(Walker).map_err(|mut found| {
        if found.written.is_some() {
            found.path.push(step());
        }
        found
    })
}

macro_rules! nothing_to_check {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method(self, _: $ty) -> Result<(), Found> {
            Ok(())
        }
    )*};
}

impl ser::Serializer for Walker {
    type Ok = ();
    type Error = Found;
    type SerializeSeq = Compound;
    type SerializeTuple = Compound;
    type SerializeTupleStruct = Compound;
    type SerializeTupleVariant = Compound;
    type SerializeMap = Compound;
    type SerializeStruct = Compound;
    type SerializeStructVariant = Compound;

    nothing_to_check!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
    );

    fn serialize_f32(self, value: f32) -> Result<(), Found> {
        self.float(f64::from(value), value)
    }

    fn serialize_f64(self, value: f64) -> Result<(), Found> {
        self.float(value, value)
    }

    fn serialize_none(self) -> Result<(), Found> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Found> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Found> {
        Ok(())
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Found> {
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), Found> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        at(|| format!("::{variant}"), value)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound, Found> {
        Ok(Compound::default())
    }

    fn serialize_tuple(self, _: usize) -> Result<Compound, Found> {
        Ok(Compound::default())
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound, Found> {
        Ok(Compound::default())
    }

    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Compound, Found> {
        Ok(Compound::default())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound, Found> {
        Ok(Compound::default())
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound, Found> {
        Ok(Compound::default())
    }

    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Compound, Found> {
        Ok(Compound::default())
    }
}

/// The elements of a sequence, tuple, map or struct, each visited with its place in the path.
#[derive(Default)]
struct Compound {
    index: usize,
    /// The last map key given on its own (`serialize_key`), as it reads in a path.
    key: String,
}

impl Compound {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Found> {
        let index = self.index;
        self.index += 1;
        at(|| format!("[{index}]"), value)
    }
}

macro_rules! elements {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Compound {
            type Ok = ();
            type Error = Found;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Found> {
                self.element(value)
            }
            fn end(self) -> Result<(), Found> {
                Ok(())
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound {
            type Ok = ();
            type Error = Found;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), Found> {
                at(|| format!(".{name}"), value)
            }
            fn end(self) -> Result<(), Found> {
                Ok(())
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Compound {
    type Ok = ();
    type Error = Found;

    /// Both at once (what maps and derives call): the key is written out only for a path.
    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), Found> {
        key.serialize(Walker)?;
        at(|| format!("[{}]", key.serialize(KeyText).unwrap_or_else(|_| "..".to_string())), value)
    }

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Found> {
        self.key = key.serialize(KeyText).unwrap_or_else(|_| "..".to_string());
        key.serialize(Walker)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Found> {
        let key = std::mem::take(&mut self.key);
        at(|| format!("[{key}]"), value)
    }

    fn end(self) -> Result<(), Found> {
        Ok(())
    }
}

/// A map key as it reads in a path: `"name"` for a string, `3` for a number, `..` otherwise.
struct KeyText;

macro_rules! key_as_display {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method(self, value: $ty) -> Result<String, Found> {
            Ok(value.to_string())
        }
    )*};
}

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = Found;
    type SerializeSeq = Impossible<String, Found>;
    type SerializeTuple = Impossible<String, Found>;
    type SerializeTupleStruct = Impossible<String, Found>;
    type SerializeTupleVariant = Impossible<String, Found>;
    type SerializeMap = Impossible<String, Found>;
    type SerializeStruct = Impossible<String, Found>;
    type SerializeStructVariant = Impossible<String, Found>;

    key_as_display!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
    );

    fn serialize_char(self, value: char) -> Result<String, Found> {
        Ok(format!("{:?}", value.to_string()))
    }

    fn serialize_str(self, value: &str) -> Result<String, Found> {
        Ok(format!("{value:?}"))
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<String, Found> {
        Err(Found::nothing())
    }

    fn serialize_none(self) -> Result<String, Found> {
        Err(Found::nothing())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, Found> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<String, Found> {
        Err(Found::nothing())
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<String, Found> {
        Ok(name.to_string())
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<String, Found> {
        Ok(variant.to_string())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<String, Found> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Found> {
        Err(Found::nothing())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Found> {
        Err(Found::nothing())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Found> {
        Err(Found::nothing())
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Found> {
        Err(Found::nothing())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Found> {
        Err(Found::nothing())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Found> {
        Err(Found::nothing())
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Found> {
        Err(Found::nothing())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Found> {
        Err(Found::nothing())
    }
}
