//! Several outputs from one node, and one output from several: the fields of a value (a task
//! that returns a tuple or a struct, each field used by other nodes) and values packed in a
//! tuple (a DAG that returns several outputs).

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::builder::Scope;
use crate::data::Data;
use crate::graph::{BoxError, Edge, How, Inputs};
use crate::handle::{MapId, Param, Partition, Partitioned, PerPartition, Port, Value};
use crate::private::{owned, shared};

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
        Partition::new(port, map.expect("a partition's field is taken inside its map"))
    }
}

/// Reads field `field` of the single input, and emits a copy of it.
pub(crate) fn take_field<T: Data, F: Data, G: Fn(&T) -> &F + Send + Sync>(
    field: G,
) -> impl Fn(Inputs, &mut dyn crate::graph::Emit) -> Result<(), BoxError> + Send + Sync {
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

/// A whole value for [`Pack`]: a [`Value`] or a [`Param`].
pub trait Whole {
    /// The type of the value. (The serde bounds let a tuple of them be [`Data`].)
    type Item: Data + Serialize + DeserializeOwned + Clone;
    #[doc(hidden)]
    fn port(&self) -> Port;
}

impl<T: Data + Serialize + DeserializeOwned + Clone> Whole for Value<T> {
    type Item = T;
    fn port(&self) -> Port {
        self.port
    }
}

impl<T: Data + Serialize + DeserializeOwned + Clone> Whole for Param<T> {
    type Item = T;
    fn port(&self) -> Port {
        self.port
    }
}

macro_rules! pack {
    ($($h:ident),+) => {
        impl<$($h: Whole),+> Pack for ($($h,)+) {
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

/// `value.field` in a DAG body: a method, so that the compiler knows the value's type before it
/// reads the field-access closure; on a handle without fields, the bound `Self: Fields` fails
/// with its message.
macro_rules! field_method {
    ($($handle:ident),+) => {$(
        impl<T> $handle<T> {
            #[doc(hidden)]
            pub fn __dagger_field<S, F, G>(self, scope: &mut S, name: &str, field: G) -> <Self as Fields>::Field<F>
            where
                Self: Fields,
                S: Scope,
                F: Data,
                G: Fn(&<Self as Fields>::Item) -> &F + Send + Sync + 'static,
            {
                scope.field(self, name, field)
            }
        }
    )+};
}

field_method!(Value, Param, Partition, Partitioned, PerPartition);

impl<T: Data + Serialize + DeserializeOwned + Clone> Value<T> {
    /// `Report { a, b }` as a DAG's output: a method, so that the compiler knows the packed
    /// tuple's type before it reads the closure that builds the struct.
    #[doc(hidden)]
    pub fn __dagger_convert<S, U, G>(self, scope: &mut S, name: &str, convert: G) -> Value<U>
    where
        S: Scope,
        U: Data,
        G: Fn(T) -> U + Send + Sync + 'static,
    {
        scope.convert(self, name, convert)
    }
}

/// The output of a task whose tuple has partitioned fields (`#[task(partitioned(0))]`): use its
/// fields, each a whole value or a partitioned output as the task declares.
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

impl<C> Outputs<C> {
    pub(crate) fn new(port: Port) -> Self {
        Outputs { port, _callee: std::marker::PhantomData }
    }
}

/// The shape of a task's output whose tuple has partitioned fields.
pub struct WithFields<C>(std::marker::PhantomData<C>);

impl<C: 'static> crate::rules::sealed_shape::Sealed for WithFields<C> {}

impl<C: 'static> crate::callable::Shape for WithFields<C> {
    type Handle<T> = Outputs<C>;
    const PARTITIONED: bool = false;
    fn handle<T>(port: Port) -> Outputs<C> {
        Outputs::new(port)
    }
}

/// Field `I` of the tuple a task returns: whole, or partitioned (`#[task(partitioned(I))]`).
/// Implemented by `#[task]` for each field of such a task.
pub trait FieldAt<const I: usize> {
    /// The field's type.
    type Field: Data;
    /// The handle of the field: [`Value`] or [`Partitioned`].
    type Handle;
    #[doc(hidden)]
    fn add(scope: &mut dyn FieldScope, port: Port) -> Self::Handle;
}

/// What adding a field node needs of a scope (object-safe, for [`FieldAt`]).
#[doc(hidden)]
pub trait FieldScope {
    fn add_field(
        &mut self,
        name: String,
        body: crate::graph::Body,
        edge: Edge,
        splits: bool,
        output_type: &'static str,
        codec: crate::format::Codec,
    ) -> Port;
}

impl<S: Scope> FieldScope for S {
    fn add_field(
        &mut self,
        name: String,
        body: crate::graph::Body,
        edge: Edge,
        splits: bool,
        output_type: &'static str,
        codec: crate::format::Codec,
    ) -> Port {
        let map = self.current_map();
        self.dag().add_made(name, body, vec![edge], splits, output_type, codec, map)
    }
}

/// A whole field `I` of a task's tuple output `T`.
#[doc(hidden)]
pub fn whole_field<T: Data, F: Data>(
    scope: &mut dyn FieldScope,
    port: Port,
    callee: &str,
    index: usize,
    field: fn(&T) -> &F,
) -> Value<F> {
    let body = crate::graph::Body::Closure(Arc::new(take_field::<T, F, _>(field)));
    let edge = Edge { port, how: How::Whole };
    Value::new(scope.add_field(
        format!("{callee}.{index}"),
        body,
        edge,
        false,
        std::any::type_name::<F>(),
        crate::format::Codec::of::<F, crate::format::Json>(),
    ))
}

/// A partitioned field `I` of a task's tuple output `T`: each item is one partition.
#[doc(hidden)]
pub fn partitioned_field<T: Data, F>(
    scope: &mut dyn FieldScope,
    port: Port,
    callee: &str,
    index: usize,
    field: fn(&T) -> &F,
) -> Partitioned<F::Item>
where
    F: IntoIterator + Clone + Send + Sync + 'static,
    F::Item: Data,
{
    let body = crate::graph::Body::Closure(Arc::new(move |mut inputs: Inputs, emit: &mut dyn crate::graph::Emit| {
        let value = inputs.next().ok_or("a field was taken of no value")?;
        crate::private::parts(emit, field(shared::<T>(&value)?).clone())
    }));
    let edge = Edge { port, how: How::Whole };
    Partitioned::new(scope.add_field(
        format!("{callee}.{index}"),
        body,
        edge,
        true,
        std::any::type_name::<F::Item>(),
        crate::format::Codec::of::<F::Item, crate::format::Json>(),
    ))
}

impl<C> Outputs<C> {
    /// `outputs.0` in a DAG body.
    #[doc(hidden)]
    pub fn __dagger_index<const I: usize, S, F, G>(self, scope: &mut S, _field: G) -> <C as FieldAt<I>>::Handle
    where
        C: FieldAt<I> + crate::callable::Callable,
        S: Scope,
        G: Fn(&<C as crate::callable::Callable>::Output) -> &F,
    {
        C::add(scope, self.port)
    }
}

/// `value.0` in a DAG body, on handles whose fields are all whole: the same as `value.field`.
macro_rules! index_method {
    ($($handle:ident),+) => {$(
        impl<T> $handle<T> {
            #[doc(hidden)]
            pub fn __dagger_index<const I: usize, S, F, G>(self, scope: &mut S, field: G) -> <Self as Fields>::Field<F>
            where
                Self: Fields,
                S: Scope,
                F: Data,
                G: Fn(&<Self as Fields>::Item) -> &F + Send + Sync + 'static,
            {
                self.__dagger_field(scope, &I.to_string(), field)
            }
        }
    )+};
}

index_method!(Value, Param, Partition, Partitioned, PerPartition);
