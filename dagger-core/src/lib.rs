//! Dagger: turn plain functions into a typed data pipeline that splits large data into
//! partitions and runs them in parallel as map-reduce, with every invalid pipeline rejected by
//! `cargo build`.
//!
//! ```
//! use dagger_core::prelude::*;
//!
//! #[task(partitioned)]
//! fn generate_numbers(length: u64) -> Vec<u64> {
//!     (0..length).collect()
//! }
//!
//! #[task]
//! fn raise(number: u64, exponent: u32) -> u64 {
//!     number.pow(exponent)
//! }
//!
//! #[task]
//! fn sum_numbers(numbers: Vec<u64>) -> u64 {
//!     numbers.iter().sum()
//! }
//!
//! #[dag]
//! fn quick_start(#[default(2)] exponent: u32) -> u64 {
//!     let numbers = generate_numbers(7);
//!     let raised = numbers.map(|n| raise(n, exponent));
//!     sum_numbers(raised)
//! }
//!
//! // Tasks stay plain functions...
//! assert_eq!(raise(3, 2), 9);
//! // ...and the DAG runs in parallel on rayon.
//! assert_eq!(quick_start::run(2).unwrap(), 91);
//! assert_eq!(quick_start::default().execute().unwrap(), 91);
//! ```
//!
//! - [`task`](macro@task) turns a function into a node; `#[task(partitioned)]` splits its
//!   output (any `IntoIterator`) into one partition per item.
//! - [`dag`](macro@dag) declares a DAG as a function whose body calls tasks and other DAGs.
//!   `parts.map(|part| ...)` runs tasks once per partition; passing a partitioned output to a
//!   parameter of type `Vec<T>` collects every partition (the fan-in).
//! - The partitioning rules are trait bounds on the [handles](handle) a DAG body manipulates;
//!   see [`rules`] for the list and the message each gives.
//! - [`Runner`] runs a DAG on rayon; [`Graph`] describes it (nodes, edges, Graphviz DOT).

#![warn(missing_docs)]

mod batch;
mod builder;
mod callable;
mod data;
mod error;
mod format;
mod graph;
pub mod handle;
mod outputs;
mod partitions;
mod progress;
pub mod rules;
mod run;
mod store;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
pub(crate) use __private as private;

pub use builder::{Args, Dag, DagBuilder, MapBuilder, Params, Scope};
pub use callable::{Arity, Callable, DagReturn, InputAt, Parts, Shape, Single};
pub use data::{Data, TaskInput};
pub use error::{BuildError, Error, NodePath};
pub use format::{Binary, Format, Json};
pub use graph::{BoxError, EdgeInfo, EdgeKind, Graph, NodeInfo, Origin};
pub use handle::{Param, Partition, Partitioned, PerPartition, Value};
pub use outputs::{FieldAt, Fields, Outputs, Pack, Whole, WithFields};
pub use partitions::Partitions;
pub use run::Runner;
pub use store::{DiskStore, MemoryStore, Store};

/// Turns a function into a task: it stays an ordinary function, and a DAG body can call it as
/// a node.
///
/// ```
/// use dagger_core::prelude::*;
///
/// #[task]
/// fn word_count(text: &str) -> usize {
///     text.split_whitespace().count()
/// }
///
/// /// Fallible: an `Err` fails the run, with this error as its source.
/// #[task]
/// fn parse(text: &str) -> Result<u64, std::num::ParseIntError> {
///     text.trim().parse()
/// }
///
/// /// Partitioned: each item of the returned collection (or iterator) is one partition.
/// #[task(partitioned)]
/// fn lines(text: String) -> Vec<String> {
///     text.lines().map(String::from).collect()
/// }
///
/// assert_eq!(word_count("a b c"), 3);
/// ```
///
/// Parameters are owned values (`T`) or references (`&T`, `&str`, `&[T]`), of types that are
/// [`Data`] (serde + `Clone`), or [`Partitions<T>`] for a lazy fan-in. The function cannot be
/// generic, `async` or a method.
///
/// Options: `partitioned`; `partitioned(0, ..)` for a task returning a tuple whose listed
/// fields are partitioned outputs; `format = Binary` (or any [`Format`]) for how its output is
/// written to files; `name = "..."` for the node's name; `options(key = value, ..)` for
/// settings that cluster runtimes read.
#[doc(inline)]
pub use dagger_macros::task;

/// Declares a DAG: a function whose parameters are the DAG's parameters and whose body calls
/// tasks and other DAGs, each call a node.
///
/// ```
/// use dagger_core::prelude::*;
///
/// #[task(partitioned)]
/// fn numbers(n: u64) -> Vec<u64> {
///     (0..n).collect()
/// }
///
/// #[task]
/// fn scale(x: u64, factor: u64) -> u64 {
///     x * factor
/// }
///
/// #[task]
/// fn total(xs: Vec<u64>) -> u64 {
///     xs.iter().sum()
/// }
///
/// #[dag]
/// fn scaled_sum(n: u64, #[default(10)] factor: u64) -> u64 {
///     let scaled = numbers(n).map(|x| scale(x, factor));  // once per partition
///     total(scaled)                                       // fan-in: every partition
/// }
///
/// assert_eq!(scaled_sum::run(4, 2).unwrap(), 12);
/// assert_eq!(scaled_sum::with_defaults(4).execute().unwrap(), 60);
/// assert_eq!(scaled_sum::dag().graph().nodes().len(), 3);
/// ```
///
/// The body holds `let` bindings of calls, maps (`parts.map(|part| ..)`), fields
/// (`value.field`, `let (a, b) = ..`) and constants, and ends with the output: a node's output,
/// a tuple or a struct of them, or nothing. A call may name its arguments after the positional
/// ones (`task(x, factor = 3)`) and then leave out the parameters of a nested DAG that have
/// defaults. Loops and branches are refused: the shape of a DAG is fixed when it is declared.
///
/// The function becomes a type with the parameters as fields: `name::run(..)`,
/// `name { .. }.execute()`, `execute_on(&runner)`, `name::with_defaults(..)`, `name::default()`
/// when every parameter has a default, and `name::dag()` for the declared [`Dag`].
#[doc(inline)]
pub use dagger_macros::dag;

/// Everything a DAG author needs: the macros, the handles and the runner.
pub mod prelude {
    pub use crate::{
        dag, task, Dag, Error, Param, Partition, Partitioned, Partitions, PerPartition, Runner, Scope, Value,
    };
}

/// The examples of `README.md`, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
