//! Names that refer to other names, which Argo resolves when it validates a spec
//! (`validate.go`, `validateDAG` and `validateTemplateHolder`):
//! - `entrypoint` names a template (required on a Workflow or CronWorkflow), and
//!   `spec.arguments` gives every input parameter that template needs;
//! - every task's and step's `template` names a template of the spec (one of `template`,
//!   `templateRef`, `inline`); its arguments give every input parameter the template declares
//!   without `default`, `value` or `valueFrom`, and every input artifact that is neither
//!   `optional` nor located; they give no parameter or artifact the template does not declare;
//! - in a DAG template: every name in a task's `depends` (an expression: see `depends.rs`) or
//!   `dependencies` is a task of the same DAG; `.AnySucceeded` and `.AllFailed` only on a task
//!   that loops; the tasks wait for each other without a cycle;
//! - the DAG-template-wide rules of the CRD and `validate.go`: once one task uses `depends`, no
//!   task uses `dependencies` or `continueOn`, and no task name starts with a digit (nor that of
//!   a task with `dependencies`).

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::depends::ITEM_RESULTS;
use super::kind::Kind;
use super::model::{array, has, list, names, string, Dag, Spec, Template};
use super::pointer;

/// What makes an input artifact present without an argument.
const ARTIFACT_SOURCES: [&str; 12] =
    ["s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure", "plugin", "from", "fromExpression"];

pub(super) fn check(spec: &Spec<'_>, errors: &mut Vec<String>) {
    check_entrypoint(spec, errors);
    for template in &spec.templates {
        if let Some(dag) = &template.dag {
            check_dag(spec, template, dag, errors);
        }
        let steps_at = pointer::key(&template.pointer, "steps");
        for (i, parallel) in array(template.value, "steps").iter().enumerate() {
            for (j, step) in parallel.as_array().map_or(&[][..], Vec::as_slice).iter().enumerate() {
                check_holder(spec, step, &pointer::index(&pointer::index(&steps_at, i), j), errors);
            }
        }
    }
}

fn check_entrypoint(spec: &Spec<'_>, errors: &mut Vec<String>) {
    let at = pointer::key(spec.pointer, "entrypoint");
    let Some(entrypoint) = string(spec.value, "entrypoint") else {
        // A WorkflowTemplate may leave the entrypoint to the Workflow that runs it.
        let needs_one =
            matches!(spec.kind, Kind::Workflow | Kind::CronWorkflow) && !has(spec.value, "workflowTemplateRef");
        if needs_one {
            errors.push(pointer::error(spec.pointer, "no entrypoint: a Workflow needs one to know what to run"));
        }
        return;
    };
    let Some(template) = spec.template(entrypoint) else {
        return errors.push(pointer::error(&at, format!("entrypoint {entrypoint:?} is not a template of the spec")));
    };
    let given: BTreeSet<&str> = spec.workflow_parameters.iter().copied().collect();
    for needed in required_parameters(template.input_parameters()) {
        if !given.contains(needed) {
            errors.push(pointer::error(
                &at,
                format!(
                    "the entrypoint template {entrypoint:?} needs input parameter {needed:?}, which \
                     spec.arguments.parameters does not give"
                ),
            ));
        }
    }
}

fn check_dag(spec: &Spec<'_>, template: &Template<'_>, dag: &Dag<'_>, errors: &mut Vec<String>) {
    let uses_depends = dag.tasks.iter().any(|task| task.depends.is_some());
    for task in &dag.tasks {
        let depends_at = pointer::key(&task.pointer, "depends");
        if task.name.starts_with(|c: char| c.is_ascii_digit()) && (uses_depends || !task.dependencies.is_empty()) {
            errors.push(pointer::error(
                &pointer::key(&task.pointer, "name"),
                format!(
                    "task name {:?} begins with a digit, which Argo refuses in a DAG that uses depends or \
                     dependencies",
                    task.name
                ),
            ));
        }
        if uses_depends && has(task.value, "dependencies") {
            let why = if task.depends.is_some() {
                "the task has both depends and dependencies"
            } else {
                "other tasks of this DAG template use depends; depends and dependencies cannot be mixed"
            };
            errors.push(pointer::error(&pointer::key(&task.pointer, "dependencies"), why));
        }
        if uses_depends && has(task.value, "continueOn") {
            errors.push(pointer::error(
                &pointer::key(&task.pointer, "continueOn"),
                "continueOn cannot be used in a DAG template that uses depends; write `task.Failed` in depends \
                 instead",
            ));
        }
        match &task.depends {
            Some(Err(why)) => errors.push(pointer::error(
                &depends_at,
                format!("depends {:?} does not parse: {why}", string(task.value, "depends").unwrap_or("")),
            )),
            Some(Ok(refs)) => {
                for reference in refs {
                    match dag.task(reference.task) {
                        None => errors.push(pointer::error(
                            &depends_at,
                            format!(
                                "depends names {:?}, which is not a task of the DAG template {:?}",
                                reference.task, template.name
                            ),
                        )),
                        Some(upstream) => {
                            if let Some(result) = reference.result.filter(|r| ITEM_RESULTS.contains(r)) {
                                if !upstream.loops {
                                    errors.push(pointer::error(
                                        &depends_at,
                                        format!(
                                            "{}.{result} counts items, but task {:?} has no withItems, withParam \
                                             or withSequence",
                                            reference.task, reference.task
                                        ),
                                    ));
                                }
                            }
                        }
                    }
                }
            }
            None => {}
        }
        for (i, name) in task.dependencies.iter().enumerate() {
            if dag.task(name).is_none() {
                errors.push(pointer::error(
                    &pointer::index(&pointer::key(&task.pointer, "dependencies"), i),
                    format!("dependencies names {name:?}, which is not a task of the DAG template {:?}", template.name),
                ));
            }
        }
        check_holder(spec, task.value, &task.pointer, errors);
    }
    check_cycles(dag, errors);
}

/// A task or a step: the template it runs, and its arguments against that template's inputs.
fn check_holder(spec: &Spec<'_>, holder: &Value, at: &str, errors: &mut Vec<String>) {
    let ways: Vec<&str> = ["template", "templateRef", "inline"].into_iter().filter(|key| has(holder, key)).collect();
    if ways.len() != 1 {
        let found = if ways.is_empty() { "none".to_owned() } else { ways.join(" and ") };
        return errors.push(pointer::error(
            at,
            format!("a task or step needs exactly one of template, templateRef or inline; found {found}"),
        ));
    }
    let (parameters, artifacts, called) = if let Some(name) = string(holder, "template") {
        let Some(template) = spec.template(name) else {
            return errors.push(pointer::error(
                &pointer::key(at, "template"),
                format!("template {name:?} is not a template of the spec"),
            ));
        };
        (template.input_parameters(), template.input_artifacts(), format!("template {name:?}"))
    } else if let Some(inline) = holder.get("inline") {
        (list(inline, "inputs", "parameters"), list(inline, "inputs", "artifacts"), "the inline template".to_owned())
    } else {
        // A templateRef names a template of another WorkflowTemplate, which is not at hand.
        return;
    };
    let arguments = holder.get("arguments").unwrap_or(&Value::Null);
    let given: BTreeSet<&str> = names(array(arguments, "parameters")).collect();
    for needed in required_parameters(parameters) {
        if !given.contains(needed) {
            errors.push(pointer::error(
                at,
                format!("{called} needs input parameter {needed:?}, and the arguments do not give it"),
            ));
        }
    }
    let given_artifacts: BTreeSet<&str> = names(array(arguments, "artifacts")).collect();
    for artifact in artifacts {
        let optional = artifact.get("optional").and_then(Value::as_bool).unwrap_or(false);
        let located = ARTIFACT_SOURCES.iter().any(|key| has(artifact, key));
        if let Some(name) =
            string(artifact, "name").filter(|name| !optional && !located && !given_artifacts.contains(name))
        {
            errors.push(pointer::error(
                at,
                format!("{called} needs input artifact {name:?}, and the arguments do not give it"),
            ));
        }
    }
    for (list_key, declared) in [("parameters", parameters), ("artifacts", artifacts)] {
        let declared: BTreeSet<&str> = names(declared).collect();
        let list_at = pointer::key(&pointer::key(at, "arguments"), list_key);
        for (i, argument) in array(arguments, list_key).iter().enumerate() {
            if let Some(name) = string(argument, "name").filter(|name| !declared.contains(name)) {
                errors.push(pointer::error(
                    &pointer::index(&list_at, i),
                    format!("argument {name:?} is not an input {list_key} entry of {called}"),
                ));
            }
        }
    }
}

/// The input parameters that need an argument: no `default`, `value` nor `valueFrom`.
fn required_parameters(parameters: &[Value]) -> impl Iterator<Item = &str> {
    parameters
        .iter()
        .filter(|p| !["default", "value", "valueFrom"].iter().any(|key| has(p, key)))
        .filter_map(|p| string(p, "name"))
}

/// Peels off tasks that nothing waits for or that wait for nothing, until none is left; those
/// left wait for each other in a cycle (or sit between two cycles), which Argo refuses.
fn check_cycles(dag: &Dag<'_>, errors: &mut Vec<String>) {
    let upstream: HashMap<usize, BTreeSet<usize>> = dag
        .tasks
        .iter()
        .enumerate()
        .map(|(i, task)| (i, task.upstream().into_iter().filter_map(|name| dag.by_name.get(name).copied()).collect()))
        .collect();
    let mut left: BTreeSet<usize> = (0..dag.tasks.len()).collect();
    loop {
        let peel: Vec<usize> = left
            .iter()
            .copied()
            .filter(|i| {
                let waits = upstream[i].iter().any(|u| left.contains(u));
                let awaited = left.iter().any(|d| upstream[d].contains(i));
                !waits || !awaited
            })
            .collect();
        if peel.is_empty() {
            break;
        }
        peel.iter().for_each(|i| {
            left.remove(i);
        });
    }
    if !left.is_empty() {
        let names: Vec<&str> = left.iter().map(|&i| dag.tasks[i].name).collect();
        errors.push(pointer::error(
            &pointer::key(&dag.pointer, "tasks"),
            format!("tasks {} wait for each other in a cycle", names.join(", ")),
        ));
    }
}
