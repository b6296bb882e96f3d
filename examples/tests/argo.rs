//! The Argo Workflows manifests the `argo` command writes, for every example DAG: each valid
//! against Argo v4.1.2's strict schema and the CRD rules the schema does not carry
//! (`argo_checks`), golden files, and each Workflow run pod by pod in the simulator
//! (`argo_sim`) with the real `pipelines` binary, each pod holding only the artifacts it
//! declares: the result is what `run` gives.
//!
//! `DAGGER_BLESS=1 cargo test -p dagger-examples --test argo` rewrites the golden files; read
//! the diff before committing it.

mod argo_checks;
mod argo_sim;
mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use argo_sim::Simulator;
use common::{example_dags, stored};
use dagger_core::argo::{self, Kind, Options};
use serde_json::Value as JsonValue;

const PIPELINES: &str = env!("CARGO_BIN_EXE_pipelines");

fn scratch(name: &str) -> PathBuf {
    common::scratch("argo", name)
}

/// `pipelines --dag DAG ARGS`: its standard output, or its exit code and standard error.
fn pipelines(dag: &str, args: &[&str]) -> Result<String, (i32, String)> {
    let output = Command::new(PIPELINES).arg("--dag").arg(dag).args(args).env_remove("RUST_LOG").output().unwrap();
    match output.status.success() {
        true => Ok(String::from_utf8(output.stdout).unwrap()),
        false => Err((output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())),
    }
}

/// The manifest of `kind` for `dag`, its parameters `params`.
fn manifest(dag: &str, kind: &str, params: &[&str]) -> JsonValue {
    let mut args =
        vec!["argo", kind, "--image", "registry.example/pipelines:1", "--command", "/usr/local/bin/pipelines"];
    if kind == "cron-workflow" {
        args.extend(["--schedule", "0 * * * *", "--concurrency-policy", "Forbid"]);
    }
    for param in params {
        args.extend(["-p", param]);
    }
    let text = pipelines(dag, &args).unwrap_or_else(|(code, err)| panic!("argo {kind} of {dag}: exit {code}: {err}"));
    let manifest = serde_json::from_str(&text).unwrap();
    valid(&manifest, &format!("{dag} {kind}"));
    manifest
}

/// Asserts that `manifest` passes the strict schema and the CRD rules.
fn valid(manifest: &JsonValue, what: &str) {
    let schema = argo_checks::schema_errors(manifest);
    assert!(schema.is_empty(), "{what}: the schema refuses it:\n{}", schema.join("\n"));
    let crd = argo_checks::crd_errors(manifest);
    assert!(crd.is_empty(), "{what}: the CRD rules refuse it:\n{}", crd.join("\n"));
}

/// Runs the Workflow of `dag` with `params` in the simulator; its result must be `run`'s.
fn simulate(dag: &str, params: &[&str]) -> usize {
    let workflow = manifest(dag, "workflow", params);
    let name = format!("{dag}-{}", params.join("-").replace(['=', '[', ']', '"', ',', ' '], "_"));
    let bucket = scratch(&name).join("bucket");
    let simulation = Simulator::new(Path::new(PIPELINES))
        .run(&workflow, &bucket)
        .unwrap_or_else(|error| panic!("{dag}: the simulator refused the manifest: {error}"));
    assert!(simulation.succeeded(), "{dag}: {}", simulation.report());
    assert!(simulation.overwrites.is_empty(), "{dag}: {:?}", simulation.overwrites);
    let mut run = vec!["run"];
    for param in params {
        run.extend(["-p", param]);
    }
    let expected: JsonValue = serde_json::from_str(&pipelines(dag, &run).unwrap()).unwrap();
    let plan: JsonValue = serde_json::from_str(&pipelines(dag, &["plan", "--json"]).unwrap()).unwrap();
    let output = plan["output"].as_str().unwrap_or_else(|| panic!("{dag}: the output is no node's"));
    let key = format!("dagger/{}/{dag}/{output}/output", simulation.uid);
    let stored_bytes = simulation.object(&key).unwrap_or_else(|| panic!("{dag}: no {key} in the bucket"));
    assert_eq!(
        serde_json::from_slice::<JsonValue>(stored(stored_bytes.as_bytes())).unwrap(),
        expected,
        "{dag} {params:?}"
    );
    simulation.pods.len()
}

#[test]
fn every_example_runs_pod_by_pod_as_run_does() {
    assert_eq!(simulate("quick_start", &[]), 1 + 7 + 1);
    simulate("quick_start", &["exponent=3"]);
    simulate("word_count", &[]);
    simulate("map_reduce_best_model", &[]);
    simulate("for_based_on_param", &[r#"countries=["es","us","fr"]"#]);
    simulate("ml_pipeline", &[]);
    simulate("summary", &[]);
    simulate("chained", &[]);
    simulate("loaded", &[]);
    simulate("single_mapping_node", &[]);
    simulate("dag_output_from_partitioned_node", &[]);
    simulate("hello_world", &["name=Dagger"]);
    simulate("passing_parameters", &["number=5"]);
    simulate("tuned", &[]);
    simulate("sales_report", &[]);
    simulate("sales_report", &["to=2024-02-25"]);
    simulate("weekly_trend", &["from=2024-02-20", "to=2024-03-02", "report_from=2024-02-28"]);
    simulate("shuffled_words", &[]);
}

#[test]
fn task_options_become_resources_retries_deadlines_and_overrides() {
    let workflow = manifest("tuned", "workflow", &[]);
    let templates = workflow["spec"]["templates"].as_array().unwrap();
    let heavy = templates.iter().find(|t| t["name"] == "node-2in-2out-o1").unwrap();
    let container = &heavy["container"];
    assert_eq!(container["image"], "registry.example/heavy:2", "the task's image, not --image");
    assert_eq!(container["resources"]["requests"], serde_json::json!({ "cpu": "500m", "memory": "1Gi" }));
    assert_eq!(container["resources"]["limits"], serde_json::json!({ "memory": "1Gi", "nvidia.com/gpu": "1" }));
    assert_eq!(container["imagePullPolicy"], "IfNotPresent");
    assert_eq!(heavy["retryStrategy"]["limit"], "2");
    assert_eq!(
        heavy["retryStrategy"]["expression"],
        "asInt(lastRetry.exitCode) == 1 || asInt(lastRetry.exitCode) == 4"
    );
    assert_eq!(heavy["activeDeadlineSeconds"], 600);
    assert_eq!(heavy["metadata"]["labels"]["tier"], "heavy");
    let tasks = templates[0]["dag"]["tasks"].as_array().unwrap();
    let task = tasks.iter().find(|t| t["name"] == "heavy").unwrap();
    assert_eq!(task["hooks"], serde_json::json!({}));
    // The task without options runs with the defaults.
    let plain = templates.iter().find(|t| t["name"] == "node-4in-2out").unwrap();
    assert_eq!(plain["container"]["image"], "registry.example/pipelines:1");
    assert!(plain.get("retryStrategy").is_none() && plain["container"].get("resources").is_none());
}

#[test]
fn nested_dags_run_pod_by_pod_as_run_does() {
    for n in ["0", "1", "3"] {
        simulate("composite_map_reduce", &[&format!("partitions_count={n}")]);
    }
    simulate("dataset_pipeline", &[]);
    simulate("nested_dags", &["album_name=big dag", "style=hip hop"]);
    simulate("nested_map_reduce", &["multiplier=3", "parallel_steps=4"]);
    simulate("partitioned_nested_dag", &[]);
    simulate("single_mapping_node_nested", &[]);
    simulate("nested_for_loops", &[]);
    simulate("default_hardcoded_values", &[]);
    simulate("nested_pairs", &[]);
    simulate("nested_parts", &[]);
}

#[test]
fn zero_partitions_run_pod_by_pod() {
    simulate("chained", &["n=0"]);
    simulate("nested_pairs", &["n=0"]);
    simulate("loaded", &["n=0"]);
    simulate("for_based_on_param", &["countries=[]"]);
}

/// The manifest as a golden file holds it: the DAG's fingerprint (which changes with the
/// tasks' code) replaced by a mark.
fn without_fingerprint(manifest: &JsonValue) -> String {
    let fingerprint = manifest["metadata"]["annotations"]["dagger/fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fingerprint.len(), 32);
    serde_json::to_string_pretty(manifest).unwrap().replace(&fingerprint, "(the DAG's fingerprint)") + "\n"
}

#[test]
fn every_example_manifest_is_its_golden_file() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/argo");
    let bless = std::env::var_os("DAGGER_BLESS").is_some();
    let mut files = Vec::new();
    // `wide` (450 tasks) is checked below, not kept.
    for dag in example_dags().into_iter().filter(|dag| dag != "wide") {
        files.push((format!("{dag}.workflow.json"), manifest(&dag, "workflow", required(&dag))));
    }
    for kind in ["workflow-template", "cluster-workflow-template", "cron-workflow"] {
        files.push((format!("composite_map_reduce.{kind}.json"), manifest("composite_map_reduce", kind, &[])));
    }
    for (name, manifest) in files {
        let text = without_fingerprint(&manifest);
        let file = golden.join(&name);
        if bless {
            fs::create_dir_all(&golden).unwrap();
            fs::write(&file, &text).unwrap();
            continue;
        }
        let expected =
            fs::read_to_string(&file).unwrap_or_else(|_| panic!("no golden file {name}: run with DAGGER_BLESS=1"));
        assert_eq!(text, expected, "the manifest {name} changed: run with DAGGER_BLESS=1 and read the diff");
    }
}

/// Values for the parameters of an example DAG that have no default.
fn required(dag: &str) -> &'static [&'static str] {
    match dag {
        "hello_world" => &["name=Dagger"],
        "passing_parameters" => &["number=5"],
        "map_reduce" | "nested_map_reduce" => &["multiplier=3", "parallel_steps=4"],
        "nested_dags" => &["album_name=big dag", "style=hip hop"],
        "for_based_on_param" => &[r#"countries=["es","us"]"#],
        "parsed" => &["text=42"],
        "wide" | "many" => &["n=3"],
        _ => &[],
    }
}

#[test]
fn the_four_kinds_of_every_example_are_valid_and_hold_the_same_spec() {
    for dag in example_dags() {
        let dag = dag.as_str();
        let workflow = manifest(dag, "workflow", required(dag));
        for (kind, name) in [
            ("workflow-template", "WorkflowTemplate"),
            ("cluster-workflow-template", "ClusterWorkflowTemplate"),
            ("cron-workflow", "CronWorkflow"),
        ] {
            let other = manifest(dag, kind, required(dag));
            assert_eq!(other["kind"], name);
            let spec = if name == "CronWorkflow" { &other["spec"]["workflowSpec"] } else { &other["spec"] };
            assert_eq!(spec, &workflow["spec"], "{dag} {kind}");
            assert_eq!(other["metadata"]["name"], dag.replace('_', "-"));
        }
        let cron = manifest(dag, "cron-workflow", required(dag));
        assert_eq!(cron["spec"]["schedules"], serde_json::json!(["0 * * * *"]));
        assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    }
}

#[test]
fn a_manifest_over_its_budget_or_without_a_schedule_is_refused() {
    let (code, err) =
        pipelines("quick_start", &["argo", "workflow", "--image", "i", "--max-bytes", "2000"]).unwrap_err();
    assert_eq!(code, 5);
    assert!(err.starts_with("error: the manifest is "), "{err}");
    assert!(err.contains("over the budget of 2000"), "{err}");
    let (code, err) = pipelines("quick_start", &["argo", "cron-workflow", "--image", "i"]).unwrap_err();
    assert_eq!((code, err.as_str()), (2, "error: a CronWorkflow needs at least one schedule (--schedule)\n"));
    let (code, _) = pipelines("quick_start", &["argo", "workflow", "--image", "i", "-p", "exponnent=2"]).unwrap_err();
    assert_eq!(code, 2);
    // A Workflow needs every value; a template takes them when a run is submitted.
    let (code, err) = pipelines("nested_dags", &["argo", "workflow", "--image", "i", "-p", "style=x"]).unwrap_err();
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: a Workflow needs a value for every parameter, and `album_name` has no default: give -p \
         album_name=VALUE (the template kinds take them when a run is submitted)\n"
    );
    let template = manifest("nested_dags", "workflow-template", &[]);
    assert_eq!(template["spec"]["arguments"]["parameters"][0], serde_json::json!({ "name": "album_name" }));
}

#[test]
fn a_dag_of_450_tasks_is_cut_into_parts_and_runs() {
    let dag = dagger_examples::shapes::wide();
    let mut options = Options::new("registry.example/wide:1", "wide");
    options.params = vec![("n".to_string(), "3".to_string())];
    let manifest = argo::manifest(dag.graph(), Kind::Workflow, &options).unwrap();
    valid(&manifest, "wide");
    let templates = manifest["spec"]["templates"].as_array().unwrap();
    let dags: Vec<(&str, usize)> =
        templates.iter().filter_map(|t| Some((t["name"].as_str()?, t["dag"]["tasks"].as_array()?.len()))).collect();
    assert_eq!(dags, [("wide", 3), ("wide-part-1", 190), ("wide-part-2", 190), ("wide-part-3", 70)]);
    let (bytes, tasks) = argo::size(&manifest);
    assert_eq!(tasks, 3 + 450);
    assert!(bytes < 512 * 1024, "{bytes} bytes");
    // The map's count crosses parts: the last part takes it as an input parameter.
    let last = &templates[3];
    assert_eq!(last["inputs"]["parameters"][0]["name"], "count-numbers");
    assert_eq!(simulate("wide", &["n=3"]), 1 + 446 + 3 + 1 + 1);
}

#[test]
fn a_run_limited_to_a_range_of_keys_runs_pod_by_pod() {
    let dag = "sales_report";
    let keys = "2024-02-28..=2024-03-01";
    let args = ["argo", "workflow", "--image", "registry.example/pipelines:1", "--command", "/usr/local/bin/pipelines"];
    let mut args = args.to_vec();
    args.extend(["--keys", keys]);
    let text = pipelines(dag, &args).unwrap_or_else(|(code, err)| panic!("argo workflow --keys: exit {code}: {err}"));
    let workflow: JsonValue = serde_json::from_str(&text).unwrap();
    valid(&workflow, "sales_report --keys");
    assert!(text.contains(r#""--keys","2024-02-28..=2024-03-01""#), "every pod takes the range");
    let bucket = scratch("sales_report-keys").join("bucket");
    let simulation = Simulator::new(Path::new(PIPELINES)).run(&workflow, &bucket).unwrap();
    assert!(simulation.succeeded(), "{}", simulation.report());
    let expected: JsonValue = serde_json::from_str(&pipelines(dag, &["run", "--keys", keys]).unwrap()).unwrap();
    assert_eq!(expected["days"], 3);
    let key = format!("dagger/{}/{dag}/report/output", simulation.uid);
    let stored_bytes = simulation.object(&key).unwrap_or_else(|| panic!("no {key} in the bucket"));
    assert_eq!(serde_json::from_slice::<JsonValue>(stored(stored_bytes.as_bytes())).unwrap(), expected);
    let (code, err) = pipelines(dag, &["argo", "workflow", "--image", "i", "--keys", "a..b..c"]).unwrap_err();
    assert_eq!(code, 2, "{err}");
}
