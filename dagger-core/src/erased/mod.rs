//! Values between nodes with their types erased: the runtime moves values of every type
//! through one code path, and the handle types of the DSL already checked that each value
//! reaches a parameter of its own type.
//!
//! - [`AnyValue`]: one value;
//! - [`Codec`]: what the runtime can do with the values of one node's output without knowing
//!   their type: write, read, copy, and take apart or join batches of them;
//! - [`Batch`]: consecutive partitions of one output, kept together as one typed vector.

use std::any::Any;
use std::sync::Arc;

use crate::data::TaskInput;
use crate::error::BoxError;

mod batch;
mod codec;

pub use batch::Batch;
pub use codec::Codec;
pub(crate) use codec::Fronts;

/// A value stored between nodes, with its type erased.
pub type AnyValue = Arc<dyn Any + Send + Sync>;

/// A value of any type, borrowed.
pub type Erased = dyn Any + Send + Sync;

/// A value of any type that nothing else holds.
pub(crate) type OwnedValue = Box<dyn Any + Send>;

/// Takes an input by value: moves it out when no other node holds it, clones it otherwise.
pub fn owned<T: TaskInput>(value: AnyValue) -> Result<T, BoxError> {
    match value.downcast::<T>() {
        Ok(value) => Ok(Arc::try_unwrap(value).unwrap_or_else(|shared| shared.clone_input())),
        Err(_) => Err(type_error::<T>()),
    }
}

/// Borrows an input.
pub fn shared<T: 'static>(value: &AnyValue) -> Result<&T, BoxError> {
    value.downcast_ref::<T>().ok_or_else(type_error::<T>)
}

/// The handles make a value of the wrong type impossible; if one shows up anyway, it is a bug
/// of the runtime, reported as an error rather than a panic.
fn type_error<T>() -> BoxError {
    format!("a value between nodes is not a `{}`", std::any::type_name::<T>()).into()
}
