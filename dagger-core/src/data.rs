//! What may flow between nodes, and what a task parameter may be.

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Serialize, Serializer};

/// A value that can flow between the nodes of a DAG.
///
/// Values are serde types so that one DAG runs unchanged in memory, with outputs stored on disk,
/// or one node per process on a cluster. `Clone` lets a task that takes a parameter by value get
/// its own copy when the output also feeds other nodes; take `&T` to avoid the copy.
///
/// Implemented for every `Serialize + DeserializeOwned + Clone + Send + Sync + 'static` type;
/// derive them:
///
/// ```
/// #[derive(Clone, serde::Serialize, serde::Deserialize)]
/// struct Chunk {
///     rows: Vec<String>,
/// }
/// fn assert_data<T: dagger_core::Data>() {}
/// assert_data::<Chunk>();
/// ```
///
/// The serde and `Clone` requirements are where-clauses of the one implementation rather than
/// supertraits, so that a type missing several of them gets one error that names `Data`, not one
/// per missing trait; the methods below give generic code access to them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot flow between the nodes of a DAG",
    label = "values passed between nodes must be `Serialize + Deserialize + Clone + Send + Sync + 'static`",
    note = "derive them: `#[derive(Clone, serde::Serialize, serde::Deserialize)]`"
)]
pub trait Data: Send + Sync + 'static {
    /// `Clone::clone`.
    fn clone_value(&self) -> Self
    where
        Self: Sized;

    /// `Serialize::serialize`.
    fn serialize_value<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;

    /// `Deserialize::deserialize`.
    fn deserialize_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>
    where
        Self: Sized;
}

/// `do_not_recommend`: a type that misses several of these traits is one error about `Data`,
/// not one per missing trait.
#[diagnostic::do_not_recommend]
impl<T> Data for T
where
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    fn clone_value(&self) -> Self {
        self.clone()
    }

    fn serialize_value<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize(serializer)
    }

    fn deserialize_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer)
    }
}

/// What a task parameter can be: a [`Data`] value (or a reference to one), or
/// [`Partitions<T>`](crate::Partitions), which reads the partitions of an output lazily.
///
/// A resource that cannot be stored (a compiled regex, a client) is not a parameter: build it
/// once in the task's module, `static WORD: LazyLock<Regex> = LazyLock::new(|| ..);`, and use
/// it in the task.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a task parameter: it cannot flow between the nodes of a DAG",
    label = "task parameters must be `Serialize + Deserialize + Clone + Send + Sync + 'static`, or `Partitions<T>`",
    note = "for a type of yours, derive them: `#[derive(Clone, serde::Serialize, serde::Deserialize)]`",
    note = "for a resource that cannot be stored (a compiled regex, a client), build it once in the task's module and use it in the task: `static WORD: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| Regex::new(..).unwrap());`"
)]
pub trait TaskInput: Send + Sync + 'static {
    /// A copy for a task that takes the value by value while other nodes read it too.
    #[doc(hidden)]
    fn clone_input(&self) -> Self
    where
        Self: Sized;
}

/// `do_not_recommend`: a type that misses several of the traits of [`Data`] is one error about
/// `TaskInput`, not one per missing trait.
#[diagnostic::do_not_recommend]
impl<T: Data> TaskInput for T {
    fn clone_input(&self) -> Self {
        self.clone_value()
    }
}
