//! `cargo run --example nested_dag`: a DAG called in a DAG, and a DAG run once per partition.
//! With arguments, the command line of `dagger_core::cli` for either DAG:
//! `-- --dag composite_map_reduce run -p partitions_count=4`.

use std::process::ExitCode;

use dagger_core::cli::Cli;
use dagger_examples::composition::{composite_map_reduce, dataset_pipeline};

fn main() -> ExitCode {
    let cli = Cli::new(dataset_pipeline::dag()).with(composite_map_reduce::dag());
    if std::env::args_os().len() > 1 {
        return cli.run();
    }
    let both = || -> Result<(), dagger_core::Error> {
        println!("{}", dataset_pipeline::run()?);
        println!("{}", composite_map_reduce::default().execute()?);
        Ok(())
    };
    match both() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
