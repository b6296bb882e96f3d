//! The methods of handles that the code `#[dag]` generates calls: `value.field`, `value.0` and
//! `Report { a, b }`. They are methods, not functions, so that the compiler knows the handle's
//! type before it reads the closure that accesses the field.
//!
//! [`Poisoned`] has them too: the field of what a failed rule evaluates to is poisoned as well,
//! so that one mistake gives one error.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::builder::Scope;
use super::callable::Callable;
use super::fields::{FieldAt, Fields, Outputs};
use super::handle::{Param, Partition, Partitioned, PerPartition, Value};
use super::rules::Poisoned;
use crate::data::Data;
use crate::graph::Port;

/// `value.field` and `value.0` in a DAG body, on handles whose fields are all whole; on a
/// handle without fields, the bound `Self: Fields` fails with its message.
macro_rules! field_methods {
    ($($handle:ident),+) => {$(
        impl<T> $handle<T> {
            /// `value.member`; the node is named `binding` when the field is bound to a name.
            #[doc(hidden)]
            pub fn __dagger_field<S, F, G>(
                self,
                scope: &mut S,
                member: &str,
                binding: Option<&str>,
                field: G,
            ) -> <Self as Fields>::Field<F>
            where
                Self: Fields,
                S: Scope,
                F: Data,
                G: Fn(&<Self as Fields>::Item) -> &F + Send + Sync + 'static,
            {
                let name = field_name(scope, self.port, member, binding);
                scope.field_node(self, &name, &format!("field {member}"), field)
            }

            /// `value.0`; the node is named `binding` when the field is bound to a name.
            #[doc(hidden)]
            pub fn __dagger_index<const I: usize, S, F, G>(
                self,
                scope: &mut S,
                binding: Option<&str>,
                field: G,
            ) -> <Self as Fields>::Field<F>
            where
                Self: Fields,
                S: Scope,
                F: Data,
                G: Fn(&<Self as Fields>::Item) -> &F + Send + Sync + 'static,
            {
                let name = field_name(scope, self.port, &I.to_string(), binding);
                scope.field_node(self, &name, &format!("field {I}"), field)
            }
        }
    )+};
}

/// The name of a field node: the user's binding, or the value's name and the field's.
fn field_name<S: Scope>(scope: &mut S, port: Port, member: &str, binding: Option<&str>) -> String {
    match binding {
        Some(binding) => binding.to_string(),
        None => format!("{}_{member}", scope.dag().describe(port)),
    }
}

field_methods!(Value, Param, Partition, Partitioned, PerPartition);

impl<T: Data + Serialize + DeserializeOwned + Clone> Value<T> {
    /// `Report { a, b }` as a DAG's output, from the tuple of `a` and `b`.
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

impl<C> Outputs<C> {
    /// `outputs.0` of a task whose tuple has partitioned fields: each field's handle is the one
    /// the task declares.
    #[doc(hidden)]
    pub fn __dagger_index<const I: usize, S, F, G>(
        self,
        scope: &mut S,
        binding: Option<&str>,
        _field: G,
    ) -> <C as FieldAt<I>>::Handle
    where
        C: FieldAt<I>,
        S: Scope,
        G: Fn(&<C as Callable>::Output) -> &F,
    {
        C::add(scope, self.port, binding)
    }
}

impl Poisoned {
    #[doc(hidden)]
    pub fn __dagger_field<S, G>(self, _scope: &mut S, _member: &str, _binding: Option<&str>, _field: G) -> Poisoned {
        Poisoned
    }

    #[doc(hidden)]
    pub fn __dagger_index<const I: usize, S, F, G>(
        self,
        _scope: &mut S,
        _binding: Option<&str>,
        _field: G,
    ) -> Poisoned {
        Poisoned
    }

    #[doc(hidden)]
    pub fn __dagger_convert<S, G>(self, _scope: &mut S, _name: &str, _convert: G) -> Poisoned {
        Poisoned
    }
}
