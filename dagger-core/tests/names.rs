//! Names: every DAG, parameter and node name is checked where it is made, so that no output
//! can be written outside the store's folder or where another output is.

use dagger_core::prelude::*;
use dagger_core::{BuildError, DiskStore};

mod common;
use common::{double, scratch};

#[test]
fn a_dag_name_that_would_leave_the_store_is_refused() {
    for name in ["../../ESCAPED/dotdot", "/absolute", "", ".", "a b"] {
        let built = Dag::<(u64,), u64>::build(name, ["x"], |b, (x,)| b.call::<double, _>((x,)));
        assert!(matches!(built, Err(BuildError::InvalidName { what: "a DAG", .. })), "{name:?}: {built:?}");
    }
}

#[test]
fn builder_made_and_parameter_names_are_checked_too() {
    let field = Dag::<(u64,), u64>::build("fields", ["x"], |b, (x,)| {
        let pair = b.call::<pair, _>((x,));
        b.field(pair, "../up", |p: &(u64, u64)| &p.0)
    });
    assert!(matches!(field, Err(BuildError::InvalidName { what: "a node", .. })), "{field:?}");
    let param = Dag::<(u64,), u64>::build("params", ["not/a/name"], |b, (x,)| b.call::<double, _>((x,)));
    let error = param.unwrap_err();
    assert!(matches!(error, BuildError::InvalidName { what: "a parameter", .. }));
    assert_eq!(
        error.to_string(),
        "DAG `params`: a parameter `not/a/name` cannot be a name: it holds \"//\"; names are letters, digits, `_` and `-`"
    );
}

#[task]
fn pair(x: u64) -> (u64, u64) {
    (x, x + 1)
}

#[task]
fn sum(a: u64, b: u64) -> u64 {
    a + b
}

#[task(name = "sum-1")]
fn hundredfold(x: u64) -> u64 {
    x * 100
}

#[dag]
fn sums(x: u64) -> u64 {
    let a = sum(x, 3);
    let b = hundredfold(a);
    sum(a, b)
}

#[test]
fn a_numbered_name_never_takes_a_name_a_node_already_has() {
    let names: Vec<String> = sums::dag().graph().nodes().into_iter().map(|n| n.name).collect();
    assert_eq!(names, ["sum-2", "sum-1", "sum-3"]);
    let in_memory = sums::run(6_000_003).unwrap();
    assert_eq!(in_memory, 6_000_006 + 600_000_600);
    let runner = Runner::new().with_store(DiskStore::new(scratch("names-numbered"))).with_progress(false);
    assert_eq!(sums { x: 6_000_003 }.execute_on(&runner).unwrap(), in_memory);
}

mod elsewhere {
    use dagger_core::prelude::*;

    /// A second task that is also called `sum`.
    #[task(name = "sum")]
    pub fn also_sum(a: u64, b: u64) -> u64 {
        a + b + 1
    }
}

#[test]
fn two_different_tasks_with_one_name_are_an_error_naming_both() {
    let built = Dag::<(u64,), u64>::build("clash", ["x"], |b, (x,)| {
        let first = b.call::<sum, _>((x, x));
        b.call::<elsewhere::also_sum, _>((first, x))
    });
    let error = built.unwrap_err();
    assert!(matches!(error, BuildError::DuplicateName { .. }));
    let message = error.to_string();
    assert!(message.contains("two different tasks named `sum`"), "{message}");
    assert!(message.contains("names::sum") && message.contains("names::elsewhere::also_sum"), "{message}");
}

#[test]
fn names_that_differ_only_in_case_are_refused() {
    // On a file system that ignores case, `Half` and `half` would write one folder: a run gave
    // 105105 or 5005 instead of 5105 there.
    let built = Dag::<(u64,), u64>::build("halves", ["x"], |b, (x,)| {
        let pair = b.call::<pair, _>((x,));
        let first = b.field(pair, "Half", |p: &(u64, u64)| &p.0);
        let second = b.field(pair, "half", |p: &(u64, u64)| &p.1);
        b.call::<sum, _>((first, second))
    });
    let error = built.unwrap_err();
    assert!(matches!(error, BuildError::NamesDifferInCase { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "DAG `halves` has a node `Half` and a node `half`, names that differ only in case, which a file system \
         that ignores case (macOS, Windows) cannot tell apart; rename one"
    );
    let param = Dag::<(u64,), u64>::build("params", ["Sum"], |b, (x,)| b.call::<sum, _>((x, x)));
    assert!(matches!(param, Err(BuildError::NamesDifferInCase { .. })), "{param:?}");
}
