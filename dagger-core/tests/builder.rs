//! The builder API: what it refuses when the DAG is built, without panicking. (What it refuses
//! at compile time is in `ui-tests`.)

use dagger_core::prelude::*;
use dagger_core::{BuildError, Param};

mod common;
use common::{double, numbers, total};

#[test]
fn a_handle_of_another_dag_is_a_build_error() {
    let mut leaked: Option<Param<u64>> = None;
    let first: Dag<(u64,), u64> = Dag::build("first", ["n"], |b, (n,)| {
        leaked = Some(n);
        b.call::<double, _>((n,))
    })
    .unwrap();
    assert_eq!(first.run((4,)).unwrap(), 8);
    let foreign = leaked.unwrap();
    let second = Dag::<(u64,), u64>::build("second", ["m"], |b, (_m,)| b.call::<double, _>((foreign,)));
    match second {
        Err(BuildError::ForeignHandle { dag }) => assert_eq!(dag, "second"),
        other => panic!("expected a foreign-handle error, got {other:?}"),
    }
}

#[test]
fn a_partition_used_outside_its_map_is_a_build_error() {
    let built = Dag::<(u64,), u64>::build("smuggler", ["n"], |b, (n,)| {
        let parts = b.call::<numbers, _>((n,));
        let mut smuggled = None;
        let doubled = b.map(parts, |m, x| {
            smuggled = Some(x);
            m.call::<double, _>((x,))
        });
        // Outside the map, the partition belongs to nothing: the call is refused, not run.
        let _outside = b.call::<double, _>((smuggled.unwrap(),));
        b.call::<total, _>((doubled,))
    });
    match built {
        Err(error @ BuildError::PartitionOutsideItsMap { .. }) => {
            assert!(error.to_string().contains("outside the map that produced it"), "{error}")
        }
        other => panic!("expected a partition-outside-its-map error, got {other:?}"),
    }
}

#[test]
fn a_partition_returned_from_another_map_is_a_build_error() {
    let built = Dag::<(u64,), u64>::build("two_maps", ["n"], |b, (n,)| {
        let parts = b.call::<numbers, _>((n,));
        let mut first = None;
        let _ = b.map(parts, |m, x| {
            first = Some(x);
            m.call::<double, _>((x,))
        });
        let second = b.map(parts, |m, _x| m.call::<double, _>((first.unwrap(),)));
        b.call::<total, _>((second,))
    });
    assert!(matches!(built, Err(BuildError::PartitionOutsideItsMap { .. })), "{built:?}");
}
