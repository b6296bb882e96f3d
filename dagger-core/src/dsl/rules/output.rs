//! Rule 5: what a DAG may return.

use super::Poisoned;
use crate::dsl::handle::{Param, Partitioned, PerPartition, Value};
use crate::graph::Port;

/// A handle that a DAG declared to return `R` can return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a DAG that returns `{R}`",
    label = "a DAG returns a parameter, a node output or `()`"
)]
pub trait Returns<R> {
    #[doc(hidden)]
    fn port(&self) -> Option<Port>;
}

/// Rule 5: a DAG may not return the output of a partitioned node directly.
///
/// `Self` is the DAG's declared return type; `T` the type of one partition.
#[diagnostic::on_unimplemented(
    message = "a DAG may not return the output of a partitioned node directly",
    label = "this is the output of a node that runs once per partition",
    note = "add a fan-in task that takes `Vec<{T}>` (every partition, in order) and returns one value, and return that task's output"
)]
pub trait ReturnFromPartitionedNode<T> {}

/// The declared return type of a DAG matches the returned output.
#[diagnostic::on_unimplemented(
    message = "mismatched types: the DAG is declared to return `{R}`, but this is a `{Self}`",
    label = "expected `{R}`, found `{Self}`"
)]
pub trait SameReturnType<R> {}

#[diagnostic::do_not_recommend]
impl<T> SameReturnType<T> for T {}

/// A DAG that returns a partitioned output declares it.
#[diagnostic::on_unimplemented(
    message = "this DAG returns a partitioned output, so its return type must be `Partitioned<{T}>`, not `{Self}`",
    label = "this is a partitioned output",
    note = "declare `-> Partitioned<{T}>`, or reduce the partitions with a fan-in task that takes `Vec<{T}>`"
)]
pub trait AcceptsPartitioned<T> {}

#[diagnostic::do_not_recommend]
impl<T, U> AcceptsPartitioned<T> for Partitioned<U> where T: SameReturnType<U> {}

impl<T, R> Returns<R> for Value<T>
where
    T: SameReturnType<R>,
{
    fn port(&self) -> Option<Port> {
        Some(self.port)
    }
}

impl<T, R> Returns<R> for Param<T>
where
    T: SameReturnType<R>,
{
    fn port(&self) -> Option<Port> {
        Some(self.port)
    }
}

impl<T, R> Returns<R> for Partitioned<T>
where
    R: AcceptsPartitioned<T>,
{
    fn port(&self) -> Option<Port> {
        Some(self.port)
    }
}

impl<T, R> Returns<R> for PerPartition<T>
where
    R: ReturnFromPartitionedNode<T>,
{
    fn port(&self) -> Option<Port> {
        Some(self.port)
    }
}

/// A DAG's output, already checked against the declared return type `R`.
#[doc(hidden)]
pub struct Checked<R> {
    pub(crate) port: Option<Port>,
    _return: std::marker::PhantomData<fn() -> R>,
}

impl<R> Checked<R> {
    pub(crate) fn new(port: Option<Port>) -> Self {
        Checked { port, _return: std::marker::PhantomData }
    }
}

impl<R> Returns<R> for Checked<R> {
    fn port(&self) -> Option<Port> {
        self.port
    }
}

impl Returns<()> for () {
    fn port(&self) -> Option<Port> {
        None
    }
}

impl<R> Returns<R> for Poisoned {
    fn port(&self) -> Option<Port> {
        None
    }
}
