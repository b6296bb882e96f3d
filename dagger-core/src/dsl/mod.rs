//! The DSL: what a DAG body manipulates and is checked against. [Handles](handle) name the
//! outputs of the DAG under construction and carry their shape in their type; the
//! [rules] are trait bounds on them; [`Callable`](callable::Callable) is what a body
//! can call; the [builder] records the calls into a [`Graph`](crate::Graph).

pub(crate) mod args;
pub(crate) mod builder;
pub(crate) mod callable;
pub(crate) mod dag;
pub(crate) mod declare;
pub(crate) mod fields;
pub(crate) mod handle;
pub(crate) mod keyed;
mod methods;
pub(crate) mod names;
pub(crate) mod regroup;
pub(crate) mod rules;
pub(crate) mod shuffle;
