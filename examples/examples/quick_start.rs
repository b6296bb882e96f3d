//! `cargo run --example quick_start [-- --dot | --explain]`: prints 91, or the DAG in Graphviz
//! DOT, or its text plan.

use dagger_examples::quick_start::quick_start;

fn main() -> Result<(), dagger_core::Error> {
    if std::env::args().any(|a| a == "--dot") {
        print!("{}", quick_start::dag().graph().to_dot());
        return Ok(());
    }
    if std::env::args().any(|a| a == "--explain") {
        print!("{}", quick_start::dag().graph().explain());
        return Ok(());
    }
    // The DAG's parameters are the fields of `quick_start`; `exponent` defaults to 2.
    let total = quick_start::default().execute()?;
    println!("{total}");
    Ok(())
}
