//! What the macros expand to. Not part of the public API: names and signatures may change.

use std::sync::Arc;

pub use crate::builder::{Dag, DagBuilder, MapBuilder, Scope};
pub use crate::callable::{Arity, Callable, DagReturn, InputAt, Parts, Single};
pub use crate::graph::{Body, BoxError, Edge, Produced, TaskFn};
pub use crate::handle::{Param, Value};
pub use crate::rules::{
    Input, MapResult, MapSource, Mode, Produce, Returns, RunsPerPartition, Split, Whole,
};

use crate::data::Data;
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
    Arg {
        edge: handle.edge(),
        mode: Default::default(),
    }
}

/// A constant argument, typed by the parameter it feeds.
pub fn constant<P: Data, S: Scope>(scope: &mut S, value: P) -> Value<P> {
    scope.constant(value)
}

/// The mode of a node: partitioned if any input is.
pub fn join<A: Mode, B: Mode>(_: A, _: B) -> A::Join<B> {
    Default::default()
}

/// Checks the number of arguments of a call.
pub fn arity<C: Arity<N>, const N: usize>() {}

/// Adds a node; the bound `M: Produce<C>` is rule 4.
pub fn call<C: Callable, S: Scope, M: Produce<C>>(
    scope: &mut S,
    _mode: M,
    edges: Vec<Edge>,
) -> M::Handle {
    let map = scope.current_map();
    let port = scope.dag().add_node::<C>(edges, map);
    M::handle(port, map)
}

/// Checks the output of a DAG body against the declared return type (rule 5).
pub fn returns<R, H: Returns<R>>(handle: H) -> H {
    handle
}

/// Takes an input by value: moves it out when no other node holds it, clones it otherwise.
pub fn owned<T: Data>(value: AnyValue) -> Result<T, BoxError> {
    match value.downcast::<T>() {
        Ok(value) => Ok(Arc::try_unwrap(value).unwrap_or_else(|shared| (*shared).clone())),
        Err(_) => Err(type_error::<T>()),
    }
}

/// Borrows an input.
pub fn shared<T: 'static>(value: &AnyValue) -> Result<&T, BoxError> {
    value.downcast_ref::<T>().ok_or_else(type_error::<T>)
}

fn type_error<T>() -> BoxError {
    format!(
        "a value between nodes is not a `{}`",
        std::any::type_name::<T>()
    )
    .into()
}

/// Stores the return value of a task.
pub fn one<T: Data>(value: T) -> Produced {
    Produced::One(Arc::new(value))
}

/// Stores the return value of a `#[task(partitioned)]` task: one partition per item.
pub fn parts<I>(items: I) -> Produced
where
    I: IntoIterator,
    I::Item: Data,
{
    Produced::Parts(
        items
            .into_iter()
            .map(|item| Arc::new(item) as AnyValue)
            .collect(),
    )
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
