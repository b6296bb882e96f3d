//! `cargo run --example scenarios`: the original Dagger's documented scenarios, ported, each
//! with the value it gives.

use std::process::ExitCode;

use dagger_examples::scenarios::*;

/// With arguments, the command line of `dagger_core::cli` for any example DAG
/// (`-- --dag nested_dags run -p album_name=x -p style=y`); without, every scenario's value.
fn main() -> ExitCode {
    if std::env::args_os().len() > 1 {
        return dagger_examples::cli::every_example().run();
    }
    match scenarios() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn scenarios() -> Result<(), dagger_core::Error> {
    println!("hello task: {}", hello_world::run("Dagger".into())?);
    println!("passing parameters (5): {}", passing_parameters::run(5)?);
    println!("ML pipeline with several outputs: {}", ml_pipeline::run()?);
    println!("map-reduce with a broadcast input: {}", map_reduce_best_model::run()?);
    println!("map-reduce sum (x3, 5 steps): {}", map_reduce::run(3, 5)?);
    println!("nested map-reduce sum: {}", nested_map_reduce::run(3, 5)?);
    println!("nested DAGs: {:?}", nested_dags::run("big dag".into(), "hip hop".into())?);
    println!("default values: {}", default_values::default().execute()?);
    println!("literal values: {}", hardcoded_values::default().execute()?);
    println!("defaults of a nested DAG: {}", default_hardcoded_values::default().execute()?);
    println!("partitioned nested DAG: {:?}", partitioned_nested_dag::run()?);
    println!("limitation 1 (chained tasks in a map): {}", single_mapping_node::run()?);
    println!("limitation 2 (map over a parameter): {}", for_based_on_param::run(vec!["es".into(), "us".into()])?);
    println!("limitation 3 (nested loops): {}", nested_for_loops::run()?);
    println!("limitation 4 (return a partitioned output): {:?}", dag_output_from_partitioned_node::run()?);
    Ok(())
}
