//! The documented scenarios of the original Dagger (its `docs/code_snippets` and `examples`),
//! ported, with the values its tests expect. `tests/scenarios.rs` checks each one;
//! `cargo run --example scenarios` prints them.

use std::collections::BTreeMap;

use dagger_core::prelude::*;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Hello task: a DAG of one task.

#[task]
pub fn hello(name: &str) -> String {
    format!("Hello {name}!")
}

#[dag]
pub fn hello_world(name: String) -> String {
    hello(name)
}

// ---------------------------------------------------------------------------------------------
// Passing parameters (examples/passing_parameters.py): 5, doubled then squared: 100.

#[task]
pub fn double(number: u64) -> u64 {
    number * 2
}

#[task]
pub fn square(number: u64) -> u64 {
    number * number
}

#[dag]
pub fn passing_parameters(number: u64) -> u64 {
    square(double(number))
}

// ---------------------------------------------------------------------------------------------
// An ML-style pipeline with several outputs (docs/code_snippets/dag): a task returns the
// training and test sets, each used by a different node; 10000 is a literal argument.

#[derive(Clone, Serialize, Deserialize)]
pub struct Datasets {
    pub training: String,
    pub test: String,
}

#[task]
pub fn prepare_datasets(sample_size: u64) -> Datasets {
    Datasets { training: format!("training set of {sample_size}"), test: "test set".into() }
}

#[task]
pub fn train_model(training: &str) -> String {
    format!("model trained on {training}")
}

#[task]
pub fn measure_model_performance(model: &str, test: &str) -> String {
    let _ = (model, test);
    "performance report".to_string()
}

#[dag]
pub fn ml_pipeline() -> String {
    let datasets = prepare_datasets(10000);
    let model = train_model(datasets.training);
    measure_model_performance(model, datasets.test)
}

// ---------------------------------------------------------------------------------------------
// Map-reduce with a broadcast input (docs/code_snippets/map_reduce): train one model per
// combination of parameters, each on the same training set, and keep the best on the test set.

#[task(partitioned)]
pub fn generate_training_combinations() -> Vec<BTreeMap<String, u32>> {
    (1..=3).map(|depth| BTreeMap::from([("depth".to_string(), depth)])).collect()
}

#[task]
pub fn train_model_with(training: &str, parameters: BTreeMap<String, u32>) -> (String, u32) {
    (format!("model on {training}"), parameters["depth"])
}

#[task]
pub fn choose_best_model(alternative_models: Vec<(String, u32)>, test: &str) -> String {
    let _ = test;
    let best = alternative_models.iter().max_by_key(|(_, depth)| *depth);
    best.map_or("no model", |_| "best_model").to_string()
}

#[dag]
pub fn map_reduce_best_model() -> String {
    let datasets = prepare_datasets(10000);
    let models = generate_training_combinations().map(|params| train_model_with(datasets.training, params));
    choose_best_model(models, datasets.test)
}

// ---------------------------------------------------------------------------------------------
// Map-reduce sum (examples/map_reduce.py): multiplier 3, 5 parallel steps: 30.

#[task(partitioned)]
pub fn generate_numbers(parallel_steps: u64) -> Vec<u64> {
    (0..parallel_steps).collect()
}

#[task]
pub fn multiply_by(number: u64, multiplier: u64) -> u64 {
    number * multiplier
}

#[task]
pub fn sum_results(numbers: Vec<u64>) -> u64 {
    numbers.iter().sum()
}

#[dag]
pub fn map_reduce(multiplier: u64, parallel_steps: u64) -> u64 {
    let numbers = generate_numbers(parallel_steps);
    sum_results(numbers.map(|n| multiply_by(n, multiplier)))
}

// ---------------------------------------------------------------------------------------------
// Nested map-reduce sum (examples/nested_map_reduce.py): a nested DAG of two chained tasks run
// once per partition: 90.

#[dag]
pub fn multiply_twice(number: u64, multiplier: u64) -> u64 {
    let once = multiply_by(number, multiplier);
    multiply_by(once, multiplier)
}

#[dag]
pub fn nested_map_reduce(multiplier: u64, parallel_steps: u64) -> u64 {
    let numbers = generate_numbers(parallel_steps);
    sum_results(numbers.map(|n| multiply_twice(n, multiplier)))
}

// ---------------------------------------------------------------------------------------------
// Nested DAGs (examples/nested_dags.py): one DAG reused for two songs of an album, each on a
// theme (a field of one task's output).

#[derive(Clone, Serialize, Deserialize)]
pub struct Themes {
    pub first: String,
    pub second: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Album {
    pub name: String,
    pub tracks: Vec<String>,
}

#[task]
pub fn brainstorm_themes() -> Themes {
    Themes { first: "love".into(), second: "loss".into() }
}

#[task]
pub fn write_song(theme: &str, style: &str) -> String {
    format!("{style} song about {theme}")
}

#[task]
pub fn record_song(song: &str) -> String {
    format!("recording of ({song})")
}

#[dag]
pub fn compose_song(theme: String, style: String) -> String {
    record_song(write_song(theme, style))
}

#[task]
pub fn publish_album(name: String, first: String, second: String) -> Album {
    Album { name, tracks: vec![first, second] }
}

#[dag]
pub fn nested_dags(album_name: String, style: String) -> Album {
    let themes = brainstorm_themes();
    let first = compose_song(themes.first, style);
    let second = compose_song(themes.second, style);
    publish_album(album_name, first, second)
}

// ---------------------------------------------------------------------------------------------
// Defaults and literal values (docs/code_snippets/default_values, hardcoded_values).

#[task]
pub fn sum(a: u64, b: u64) -> u64 {
    a + b
}

/// `x` defaults to 1, and `sum` gets the literal 2 for `b`: 3.
#[dag]
pub fn default_values(#[default(1)] x: u64) -> u64 {
    sum(x, 2)
}

/// The literal 3 overrides what would have been a default: 1 + 3 = 4.
#[dag]
pub fn hardcoded_values(#[default(1)] x: u64) -> u64 {
    sum(x, 3)
}

// ---------------------------------------------------------------------------------------------
// A partitioned nested DAG (docs/code_snippets/partitioning): split a dataset into chunks and
// transform each chunk with a DAG of three chained tasks.

#[task]
pub fn retrieve_dataset() -> String {
    "dataset".to_string()
}

#[task(partitioned)]
pub fn split_dataset_into_chunks(dataset: &str) -> Vec<String> {
    (1..=3).map(|i| format!("{dataset} chunk {i}")).collect()
}

#[task]
pub fn encode_field_a(chunk: String) -> String {
    format!("{chunk}, a encoded")
}

#[task]
pub fn aggregate_fields_b_and_c(chunk: String) -> String {
    format!("{chunk}, b and c aggregated")
}

#[task]
pub fn calculate_moving_average(chunk: String) -> String {
    format!("{chunk}, d averaged")
}

#[dag]
pub fn transform_chunk(chunk: String) -> String {
    calculate_moving_average(aggregate_fields_b_and_c(encode_field_a(chunk)))
}

#[task]
pub fn collect_chunks(chunks: Vec<String>) -> Vec<String> {
    chunks
}

#[dag]
pub fn partitioned_nested_dag() -> Vec<String> {
    let chunks = split_dataset_into_chunks(retrieve_dataset());
    collect_chunks(chunks.map(|chunk| transform_chunk(chunk)))
}

// ---------------------------------------------------------------------------------------------
// The four documented limitations, with their workarounds. (Each invalid form is a compile
// error: see ui-tests/tests/ui/fail/rule*.rs. The first is no longer a limitation here:
// chained maps are allowed, so both forms work.)

#[task(partitioned)]
pub fn partitions() -> Vec<String> {
    ["first", "second", "...", "last"].map(String::from).to_vec()
}

#[task]
pub fn do_something_with(partition: String) -> String {
    format!("{partition}*")
}

#[task]
pub fn do_something_else_with(partition: String) -> String {
    format!("{partition}$")
}

#[task]
pub fn aggregate(partitions: Vec<String>) -> String {
    partitions.join(", ")
}

/// Limitation 1, "one mapping node per DAG": the original refuses two chained tasks in one
/// loop. Here a map runs a chain of tasks.
#[dag]
pub fn single_mapping_node() -> String {
    let results = partitions().map(|p| {
        let first = do_something_with(p);
        do_something_else_with(first)
    });
    aggregate(results)
}

/// The original's workaround for limitation 1, a nested DAG per partition, works too.
#[dag]
pub fn map_partition(partition: String) -> String {
    do_something_else_with(do_something_with(partition))
}

#[dag]
pub fn single_mapping_node_nested() -> String {
    aggregate(partitions().map(|p| map_partition(p)))
}

/// Limitation 2, "cannot map over a DAG parameter": turn it into the output of a partitioned
/// task first.
#[task(partitioned)]
pub fn identity(countries: Vec<String>) -> Vec<String> {
    countries
}

#[task]
pub fn greet_country(country: &str) -> String {
    format!("hello {country}")
}

#[dag]
pub fn for_based_on_param(countries: Vec<String>) -> String {
    aggregate(identity(countries).map(|country| greet_country(country)))
}

/// Limitation 3, "no nested loops": the inner loop becomes a nested DAG that runs once per
/// partition of the outer one.
#[task(partitioned)]
pub fn user_cohorts() -> Vec<String> {
    vec!["new".into(), "loyal".into()]
}

#[task(partitioned)]
pub fn product_categories() -> Vec<String> {
    vec!["books".into(), "games".into()]
}

#[task]
pub fn recommend(user_cohort: &str, product_category: &str) -> String {
    format!("{product_category} for {user_cohort}")
}

#[dag]
pub fn recommendations_for_cohort(user_cohort: String) -> String {
    aggregate(product_categories().map(|category| recommend(user_cohort, category)))
}

#[dag]
pub fn nested_for_loops() -> String {
    aggregate(user_cohorts().map(|cohort| recommendations_for_cohort(cohort)))
}

/// Limitation 4, "a DAG cannot return a partitioned node's output": reduce it with a fan-in.
#[task(partitioned)]
pub fn split(text: &str) -> Vec<String> {
    text.split(' ').map(String::from).collect()
}

#[task]
pub fn process_chunk(chunk: &str) -> String {
    format!("processed {chunk}")
}

#[dag]
pub fn dag_output_from_partitioned_node() -> Vec<String> {
    let processed_chunks = split("chunk1 chunk2").map(|chunk| process_chunk(chunk));
    collect_chunks(processed_chunks)
}

// ---------------------------------------------------------------------------------------------
// Defaults of a nested DAG (docs/code_snippets/default_hardcoded_values): `b` keeps its default,
// `c` is given by name: "10-2-20".

#[task]
pub fn join_values(a: u64, b: u64, c: u64) -> String {
    format!("{a}-{b}-{c}")
}

#[dag]
pub fn nested_d(a: u64, #[default(2)] b: u64, #[default(3)] c: u64) -> String {
    join_values(a, b, c)
}

#[dag]
pub fn default_hardcoded_values(#[default(10)] a: u64) -> String {
    nested_d(a, c = 20)
}
