//! The Argo simulator (`argo_sim`) on a hand-written Workflow of `composite_map_reduce`
//! (`fixtures/argo/composite_map_reduce.sim.json`): the shape of the spec's worked example
//! (§5.3), with this project's store layout and command line. Run pod by pod with the real
//! `pipelines` binary, it gives what `pipelines run` gives, for 0, 1 and 3 partitions; and the
//! simulator catches what a generator can get wrong: an input a template does not declare, an
//! unresolved variable, a task that starts after a failure.
//!
//! The fixture reads the DAG's fingerprint from its annotation
//! (`{{workflow.annotations.dagger/fingerprint}}`), which the tests set from `plan --json`: the
//! fingerprint changes with the tasks' code, and the fixture should not.

mod argo_sim;
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use argo_sim::{Phase, Simulation, Simulator};
use common::stored;
use serde_json::{json, Value};

const PIPELINES: &str = env!("CARGO_BIN_EXE_pipelines");
const DAG: &str = "composite_map_reduce";

fn scratch(name: &str) -> PathBuf {
    common::scratch("argo_sim", name)
}

fn pipelines(args: &[&str]) -> String {
    let output = Command::new(PIPELINES).arg("--dag").arg(DAG).args(args).output().unwrap();
    assert!(output.status.success(), "pipelines {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The fixture, its fingerprint annotation set from the binary's plan.
fn workflow() -> Value {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    let fingerprint = FINGERPRINT.get_or_init(|| {
        let plan: Value = serde_json::from_str(&pipelines(&["plan", "--json"])).unwrap();
        plan["fingerprint"].as_str().unwrap().to_string()
    });
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/argo/composite_map_reduce.sim.json");
    let mut workflow: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    workflow["metadata"]["annotations"]["dagger/fingerprint"] = json!(fingerprint);
    workflow
}

fn template<'a>(workflow: &'a mut Value, name: &str) -> &'a mut Value {
    let templates = workflow["spec"]["templates"].as_array_mut().unwrap();
    templates.iter_mut().find(|t| t["name"] == name).unwrap_or_else(|| panic!("no template {name}"))
}

fn task<'a>(workflow: &'a mut Value, dag: &str, name: &str) -> &'a mut Value {
    let tasks = template(workflow, dag)["dag"]["tasks"].as_array_mut().unwrap();
    tasks.iter_mut().find(|t| t["name"] == name).unwrap_or_else(|| panic!("no task {name} in {dag}"))
}

fn argument<'a>(task: &'a mut Value, name: &str) -> &'a mut Value {
    let parameters = task["arguments"]["parameters"].as_array_mut().unwrap();
    &mut parameters.iter_mut().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no argument {name}"))["value"]
}

fn simulate(workflow: &Value, test: &str, partitions: u64) -> Simulation {
    let bucket = scratch(test).join("bucket");
    Simulator::new(Path::new(PIPELINES))
        .param("partitions_count", &partitions.to_string())
        .run(workflow, &bucket)
        .unwrap_or_else(|error| panic!("{test}: the simulator refused the workflow: {error}"))
}

/// The DAG's result in the bucket.
fn result(sim: &Simulation) -> Option<String> {
    let object = sim.object(&format!("dagger/{}/{DAG}/sum/output", sim.uid))?;
    Some(String::from_utf8(stored(object.as_bytes()).to_vec()).unwrap())
}

/// Every file under `dir`, relative, `/`-separated.
fn files(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                found.insert(path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found
}

/// What a store folder holds, node folder by node folder: its fingerprint, and its output (a
/// whole output's JSON; a partitioned one's partitions in order, whichever files hold them: a
/// run in one process may store partitions `0-2` in one file, jobs one file each).
fn values(root: &Path) -> BTreeMap<String, (String, Value)> {
    let read = |path: &Path| -> Value { serde_json::from_slice(stored(&fs::read(path).unwrap())).unwrap() };
    let mut values = BTreeMap::new();
    for file in files(root) {
        let Some(node) = file.strip_suffix("/fingerprint") else { continue };
        let output = root.join(node).join("output");
        let value = if output.is_file() {
            read(&output)
        } else {
            // Files `p` or `a-b`, in partition order (the listing may be missing: sealed on read).
            let mut parts: Vec<(u64, String)> = files(&output)
                .into_iter()
                .filter(|name| name != "partitions.json")
                .map(|name| (name.split('-').next().unwrap().parse().unwrap(), name))
                .collect();
            parts.sort();
            let mut items = Vec::new();
            for (_, name) in parts {
                match (name.contains('-'), read(&output.join(&name))) {
                    (true, Value::Array(batch)) => items.extend(batch),
                    (_, value) => items.push(value),
                }
            }
            Value::Array(items)
        };
        values.insert(node.to_string(), (fs::read_to_string(root.join(&file)).unwrap(), value));
    }
    values
}

#[test]
fn simulated_workflow_gives_the_result_of_a_run_for_0_1_and_3_partitions() {
    // Pods: `partitions`, then per instance p (limit p + 1) numbers_up_to, p + 1 raises and
    // the inner sum, then the outer sum.
    for (partitions, pods) in [(0, 2), (1, 5), (3, 14)] {
        let test = format!("result-{partitions}");
        let sim = simulate(&workflow(), &test, partitions);
        assert!(sim.succeeded(), "{}", sim.report());
        let run = pipelines(&["run", "-p", &format!("partitions_count={partitions}")]);
        assert_eq!(result(&sim).as_deref(), Some(run.trim()), "{}", sim.report());
        assert_eq!(sim.pods.len(), pods, "{}", sim.report());
        assert!(sim.pods.iter().all(|p| p.stdout.is_empty()), "a job printed on standard output");
        assert!(sim.overwrites.is_empty(), "keys written twice with different bytes: {:?}", sim.overwrites);

        // The bucket holds the values a run in one process stores, node by node, with the same
        // fingerprints; what it lacks is an empty map, which the job reading it sealed on read.
        let store = scratch(&format!("{test}-in-process"));
        pipelines(&["run", "--store", store.to_str().unwrap(), "-p", &format!("partitions_count={partitions}")]);
        let in_process = values(&store);
        let objects = values(&sim.bucket.join(format!("dagger/{}", sim.uid)));
        for (node, value) in &in_process {
            match objects.get(node) {
                Some(object) => assert_eq!(object, value, "{node}"),
                None => assert_eq!(value.1, json!([]), "the workflow did not store {node}"),
            }
        }
        assert!(objects.keys().all(|node| in_process.contains_key(node)), "{:?}", objects.keys());
    }
    assert_eq!(pipelines(&["run", "-p", "partitions_count=3"]).trim(), "20");
}

#[test]
fn zero_partitions_skip_the_fan_out_and_the_fan_in_reads_an_empty_prefix() {
    let sim = simulate(&workflow(), "zero", 0);
    assert!(sim.succeeded(), "{}", sim.report());
    let fan_out = sim.nodes.iter().find(|n| n.name.ends_with(".sum-of-powers")).unwrap();
    assert_eq!(fan_out.phase, Some(Phase::Skipped));
    assert_eq!(fan_out.message, "Skipped, empty params");
    let nodes: Vec<&str> = sim.pods.iter().map(|p| p.node.rsplit('.').next().unwrap()).collect();
    assert_eq!(nodes, ["partitions", "sum"]);
    // `sum`'s `in0` (the tees' folder) and `in1` (their fingerprint) are not in the bucket: as
    // optional artifacts they were skipped, and the job sealed an empty map on read.
    assert!(sim.keys(&format!("dagger/{}/{DAG}/sum_of_powers", sim.uid)).is_empty());
    let listing = sim.object(&format!("dagger/{}/{DAG}/partitions/output/partitions.json", sim.uid)).unwrap();
    assert_eq!(stored(listing.as_bytes()), b"[]");
    assert_eq!(result(&sim).as_deref(), Some("0"));
}

#[test]
fn each_pod_holds_only_the_inputs_its_template_declares() {
    let sim = simulate(&workflow(), "isolation", 3);
    assert!(sim.succeeded(), "{}", sim.report());
    let raise = sim.pods_of(".sum-of-powers(2:2).raise(1:1)");
    assert_eq!(raise.len(), 1);
    let instance = format!("{DAG}/sum_of_powers/instances/2");
    let store = raise[0].folder.join("root/dagger/store");
    let held: BTreeSet<String> =
        files(&store).into_iter().filter(|f| !f.ends_with("/.lock") && !f.ends_with("/.run")).collect();
    let expected: BTreeSet<String> = [
        format!("{instance}/numbers_up_to/output/1"),
        format!("{instance}/numbers_up_to/fingerprint"),
        format!("{instance}/raise/output/1"),
        format!("{instance}/raise/fingerprint"),
    ]
    .into();
    assert_eq!(held, expected, "the two inputs it declares, and its output");
    assert!(
        raise[0].args.contains(&store.to_string_lossy().into_owned()),
        "--store maps into the pod: {:?}",
        raise[0].args
    );
    assert!(raise[0].args.windows(2).any(|w| w == ["--partition", "1"]), "{:?}", raise[0].args);
}

#[test]
fn a_template_that_forgets_an_input_fails_its_pod_with_exit_code_3() {
    let mut workflow = workflow();
    // `raise`'s template without `in1`, the fingerprint of `numbers_up_to`'s output; and a
    // retry strategy, which must not retry exit code 3 (an upstream problem).
    let shape = template(&mut workflow, "node-2in");
    shape["inputs"]["artifacts"].as_array_mut().unwrap().retain(|a| a["name"] != "in1");
    shape["retryStrategy"] = json!({"limit": "3", "retryPolicy": "OnFailure",
        "expression": "asInt(lastRetry.exitCode) == 1 || asInt(lastRetry.exitCode) == 4"});
    let sim = simulate(&workflow, "forgotten-input", 3);
    assert_eq!(sim.phase, Phase::Failed);
    let failed = sim.pods.last().unwrap();
    assert!(failed.node.ends_with(".sum-of-powers(0:0).raise(0:0)"), "{}", sim.report());
    assert_eq!((failed.exit_code, failed.attempt), (Some(3), 0), "{}", sim.report());
    assert!(failed.stderr.contains("numbers_up_to"), "{}", failed.stderr);
    let names: Vec<&str> = sim.failures().iter().map(|n| n.name.as_str()).collect();
    assert!(names.iter().any(|n| n.ends_with(".sum-of-powers(0:0).raise(0:0)")), "{names:?}");
}

#[test]
fn a_template_that_forgets_the_tee_fails_the_fan_in() {
    let mut workflow = workflow();
    // The inner `sum` stores its result as the calling node's partition too (the tee); without
    // those outputs, every inner job succeeds and the outer `sum` finds no partition.
    let shape = template(&mut workflow, "node-4in-tee");
    shape["outputs"]["artifacts"].as_array_mut().unwrap().retain(|a| !a["name"].as_str().unwrap().starts_with("tee"));
    let sim = simulate(&workflow, "no-tee", 3);
    assert_eq!(sim.phase, Phase::Failed);
    let (last, inner) = sim.pods.split_last().unwrap();
    assert!(inner.iter().all(|p| p.phase == Phase::Succeeded), "{}", sim.report());
    assert_eq!(last.node, format!("{}.sum", sim.name));
    assert_eq!(last.exit_code, Some(3), "{}", sim.report());
}

#[test]
fn a_missing_input_that_is_not_optional_errors_the_pod_before_it_runs() {
    let mut workflow = workflow();
    // The outer `sum` reads the tees' folder; with no partitions there is none, and only
    // `optional: true` lets the pod start.
    template(&mut workflow, "node-4in")["inputs"]["artifacts"][0]["optional"] = json!(false);
    let sim = simulate(&workflow, "not-optional", 0);
    assert_eq!(sim.phase, Phase::Failed);
    let pod = sim.pods.last().unwrap();
    assert_eq!((pod.phase, pod.exit_code), (Phase::Errored, None), "{}", sim.report());
    assert!(pod.message.contains(&format!("{DAG}/sum_of_powers/output")), "{}", pod.message);
}

#[test]
fn an_unresolved_variable_is_an_error_that_names_it() {
    // In a container template.
    let mut misspelt = workflow();
    template(&mut misspelt, "node-0in-parts")["container"]["args"][3] = json!("{{inputs.parameters.nod}}");
    let error =
        Simulator::new(Path::new(PIPELINES)).run(&misspelt, &scratch("unresolved-1").join("bucket")).unwrap_err();
    assert!(error.contains("`{{inputs.parameters.nod}}`") && error.contains(".partitions"), "{error}");

    // In a task of a nested DAG.
    let mut misspelt = workflow();
    *argument(task(&mut misspelt, "dag-sum-of-powers", "numbers-up-to"), "node") = json!("{{inputs.parameters.pth}}/x");
    let error =
        Simulator::new(Path::new(PIPELINES)).run(&misspelt, &scratch("unresolved-2").join("bucket")).unwrap_err();
    assert!(error.contains("`{{inputs.parameters.pth}}`") && error.contains("numbers-up-to"), "{error}");

    // A task reads the count of a task it does not depend on: Argo gives a task the outputs of
    // its ancestors only.
    let mut unordered = workflow();
    task(&mut unordered, "composite-map-reduce", "sum-of-powers").as_object_mut().unwrap().remove("depends");
    let error =
        Simulator::new(Path::new(PIPELINES)).run(&unordered, &scratch("unresolved-3").join("bucket")).unwrap_err();
    assert!(error.contains("`{{tasks.partitions.outputs.parameters.count}}`"), "{error}");
}

#[test]
fn a_failing_pod_stops_the_workflow() {
    let mut workflow = workflow();
    // The first instance's `sum` names a node the DAG does not have: exit code 2 (usage).
    *argument(task(&mut workflow, "dag-sum-of-powers", "sum"), "node") = json!("{{inputs.parameters.path}}/summ");
    let sim = simulate(&workflow, "fail-fast", 3);
    assert_eq!(sim.phase, Phase::Failed);
    let last = sim.pods.last().unwrap();
    assert!(last.node.ends_with(".sum-of-powers(0:0).sum"), "{}", sim.report());
    assert_eq!(last.exit_code, Some(2), "{}", sim.report());
    // partitions, then instance 0's numbers_up_to, raise, sum: nothing after the failure.
    assert_eq!(sim.pods.len(), 4, "{}", sim.report());
    let started_after = sim.nodes.iter().skip_while(|n| !n.name.ends_with(".sum-of-powers(0:0).sum")).skip(1);
    assert_eq!(started_after.count(), 0, "{:?}", sim.nodes);
    let failed: Vec<&str> = sim.failures().iter().map(|n| n.name.rsplit_once(".sum-of-powers").unwrap().1).collect();
    assert_eq!(failed, ["", "(0:0)", "(0:0).sum"], "the task, its item, the pod's node");
}

#[test]
fn a_task_without_its_depends_runs_too_early_and_fails() {
    let mut workflow = workflow();
    // The outer `sum` without `depends: sum-of-powers`: Argo starts it with `partitions`, and
    // so does the simulator, before it; its inputs are not there yet (optional, skipped), and
    // the job finds `partitions`' output missing: exit code 3.
    task(&mut workflow, "composite-map-reduce", "sum").as_object_mut().unwrap().remove("depends");
    let sim = simulate(&workflow, "no-depends", 3);
    assert_eq!(sim.phase, Phase::Failed);
    assert_eq!(sim.pods.len(), 1, "{}", sim.report());
    assert!(sim.pods[0].node.ends_with(".sum") && sim.pods[0].exit_code == Some(3), "{}", sim.report());
}

#[test]
fn retryable_exit_codes_are_retried_up_to_the_limit() {
    // A first run stores one partition; then its tee is corrupted, and a workflow of the outer
    // `sum` alone runs over the same objects: the job cannot decode its input, exit code 4.
    let bucket = scratch("retry").join("bucket");
    let simulator = Simulator::new(Path::new(PIPELINES)).param("partitions_count", "1");
    let first = simulator.run(&workflow(), &bucket).unwrap();
    assert!(first.succeeded(), "{}", first.report());
    let tee = bucket.join(format!("dagger/{}/{DAG}/sum_of_powers/output/0", first.uid));
    fs::write(&tee, "not json").unwrap();
    fs::remove_file(bucket.join(format!("dagger/{}/{DAG}/sum/output", first.uid))).unwrap();

    let mut only_sum = workflow();
    let root = template(&mut only_sum, "composite-map-reduce");
    root["dag"]["tasks"].as_array_mut().unwrap().retain(|t| t["name"] == "sum");
    root["dag"]["tasks"][0].as_object_mut().unwrap().remove("depends");
    template(&mut only_sum, "node-4in")["retryStrategy"] = json!({"limit": 2, "retryPolicy": "OnFailure",
        "expression": "asInt(lastRetry.exitCode) == 1 || asInt(lastRetry.exitCode) == 4"});
    let second = simulator.run(&only_sum, &bucket).unwrap();
    assert_eq!(second.phase, Phase::Failed);
    let attempts: Vec<(u32, Option<i32>)> = second.pods.iter().map(|p| (p.attempt, p.exit_code)).collect();
    assert_eq!(attempts, [(0, Some(4)), (1, Some(4)), (2, Some(4))], "{}", second.report());
}

#[test]
fn refused_features_are_errors_not_guesses() {
    let refuse = |change: &dyn Fn(&mut Value), what: &str| {
        let mut workflow = workflow();
        change(&mut workflow);
        let error =
            Simulator::new(Path::new(PIPELINES)).run(&workflow, &scratch("refused").join("bucket")).unwrap_err();
        assert!(error.contains(what), "{what}: {error}");
    };
    refuse(&|w| task(w, "composite-map-reduce", "sum")["withParam"] = json!("[1]"), "`withParam` is not simulated");
    refuse(&|w| task(w, "composite-map-reduce", "sum")["dependencies"] = json!(["partitions"]), "`dependencies`");
    refuse(&|w| task(w, "composite-map-reduce", "sum")["depends"] = json!("sum-of-powers && nope"), "`nope`");
    refuse(
        &|w| {
            template(w, "node-4in")["outputs"]["artifacts"][0]
                .as_object_mut()
                .unwrap()
                .remove("archive")
                .map(drop)
                .unwrap()
        },
        "tar.gz",
    );
    refuse(
        &|w| w["spec"]["volumes"][0] = json!({"name": "store", "persistentVolumeClaim": {"claimName": "x"}}),
        "`emptyDir`",
    );
    refuse(&|w| w["kind"] = json!("CronWorkflow"), "`Workflow`");
    let error = Simulator::new(Path::new(PIPELINES))
        .param("n", "3")
        .run(&workflow(), &scratch("refused").join("bucket"))
        .unwrap_err();
    assert!(error.contains("`n` is not a parameter"), "{error}");
}
