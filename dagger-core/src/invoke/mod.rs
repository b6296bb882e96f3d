//! The interface between the code `#[task]` generates and the runtime that calls it.
//!
//! A task is compiled into entry points of fixed types ([`TaskFn`], [`BatchFn`]) that take
//! their inputs type-erased ([`Inputs`]) and hand over their output through [`Emit`]. The
//! runtime calls them without knowing the task's types; the handle types of the DSL have
//! already checked that every input has the type its parameter takes.

mod batch;
mod emit;
mod failure;
mod inputs;

pub use batch::{map_batch, map_batch_ref, BatchRun, BatchStop, Items};
pub(crate) use emit::Batched;
pub use emit::{keyed_parts, one, parts, Emit};
pub(crate) use failure::Failure;
pub use inputs::Inputs;

use crate::erased::AnyValue;
use crate::error::BoxError;

/// The erased entry point of a task: takes its inputs in parameter order and hands its output
/// to `emit`, one value or one partition at a time.
pub type TaskFn = fn(Inputs, &mut dyn Emit) -> Result<(), BoxError>;

/// The erased entry point of a task that runs once per partition, over a piece of a batch of
/// partitions at once. It takes the parameter the partitions feed, the partitions, the inputs
/// in parameter order (a placeholder for that parameter) and the run; it returns the results,
/// a `Vec<O>`.
pub type BatchFn = fn(usize, Items<'_>, &Inputs, &BatchRun<'_>) -> Result<AnyValue, BatchStop>;

/// The body of a node the builder makes itself (a field of an output, outputs packed in a
/// tuple).
pub type DerivedFn = dyn Fn(Inputs, &mut dyn Emit) -> Result<(), BoxError> + Send + Sync;

/// The output of a DAG once computed: one value, or its partitions in order.
pub enum DagValue {
    One(AnyValue),
    Parts(Vec<AnyValue>),
}
