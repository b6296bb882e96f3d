//! Every example DAG behind one command line (`dagger_core::cli`): what the `pipelines` binary
//! runs, and what the tests run node by node, each node a process of it.

use dagger_core::cli::Cli;

use crate::composition::{composite_map_reduce, dataset_pipeline};
use crate::quick_start::quick_start;
use crate::scenarios::*;
use crate::shapes::{chained, halves, loaded, nested_halves, nested_pairs, nested_parts, parsed, summary, tuned, wide};
use crate::word_count::word_count;

/// The command line of every example DAG: `--dag NAME` chooses one.
pub fn every_example() -> Cli {
    Cli::new(quick_start::dag())
        .with(word_count::dag())
        .with(dataset_pipeline::dag())
        .with(composite_map_reduce::dag())
        .with(hello_world::dag())
        .with(passing_parameters::dag())
        .with(ml_pipeline::dag())
        .with(map_reduce_best_model::dag())
        .with(map_reduce::dag())
        .with(nested_map_reduce::dag())
        .with(nested_dags::dag())
        .with(default_values::dag())
        .with(hardcoded_values::dag())
        .with(default_hardcoded_values::dag())
        .with(partitioned_nested_dag::dag())
        .with(single_mapping_node::dag())
        .with(single_mapping_node_nested::dag())
        .with(for_based_on_param::dag())
        .with(nested_for_loops::dag())
        .with(dag_output_from_partitioned_node::dag())
        .with(chained::dag())
        .with(summary::dag())
        .with(nested_pairs::dag())
        .with(nested_parts::dag())
        .with(loaded::dag())
        .with(halves::dag())
        .with(parsed::dag())
        .with(wide())
        .with(tuned::dag())
        .with(nested_halves::dag())
        .with(crate::many::many::dag())
        .with(crate::daily_sales::sales_report::dag())
        .with(crate::daily_sales::weekly_trend::dag())
        .with(crate::shuffled::shuffled_words::dag())
}
