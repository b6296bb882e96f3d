//! `cargo run --example nested_dag`: a DAG called in a DAG, and a DAG run once per partition.

use dagger_examples::composition::{composite_map_reduce, dataset_pipeline};

fn main() -> Result<(), dagger_core::Error> {
    println!("{}", dataset_pipeline::run()?);
    println!("{}", composite_map_reduce::default().execute()?);
    Ok(())
}
