//! The arguments of a call in the builder API: a tuple with one handle per parameter, each
//! checked against its parameter's type (rules 7 and 8), and the mode of the call (partitioned
//! if any argument is a partition).

use super::callable::{Arity, InputAt};
use super::rules::{Input, Mode, Whole};
use crate::graph::Edge;

/// The arguments of a call to `C`: a tuple with one handle per parameter.
#[diagnostic::on_unimplemented(
    message = "these arguments do not fit the parameters of `{C}`",
    label = "pass a tuple with one handle per parameter of `{C}`"
)]
pub trait Args<C> {
    /// Partitioned if any argument is a partition.
    type Mode: Mode;
    #[doc(hidden)]
    fn edges(&self) -> Vec<Edge>;
}

impl<C: Arity<0>> Args<C> for () {
    type Mode = Whole;
    fn edges(&self) -> Vec<Edge> {
        Vec::new()
    }
}

macro_rules! fold_mode {
    ($m:ty) => { $m };
    ($m:ty, $n:ty $(, $rest:ty)*) => { fold_mode!(<$m as Mode>::Join<$n> $(, $rest)*) };
}

macro_rules! args {
    ($n:literal; $($i:tt $a:ident),+) => {
        impl<C: Arity<$n> $(+ InputAt<$i>)+, $($a: Input<<C as InputAt<$i>>::Ty>),+> Args<C> for ($($a,)+) {
            type Mode = fold_mode!($($a::Mode),+);
            fn edges(&self) -> Vec<Edge> {
                vec![$(self.$i.edge()),+]
            }
        }
    };
}

args!(1; 0 A0);
args!(2; 0 A0, 1 A1);
args!(3; 0 A0, 1 A1, 2 A2);
args!(4; 0 A0, 1 A1, 2 A2, 3 A3);
args!(5; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4);
args!(6; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4, 5 A5);
args!(7; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4, 5 A5, 6 A6);
args!(8; 0 A0, 1 A1, 2 A2, 3 A3, 4 A4, 5 A5, 6 A6, 7 A7);
