//! Compile-fail and compile-pass cases: every partitioning rule is a compile error with a
//! readable message (`tests/ui/fail/*.stderr`), and every allowed pattern compiles and runs
//! (`tests/ui/pass/*.rs`). Regenerate the `.stderr` files with `TRYBUILD=overwrite` and read
//! every changed line before committing them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
