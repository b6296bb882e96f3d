//! How values are written to files: serde formats, chosen per task.

use std::io::{Read, Write};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::BoxError;

/// A serde format for the values a task stores: [`Json`] (the default), [`Binary`], or yours.
///
/// Choose one per task with `#[task(format = Binary)]`. A format only matters where values
/// are written: with a [`DiskStore`](crate::DiskStore), and on a cluster.
///
/// ```
/// use std::io::{Read, Write};
/// use dagger_core::{BoxError, Format};
///
/// /// Pretty-printed JSON, for outputs that people read.
/// struct PrettyJson;
///
/// impl Format for PrettyJson {
///     const NAME: &'static str = "pretty-json";
///     fn write<T: serde::Serialize>(value: &T, writer: &mut dyn Write) -> Result<(), BoxError> {
///         Ok(serde_json::to_writer_pretty(writer, value)?)
///     }
///     fn read<T: serde::de::DeserializeOwned>(reader: &mut dyn Read) -> Result<T, BoxError> {
///         Ok(serde_json::from_reader(reader)?)
///     }
/// }
/// ```
pub trait Format: 'static {
    /// A short name, used in messages.
    const NAME: &'static str;
    /// Writes `value`.
    fn write<T: Serialize>(value: &T, writer: &mut dyn Write) -> Result<(), BoxError>;
    /// Reads a value.
    fn read<T: DeserializeOwned>(reader: &mut dyn Read) -> Result<T, BoxError>;
}

/// JSON (serde_json): readable, the layout of the original's CLI runtime. The default.
#[derive(Clone, Copy, Debug, Default)]
pub struct Json;

impl Format for Json {
    const NAME: &'static str = "json";
    fn write<T: Serialize>(value: &T, writer: &mut dyn Write) -> Result<(), BoxError> {
        Ok(serde_json::to_writer(writer, value)?)
    }
    fn read<T: DeserializeOwned>(reader: &mut dyn Read) -> Result<T, BoxError> {
        Ok(serde_json::from_reader(reader)?)
    }
}

/// A compact binary format (postcard): smaller and faster than JSON, not self-describing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Binary;

impl Format for Binary {
    const NAME: &'static str = "binary";
    fn write<T: Serialize>(value: &T, writer: &mut dyn Write) -> Result<(), BoxError> {
        postcard::to_io(value, writer)?;
        Ok(())
    }
    fn read<T: DeserializeOwned>(reader: &mut dyn Read) -> Result<T, BoxError> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        Ok(postcard::from_bytes(&bytes)?)
    }
}
