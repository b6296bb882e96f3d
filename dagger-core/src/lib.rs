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
pub use graph::{BoxError, EdgeInfo, EdgeKind, From, Graph, NodeInfo};
pub use handle::{Param, Partition, Partitioned, PerPartition, Value};
pub use outputs::{FieldAt, Fields, Outputs, Pack, Whole, WithFields};
pub use partitions::Partitions;
pub use run::Runner;
pub use store::{DiskStore, MemoryStore, Store};

pub use dagger_macros::{dag, task};

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
