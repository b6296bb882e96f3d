//! The Argo manifest checkers of `argo_checks/` on hand-written fixtures: the worked example of
//! `cluster-runtimes.md` §5.3 in its four kinds must pass every check, and each broken variant,
//! built here by changing one thing in the fixture, must fail with an error that names the spot
//! and the problem. A checker that passed everything would pass the first half; the second half
//! is what makes the first mean something.

mod argo_checks;

use argo_checks::schema_errors;
use serde_json::{json, Value};

const WORKFLOW: &str = include_str!("fixtures/argo/composite.workflow.json");
const WORKFLOW_TEMPLATE: &str = include_str!("fixtures/argo/composite.workflowtemplate.json");
const CLUSTER_WORKFLOW_TEMPLATE: &str = include_str!("fixtures/argo/composite.clusterworkflowtemplate.json");
const CRON_WORKFLOW: &str = include_str!("fixtures/argo/composite.cronworkflow.json");

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("a fixture is valid JSON")
}

fn workflow() -> Value {
    parse(WORKFLOW)
}

fn cron_workflow() -> Value {
    parse(CRON_WORKFLOW)
}

fn all_kinds() -> [(&'static str, Value); 4] {
    [
        ("Workflow", parse(WORKFLOW)),
        ("WorkflowTemplate", parse(WORKFLOW_TEMPLATE)),
        ("ClusterWorkflowTemplate", parse(CLUSTER_WORKFLOW_TEMPLATE)),
        ("CronWorkflow", parse(CRON_WORKFLOW)),
    ]
}

/// The `WorkflowSpec` of any of the four kinds.
fn spec_mut(manifest: &mut Value) -> &mut Value {
    if manifest["kind"] == "CronWorkflow" {
        &mut manifest["spec"]["workflowSpec"]
    } else {
        &mut manifest["spec"]
    }
}

fn templates_mut(manifest: &mut Value) -> &mut Vec<Value> {
    spec_mut(manifest)["templates"].as_array_mut().expect("the fixture has templates")
}

fn template_mut<'a>(manifest: &'a mut Value, name: &str) -> &'a mut Value {
    templates_mut(manifest).iter_mut().find(|t| t["name"] == name).expect("the fixture has this template")
}

fn task_mut<'a>(manifest: &'a mut Value, template: &str, task: &str) -> &'a mut Value {
    template_mut(manifest, template)["dag"]["tasks"]
        .as_array_mut()
        .expect("a DAG template")
        .iter_mut()
        .find(|t| t["name"] == task)
        .expect("the DAG has this task")
}

/// The one error of `errors`, which must start with `pointer` and contain every one of `needles`.
#[track_caller]
fn assert_one_error(errors: &[String], pointer: &str, needles: &[&str]) {
    assert_eq!(errors.len(), 1, "expected exactly one error, got {errors:#?}");
    assert_error(errors, pointer, needles);
}

/// Some error of `errors` starts with `pointer` and contains every one of `needles`.
#[track_caller]
fn assert_error(errors: &[String], pointer: &str, needles: &[&str]) {
    let found = errors.iter().any(|e| e.starts_with(&format!("{pointer}: ")) && needles.iter().all(|n| e.contains(n)));
    assert!(found, "no error at {pointer} mentioning {needles:?} in {errors:#?}");
}

// The worked example, four kinds.

#[test]
fn worked_example_passes_the_strict_schema_in_all_four_kinds() {
    for (kind, manifest) in all_kinds() {
        assert_eq!(manifest["kind"], kind);
        assert_eq!(schema_errors(&manifest), Vec::<String>::new(), "{kind}");
    }
}

#[test]
fn the_three_variants_carry_the_workflow_spec_unchanged() {
    let workflow = workflow();
    for (kind, mut manifest) in all_kinds().into_iter().skip(1) {
        assert_eq!(*spec_mut(&mut manifest), workflow["spec"], "{kind}");
        assert_eq!(manifest["metadata"]["name"], "composite", "{kind}");
        assert!(manifest["metadata"].get("generateName").is_none(), "{kind}");
        assert_eq!(manifest["metadata"]["labels"], workflow["metadata"]["labels"], "{kind}");
        assert_eq!(manifest["metadata"]["annotations"], workflow["metadata"]["annotations"], "{kind}");
    }
    let cron = cron_workflow();
    assert_eq!(cron["spec"]["schedules"], json!(["0 * * * *"]));
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
}

// The strict schema.

#[test]
fn a_misspelled_key_fails_the_strict_schema() {
    let mut manifest = workflow();
    let task = task_mut(&mut manifest, "composite", "sum");
    let depends = task.as_object_mut().expect("a task is an object").remove("depends").expect("sum has depends");
    task["dependancies"] = json!([depends]);
    assert_one_error(&schema_errors(&manifest), "/spec/templates/0/dag/tasks/2", &["dependancies"]);
}

#[test]
fn a_misspelled_key_deep_in_a_kubernetes_type_fails_the_strict_schema() {
    let mut manifest = workflow();
    template_mut(&mut manifest, "node-2in")["container"]["volumeMounts"][0]["mountpath"] = json!("/x");
    let errors = schema_errors(&manifest);
    assert_error(&errors, "/spec/templates/6/container/volumeMounts/0", &["mountpath"]);
}

#[test]
fn a_cron_workflow_with_schedule_instead_of_schedules_fails_the_strict_schema() {
    let mut manifest = cron_workflow();
    let spec = manifest["spec"].as_object_mut().expect("spec is an object");
    spec.remove("schedules");
    spec.insert("schedule".to_owned(), json!("0 * * * *"));
    let errors = schema_errors(&manifest);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_error(&errors, "/spec", &["'schedule' was unexpected"]);
    assert_error(&errors, "/spec", &["\"schedules\" is a required property"]);
}

#[test]
fn integers_pass_where_the_schema_types_int_or_string() {
    // The published schema types IntOrString as a string only; the fixture's
    // `activeDeadlineSeconds: 3600` already relies on the fix, and so does an integer limit.
    let mut manifest = workflow();
    template_mut(&mut manifest, "node-1in-o1")["retryStrategy"]["limit"] = json!(3);
    assert_eq!(schema_errors(&manifest), Vec::<String>::new());
    template_mut(&mut manifest, "node-1in-o1")["retryStrategy"]["limit"] = json!(true);
    assert_error(&schema_errors(&manifest), "/spec/templates/4/retryStrategy/limit", &["true"]);
}

#[test]
fn a_manifest_of_no_known_kind_is_one_schema_error() {
    let mut manifest = workflow();
    manifest["kind"] = json!("Pipeline");
    assert_one_error(&schema_errors(&manifest), "/kind", &["\"Pipeline\"", "CronWorkflow"]);
    assert_one_error(&schema_errors(&json!({})), "(root)", &["no \"kind\""]);
}
