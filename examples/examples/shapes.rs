//! `cargo run --example shapes -- --dag NAME run [-p n=N]`: the DAG shapes of
//! `dagger_examples::shapes`, with the command line of `dagger_core::cli` (`explain`, `plan`,
//! `node`, `seal`). Without arguments, runs each with its defaults.

use std::process::ExitCode;

use dagger_core::cli::Cli;
use dagger_examples::shapes::*;

fn cli() -> Cli {
    Cli::new(chained::dag())
        .with(summary::dag())
        .with(nested_pairs::dag())
        .with(nested_parts::dag())
        .with(loaded::dag())
}

fn main() -> ExitCode {
    if std::env::args_os().len() > 1 {
        return cli().run();
    }
    for dag in ["chained", "summary", "nested_pairs", "nested_parts", "loaded"] {
        print!("{dag}: ");
        let code = cli().run_from(["shapes", "--dag", dag, "run"]);
        if code != ExitCode::SUCCESS {
            return code;
        }
    }
    ExitCode::SUCCESS
}
