//! The partitioning rules, as traits on the [handle](super::handle) types, and the marker types
//! they are written with. Each rule is a trait bound that holds for the allowed patterns and
//! fails for the forbidden ones; the failing bound is a trait with a
//! `#[diagnostic::on_unimplemented]` message that states the rule and the fix. The public list
//! is `dagger_core::rules`.
//!
//! - [`input`]: what a task parameter accepts (rules 7 and 8);
//! - [`map`]: what can be mapped over, and where (rules 1, 2, 3 and 6);
//! - [`output`]: what a DAG may return (rule 5).
//!
//! Rule 4 (a node that runs once per partition produces no partitioned output) is a bound on
//! what a call produces, beside [`Callable`](super::callable::Callable).

pub(crate) mod input;
pub(crate) mod map;
pub(crate) mod output;

pub use input::{CollectFrom, Element, Input, SameType};
pub use map::{MapInsideMap, MapOverParameter, MapOverPartition, MapOverWholeValue, MapResult, MapSource, Rekey};
pub use output::{AcceptsPartitioned, Checked, ReturnFromPartitionedNode, Returns, SameReturnType};

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// How a node uses one of its inputs: whole, or one partition per run of the node.
pub trait Mode: sealed::Sealed + Copy + Default + 'static {
    /// The mode of a node with inputs of modes `Self` and `M`: partitioned if either is.
    ///
    /// All partitions a node can see come from the map it is declared in (a map inside a map
    /// is refused by rule 1), so two partitioned inputs always run in step.
    type Join<M: Mode>: Mode;
    #[doc(hidden)]
    type WithSplit: Mode;
}

/// The input is used whole: the node runs once for it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Whole;

/// The input is one partition: the node runs once per partition.
#[derive(Clone, Copy, Debug, Default)]
pub struct Split;

/// The input comes from code that already failed to compile; see [`Poisoned`].
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Poison;

impl sealed::Sealed for Whole {}
impl sealed::Sealed for Split {}
impl sealed::Sealed for Poison {}
impl Mode for Whole {
    type Join<M: Mode> = M;
    type WithSplit = Split;
}
impl Mode for Split {
    type Join<M: Mode> = M::WithSplit;
    type WithSplit = Split;
}

impl Mode for Poison {
    type Join<M: Mode> = Poison;
    type WithSplit = Poison;
}

/// Where a map can be declared: at the top of a DAG body, or inside another map.
pub trait Level: sealed::Sealed + 'static {}

/// The top level of a DAG body.
#[derive(Debug)]
pub struct TopLevel;

/// Inside the closure of a `.map(...)`.
#[derive(Debug)]
pub struct InsideMap;

impl sealed::Sealed for TopLevel {}
impl sealed::Sealed for InsideMap {}
impl Level for TopLevel {}
impl Level for InsideMap {}

/// The handle of a map or call downstream of a rule violation.
///
/// When a rule fails, the compiler reports it once, at the user's expression; what that
/// expression evaluates to is `Poisoned`, which every later check accepts, so that one mistake
/// gives one error rather than a cascade. Code that compiles never holds one.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Poisoned;
