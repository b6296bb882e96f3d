//! Several outputs from one node, and one output from several: the fields of a value (a task
//! that returns a tuple or a struct, each field used by other nodes) and values packed in a
//! tuple (a DAG that returns several outputs).

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::callable::{sealed, Callable, Shape};
use super::declare::{Declare, NewNode};
use super::handle::{Param, Partition, Partitioned, Value};
use super::rules::Poisoned;
use crate::data::Data;
use crate::erased::{owned, shared, Codec};
use crate::error::BoxError;
use crate::format::Json;
use crate::graph::{Edge, How, MapId, Port, Work};
use crate::invoke::{parts, Emit, Inputs};

/// A handle whose fields can be used as outputs of their own: a whole value, a parameter, or
/// one partition inside a map.
#[diagnostic::on_unimplemented(
    message = "cannot take a field of `{Self}`, which holds one value per partition",
    label = "take the fields of each partition inside a map",
    note = "for example: `parts.map(|part| task(part.field))`"
)]
pub trait Fields {
    /// The type of the value.
    type Item: Data;
    /// The handle of one field of type `F`.
    type Field<F>;
    #[doc(hidden)]
    fn edge(&self) -> Edge;
    #[doc(hidden)]
    fn field<F>(port: Port, map: Option<MapId>) -> Self::Field<F>;
}

impl<T: Data> Fields for Value<T> {
    type Item = T;
    type Field<F> = Value<F>;
    fn edge(&self) -> Edge {
        Edge { port: self.port, how: How::Whole }
    }
    fn field<F>(port: Port, _: Option<MapId>) -> Value<F> {
        Value::new(port)
    }
}

impl<T: Data> Fields for Param<T> {
    type Item = T;
    type Field<F> = Value<F>;
    fn edge(&self) -> Edge {
        Edge { port: self.port, how: How::Whole }
    }
    fn field<F>(port: Port, _: Option<MapId>) -> Value<F> {
        Value::new(port)
    }
}

impl<T: Data> Fields for Partition<T> {
    type Item = T;
    type Field<F> = Partition<F>;
    fn edge(&self) -> Edge {
        Edge { port: self.port, how: How::Split(self.map) }
    }
    fn field<F>(port: Port, map: Option<MapId>) -> Partition<F> {
        Partition::new(port, map.unwrap_or(MapId::NONE))
    }
}

/// The body of a node that reads field `field` of its single input and emits a copy of it.
pub(crate) fn take_field<T: Data, F: Data, G: Fn(&T) -> &F + Send + Sync>(
    field: G,
) -> impl Fn(Inputs, &mut dyn Emit) -> Result<(), BoxError> + Send + Sync {
    move |mut inputs, emit| {
        let value = inputs.next().ok_or("a field was taken of no value")?;
        emit.one(Arc::new(field(shared::<T>(&value)?).clone_value()))
    }
}

/// Whole values to pack into one tuple output: `(a, b)` with `a`, `b` values or parameters.
#[diagnostic::on_unimplemented(
    message = "a DAG returns several outputs as a tuple of whole values, and `{Self}` is not one",
    label = "each output must be a value or a parameter",
    note = "reduce a partitioned output with a fan-in task first"
)]
pub trait Pack {
    /// The tuple of their types.
    type Packed: Data;
    #[doc(hidden)]
    fn edges(&self) -> Vec<Edge>;
    #[doc(hidden)]
    fn pack(inputs: Inputs) -> Result<Self::Packed, BoxError>;
}

/// A whole value, for [`Pack`]: a [`Value`] or a [`Param`].
pub trait WholeValue {
    /// The type of the value. (The serde bounds let a tuple of them be [`Data`].)
    type Item: Data + Serialize + DeserializeOwned + Clone;
    #[doc(hidden)]
    fn port(&self) -> Port;
}

impl<T: Data + Serialize + DeserializeOwned + Clone> WholeValue for Value<T> {
    type Item = T;
    fn port(&self) -> Port {
        self.port
    }
}

impl<T: Data + Serialize + DeserializeOwned + Clone> WholeValue for Param<T> {
    type Item = T;
    fn port(&self) -> Port {
        self.port
    }
}

macro_rules! pack {
    ($($h:ident),+) => {
        impl<$($h: WholeValue),+> Pack for ($($h,)+) {
            type Packed = ($($h::Item,)+);
            #[allow(non_snake_case)]
            fn edges(&self) -> Vec<Edge> {
                let ($($h,)+) = self;
                vec![$(Edge { port: $h.port(), how: How::Whole }),+]
            }
            fn pack(mut inputs: Inputs) -> Result<Self::Packed, BoxError> {
                Ok(($(owned::<$h::Item>(inputs.next().ok_or("a packed output is missing")?)?,)+))
            }
        }
    };
}

pack!(A, B);
pack!(A, B, C);
pack!(A, B, C, D);
pack!(A, B, C, D, E);
pack!(A, B, C, D, E, F);

/// The output of a task whose tuple has partitioned fields (`#[task(partitioned(0))]`): use its
/// fields, each a whole value or a partitioned output as the task declares.
#[doc(hidden)]
pub struct Outputs<C> {
    pub(crate) port: Port,
    _callee: std::marker::PhantomData<fn() -> C>,
}

impl<C> Clone for Outputs<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Outputs<C> {}

impl<C> std::fmt::Debug for Outputs<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Outputs<{}>", std::any::type_name::<C>())
    }
}

/// The shape of a task's output whose tuple has partitioned fields.
#[doc(hidden)]
pub struct WithFields<C>(std::marker::PhantomData<C>);

impl<C: 'static> sealed::Sealed for WithFields<C> {}

impl<C: 'static> Shape for WithFields<C> {
    type Handle<T> = Outputs<C>;
    type PerPartition<T> = Poisoned;
    const PARTITIONED: bool = false;
    fn handle<T>(port: Port) -> Outputs<C> {
        Outputs { port, _callee: std::marker::PhantomData }
    }
    fn per_partition<T>(_: Port, _: MapId) -> Poisoned {
        Poisoned
    }
}

/// Field `I` of the tuple a task returns: whole, or partitioned (`#[task(partitioned(I))]`).
/// Implemented by `#[task]` for each field of such a task.
#[doc(hidden)]
pub trait FieldAt<const I: usize>: Callable {
    /// The field's type.
    type Field: Data;
    /// The handle of the field: [`Value`] or [`Partitioned`].
    type Handle;
    /// Adds the field's node, named `binding` if the field is bound to a name.
    fn add(scope: &mut dyn Declare, port: Port, binding: Option<&str>) -> Self::Handle;
}

/// The name of the node of field `index` of a task's output: the user's binding, or the task's
/// name and the field's.
fn field_node_name(callee: &str, index: usize, binding: Option<&str>) -> String {
    binding.map_or_else(|| format!("{callee}_{index}"), str::to_string)
}

/// A whole field `I` of a task's tuple output `T`.
pub fn whole_field<T: Data, F: Data>(
    scope: &mut dyn Declare,
    port: Port,
    callee: &str,
    index: usize,
    binding: Option<&str>,
    field: fn(&T) -> &F,
) -> Value<F> {
    let work = Work::Derived(Arc::new(take_field::<T, F, _>(field)));
    let inputs = vec![Edge { port, how: How::Whole }];
    let output_type = std::any::type_name::<F>();
    let name = field_node_name(callee, index, binding);
    let version = format!("field {index}");
    Value::new(scope.add_node(NewNode::made(name, version, work, inputs, false, output_type, Codec::of::<F, Json>())))
}

/// A partitioned field `I` of a task's tuple output `T`: each item is one partition.
pub fn partitioned_field<T: Data, F>(
    scope: &mut dyn Declare,
    port: Port,
    callee: &str,
    index: usize,
    binding: Option<&str>,
    field: fn(&T) -> &F,
) -> Partitioned<F::Item>
where
    F: IntoIterator + Clone + Send + Sync + 'static,
    F::Item: Data,
{
    let work = Work::Derived(Arc::new(move |mut inputs: Inputs, emit: &mut dyn Emit| {
        let value = inputs.next().ok_or("a field was taken of no value")?;
        parts(emit, field(shared::<T>(&value)?).clone())
    }));
    let inputs = vec![Edge { port, how: How::Whole }];
    let output_type = std::any::type_name::<F::Item>();
    let codec = Codec::of::<F::Item, Json>();
    let name = field_node_name(callee, index, binding);
    let version = format!("partitioned field {index}");
    Partitioned::new(scope.add_node(NewNode::made(name, version, work, inputs, true, output_type, codec)))
}
