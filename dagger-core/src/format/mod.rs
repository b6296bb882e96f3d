//! How values are written to files: serde formats, chosen per task.

mod finite;

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
    /// Reads a value from bytes already in memory: what the disk store does with a file it
    /// read whole (to check its digest). By default, [`read`](Format::read) from the slice.
    fn read_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BoxError> {
        Self::read(&mut &bytes[..])
    }
}

/// JSON (serde_json): readable, the layout of the original's CLI runtime. The default.
///
/// What it keeps exactly: every finite `f32` and `f64` (written in the shortest form that reads
/// back to the same bits; `-0.0` keeps its sign), integers up to `u128` and `i128`, any
/// Unicode string, and maps whose keys are strings, integers or `char`s. What it refuses, with
/// an error naming the node, the partition and where in the value: NaN and infinities (JSON
/// has neither; serde_json alone would write `null`, which does not read back as a float) and
/// maps with other keys. Choose [`Binary`] for those.
///
/// ```
/// use dagger_core::{Format, Json};
///
/// let mut bytes = Vec::new();
/// Json::write(&vec![0.1_f64, -0.0, 1e300], &mut bytes).unwrap();
/// let back: Vec<f64> = Json::read(&mut bytes.as_slice()).unwrap();
/// assert_eq!(back.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), [0.1_f64, -0.0, 1e300].map(f64::to_bits));
///
/// let refused = Json::write(&vec![1.0, f64::NAN], &mut Vec::new()).unwrap_err();
/// assert!(refused.to_string().contains("`NaN` at `[1]`"));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Json;

impl Format for Json {
    const NAME: &'static str = "json";
    fn write<T: Serialize>(value: &T, writer: &mut dyn Write) -> Result<(), BoxError> {
        if let Some(found) = finite::non_finite(value) {
            return Err(format!(
                "JSON has no NaN or infinity, so {found} cannot be written; \
                 choose `#[task(format = Binary)]` for this task: it keeps every float exactly"
            )
            .into());
        }
        // Buffered here, so that serde_json's many small writes are not calls through `dyn`.
        let mut buffered = std::io::BufWriter::new(writer);
        serde_json::to_writer(&mut buffered, value).map_err(|error| -> BoxError {
            if error.to_string().starts_with("key must be") {
                format!("JSON map keys are strings or numbers ({error}); choose `#[task(format = Binary)]` for maps with other keys").into()
            } else {
                error.into()
            }
        })?;
        Ok(buffered.flush()?)
    }
    /// A value of up to [`WHOLE_READ`] bytes is read whole, then parsed: `serde_json` parses a
    /// slice several times faster than a reader. A larger one is parsed as it is read, so that
    /// memory holds the value, not its text too.
    fn read<T: DeserializeOwned>(reader: &mut dyn Read) -> Result<T, BoxError> {
        let mut bytes = Vec::new();
        let read = reader.take(WHOLE_READ as u64 + 1).read_to_end(&mut bytes)?;
        if read <= WHOLE_READ {
            return Ok(serde_json::from_slice(&bytes)?);
        }
        let mut rest = std::io::BufReader::with_capacity(1 << 16, std::io::Cursor::new(bytes).chain(reader));
        let mut deserializer = serde_json::Deserializer::from_reader(&mut rest);
        let value = T::deserialize(&mut deserializer)?;
        deserializer.end()?;
        Ok(value)
    }
    fn read_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BoxError> {
        Ok(serde_json::from_slice(bytes)?)
    }
}

/// The largest JSON text [`Json`] reads whole before parsing it (and the largest file the disk
/// store reads whole).
pub(crate) const WHOLE_READ: usize = 1 << 30;

/// A compact binary format (postcard): smaller and faster than JSON, not self-describing.
///
/// It keeps every value bit for bit, NaN and infinities included, and maps with keys of any
/// type. Being not self-describing, it cannot read back types that need to look at the data to
/// know what it is: `serde_json::Value`, enums marked `#[serde(untagged)]`, structs with
/// `#[serde(flatten)]`; use [`Json`] for those.
#[derive(Clone, Copy, Debug, Default)]
pub struct Binary;

impl Format for Binary {
    const NAME: &'static str = "binary";
    fn write<T: Serialize>(value: &T, writer: &mut dyn Write) -> Result<(), BoxError> {
        // Buffered here, so that postcard's many small writes are not calls through `dyn`.
        let mut buffered = std::io::BufWriter::new(writer);
        postcard::to_io(value, &mut buffered)?;
        Ok(buffered.flush()?)
    }
    fn read<T: DeserializeOwned>(reader: &mut dyn Read) -> Result<T, BoxError> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        Ok(postcard::from_bytes(&bytes)?)
    }
    fn read_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BoxError> {
        Ok(postcard::from_bytes(bytes)?)
    }
}
