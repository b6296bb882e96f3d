//! The rules the API server applies to one object at a time, beyond the JSON schema: the CRD's
//! limits, name patterns and CEL rules (`workflow_types.go` at v4.1.2) and the shape checks of
//! `validate.go` that go with them. Rules between objects (names that refer to others) are in
//! `references.rs`, variables in `variables.rs`; this module runs all three.
//!
//! - metadata `name` (or `generateName`) is set and at most 63 characters, 52 for a CronWorkflow;
//!   a CronWorkflow has at least one schedule;
//! - at most 200 templates; at most 500 parameters in any `inputs` or `arguments`;
//! - template, task and step names match `^[a-zA-Z0-9][-a-zA-Z0-9]*$`, at most 128 characters,
//!   unique in their list; parameter names match `^[-a-zA-Z0-9_]+$`, artifact names
//!   `^[-a-zA-Z0-9_{}.]+$`, unique in their list;
//! - exactly one template type per template (the CEL rule says at most one, `validate.go` at
//!   least one);
//! - no `activeDeadlineSeconds`, nor a non-empty `timeout`, on a `dag` or `steps` template;
//! - a DAG has 1..=200 tasks;
//! - a task or step loops over at most one of `withItems`, `withParam`, `withSequence`, and a
//!   `withSequence` has not both `count` and `end`;
//! - an artifact has at most one location (`s3`, `gcs`, `http`, ...);
//! - an argument parameter has a `value` or `valueFrom` (`spec.arguments` of a WorkflowTemplate
//!   or ClusterWorkflowTemplate may leave it to submission);
//! - an output parameter has exactly one of `value` and `valueFrom`, and a `valueFrom` that fits
//!   the template: `path` for container and script templates, `parameter` or `expression` for
//!   DAG and steps templates.

use std::collections::HashSet;

use serde_json::Value;

use super::kind::Kind;
use super::model::{self, array, has, string, Spec};
use super::pointer;
use super::{references, variables};

const MAX_TEMPLATES: usize = 200;
const MAX_TASKS: usize = 200;
const MAX_PARAMETERS: usize = 500;
const MAX_NAME: usize = 128;

/// Every template type `Template` has; the CEL rule counts these keys.
pub(super) const TEMPLATE_TYPES: [&str; 10] =
    ["container", "script", "dag", "steps", "resource", "suspend", "containerSet", "data", "http", "plugin"];

/// Every artifact location; the CEL rule on `ArtifactLocation` counts these keys.
const ARTIFACT_LOCATIONS: [&str; 10] =
    ["s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure", "plugin"];

pub(super) fn check(manifest: &Value, errors: &mut Vec<String>) {
    let kind = match Kind::of(manifest) {
        Ok(kind) => kind,
        Err(error) => return errors.push(error),
    };
    check_metadata(kind, manifest, errors);
    if kind == Kind::CronWorkflow && array(&manifest["spec"], "schedules").is_empty() {
        errors.push(pointer::error("/spec/schedules", "a CronWorkflow needs at least one schedule"));
    }
    let Some(spec_value) = kind.workflow_spec(manifest) else {
        return errors
            .push(pointer::error(kind.spec_pointer(), format!("a {} needs a WorkflowSpec here", kind.name())));
    };
    let spec = Spec::new(kind, spec_value);
    check_spec(&spec, errors);
    references::check(&spec, errors);
    variables::check(&spec, errors);
}

fn check_metadata(kind: Kind, manifest: &Value, errors: &mut Vec<String>) {
    let metadata = &manifest["metadata"];
    let names: Vec<(&str, &str)> =
        ["name", "generateName"].into_iter().filter_map(|key| Some((key, string(metadata, key)?))).collect();
    if names.is_empty() {
        errors.push(pointer::error("/metadata", "neither name nor generateName is set"));
    }
    for (key, name) in names {
        if name.len() > kind.max_name_len() {
            errors.push(pointer::error(
                &pointer::key("/metadata", key),
                format!(
                    "{name:?} is {} characters; a {} name may have at most {}",
                    name.len(),
                    kind.name(),
                    kind.max_name_len()
                ),
            ));
        }
    }
}

fn check_spec(spec: &Spec<'_>, errors: &mut Vec<String>) {
    let templates_pointer = pointer::key(spec.pointer, "templates");
    if spec.templates.len() > MAX_TEMPLATES {
        errors.push(pointer::error(
            &templates_pointer,
            format!("{} templates; the CRD allows at most {MAX_TEMPLATES}", spec.templates.len()),
        ));
    }
    check_unique_names(array(spec.value, "templates"), &templates_pointer, "template", errors);
    // A WorkflowTemplate's parameters may be given at submission (`validate.go`'s
    // `allowEmptyValues`); a Workflow's must have a value now.
    let require_values = matches!(spec.kind, Kind::Workflow | Kind::CronWorkflow);
    check_arguments(spec.value, spec.pointer, require_values, errors);
    for template in &spec.templates {
        check_template(template.value, &template.pointer, errors);
    }
}

fn check_template(template: &Value, at: &str, errors: &mut Vec<String>) {
    check_field_name(template, at, "template", errors);
    let types: Vec<&str> = TEMPLATE_TYPES.into_iter().filter(|key| has(template, key)).collect();
    match types.len() {
        0 => errors.push(pointer::error(
            at,
            format!("the template has no type; it needs exactly one of {}", TEMPLATE_TYPES.join(", ")),
        )),
        1 => {}
        _ => {
            errors.push(pointer::error(at, format!("the template has {} types; it may have one", types.join(" and "))))
        }
    }
    let non_leaf = has(template, "dag") || has(template, "steps");
    if non_leaf && has(template, "activeDeadlineSeconds") {
        errors.push(pointer::error(
            &pointer::key(at, "activeDeadlineSeconds"),
            "activeDeadlineSeconds is only valid on leaf templates, not on a dag or steps template",
        ));
    }
    if non_leaf && template.get("timeout").is_some_and(|t| !t.is_null() && t.as_str() != Some("")) {
        errors
            .push(pointer::error(&pointer::key(at, "timeout"), "timeout cannot be applied to a dag or steps template"));
    }
    for section in ["inputs", "outputs"] {
        let section_at = pointer::key(at, section);
        if let Some(section_value) = template.get(section) {
            // The CRD caps `inputs.parameters` at 500, not outputs.
            check_parameters(section_value, &section_at, section == "inputs", errors);
            check_artifacts(section_value, &section_at, errors);
        }
    }
    check_output_parameters(template, &types, at, errors);
    if let Some(dag) = template.get("dag") {
        check_dag(dag, &pointer::key(at, "dag"), errors);
    }
    let steps_at = pointer::key(at, "steps");
    for (i, parallel) in array(template, "steps").iter().enumerate() {
        let Some(steps) = parallel.as_array() else { continue };
        let parallel_at = pointer::index(&steps_at, i);
        for (j, step) in steps.iter().enumerate() {
            let step_at = pointer::index(&parallel_at, j);
            check_field_name(step, &step_at, "step", errors);
            check_loop(step, &step_at, errors);
            check_arguments(step, &step_at, true, errors);
        }
        check_unique_names(steps, &parallel_at, "step", errors);
    }
}

fn check_dag(dag: &Value, at: &str, errors: &mut Vec<String>) {
    let tasks = array(dag, "tasks");
    let tasks_at = pointer::key(at, "tasks");
    if tasks.is_empty() || tasks.len() > MAX_TASKS {
        errors.push(pointer::error(
            &tasks_at,
            format!("{} tasks; the CRD allows 1 to {MAX_TASKS} per DAG template", tasks.len()),
        ));
    }
    check_unique_names(tasks, &tasks_at, "task", errors);
    for (i, task) in tasks.iter().enumerate() {
        let task_at = pointer::index(&tasks_at, i);
        check_field_name(task, &task_at, "task", errors);
        check_loop(task, &task_at, errors);
        check_arguments(task, &task_at, true, errors);
    }
}

fn check_loop(task: &Value, at: &str, errors: &mut Vec<String>) {
    let loops: Vec<&str> = model::LOOPS.into_iter().filter(|key| has(task, key)).collect();
    if loops.len() > 1 {
        errors.push(pointer::error(at, format!("{} together; only one of them can be specified", loops.join(" and "))));
    }
    if let Some(sequence) = task.get("withSequence") {
        if has(sequence, "count") && has(sequence, "end") {
            errors.push(pointer::error(
                &pointer::key(at, "withSequence"),
                "both count and end; only one of them can be defined",
            ));
        }
    }
}

/// `holder["arguments"]`, of the spec, a task or a step: names, limits, values, artifacts.
fn check_arguments(holder: &Value, at: &str, require_values: bool, errors: &mut Vec<String>) {
    let Some(arguments) = holder.get("arguments") else { return };
    let arguments_at = pointer::key(at, "arguments");
    // The CRD caps only `inputs.parameters`; arguments are capped too, as the spec says, since
    // a task's arguments feed a template's inputs one for one.
    check_parameters(arguments, &arguments_at, true, errors);
    check_artifacts(arguments, &arguments_at, errors);
    if require_values {
        let parameters_at = pointer::key(&arguments_at, "parameters");
        for (i, parameter) in array(arguments, "parameters").iter().enumerate() {
            if !has(parameter, "value") && !has(parameter, "valueFrom") {
                errors.push(pointer::error(
                    &pointer::index(&parameters_at, i),
                    format!("argument {:?} has neither value nor valueFrom", string(parameter, "name").unwrap_or("")),
                ));
            }
        }
    }
}

/// `section["parameters"]` of inputs, outputs or arguments; `capped` for those with a limit.
fn check_parameters(section: &Value, at: &str, capped: bool, errors: &mut Vec<String>) {
    let parameters = array(section, "parameters");
    let parameters_at = pointer::key(at, "parameters");
    if capped && parameters.len() > MAX_PARAMETERS {
        errors.push(pointer::error(
            &parameters_at,
            format!("{} parameters; at most {MAX_PARAMETERS} are allowed", parameters.len()),
        ));
    }
    check_unique_names(parameters, &parameters_at, "parameter", errors);
    for (i, parameter) in parameters.iter().enumerate() {
        if let Some(name) = string(parameter, "name") {
            if !is_parameter_name(name) {
                errors.push(pointer::error(
                    &pointer::key(&pointer::index(&parameters_at, i), "name"),
                    format!("parameter name {name:?} does not match ^[-a-zA-Z0-9_]+$"),
                ));
            }
        }
    }
}

/// `section["artifacts"]` of inputs, outputs or arguments.
fn check_artifacts(section: &Value, at: &str, errors: &mut Vec<String>) {
    let artifacts = array(section, "artifacts");
    let artifacts_at = pointer::key(at, "artifacts");
    check_unique_names(artifacts, &artifacts_at, "artifact", errors);
    for (i, artifact) in artifacts.iter().enumerate() {
        let artifact_at = pointer::index(&artifacts_at, i);
        if let Some(name) = string(artifact, "name") {
            if !is_artifact_name(name) {
                errors.push(pointer::error(
                    &pointer::key(&artifact_at, "name"),
                    format!("artifact name {name:?} does not match ^[-a-zA-Z0-9_{{}}.]+$"),
                ));
            }
        }
        let locations: Vec<&str> = ARTIFACT_LOCATIONS.into_iter().filter(|key| has(artifact, key)).collect();
        if locations.len() > 1 {
            errors.push(pointer::error(
                &artifact_at,
                format!(
                    "{} locations ({}); at most one artifact location can be specified",
                    locations.len(),
                    locations.join(", ")
                ),
            ));
        }
    }
}

fn check_output_parameters(template: &Value, types: &[&str], at: &str, errors: &mut Vec<String>) {
    let parameters_at = pointer::key(&pointer::key(at, "outputs"), "parameters");
    for (i, parameter) in model::list(template, "outputs", "parameters").iter().enumerate() {
        let parameter_at = pointer::index(&parameters_at, i);
        let name = string(parameter, "name").unwrap_or("");
        match (has(parameter, "value"), parameter.get("valueFrom").filter(|v| !v.is_null())) {
            (true, Some(_)) => errors.push(pointer::error(
                &parameter_at,
                format!("output parameter {name:?} has both value and valueFrom; choose one"),
            )),
            (false, None) => errors.push(pointer::error(
                &parameter_at,
                format!("output parameter {name:?} has neither value nor valueFrom"),
            )),
            (true, None) => {}
            (false, Some(value_from)) => {
                let needs: &[&str] = match types {
                    ["container" | "script" | "containerSet"] => &["path"],
                    ["dag" | "steps"] => &["parameter", "expression"],
                    _ => &[],
                };
                if !needs.is_empty() && !needs.iter().any(|key| has(value_from, key)) {
                    errors.push(pointer::error(
                        &pointer::key(&parameter_at, "valueFrom"),
                        format!(
                            "output parameter {name:?} of a {} template needs valueFrom.{}",
                            types[0],
                            needs.join(" or valueFrom.")
                        ),
                    ));
                }
            }
        }
    }
}

/// The name rule of templates, tasks and steps: the CRD's pattern and length, and present.
fn check_field_name(value: &Value, at: &str, what: &str, errors: &mut Vec<String>) {
    let name_at = pointer::key(at, "name");
    match string(value, "name") {
        None => errors.push(pointer::error(at, format!("the {what} has no name"))),
        Some(name) => {
            if name.len() > MAX_NAME {
                errors.push(pointer::error(
                    &name_at,
                    format!("{what} name is {} characters; at most {MAX_NAME} are allowed", name.len()),
                ));
            }
            if !is_field_name(name) {
                errors.push(pointer::error(
                    &name_at,
                    format!("{what} name {name:?} does not match ^[a-zA-Z0-9][-a-zA-Z0-9]*$"),
                ));
            }
        }
    }
}

/// Names in one list must differ: Argo merges lists by name (`patchMergeKey`), so a duplicate
/// would silently replace the other.
fn check_unique_names(items: &[Value], at: &str, what: &str, errors: &mut Vec<String>) {
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(name) = string(item, "name") {
            if !seen.insert(name) {
                errors.push(pointer::error(
                    &pointer::key(&pointer::index(at, i), "name"),
                    format!("{what} name {name:?} is not unique in its list"),
                ));
            }
        }
    }
}

/// `^[a-zA-Z0-9][-a-zA-Z0-9]*$`
pub(super) fn is_field_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphanumeric()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// `^[-a-zA-Z0-9_]+$`
fn is_parameter_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `^[-a-zA-Z0-9_{}.]+$`
fn is_artifact_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_{}.".contains(c))
}
