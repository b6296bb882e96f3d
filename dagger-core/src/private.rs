//! What the macros expand to. Not part of the public API: names and signatures may change.
//!
//! Nothing in the crate imports this module: it re-exports what generated code names, and holds
//! the few helpers that exist only for it.

pub use crate::dsl::builder::{DagBuilder, MapBuilder, Scope};
pub use crate::dsl::callable::{Arity, Callable, DagReturn, InputAt, Parts, Produce, RunsPerPartition, Sealed, Single};
pub use crate::dsl::dag::{Dag, Params};
pub use crate::dsl::declare::Declare;
pub use crate::dsl::fields::{partitioned_field, whole_field, FieldAt, WithFields};
pub use crate::dsl::handle::{Param, Partitioned, Value};
pub use crate::dsl::rules::{Checked, Input, MapResult, MapSource, Mode, Poisoned, Returns, Split, Whole};
pub use crate::erased::{owned, shared, Codec};
pub use crate::error::BoxError;
pub use crate::graph::{Edge, Port, Work};
pub use crate::invoke::{
    map_batch, map_batch_ref, one, parts, BatchFn, BatchRun, BatchStop, Emit, Inputs, Items, TaskFn,
};

use crate::data::Data;
use crate::erased::AnyValue;

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

/// A constant written in a DAG body or a `#[default(..)]`, as a value of the parameter's type
/// `P`.
pub fn into_constant<P, V: IntoConstant<P>>(value: V) -> P {
    value.into_constant()
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
pub fn returns<R, H: Returns<R>>(handle: H) -> Checked<R> {
    Checked::new(handle.port())
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
pub fn work_of<P: Params, R: DagReturn>(dag: &Dag<P, R>) -> Work {
    Work::Dag(dag.graph_arc().clone())
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

/// What a call in a DAG body names when its path names no task or DAG (a plain function, or
/// nothing): `#[dag]` declares a marker struct with the function's name, which does not
/// implement this trait, and the callee becomes `<marker as TaskOrDag>::Node`. The bound fails
/// once, with this message, and the rest of the call is not checked further.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `#[task]` or a `#[dag]`",
    label = "only functions marked `#[task]` or `#[dag]` are nodes of a DAG",
    note = "mark `{Self}` with `#[task]` (or import the task of that name); to pass the value of a plain function as a constant, wrap the call in braces: `{{ {Self}(..) }}`"
)]
pub trait TaskOrDag {
    type Node;
}

/// Keeps rustc from calling [`TaskOrDag`] a trait without implementations.
#[diagnostic::do_not_recommend]
impl TaskOrDag for PlainFunction {
    type Node = PlainFunction;
}

/// Where the nesting depth of a DAG is computed, what a plain function called in its body
/// stands for: a callee of depth 0, so that the call's own error (above) is the only one.
pub struct PlainFunction;

impl Sealed for PlainFunction {}

#[diagnostic::do_not_recommend]
impl Callable for PlainFunction {
    const NAME: &'static str = "";
    const NESTING: usize = 0;
    const PARAMS: &'static [&'static str] = &[];
    const DEFAULTS: &'static [bool] = &[];
    type Output = ();
    type Shape = Single;
    fn work() -> Work {
        Work::Task(|_, _| Err("a plain function is not a node: the DAG calling it does not compile".into()), None)
    }
}
