//! What declaring a node needs from the scope it is declared in: the object-safe core of
//! [`Scope`](super::builder::Scope), so that the code that makes nodes (calls of tasks and
//! DAGs, fields of outputs) does not depend on the builder's generic API.

use std::any::TypeId;

use crate::erased::{AnyValue, Codec};
use crate::graph::{Edge, MapId, Port, Work};

/// Adds nodes and constants to the DAG under construction.
#[doc(hidden)]
pub trait Declare {
    /// The map the scope is inside, if any: nodes declared here run once per partition of it.
    fn current_map(&self) -> Option<MapId>;
    /// Adds a node; the builder names it when the DAG is complete.
    fn add_node(&mut self, node: NewNode) -> Port;
    /// Adds a constant whose type the caller already checked; `codec` writes it as JSON.
    fn add_constant(&mut self, value: AnyValue, codec: Codec) -> Port;
}

/// A node as declared: everything but its name (given once every node is known, so that a
/// task called several times gets `-1`, `-2`, ...) and its map (the scope's).
#[doc(hidden)]
pub struct NewNode {
    /// The name of the task or DAG function, or what the builder made (`datasets_training`).
    pub(crate) callee: String,
    /// Which task or DAG it calls, and its Rust path; `None` for a node the builder makes.
    pub(crate) callable: Option<(TypeId, &'static str)>,
    pub(crate) work: Work,
    pub(crate) inputs: Vec<Edge>,
    /// The node splits its own output into partitions (`#[task(partitioned)]`).
    pub(crate) splits_output: bool,
    /// See [`NodeSpec::keyed`](crate::graph::NodeSpec).
    pub(crate) key_type: Option<&'static str>,
    pub(crate) output_type: &'static str,
    pub(crate) codec: Codec,
    pub(crate) options: &'static [(&'static str, &'static str)],
    /// See [`NodeSpec::version`](crate::graph::NodeSpec).
    pub(crate) version: String,
    /// See [`NodeSpec::cache`](crate::graph::NodeSpec).
    pub(crate) cache: bool,
}

impl NewNode {
    /// A node the builder makes itself (a field, a pack, a conversion): no task options;
    /// `version` says what it derives (`field 1`), since its name may be the user's binding.
    pub(crate) fn made(
        callee: String,
        version: String,
        work: Work,
        inputs: Vec<Edge>,
        splits_output: bool,
        output_type: &'static str,
        codec: Codec,
    ) -> Self {
        NewNode {
            callee,
            callable: None,
            work,
            inputs,
            splits_output,
            key_type: None,
            output_type,
            codec,
            options: &[],
            version,
            cache: true,
        }
    }
}
