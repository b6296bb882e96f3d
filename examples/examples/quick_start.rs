//! `cargo run --example quick_start`: prints 91. The program has the command line of
//! `dagger_core::cli`: `-- run -p exponent=3`, `-- explain`, `-- dot`, `-- plan`, and the jobs
//! of a cluster run, `-- node raise_number --partition 2 --store DIR` (see the README).

use std::process::ExitCode;

use dagger_core::cli::Cli;
use dagger_examples::quick_start::quick_start;

fn main() -> ExitCode {
    // Without arguments: `run`, with the defaults (`exponent` is 2).
    Cli::new(quick_start::dag()).run()
}
