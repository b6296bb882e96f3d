//! Every `{{variable}}` in a string value resolves in its scope, as `argo lint` checks it, reduced
//! to the generator's vocabulary so that a typo the generator makes cannot hide behind a name
//! Argo would also accept for another reason:
//! - `workflow.uid`, `workflow.name`, `workflow.namespace`: everywhere;
//! - `workflow.parameters.X`: X is in `spec.arguments.parameters`;
//! - `inputs.parameters.X`: inside a template (its tasks and steps included) that declares X;
//! - `tasks.T.outputs.parameters.P`: in a task, T is a task of the same DAG that it waits for
//!   (through `depends` or `dependencies`, directly or not: Argo's task ancestry); in the rest
//!   of a DAG template (its outputs), any task of it; and T's template declares output P;
//! - `item` (or `item.K`): inside a task or step with `withSequence`, `withItems` or
//!   `withParam`, but not in that loop field itself, which is read before there are items.
//!
//! Anything else is an error, `{{=expression}}` tags and `steps.*` among them, and so is a
//! `{{` without its `}}`. Checked: the whole `WorkflowSpec` (templates, tasks and steps, every
//! string at any depth: args, artifact paths and keys, parameter values); not the manifest's
//! own metadata, which Argo does not substitute.

use std::collections::BTreeSet;

use serde_json::Value;

use super::model::{array, has, list, names, string, Dag, Spec, Template, LOOPS};
use super::pointer;

pub(super) fn check(spec: &Spec<'_>, errors: &mut Vec<String>) {
    let spec_scope = Scope { spec, template: None, tasks: Tasks::None, item: false };
    walk_fields(spec.value, spec.pointer, spec_scope, &["templates"], errors);
    for template in &spec.templates {
        let tasks = template.dag.as_ref().map_or(Tasks::None, Tasks::All);
        let scope = Scope { spec, template: Some(template), tasks, item: false };
        walk_fields(template.value, &template.pointer, scope, &["dag", "steps"], errors);
        if let (Some(dag_value), Some(dag)) = (template.value.get("dag"), &template.dag) {
            walk_fields(dag_value, &dag.pointer, scope, &["tasks"], errors);
            for task in &dag.tasks {
                let ancestors = dag.ancestors(task);
                let tasks = Tasks::Ancestors(dag, &ancestors);
                walk_holder(task.value, &task.pointer, Scope { tasks, ..scope }, errors);
            }
        }
        let steps_at = pointer::key(&template.pointer, "steps");
        for (i, parallel) in array(template.value, "steps").iter().enumerate() {
            for (j, step) in parallel.as_array().map_or(&[][..], Vec::as_slice).iter().enumerate() {
                let at = pointer::index(&pointer::index(&steps_at, i), j);
                walk_holder(step, &at, Scope { tasks: Tasks::None, ..scope }, errors);
            }
        }
    }
}

/// The tasks whose outputs a scope may read.
#[derive(Clone, Copy)]
enum Tasks<'s, 'a> {
    None,
    /// The DAG template's own fields (its outputs), read once every task has run.
    All(&'s Dag<'a>),
    /// A task: only the tasks it waits for.
    Ancestors(&'s Dag<'a>, &'s BTreeSet<&'a str>),
}

/// What a string may refer to where it stands.
#[derive(Clone, Copy)]
struct Scope<'s, 'a> {
    spec: &'s Spec<'a>,
    /// `None` outside templates.
    template: Option<&'s Template<'a>>,
    tasks: Tasks<'s, 'a>,
    item: bool,
}

impl Scope<'_, '_> {
    /// `Ok` when `tag` (trimmed, without braces) resolves here, else why not.
    fn resolve(&self, tag: &str) -> Result<(), String> {
        if tag.starts_with('=') {
            return Err("expression tags are outside the generator's vocabulary, so they are not checked".to_owned());
        }
        let parts: Vec<&str> = tag.split('.').collect();
        match parts[..] {
            ["workflow", "uid" | "name" | "namespace"] => Ok(()),
            ["workflow", "parameters", name] => {
                if self.spec.workflow_parameters.contains(name) {
                    Ok(())
                } else {
                    Err(format!("spec.arguments.parameters has no {name:?}"))
                }
            }
            ["inputs", "parameters", name] => match self.template {
                None => Err("only a template has inputs".to_owned()),
                Some(template) if names(template.input_parameters()).any(|declared| declared == name) => Ok(()),
                Some(template) => Err(format!("template {:?} declares no input parameter {name:?}", template.name)),
            },
            ["item", ..] if self.item => Ok(()),
            ["item", ..] => Err("{{item}} exists only in a task or step with withSequence, withItems or withParam, \
                                 and not in that loop field"
                .to_owned()),
            ["tasks", task, "outputs", "parameters", parameter] => self.task_output(task, parameter),
            _ => Err("it is not in the generator's vocabulary (workflow.uid, workflow.name, workflow.namespace, \
                      workflow.parameters.X, inputs.parameters.X, tasks.T.outputs.parameters.P, item)"
                .to_owned()),
        }
    }

    fn task_output(&self, name: &str, parameter: &str) -> Result<(), String> {
        let (dag, ancestors) = match self.tasks {
            Tasks::None => return Err("only a DAG template and its tasks can read a task's outputs".to_owned()),
            Tasks::All(dag) => (dag, None),
            Tasks::Ancestors(dag, ancestors) => (dag, Some(ancestors)),
        };
        let Some(task) = dag.task(name) else {
            return Err(format!("this DAG template has no task {name:?}"));
        };
        if ancestors.is_some_and(|ancestors| !ancestors.contains(name)) {
            return Err(format!("this task does not wait for task {name:?}; add it to depends"));
        }
        let declares = if let Some(template_name) = string(task.value, "template") {
            match self.spec.template(template_name) {
                Some(template) => template.declares_output_parameter(parameter),
                None => return Err(format!("task {name:?} runs template {template_name:?}, which does not exist")),
            }
        } else if let Some(inline) = task.value.get("inline") {
            names(list(inline, "outputs", "parameters")).any(|declared| declared == parameter)
        } else {
            return Err(format!("task {name:?} runs a templateRef, whose outputs cannot be checked here"));
        };
        if declares {
            Ok(())
        } else {
            Err(format!("the template of task {name:?} declares no output parameter {parameter:?}"))
        }
    }
}

/// A task or step: `{{item}}` is defined in it when it loops, except in its loop field.
fn walk_holder(holder: &Value, at: &str, scope: Scope<'_, '_>, errors: &mut Vec<String>) {
    let loops = LOOPS.iter().any(|key| has(holder, key));
    walk_fields(holder, at, Scope { item: loops, ..scope }, &LOOPS, errors);
    for key in LOOPS {
        if let Some(value) = holder.get(key) {
            walk(value, &pointer::key(at, key), Scope { item: false, ..scope }, errors);
        }
    }
}

/// The fields of the object `value` but those in `skip` (checked elsewhere, in another scope).
fn walk_fields(value: &Value, at: &str, scope: Scope<'_, '_>, skip: &[&str], errors: &mut Vec<String>) {
    if let Some(object) = value.as_object() {
        for (key, field) in object.iter().filter(|(key, _)| !skip.contains(&key.as_str())) {
            walk(field, &pointer::key(at, key), scope, errors);
        }
    }
}

/// Every string under `value`, at any depth.
fn walk(value: &Value, at: &str, scope: Scope<'_, '_>, errors: &mut Vec<String>) {
    match value {
        Value::String(text) => check_string(text, at, scope, errors),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &pointer::index(at, i), scope, errors);
            }
        }
        Value::Object(_) => walk_fields(value, at, scope, &[], errors),
        _ => {}
    }
}

fn check_string(text: &str, at: &str, scope: Scope<'_, '_>, errors: &mut Vec<String>) {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return errors.push(pointer::error(at, format!("'{{{{' without a closing '}}}}' in {text:?}")));
        };
        let tag = after[..end].trim();
        if let Err(why) = scope.resolve(tag) {
            errors.push(pointer::error(at, format!("{{{{{tag}}}}} does not resolve: {why}")));
        }
        rest = &after[end + 2..];
    }
}
