//! The original's documented scenarios give the values its tests expect.

use dagger_examples::scenarios::*;

#[test]
fn hello_task() {
    assert_eq!(hello("Dagger"), "Hello Dagger!");
    assert_eq!(hello_world::run("Dagger".into()).unwrap(), "Hello Dagger!");
}

#[test]
fn passing_parameters_gives_100() {
    assert_eq!(passing_parameters::run(5).unwrap(), 100);
}

#[test]
fn ml_pipeline_with_several_outputs_gives_the_performance_report() {
    assert_eq!(ml_pipeline::run().unwrap(), "performance report");
}

#[test]
fn map_reduce_with_a_broadcast_input_chooses_the_best_model() {
    assert_eq!(map_reduce_best_model::run().unwrap(), "best_model");
    let graph = map_reduce_best_model::dag();
    let train = graph.graph().nodes().into_iter().find(|n| n.name == "train_model_with").unwrap();
    assert!(train.partitioned);
}

#[test]
fn map_reduce_sum_gives_30() {
    assert_eq!(map_reduce::run(3, 5).unwrap(), 30);
}

#[test]
fn nested_map_reduce_sum_gives_90() {
    assert_eq!(nested_map_reduce::run(3, 5).unwrap(), 90);
}

#[test]
fn nested_dags_record_an_album() {
    let album = nested_dags::run("big dag".into(), "hip hop".into()).unwrap();
    assert_eq!(
        album,
        Album {
            name: "big dag".into(),
            tracks: vec![
                "recording of (hip hop song about love)".into(),
                "recording of (hip hop song about loss)".into()
            ],
        }
    );
    // The nested DAG is used twice: two nodes, named apart.
    let names: Vec<String> = nested_dags::dag().graph().nodes().into_iter().map(|n| n.name).collect();
    assert!(
        names.contains(&"compose_song-1".to_string()) && names.contains(&"compose_song-2".to_string()),
        "{names:?}"
    );
}

#[test]
fn default_and_literal_values() {
    assert_eq!(default_values::default().execute().unwrap(), 3);
    assert_eq!(hardcoded_values::default().execute().unwrap(), 4);
}

#[test]
fn a_partitioned_nested_dag_transforms_each_chunk() {
    assert_eq!(
        partitioned_nested_dag::run().unwrap(),
        (1..=3).map(|i| format!("dataset chunk {i}, a encoded, b and c aggregated, d averaged")).collect::<Vec<_>>()
    );
}

#[test]
fn the_workarounds_of_the_four_limitations() {
    let expected = "first*$, second*$, ...*$, last*$";
    assert_eq!(single_mapping_node::run().unwrap(), expected);
    assert_eq!(single_mapping_node_nested::run().unwrap(), expected);
    assert_eq!(for_based_on_param::run(vec!["es".into(), "us".into()]).unwrap(), "hello es, hello us");
    assert_eq!(nested_for_loops::run().unwrap(), "books for new, games for new, books for loyal, games for loyal");
    assert_eq!(dag_output_from_partitioned_node::run().unwrap(), ["processed chunk1", "processed chunk2"]);
}

#[test]
fn a_nested_dag_called_without_a_defaulted_parameter() {
    assert_eq!(default_hardcoded_values::default().execute().unwrap(), "10-2-20");
}
