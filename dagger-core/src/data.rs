//! What may flow between nodes.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A value that can flow between the nodes of a DAG.
///
/// Values are serde types so that one DAG runs unchanged in memory, with outputs stored on disk,
/// or one node per process on a cluster. `Clone` lets a task that takes a parameter by value get
/// its own copy when the output also feeds other nodes; take `&T` to avoid the copy.
///
/// Implemented for every type that has all of these traits; derive them:
///
/// ```
/// #[derive(Clone, serde::Serialize, serde::Deserialize)]
/// struct Chunk {
///     rows: Vec<String>,
/// }
/// fn assert_data<T: dagger_core::Data>() {}
/// assert_data::<Chunk>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot flow between the nodes of a DAG",
    label = "values passed between nodes must be `Serialize + Deserialize + Clone + Send + Sync + 'static`",
    note = "derive them: `#[derive(Clone, serde::Serialize, serde::Deserialize)]`"
)]
pub trait Data: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {}

impl<T> Data for T where T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {}
