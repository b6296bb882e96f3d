//! How the graph names its values: a [`Port`] is one output of one DAG.

/// Identifies one DAG under construction, so that a handle of one DAG is never used in another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct DagId(pub(crate) u64);

/// Index of a map (`.map(...)`) inside one DAG.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MapId(pub(crate) u32);

impl MapId {
    /// No map: what a partition used outside every map belongs to (an error the builder
    /// reports).
    pub(crate) const NONE: MapId = MapId(u32::MAX);
}

/// Where a value comes from inside one DAG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Source {
    Param(u32),
    Const(u32),
    Node(u32),
}

/// One output of one DAG under construction.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Port {
    pub(crate) dag: DagId,
    pub(crate) source: Source,
}
