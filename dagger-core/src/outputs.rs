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
