//! Every example DAG run as a cluster runs it: each job of its plan (`plan --json`) a process of
//! the `pipelines` binary, the partitions of a map in processes side by side, seals where the
//! plan has them. The store they leave holds what a run in one process (`run --store`) stores,
//! value for value, and the DAG's result is the same.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const PIPELINES: &str = env!("CARGO_BIN_EXE_pipelines");

fn scratch(name: &str) -> PathBuf {
    common::scratch("jobs", name)
}

/// The `pipelines` binary on DAG `dag`, with `args`.
fn pipelines(dag: &str, args: &[&str]) -> Command {
    let mut command = Command::new(PIPELINES);
    command.arg("--dag").arg(dag).args(args);
    command
}

/// Runs a command, which must succeed and, for a job, print nothing on standard output.
fn succeed(command: &mut Command, job: bool) -> Output {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{command:?} failed ({}): {stderr}", output.status);
    if job {
        assert!(output.stdout.is_empty(), "{command:?} printed on standard output");
    }
    output
}

/// One run of the plan's jobs: the DAG, its parameters, the store.
struct Jobs<'a> {
    dag: &'a str,
    params: Vec<String>,
    store: &'a Path,
    plan: Value,
    /// How many jobs ran.
    ran: usize,
}

impl Jobs<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = pipelines(self.dag, args);
        command.arg("--store").arg(self.store);
        for param in &self.params {
            command.arg("-p").arg(param);
        }
        command
    }

    fn scope(&self, id: &str) -> Value {
        let scopes = self.plan["scopes"].as_array().unwrap();
        scopes.iter().find(|scope| scope["id"] == id).unwrap_or_else(|| panic!("no scope {id}")).clone()
    }

    /// Runs the jobs of one run of `scope`, whose nodes' paths start with `prefix`.
    fn run_scope(&mut self, scope: &Value, prefix: &str) {
        let jobs = scope["jobs"].as_array().unwrap();
        let counted: Vec<&str> = jobs.iter().filter_map(|job| job["per_partition_of"].as_str()).collect();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for job in jobs {
            let id = job["id"].as_str().unwrap();
            let node = format!("{prefix}{}", job["node"].as_str().unwrap());
            let count = |counts: &HashMap<String, usize>| -> usize {
                let of = job["per_partition_of"].as_str().unwrap();
                *counts.get(of).unwrap_or_else(|| panic!("{id} runs before {of} counted its partitions"))
            };
            match job["kind"].as_str().unwrap() {
                "task" | "source" | "derived" => {
                    let count_file = self.store.with_extension(format!("count-{}", node.replace('/', "_")));
                    let mut command = self.command(&["node", &node]);
                    if counted.contains(&id) {
                        command.arg("--write-count").arg(&count_file);
                    }
                    succeed(&mut command, true);
                    self.ran += 1;
                    if counted.contains(&id) {
                        counts.insert(id.to_string(), fs::read_to_string(&count_file).unwrap().parse().unwrap());
                    }
                }
                "map" => {
                    // Every partition in a process of its own, side by side.
                    let children: Vec<_> = (0..count(&counts))
                        .map(|p| (p, self.command(&["node", &node, "--partition", &p.to_string()]).spawn().unwrap()))
                        .collect();
                    for (p, child) in children {
                        let output = child.wait_with_output().unwrap();
                        assert!(output.status.success(), "{node} on partition {p} failed");
                        self.ran += 1;
                    }
                }
                "seal" => {
                    succeed(&mut self.command(&["seal", &node]), true);
                    self.ran += 1;
                }
                "dag" => {
                    let inner = self.scope(job["scope"].as_str().unwrap());
                    let path = job["path"].as_str().unwrap();
                    match job["per_partition_of"].as_str() {
                        Some(_) => {
                            for p in 0..count(&counts) {
                                self.run_scope(&inner, &format!("{prefix}{}/", path.replace("{p}", &p.to_string())));
                            }
                        }
                        None => self.run_scope(&inner, &format!("{prefix}{path}/")),
                    }
                }
                kind => panic!("unknown job kind {kind}"),
            }
        }
    }
}

/// What a store holds, value by value: for each node folder, its fingerprint and its output
/// (the bytes of a whole output; each partition of a partitioned one, in JSON, whatever files
/// hold them).
fn contents(root: &Path) -> BTreeMap<String, (String, Value)> {
    let mut values = BTreeMap::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && path.file_name().unwrap() != "output" {
                folders.push(path.clone());
            }
        }
        let fingerprint = folder.join("fingerprint");
        if !fingerprint.exists() {
            continue;
        }
        let output = folder.join("output");
        let value = if output.is_file() {
            serde_json::from_slice(common::stored(&fs::read(&output).unwrap())).unwrap()
        } else {
            let listing: Vec<String> =
                serde_json::from_slice(common::stored(&fs::read(output.join("partitions.json")).unwrap())).unwrap();
            let mut parts = Vec::new();
            for name in listing {
                let value: Value =
                    serde_json::from_slice(common::stored(&fs::read(output.join(&name)).unwrap())).unwrap();
                match (name.contains('-'), value) {
                    (true, Value::Array(items)) => parts.extend(items),
                    (_, value) => parts.push(value),
                }
            }
            Value::Array(parts)
        };
        let key = folder.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        values.insert(key, (fs::read_to_string(&fingerprint).unwrap(), value));
    }
    values
}

/// Runs `dag` node by node in one store and in one process in another: the stores hold the
/// same values, and the result is the one the DAG gives in memory.
fn node_by_node(dag: &str, params: &[&str]) -> usize {
    let dir = scratch(&format!("{dag}-{}", params.join("-").replace(['=', '[', ']', '"', ','], "_")));
    let plan = succeed(&mut pipelines(dag, &["plan", "--json"]), false).stdout;
    let mut jobs = Jobs {
        dag,
        params: params.iter().map(|p| p.to_string()).collect(),
        store: &dir.join("jobs"),
        plan: serde_json::from_slice(&plan).unwrap(),
        ran: 0,
    };
    let root = jobs.scope(dag);
    jobs.run_scope(&root, "");

    let with_params = |args: &[&str]| {
        let mut command = pipelines(dag, args);
        for param in params {
            command.arg("-p").arg(param);
        }
        String::from_utf8(succeed(&mut command, false).stdout).unwrap()
    };
    let in_memory = with_params(&["run"]);
    let in_process = dir.join("in-process");
    assert_eq!(with_params(&["run", "--store", in_process.to_str().unwrap()]), in_memory);
    let (by_jobs, by_process) = (contents(&dir.join("jobs")), contents(&in_process));
    assert_eq!(by_jobs.keys().collect::<Vec<_>>(), by_process.keys().collect::<Vec<_>>(), "{dag}: the same nodes");
    for (node, value) in &by_process {
        assert_eq!(&by_jobs[node], value, "{dag}: {node}");
    }
    // The jobs left every output: a run on their store reads the result.
    assert_eq!(with_params(&["run", "--store", dir.join("jobs").to_str().unwrap()]), in_memory);
    jobs.ran
}

#[test]
fn map_reduce_examples_run_node_by_node() {
    assert_eq!(node_by_node("quick_start", &[]), 7 + 3);
    node_by_node("quick_start", &["exponent=3"]);
    node_by_node("word_count", &[]);
    node_by_node("map_reduce_best_model", &[]);
    node_by_node("for_based_on_param", &[r#"countries=["es","us","fr"]"#]);
    node_by_node("sales_report", &["to=2024-03-01"]);
    node_by_node("weekly_trend", &["from=2024-02-20", "to=2024-03-02", "report_from=2024-02-28"]);
    node_by_node("shuffled_words", &["count=5"]);
}

#[test]
fn zero_partitions_run_node_by_node() {
    node_by_node("composite_map_reduce", &["partitions_count=0"]);
    node_by_node("chained", &["n=0"]);
    node_by_node("nested_pairs", &["n=0"]);
    node_by_node("loaded", &["n=0"]);
    node_by_node("for_based_on_param", &["countries=[]"]);
    node_by_node("sales_report", &["to=2024-02-25"]);
    node_by_node("weekly_trend", &["report_from=2025-01-01"]);
    node_by_node("shuffled_words", &["count=0"]);
}

#[test]
fn nested_dags_run_node_by_node() {
    node_by_node("composite_map_reduce", &[]);
    node_by_node("dataset_pipeline", &[]);
    node_by_node("nested_dags", &["album_name=big dag", "style=hip hop"]);
    node_by_node("nested_map_reduce", &["multiplier=3", "parallel_steps=4"]);
    node_by_node("partitioned_nested_dag", &[]);
    node_by_node("single_mapping_node_nested", &[]);
    node_by_node("nested_for_loops", &[]);
    node_by_node("default_hardcoded_values", &[]);
    node_by_node("nested_pairs", &[]);
    node_by_node("nested_parts", &[]);
}

#[test]
fn several_outputs_and_chained_maps_run_node_by_node() {
    node_by_node("ml_pipeline", &[]);
    node_by_node("summary", &[]);
    node_by_node("chained", &[]);
    node_by_node("loaded", &[]);
    node_by_node("single_mapping_node", &[]);
    node_by_node("dag_output_from_partitioned_node", &[]);
    node_by_node("hello_world", &["name=Dagger"]);
    node_by_node("passing_parameters", &["number=5"]);
}
