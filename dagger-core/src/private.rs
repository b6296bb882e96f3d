//! What the macros expand to. Not part of the public API: names and signatures may change.
//!
//! Nothing in the crate imports this module: it re-exports what generated code names, and holds
//! the few helpers that exist only for it.

pub use crate::dsl::builder::{DagBuilder, MapBuilder, Scope};
pub use crate::dsl::callable::{
    Arity, Callable, DagReturn, InputAt, KeyedParts, Parts, Produce, RunsPerPartition, Sealed, Single,
};
pub use crate::dsl::dag::{Dag, Params};
pub use crate::dsl::declare::Declare;
pub use crate::dsl::fields::{partitioned_field, whole_field, FieldAt, WithFields};
pub use crate::dsl::handle::{Param, Partitioned, Value};
use crate::dsl::keyed::{KeyBound, OrderedKeys};
pub use crate::dsl::rules::{Checked, Input, MapResult, MapSource, Mode, Poisoned, Returns, Split, Whole};
pub use crate::erased::Codec;
pub use crate::error::BoxError;
pub use crate::graph::{Edge, Port, Work};
pub use crate::invoke::{keyed_parts, one, parts, BatchFn, BatchRun, BatchStop, Emit, Inputs, Items, TaskFn};
pub use crate::keys::KeyValue;

use crate::data::Data;
use crate::erased::{owned, shared, AnyValue};
use crate::invoke::{map_batch, map_batch_ref};

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

// The entry points `#[task]` generates take each input as the type `InputAt<I>` of the task
// names, through these functions, whose only bound is `C: InputAt<I>`: the stored type is
// checked once, where `#[task]` implements `InputAt<I>` (spanned at the parameter), so a type
// that cannot be stored is one error there, not one per use.

/// The input of parameter `I` of task `C`, as its own value.
pub fn owned_at<C: InputAt<I>, const I: usize>(value: Erased) -> Result<<C as InputAt<I>>::Ty, BoxError> {
    owned::<C::Ty>(value)
}

/// The input of parameter `I` of task `C`, borrowed.
pub fn shared_at<C: InputAt<I>, const I: usize>(value: &Erased) -> Result<&<C as InputAt<I>>::Ty, BoxError> {
    shared::<C::Ty>(value)
}

/// Runs task `C` over a batch of partitions that feed its parameter `I`, by value.
pub fn map_batch_at<C, const I: usize>(
    items: Items<'_>,
    run: &BatchRun<'_>,
    task: impl Fn(<C as InputAt<I>>::Ty) -> Result<C::Output, BoxError>,
) -> Result<Erased, BatchStop>
where
    C: Callable + InputAt<I>,
{
    map_batch(items, run, task)
}

/// Runs task `C` over a batch of partitions that feed its parameter `I`, borrowed.
pub fn map_batch_ref_at<C, const I: usize>(
    items: Items<'_>,
    run: &BatchRun<'_>,
    task: impl Fn(&<C as InputAt<I>>::Ty) -> Result<C::Output, BoxError>,
) -> Result<Erased, BatchStop>
where
    C: Callable + InputAt<I>,
{
    map_batch_ref(items, run, task)
}

/// A constant argument, typed by the parameter it feeds.
pub fn constant<P: Data, S: Scope, V: IntoConstant<P>>(scope: &mut S, value: V) -> Value<P> {
    scope.constant(value.into_constant())
}

/// A bound of `source.select(a..b)` that is a DAG value: a value of the source's key type.
pub fn key_bound<H: OrderedKeys, B: KeyBound<H::Key>>(_source: &H, bound: B) -> Value<H::Key> {
    bound.value()
}

/// A bound of `source.select(a..b)` that is a constant: a constant of the source's key type.
pub fn key_constant<H: OrderedKeys, S: Scope, V: IntoConstant<H::Key>>(
    _source: &H,
    scope: &mut S,
    value: V,
) -> Value<H::Key> {
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
/// [`Checked`] whatever the check says, so that a failure is reported here only.
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

/// The values of a keyed partitioned task's items `(K, V)`, given the item type.
pub type ValueOf<P> = <P as KeyValue>::Value;

/// The keys of a keyed partitioned task's items `(K, V)`, given the item type.
pub type KeyOf<P> = <P as KeyValue>::Key;

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

/// The position of the parameter `name` among `params`, or `usize::MAX` when there is none
/// (which [`named_argument_error`] reports).
pub const fn param_position(params: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < params.len() {
        if str_eq(params[i], name) {
            return i;
        }
        i += 1;
    }
    usize::MAX
}

// The errors of named arguments are compile-time panics whose message names the callee and its
// parameters. Const evaluation cannot allocate: each message is written by a function that
// takes a buffer and returns the message's length, called once with an empty buffer for the
// length and once with a buffer of that length, by code of this form (`check` is one of the
// functions below, `args` its other arguments):
//
//     const _: () = {
//         const LEN: usize = check(&mut [], args);
//         const MESSAGE: [u8; LEN] = { let mut m = [0; LEN]; check(&mut m, args); m };
//         if LEN != 0 { panic!("{}", message(&MESSAGE)) }
//     };

/// The message for the named argument `name` of a call of `callee`, empty when `name` is one of
/// its `params`: "`scale` has no parameter `facter`; its parameters are `x`, `factor`".
pub const fn named_argument_error(out: &mut [u8], callee: &str, params: &[&str], name: &str) -> usize {
    if param_position(params, name) != usize::MAX {
        return 0;
    }
    let mut w = Writer { out, len: 0 };
    w.code(callee).text(" has no parameter ").code(name).text("; ");
    match params.len() {
        0 => w.text("it takes no parameters"),
        1 => w.text("its only parameter is ").code(params[0]),
        _ => w.text("its parameters are ").list(params, ", "),
    };
    w.len
}

/// The message for a call of `callee` with named arguments that gives the parameters at the
/// positions `given` (`usize::MAX` for an unknown name, reported by [`named_argument_error`]),
/// empty when each parameter is given at most once and every one left out has a default.
pub const fn named_call_error(
    out: &mut [u8],
    callee: &str,
    params: &[&str],
    defaults: &[bool],
    given: &[usize],
) -> usize {
    let mut w = Writer { out, len: 0 };
    if count(given, usize::MAX) > 0 {
        // An unknown name is reported where it is written; what the call leaves out may be it.
        return 0;
    }
    let mut position = 0;
    while position < params.len() {
        if count(given, position) > 1 {
            w.text("this call of ").code(callee).text(" gives its parameter ").code(params[position]).text(" twice");
            return w.len;
        }
        position += 1;
    }
    let (mut n, mut first) = (0, 0);
    position = params.len();
    while position > 0 {
        position -= 1;
        if missing(given, defaults, position) {
            n += 1;
            first = position;
        }
    }
    if n == 0 {
        return 0;
    }
    w.text("this call of ").code(callee).text(" leaves out ");
    let mut written = 0;
    while position < params.len() {
        if missing(given, defaults, position) {
            if written > 0 {
                w.text(if written + 1 == n { " and " } else { ", " });
            }
            w.code(params[position]);
            written += 1;
        }
        position += 1;
    }
    w.text(if n == 1 { ", which has no default: pass it" } else { ", which have no default: pass them" });
    w.text(", by position or by name (").code_assign(params[first]).text(")");
    w.len
}

/// The parameter at `position` is neither given nor has a default.
const fn missing(given: &[usize], defaults: &[bool], position: usize) -> bool {
    count(given, position) == 0 && !defaults[position]
}

/// How many of `given` are `position`.
const fn count(given: &[usize], position: usize) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < given.len() {
        if given[i] == position {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The message for the `i`th of the names of DAG `dag` (`names`, each with what it names in
/// `whats`), empty unless an earlier one is equal to it ignoring case without being equal: on a
/// file system that ignores case, nodes of those names would write one folder.
pub const fn names_differing_in_case(out: &mut [u8], dag: &str, (names, whats): (&[&str], &[&str]), i: usize) -> usize {
    let mut j = 0;
    while j < i {
        if !str_eq(names[j], names[i]) && str_eq_ignoring_case(names[j], names[i]) {
            let mut w = Writer { out, len: 0 };
            w.text("DAG ").code(dag).text(" has ").text(whats[j]).text(" ").code(names[j]);
            w.text(" and ").text(whats[i]).text(" ").code(names[i]);
            w.text(", names that differ only in case, which a file system that ignores case (macOS, Windows) ");
            w.text("cannot tell apart; rename one");
            return w.len;
        }
        j += 1;
    }
    0
}

/// The text of a message written by the functions above.
pub const fn message(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => "a named argument does not match the parameters of the task or DAG it is passed to",
    }
}

/// Writes text into a buffer as far as it fits, and counts its whole length.
struct Writer<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl Writer<'_> {
    const fn text(&mut self, text: &str) -> &mut Self {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if self.len < self.out.len() {
                self.out[self.len] = bytes[i];
            }
            self.len += 1;
            i += 1;
        }
        self
    }

    /// `` `name` ``
    const fn code(&mut self, name: &str) -> &mut Self {
        self.text("`").text(name).text("`")
    }

    /// `` `name = ..` ``
    const fn code_assign(&mut self, name: &str) -> &mut Self {
        self.text("`").text(name).text(" = ..`")
    }

    /// `` `a`, `b` ``
    const fn list(&mut self, names: &[&str], separator: &str) -> &mut Self {
        let mut i = 0;
        while i < names.len() {
            if i > 0 {
                self.text(separator);
            }
            self.code(names[i]);
            i += 1;
        }
        self
    }
}

const fn str_eq_ignoring_case(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !a[i].eq_ignore_ascii_case(&b[i]) {
            return false;
        }
        i += 1;
    }
    true
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
