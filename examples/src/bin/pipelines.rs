//! Every example DAG behind one command line:
//!
//! ```text
//! cargo run --bin pipelines -- --dag composite_map_reduce run -p partitions_count=4
//! cargo run --bin pipelines -- --dag composite_map_reduce plan
//! cargo run --bin pipelines -- --dag quick_start node raise_number --partition 2 --store DIR
//! ```

fn main() -> std::process::ExitCode {
    dagger_examples::cli::every_example().run()
}
