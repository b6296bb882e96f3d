//! The Argo manifest checkers of `argo_checks/` on hand-written fixtures: the worked example of
//! `cluster-runtimes.md` §5.3 in its four kinds must pass every check, and each broken variant,
//! built here by changing one thing in the fixture, must fail with an error that names the spot
//! and the problem. A checker that passed everything would pass the first half; the second half
//! is what makes the first mean something.

mod argo_checks;

use argo_checks::{crd_errors, schema_errors, size_report, SizeReport};
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
fn worked_example_passes_the_crd_rules_in_all_four_kinds() {
    for (kind, manifest) in all_kinds() {
        assert_eq!(crd_errors(&manifest), Vec::<String>::new(), "{kind}");
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

#[test]
fn size_report_counts_compact_bytes_tasks_and_templates() {
    // 7,655 bytes is what the spec measured on the same document with Python's compact dump.
    assert_eq!(size_report(&workflow()), SizeReport { compact_bytes: 7655, dag_tasks: 6, templates: 7 });
    let cron = size_report(&cron_workflow());
    assert_eq!((cron.dag_tasks, cron.templates), (6, 7));
    assert_eq!(size_report(&json!(null)), SizeReport { compact_bytes: 4, dag_tasks: 0, templates: 0 });
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
    assert_one_error(&crd_errors(&manifest), "/kind", &["\"Pipeline\""]);
    assert_one_error(&schema_errors(&json!({})), "(root)", &["no \"kind\""]);
}

// CRD rules: names and limits.

#[test]
fn more_than_200_templates_fail() {
    let mut manifest = workflow();
    let copy = template_mut(&mut manifest, "node-2in").clone();
    // 7 + 193 = 200 is the limit, and passes.
    for i in 0..193 {
        let mut template = copy.clone();
        template["name"] = json!(format!("node-2in-copy-{i}"));
        templates_mut(&mut manifest).push(template);
    }
    assert_eq!(crd_errors(&manifest), Vec::<String>::new());
    let mut template = copy;
    template["name"] = json!("node-2in-copy-193");
    templates_mut(&mut manifest).push(template);
    assert_one_error(&crd_errors(&manifest), "/spec/templates", &["201 templates", "at most 200"]);
}

#[test]
fn a_dag_template_needs_1_to_200_tasks() {
    let mut manifest = workflow();
    let tasks = template_mut(&mut manifest, "composite")["dag"]["tasks"].as_array_mut().expect("tasks");
    let chunks = tasks[0].clone();
    for i in 3..200 {
        let mut task = chunks.clone();
        task["name"] = json!(format!("chunks-{i}"));
        tasks.push(task);
    }
    assert_eq!(crd_errors(&manifest), Vec::<String>::new());
    let mut task = chunks;
    task["name"] = json!("chunks-200");
    template_mut(&mut manifest, "composite")["dag"]["tasks"].as_array_mut().expect("tasks").push(task);
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks", &["201 tasks", "1 to 200"]);

    let mut manifest = workflow();
    template_mut(&mut manifest, "dag-sum-of-powers")["dag"]["tasks"] = json!([]);
    assert_one_error(&crd_errors(&manifest), "/spec/templates/1/dag/tasks", &["0 tasks"]);
}

#[test]
fn more_than_500_input_parameters_fail() {
    let mut manifest = workflow();
    let parameters = template_mut(&mut manifest, "node-2in")["inputs"]["parameters"].as_array_mut().expect("inputs");
    for i in 0..(501 - 5) {
        parameters.push(json!({"name": format!("extra-{i}"), "default": ""}));
    }
    assert_one_error(&crd_errors(&manifest), "/spec/templates/6/inputs/parameters", &["501 parameters"]);
}

#[test]
fn task_and_template_names_follow_the_crd_pattern_and_length() {
    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum")["name"] = json!("sum_total");
    assert_one_error(
        &crd_errors(&manifest),
        "/spec/templates/0/dag/tasks/2/name",
        &["\"sum_total\"", "does not match"],
    );

    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum")["name"] = json!("s".repeat(129));
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks/2/name", &["129 characters", "at most 128"]);

    let mut manifest = workflow();
    let copy = template_mut(&mut manifest, "node-2in").clone();
    templates_mut(&mut manifest).push(copy);
    assert_one_error(&crd_errors(&manifest), "/spec/templates/7/name", &["\"node-2in\"", "not unique"]);
}

#[test]
fn parameter_and_artifact_names_follow_the_crd_patterns() {
    let mut manifest = workflow();
    let node_2in = template_mut(&mut manifest, "node-2in");
    node_2in["inputs"]["parameters"].as_array_mut().expect("inputs").push(json!({"name": "in 2", "default": ""}));
    assert_one_error(&crd_errors(&manifest), "/spec/templates/6/inputs/parameters/5/name", &["\"in 2\""]);

    let mut manifest = workflow();
    template_mut(&mut manifest, "node-2in")["outputs"]["artifacts"][0]["name"] = json!("out/0");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/6/outputs/artifacts/0/name", &["\"out/0\""]);
    // Braces and dots are allowed in artifact names, not in parameter names.
    template_mut(&mut manifest, "node-2in")["outputs"]["artifacts"][0]["name"] = json!("out.{0}");
    assert_eq!(crd_errors(&manifest), Vec::<String>::new());
}

#[test]
fn metadata_names_are_at_most_63_characters_and_52_for_a_cron_workflow() {
    let mut manifest = workflow();
    manifest["metadata"]["generateName"] = json!("g".repeat(63));
    assert_eq!(crd_errors(&manifest), Vec::<String>::new());
    manifest["metadata"]["generateName"] = json!("g".repeat(64));
    assert_one_error(&crd_errors(&manifest), "/metadata/generateName", &["64 characters", "at most 63"]);

    let mut manifest = parse(WORKFLOW_TEMPLATE);
    manifest["metadata"]["name"] = json!("t".repeat(64));
    assert_one_error(&crd_errors(&manifest), "/metadata/name", &["WorkflowTemplate", "at most 63"]);

    let mut manifest = cron_workflow();
    manifest["metadata"]["name"] = json!("c".repeat(52));
    assert_eq!(crd_errors(&manifest), Vec::<String>::new());
    manifest["metadata"]["name"] = json!("c".repeat(53));
    assert_one_error(&crd_errors(&manifest), "/metadata/name", &["53 characters", "at most 52"]);

    let mut manifest = workflow();
    manifest["metadata"].as_object_mut().expect("metadata").remove("generateName");
    assert_one_error(&crd_errors(&manifest), "/metadata", &["neither name nor generateName"]);
}

#[test]
fn a_cron_workflow_needs_a_schedule() {
    let mut manifest = cron_workflow();
    manifest["spec"]["schedules"] = json!([]);
    assert_one_error(&crd_errors(&manifest), "/spec/schedules", &["at least one schedule"]);
}

// CRD rules: one of a kind.

#[test]
fn a_template_has_exactly_one_type() {
    let mut manifest = workflow();
    template_mut(&mut manifest, "node-2in")["script"] = json!({"image": "x", "source": "true"});
    assert_one_error(&crd_errors(&manifest), "/spec/templates/6", &["container and script"]);

    let mut manifest = workflow();
    template_mut(&mut manifest, "node-2in").as_object_mut().expect("template").remove("container");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/6", &["no type"]);
}

#[test]
fn deadlines_are_refused_on_dag_templates() {
    let mut manifest = workflow();
    template_mut(&mut manifest, "composite")["activeDeadlineSeconds"] = json!(3600);
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/activeDeadlineSeconds", &["leaf templates"]);

    let mut manifest = workflow();
    template_mut(&mut manifest, "dag-sum-of-powers")["timeout"] = json!("1h");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/1/timeout", &["dag or steps"]);
    // An empty timeout is no timeout (the CEL rule checks `t.timeout != ""`).
    template_mut(&mut manifest, "dag-sum-of-powers")["timeout"] = json!("");
    assert_eq!(crd_errors(&manifest), Vec::<String>::new());
}

#[test]
fn with_sequence_has_count_or_end_and_a_task_loops_one_way() {
    let mut manifest = workflow();
    task_mut(&mut manifest, "dag-sum-of-powers", "raise")["withSequence"]["end"] = json!("3");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/1/dag/tasks/1/withSequence", &["count and end"]);

    let mut manifest = workflow();
    task_mut(&mut manifest, "dag-sum-of-powers", "raise")["withItems"] = json!([1, 2]);
    assert_one_error(&crd_errors(&manifest), "/spec/templates/1/dag/tasks/1", &["withSequence and withItems"]);
}

#[test]
fn an_artifact_has_at_most_one_location() {
    let mut manifest = workflow();
    template_mut(&mut manifest, "node-2in")["inputs"]["artifacts"][1]["gcs"] = json!({"key": "k"});
    assert_one_error(&crd_errors(&manifest), "/spec/templates/6/inputs/artifacts/1", &["s3, gcs", "at most one"]);
}

#[test]
fn output_parameters_take_their_value_as_the_template_type_allows() {
    // §5.1: a nested DAG returning a partitioned output exports its inner source's count.
    let mut manifest = workflow();
    template_mut(&mut manifest, "dag-sum-of-powers")["outputs"] = json!({"parameters": [
        {"name": "count", "valueFrom": {"parameter": "{{tasks.numbers-up-to.outputs.parameters.count}}"}}
    ]});
    assert_eq!(crd_errors(&manifest), Vec::<String>::new());

    template_mut(&mut manifest, "dag-sum-of-powers")["outputs"]["parameters"][0]["valueFrom"] =
        json!({"path": "/dagger/count"});
    assert_one_error(
        &crd_errors(&manifest),
        "/spec/templates/1/outputs/parameters/0/valueFrom",
        &["dag template", "valueFrom.parameter"],
    );

    let mut manifest = workflow();
    template_mut(&mut manifest, "node-0in-parts")["outputs"]["parameters"][0]["value"] = json!("3");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/2/outputs/parameters/0", &["both value and valueFrom"]);
}

// CRD and validate.go rules of DAG tasks.

#[test]
fn a_task_name_starting_with_a_digit_fails_in_a_dag_with_dependencies() {
    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum")["name"] = json!("2sum");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks/2/name", &["\"2sum\"", "digit"]);
}

#[test]
fn depends_and_dependencies_are_not_mixed() {
    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum")["dependencies"] = json!(["sum-of-powers"]);
    assert_one_error(
        &crd_errors(&manifest),
        "/spec/templates/0/dag/tasks/2/dependencies",
        &["both depends and dependencies"],
    );

    // `validate.go` refuses the mix in one DAG template, not only within one task.
    let mut manifest = workflow();
    let sum = task_mut(&mut manifest, "composite", "sum");
    sum.as_object_mut().expect("task").remove("depends");
    sum["dependencies"] = json!(["sum-of-powers"]);
    assert_one_error(
        &crd_errors(&manifest),
        "/spec/templates/0/dag/tasks/2/dependencies",
        &["other tasks", "use depends"],
    );
}

#[test]
fn continue_on_is_refused_with_depends() {
    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum")["continueOn"] = json!({"failed": true});
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks/2/continueOn", &["continueOn", "depends"]);
}

#[test]
fn depends_names_only_tasks_of_its_dag() {
    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum")["depends"] = json!("sum-of-power");
    assert_one_error(
        &crd_errors(&manifest),
        "/spec/templates/0/dag/tasks/2/depends",
        &["\"sum-of-power\"", "not a task"],
    );

    // A task of another DAG template does not count.
    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum")["depends"] = json!("sum-of-powers && raise");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks/2/depends", &["\"raise\"", "\"composite\""]);
}

#[test]
fn depends_expressions_are_parsed_with_results_and_operators() {
    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum")["depends"] =
        json!("(sum-of-powers.Succeeded || sum-of-powers.Skipped) && !chunks.Failed || sum-of-powers.AnySucceeded");
    assert_eq!(crd_errors(&manifest), Vec::<String>::new());

    for (depends, needle) in [
        ("sum-of-powers &&", "ends where a task name is expected"),
        ("(sum-of-powers", "unclosed '('"),
        ("sum-of-powers chunks", "unexpected task name \"chunks\""),
        ("sum-of-powers.Finished", "\"Finished\""),
        ("sum-of-powers, chunks", "unexpected character ','"),
    ] {
        task_mut(&mut manifest, "composite", "sum")["depends"] = json!(depends);
        assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks/2/depends", &["does not parse", needle]);
    }

    // `.AnySucceeded` counts items: `chunks` runs once.
    task_mut(&mut manifest, "composite", "sum")["depends"] = json!("sum-of-powers && chunks.AnySucceeded");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks/2/depends", &["chunks.AnySucceeded"]);

    // Hostile nesting is an error, not a stack overflow.
    let deep = format!("{}chunks{}", "(".repeat(10_000), ")".repeat(10_000));
    task_mut(&mut manifest, "composite", "sum")["depends"] = json!(deep);
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks/2/depends", &["nests deeper"]);
}

#[test]
fn tasks_that_wait_for_each_other_in_a_cycle_fail() {
    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "chunks")["depends"] = json!("sum");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks", &["chunks, sum-of-powers, sum", "cycle"]);
}

// References to templates and their inputs.

#[test]
fn a_task_runs_a_template_of_the_spec() {
    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum")["template"] = json!("node-3in");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks/2/template", &["\"node-3in\""]);

    let mut manifest = workflow();
    spec_mut(&mut manifest)["entrypoint"] = json!("composit");
    assert_one_error(&crd_errors(&manifest), "/spec/entrypoint", &["\"composit\""]);
}

#[test]
fn a_task_gives_every_input_the_template_needs_and_no_other() {
    let mut manifest = workflow();
    let chunks = task_mut(&mut manifest, "composite", "chunks");
    chunks["arguments"]["parameters"].as_array_mut().expect("arguments").retain(|p| p["name"] != "out");
    assert_one_error(
        &crd_errors(&manifest),
        "/spec/templates/0/dag/tasks/0",
        &["template \"node-0in-parts\"", "input parameter \"out\""],
    );

    let mut manifest = workflow();
    let chunks = task_mut(&mut manifest, "composite", "chunks");
    chunks["arguments"]["parameters"].as_array_mut().expect("arguments").push(json!({"name": "in0", "value": "x"}));
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks/0/arguments/parameters/2", &["\"in0\""]);

    // An input with a default needs no argument: `partition` of every node template.
    let mut manifest = workflow();
    template_mut(&mut manifest, "node-2in")["inputs"]["artifacts"].as_array_mut().expect("artifacts").push(json!({
        "name": "in2", "path": "/dagger/in2"
    }));
    assert_one_error(&crd_errors(&manifest), "/spec/templates/0/dag/tasks/2", &["input artifact \"in2\""]);
}

#[test]
fn the_entrypoint_gets_its_inputs_from_the_workflow_arguments() {
    let mut manifest = workflow();
    template_mut(&mut manifest, "composite")["inputs"] = json!({"parameters": [{"name": "n"}, {"name": "limit"}]});
    assert_one_error(&crd_errors(&manifest), "/spec/entrypoint", &["\"limit\"", "spec.arguments.parameters"]);
}

#[test]
fn workflow_arguments_need_values_but_template_arguments_may_wait_for_submission() {
    let mut manifest = workflow();
    spec_mut(&mut manifest)["arguments"]["parameters"][0].as_object_mut().expect("parameter").remove("value");
    assert_one_error(&crd_errors(&manifest), "/spec/arguments/parameters/0", &["\"n\"", "neither value nor valueFrom"]);

    let mut manifest = parse(WORKFLOW_TEMPLATE);
    spec_mut(&mut manifest)["arguments"]["parameters"][0].as_object_mut().expect("parameter").remove("value");
    assert_eq!(crd_errors(&manifest), Vec::<String>::new());
}

// Variables.

#[test]
fn an_undeclared_input_parameter_does_not_resolve() {
    let mut manifest = workflow();
    template_mut(&mut manifest, "node-0in-parts")["container"]["args"][1] = json!("{{inputs.parameters.pth}}");
    assert_one_error(
        &crd_errors(&manifest),
        "/spec/templates/2/container/args/1",
        &["{{inputs.parameters.pth}}", "\"node-0in-parts\""],
    );

    // In a task, `inputs` are those of the DAG template the task is in.
    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "chunks")["arguments"]["parameters"][1]["value"] =
        json!("{{inputs.parameters.scope}}/chunks/output");
    assert_one_error(
        &crd_errors(&manifest),
        "/spec/templates/0/dag/tasks/0/arguments/parameters/1/value",
        &["{{inputs.parameters.scope}}", "\"composite\""],
    );
}

#[test]
fn variables_are_found_in_every_string_of_a_template() {
    // An artifact key, inside a nested object, with spaces inside the braces as Argo allows.
    let mut manifest = workflow();
    template_mut(&mut manifest, "node-2in")["outputs"]["artifacts"][0]["s3"]["key"] =
        json!("dagger/{{workflow.uid}}/{{ inputs.parameters.ot }}");
    assert_one_error(
        &crd_errors(&manifest),
        "/spec/templates/6/outputs/artifacts/0/s3/key",
        &["{{inputs.parameters.ot}}"],
    );
}

#[test]
fn a_workflow_parameter_must_be_declared() {
    let mut manifest = workflow();
    template_mut(&mut manifest, "node-2in")["container"]["args"][7] = json!("n={{workflow.parameters.m}}");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/6/container/args/7", &["{{workflow.parameters.m}}"]);
}

#[test]
fn item_exists_only_in_a_looping_task_and_not_in_its_loop() {
    let mut manifest = workflow();
    task_mut(&mut manifest, "dag-sum-of-powers", "raise").as_object_mut().expect("task").remove("withSequence");
    let errors = crd_errors(&manifest);
    // `partition`, `out` and `in0` of `raise` use the item.
    assert_eq!(errors.len(), 3, "{errors:#?}");
    for i in [1, 2, 3] {
        assert_error(&errors, &format!("/spec/templates/1/dag/tasks/1/arguments/parameters/{i}/value"), &["{{item}}"]);
    }

    let mut manifest = workflow();
    task_mut(&mut manifest, "dag-sum-of-powers", "raise")["withSequence"]["count"] = json!("{{item}}");
    assert_one_error(&crd_errors(&manifest), "/spec/templates/1/dag/tasks/1/withSequence/count", &["{{item}}"]);
}

#[test]
fn a_task_output_resolves_only_from_a_task_waited_for_that_declares_it() {
    let mut manifest = workflow();
    task_mut(&mut manifest, "dag-sum-of-powers", "raise")["withSequence"]["count"] =
        json!("{{tasks.numbers-up-to.outputs.parameters.cnt}}");
    assert_one_error(
        &crd_errors(&manifest),
        "/spec/templates/1/dag/tasks/1/withSequence/count",
        &["\"numbers-up-to\"", "no output parameter \"cnt\""],
    );

    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum-of-powers").as_object_mut().expect("task").remove("depends");
    assert_one_error(
        &crd_errors(&manifest),
        "/spec/templates/0/dag/tasks/1/withSequence/count",
        &["does not wait for task \"chunks\""],
    );

    // Waiting through another task is enough (Argo's task ancestry): sum waits for chunks
    // through sum-of-powers.
    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum")["arguments"]["parameters"][0]["value"] =
        json!("sum-{{tasks.chunks.outputs.parameters.count}}");
    assert_eq!(crd_errors(&manifest), Vec::<String>::new());

    let mut manifest = workflow();
    task_mut(&mut manifest, "composite", "sum")["depends"] = json!("sum-of-powers && chunk");
    task_mut(&mut manifest, "composite", "sum")["arguments"]["parameters"][0]["value"] =
        json!("{{tasks.chunk.outputs.parameters.count}}");
    let errors = crd_errors(&manifest);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_error(&errors, "/spec/templates/0/dag/tasks/2/depends", &["\"chunk\""]);
    assert_error(&errors, "/spec/templates/0/dag/tasks/2/arguments/parameters/0/value", &["no task \"chunk\""]);
}

#[test]
fn tags_outside_the_vocabulary_and_unclosed_braces_fail() {
    for (text, needle) in [
        ("{{workflow.creationTimestamp}}", "vocabulary"),
        ("{{steps.a.outputs.result}}", "vocabulary"),
        ("{{=asInt(inputs.parameters.node)}}", "expression tags"),
        ("{{inputs.parameters.node", "without a closing"),
    ] {
        let mut manifest = workflow();
        template_mut(&mut manifest, "node-2in")["container"]["args"][1] = json!(text);
        assert_one_error(&crd_errors(&manifest), "/spec/templates/6/container/args/1", &[needle]);
    }
    // Outside templates only workflow variables resolve.
    let mut manifest = workflow();
    spec_mut(&mut manifest)["arguments"]["parameters"][0]["value"] = json!("{{inputs.parameters.n}}");
    assert_one_error(&crd_errors(&manifest), "/spec/arguments/parameters/0/value", &["only a template has inputs"]);
}

// Malformed input: errors, never a panic.

#[test]
fn malformed_manifests_give_errors_not_panics() {
    let bad = [
        json!(null),
        json!([]),
        json!({"kind": "Workflow"}),
        json!({"kind": "CronWorkflow", "metadata": {"name": "c"}, "spec": {}}),
        json!({"kind": "Workflow", "metadata": {"name": 7}, "spec": {"templates": "x", "entrypoint": 1}}),
        json!({"kind": "Workflow", "metadata": {"name": "w"}, "spec": {"entrypoint": "a", "templates": [
            7,
            {"name": "a", "dag": {"tasks": {"name": "t"}}},
            {"name": "b", "dag": {"tasks": [null, {"name": 3, "depends": 4, "dependencies": "x"}, {"template": []}]}},
            {"name": "c", "steps": [[{"name": "s", "template": "zz"}], "x"], "inputs": {"parameters": [{}]}},
        ]}}),
    ];
    for manifest in bad {
        assert!(!schema_errors(&manifest).is_empty(), "{manifest}");
        assert!(!crd_errors(&manifest).is_empty(), "{manifest}");
        let _ = size_report(&manifest);
    }
}
