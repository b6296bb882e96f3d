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
//! - The partitioning rules are trait bounds on the handles a DAG body manipulates; see
//!   [`rules`] for the list and the message each gives.
//! - [`Runner`] runs a DAG on rayon; [`Graph`] describes it (nodes, edges, Graphviz DOT).
//!
//! A DAG body holds *handles* in its variables while the DAG is declared. A handle names one
//! output of the DAG (a parameter, a constant or a node's return value) and carries in its type
//! the shape of that output, which is what the partitioning rules are about:
//!
//! | handle | what it is |
//! |---|---|
//! | [`Value<T>`] | one whole value: a constant, or the output of a task that is not partitioned |
//! | [`Param<T>`] | a parameter of the DAG: a whole value that can never be mapped over |
//! | [`Partitioned<T>`] | a partitioned output of a `#[task(partitioned)]` task: one `T` per partition |
//! | [`Partition<T>`] | inside `.map(|part| ...)`: one partition, and whatever is computed from it |
//! | [`PerPartition<T>`] | the result of a map: the output of a partitioned node, one `T` per partition |
//!
//! Handles are `Copy`: using a variable twice makes the output feed two nodes, and every
//! consumer receives all of it.
//!
//! Partitions may carry keys (days, regions): `#[task(partitioned, keyed)]` returns `(key,
//! value)` pairs, and `Partitioned<T, K>`, `PerPartition<T, K>` carry the key type `K`
//! ([`keys::Unkeyed`] when there are none). Fan-ins by key, windows, key ranges, joins and
//! shuffles are methods of the DAG body ([`Scope::window`], [`Scope::select`],
//! [`Scope::join`], [`Scope::shuffle`]); see the [`keys`] module.
//!
//! The crate is layered; each module only uses those above it in this list: `error`, `sync`,
//! `data`, `keys`, `format` (foundations); `erased` (values with their types erased); `store` (where
//! outputs live); `invoke` (the interface between generated task code and the runtime);
//! `graph` (the declared model); `dsl` (handles, rules, the builder); `run` (the runtime);
//! `argo` (manifests from the graph's job plan); `cli` (the command line, feature `cli`).
//! `__private` re-exports what the macros' generated code names; nothing imports it.

#![warn(missing_docs)]

// The crate's unit tests declare DAGs with its own macros, which name it `::dagger_core`.
#[cfg(test)]
extern crate self as dagger_core;
mod data;
mod dsl;
mod erased;
mod error;
mod external;
mod fingerprint;
mod format;
mod graph;
mod invoke;
mod run;
mod store;
mod sync;

pub mod argo;
#[cfg(feature = "cli")]
pub mod cli;
pub mod keys;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use data::Data;
pub use dsl::builder::{DagBuilder, MapBuilder, Scope};
pub use dsl::dag::Dag;
pub use dsl::handle::{Param, Partition, Partitioned, PerPartition, Value};
pub use error::{BoxError, BuildError, Error, NodePath};
pub use external::InputPath;
pub use fingerprint::Fingerprint;
pub use format::{Binary, Format, Json};
pub use graph::{EdgeInfo, EdgeKind, Graph, JobPlan, NodeInfo, NodeKind, Origin};
pub use run::{DryRun, Reuse, Runner};
pub use store::{DiskStore, KeyedPartitions, MemoryStore, Partitions, Store};

pub mod rules {
    //! The partitioning rules, as traits on the handle types.
    //!
    //! Each rule is a trait bound that holds for the allowed patterns and fails for the
    //! forbidden ones; the failing bound is a trait with a `#[diagnostic::on_unimplemented]`
    //! message that states the rule and the fix. The macros check one bound per argument,
    //! spanned at the user's own expression, and the [builder API](crate::DagBuilder) uses the
    //! very same traits, so the rules hold whichever way a DAG is written.
    //!
    //! | rule | checked by |
    //! |---|---|
    //! | 1. a node is partitioned by at most one input (no map inside a map) | [`MapSource`] → [`MapInsideMap`] |
    //! | 2. only a partitioned output can partition a node | [`MapSource`] → [`MapOverWholeValue`] |
    //! | 3. never a DAG parameter | [`MapSource`] → [`MapOverParameter`] |
    //! | 4. a partitioned node produces no partitioned output | [`Produce`] → [`RunsPerPartition`] |
    //! | 5. a DAG does not return a partitioned node's output | [`Returns`] → [`ReturnFromPartitionedNode`] |
    //! | 6. a partition is not partitioned again | [`MapSource`] → [`MapOverPartition`] |
    //! | 7. a partitioned output is mapped or collected, never used as one value | [`Input`] → [`CollectFrom`] |
    //! | 8. an output feeds only a parameter of its own type | [`Input`] → [`SameType`] |
    //!
    //! The other traits here are the checks of a call ([`Callable`], [`Arity`], [`InputAt`],
    //! [`Args`], [`TaskInput`]), of fields and tuples of outputs ([`Fields`], [`Pack`],
    //! [`WholeValue`]) and of a DAG's parameters and return type ([`Params`], [`DagReturn`]),
    //! the checks of keyed partitions ([`KeyedBy`] for a fan-in by key, [`OrderedKeys`] and
    //! [`OrderedKey`] for windows and key ranges, [`KeyRange`] and [`KeyBound`] for the ranges),
    //! and the markers the rules are written with: how a call uses an input ([`Mode`]:
    //! [`Whole`], [`Split`]) and where a map is declared ([`Level`]: [`TopLevel`],
    //! [`InsideMap`]).

    pub use crate::data::TaskInput;
    pub use crate::dsl::args::Args;
    pub use crate::dsl::callable::{Arity, Callable, DagReturn, InputAt, Produce, RunsPerPartition};
    pub use crate::dsl::dag::Params;
    pub use crate::dsl::fields::{Fields, Pack, WholeValue};
    pub use crate::dsl::keyed::{JoinsWith, KeyBound, KeyRange, KeyedOutput, OrderedKey, OrderedKeys, Windows};
    pub use crate::dsl::regroup::{ItemOf, Items, PartitionedOutput};
    pub use crate::dsl::rules::{
        AcceptsPartitioned, CollectFrom, Element, Input, InsideMap, Level, MapInsideMap, MapOverParameter,
        MapOverPartition, MapOverWholeValue, MapResult, MapSource, Mode, Rekey, ReturnFromPartitionedNode, Returns,
        SameReturnType, SameType, Split, TopLevel, Whole,
    };
    pub use crate::keys::KeyedBy;
}

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
/// written to files; `name = "..."` for the node's name; `version = "..."` and `cache = false`
/// for when a [`DiskStore`] may reuse its stored output. By default the version is a hash of
/// the function's own code (signature and body), so that an edited task runs again; a change
/// in what it calls is not seen, so bump `version` when such a change alters its results.
/// `cache = false` is for a task that is not a pure function of its inputs (it reads a clock, a
/// database, a file that changes): it runs every time, and so does everything that reads it.
///
/// `options(key = value, ..)` holds settings that the cluster runtimes (Argo, SLURM) read, from
/// a closed vocabulary: `cpu`, `memory`, `gpu`,
/// `gpu_resource`, `timeout`, `retries`, `image`, `slurm_partition`, `slurm_qos`,
/// `slurm_account`, `slurm_constraint`, `sbatch`, `argo_container`, `argo_template` and
/// `argo_task` (the README's "Task options" says what each means). The macro checks each key
/// and value when it compiles, so that a typo fails the build, not a cluster job hours later:
/// `memory = "8 GB"` is an error at `"8 GB"` that asks for a Kubernetes quantity such as `"8Gi"`.
///
/// ```
/// # use dagger_core::prelude::*;
/// #[task(options(cpu = "2", memory = "8Gi", timeout = "2h", retries = 3))]
/// fn train(x: u64) -> u64 {
///     x + 1
/// }
///
/// #[dag]
/// fn training(x: u64) -> u64 {
///     train(x)
/// }
///
/// let options = &training::dag().graph().nodes()[0].options;
/// assert_eq!(options[1], ("memory".to_string(), "8Gi".to_string()));
/// assert_eq!(training::run(1).unwrap(), 2); // the in-process runtime ignores them
/// ```
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
/// A call of an all-lowercase path (`load(..)`, `tasks::load(..)`) where a value is bound or
/// passed is a node call: a task or a DAG. Everything else is plain Rust, which runs once, when
/// the DAG is declared: constants (`7`, `"text"`, `vec![..]`, `Some(3)`, `String::from("x")`,
/// a `const`), passed as arguments or bound with `let`. So plain Rust:
///
/// - calls no all-lowercase path outside braces: `let x = load(r).unwrap();` or
///   `["eu", "us"].map(|r| load(r.to_string()))` would run `load` once, as a plain function,
///   and every run would reuse that value; it is a compile error. Call a task where its output
///   is bound (`let x = load(r);`) or in a map over a partitioned output
///   (`regions.map(|r| load(r))`). For a plain value computed when the DAG is declared, wrap the
///   expression in braces: `let x = { plain(..) };`, `task({ plain(..) })`;
/// - uses no value of the DAG (a parameter, a node's output, a partition), which exists only
///   when the DAG runs: `timeout_s * 1000` is a compile error; compute in a task,
///   `#[task] fn to_ms(s: u64) -> u64 { s * 1000 }`, then `to_ms(timeout_s)`;
/// - has no `?`: a task that returns `Result` fails the run with its error by itself.
///
/// A plain function (not `#[task]`) called as a node is a compile error that names it.
///
/// The function becomes a type with the parameters as fields: `name::run(..)`,
/// `name { .. }.execute()`, `execute_on(&runner)`, `name::with_defaults(..)`, `name::default()`
/// when every parameter has a default, and `name::dag()` for the declared [`Dag`].
#[doc(inline)]
pub use dagger_macros::dag;

/// Everything a DAG author needs: the macros, the handles, the runner and its stores, and the
/// formats a task names in `#[task(format = Binary)]`.
pub mod prelude {
    pub use crate::{
        dag, task, Binary, Dag, DiskStore, Error, InputPath, Json, KeyedPartitions, MemoryStore, Param, Partition,
        Partitioned, Partitions, PerPartition, Runner, Scope, Value,
    };
}

/// The examples of `README.md`, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
