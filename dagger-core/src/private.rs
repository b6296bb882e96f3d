//! What the macros expand to. Not part of the public API: names and signatures may change.

use std::sync::Arc;

pub use crate::batch::{map_batch, map_batch_ref, BatchRun, BatchStop, Items};
pub use crate::builder::{Dag, DagBuilder, MapBuilder, Scope};
pub use crate::callable::{Arity, Callable, DagReturn, InputAt, Parts, Single};
pub use crate::format::Codec;
pub use crate::graph::{BatchFn, Body, BoxError, Edge, Emit, Inputs, TaskFn};
pub use crate::handle::{Param, Partitioned, Port, Value};
pub use crate::outputs::{partitioned_field, whole_field, FieldAt, FieldScope, WithFields};
pub use crate::rules::{
    Input, MapResult, MapSource, Mode, Output, Poisoned, Produce, Returns, RunsPerPartition, Split, Whole,
};

use crate::data::{Data, TaskInput};
use crate::graph::AnyValue;

/// A value between nodes, type-erased.
pub type Erased = AnyValue;

/// One argument of a call, checked against its parameter type, with its mode.
pub struct Arg<M> {
    pub edge: Edge,
    pub mode: M,
}

/// Checks one argument against the type of the parameter it feeds (rules 7 and 8). The macros
/// span this call at the user's argument so that a failing bound points there.
pub fn input<P, H: Input<P>>(handle: H) -> Arg<H::Mode> {
    Arg { edge: handle.edge(), mode: Default::default() }
}

/// A constant argument, typed by the parameter it feeds.
pub fn constant<P: Data, S: Scope, V: IntoConstant<P>>(scope: &mut S, value: V) -> Value<P> {
    scope.constant(value.into_constant())
}

/// What a constant written in a DAG body may be for a parameter of type `P`: a `P`, or a
/// string literal for a `String`.
#[diagnostic::on_unimplemented(
    message = "mismatched types: this constant is a `{Self}`, but the parameter it feeds takes a `{P}`",
    label = "expected `{P}`, found `{Self}`"
)]
pub trait IntoConstant<P> {
    fn into_constant(self) -> P;
}

#[diagnostic::do_not_recommend]
impl<T> IntoConstant<T> for T {
    fn into_constant(self) -> T {
        self
    }
}

#[diagnostic::do_not_recommend]
impl IntoConstant<String> for &str {
    fn into_constant(self) -> String {
        self.to_string()
    }
}

/// The mode of a node: partitioned if any input is.
pub fn join<A: Mode, B: Mode>(_: A, _: B) -> A::Join<B> {
    Default::default()
}

/// Checks the output of a DAG body against the declared return type (rule 5). Returns an
/// [`Output`] whatever the check says, so that a failure is reported here only.
pub fn returns<R, H: Returns<R>>(handle: H) -> Output<R> {
    Output::new(handle.port())
}

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

fn type_error<T>() -> BoxError {
    format!("a value between nodes is not a `{}`", std::any::type_name::<T>()).into()
}

/// Hands over the return value of a task. (`Callable::Output: Data` checks the type, once.)
pub fn one<T: Send + Sync + 'static>(emit: &mut dyn Emit, value: T) -> Result<(), BoxError> {
    emit.one(Arc::new(value))
}

/// Hands over the return value of a `#[task(partitioned)]` task, one partition per item, as
/// the iterator produces them: in batches as large as `emit` has room for, so that small
/// partitions cost no allocation each.
pub fn parts<I>(emit: &mut dyn Emit, items: I) -> Result<(), BoxError>
where
    I: IntoIterator,
    I::Item: Send + Sync + 'static,
{
    let mut items = items.into_iter();
    loop {
        let room = emit.room().max(1);
        let batch: Vec<I::Item> = items.by_ref().take(room).collect();
        let len = batch.len();
        if len > 0 {
            emit.batch(Arc::new(batch), len)?;
        }
        if len < room {
            return Ok(());
        }
    }
}

/// A task's return type `Result<T, E>`: `Err` fails the run with the error as its source.
pub trait Fallible {
    type Ok;
    fn into_result(self) -> Result<Self::Ok, BoxError>;
}

impl<T, E: Into<BoxError>> Fallible for Result<T, E> {
    type Ok = T;
    fn into_result(self) -> Result<T, BoxError> {
        self.map_err(Into::into)
    }
}

/// The items of a partitioned task's return type.
pub type ItemOf<I> = <I as IntoIterator>::Item;

/// The nesting depth of a DAG, from those of the nodes it calls.
pub const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// The graph of a DAG, shared.
pub fn body_of<P: crate::builder::Params, R: DagReturn>(dag: &Dag<P, R>) -> Body {
    Body::Dag(dag.graph_arc().clone())
}

/// The position of the parameter `name` among `params`; a compile-time error when there is none.
pub const fn param_index(callee: &str, params: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < params.len() {
        if str_eq(params[i], name) {
            return i;
        }
        i += 1;
    }
    let _ = callee;
    panic!("a named argument does not match any parameter of the task or DAG it is passed to")
}

/// Checks a call with named arguments: each parameter given at most once, and every parameter
/// left out has a default. Evaluated at compile time.
pub const fn check_named_call(defaults: &[bool], given: &[usize]) {
    let mut position = 0;
    while position < defaults.len() {
        let mut count = 0;
        let mut i = 0;
        while i < given.len() {
            if given[i] == position {
                count += 1;
            }
            i += 1;
        }
        if count > 1 {
            panic!("a parameter is given twice in this call");
        }
        if count == 0 && !defaults[position] {
            panic!("this call leaves out a parameter that has no default: pass it");
        }
        position += 1;
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
