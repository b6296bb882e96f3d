//! Part templates: Argo's CRDs take at most 200 tasks in one DAG template. A DAG template with
//! more is cut, in task order (an order its dependencies follow), into part templates of at
//! most [`PART`] tasks, called in turn by the template itself:
//!
//! - a part depends on the earlier parts its tasks depend on (a task waits for the whole of
//!   the part that holds what it reads: the cost of the cut);
//! - a partition count that a later part needs is exported by the part that holds its task
//!   (`outputs.parameters: count-TASK`) and passed to the later part as an input parameter;
//! - a part takes every input parameter of the template it is cut from.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::ArgoError;

/// The most tasks in one part: under Argo's 200, with room for what a user's overrides add.
const PART: usize = 190;

/// `templates` with each DAG template of more than 200 tasks cut into parts.
pub(super) fn split(templates: Vec<Value>) -> Result<Vec<Value>, ArgoError> {
    let mut out = Vec::new();
    let mut parts = Vec::new();
    for template in templates {
        let tasks = template["dag"]["tasks"].as_array().map_or(0, Vec::len);
        if tasks <= 200 {
            out.push(template);
            continue;
        }
        let (parent, cut) = cut(&template)?;
        out.push(parent);
        parts.extend(cut);
    }
    // Parts after the DAG templates, before the container templates: where they are read.
    let at = out.iter().position(|t| t.get("dag").is_none()).unwrap_or(out.len());
    out.splice(at..at, parts);
    Ok(out)
}

/// The tasks a task depends on, by name.
fn depends_on(task: &Value) -> Vec<String> {
    task["depends"].as_str().map_or_else(Vec::new, |d| d.split(" && ").map(str::to_string).collect())
}

/// The task whose partition count `task` runs once per, if any.
fn counted_by(task: &Value) -> Option<String> {
    let count = task["withSequence"]["count"].as_str()?;
    let name = count.strip_prefix("{{tasks.")?.strip_suffix(".outputs.parameters.count}}")?;
    Some(name.to_string())
}

/// `template` as a template that calls its parts, and the parts.
fn cut(template: &Value) -> Result<(Value, Vec<Value>), ArgoError> {
    let name = template["name"].as_str().unwrap_or_default();
    let tasks = template["dag"]["tasks"].as_array().cloned().unwrap_or_default();
    let chunks: Vec<Vec<Value>> = tasks.chunks(PART).map(<[Value]>::to_vec).collect();
    let part_of = |task: &str| chunks.iter().position(|chunk| chunk.iter().any(|t| t["name"] == task));
    let inputs: Vec<Value> = template["inputs"]["parameters"].as_array().cloned().unwrap_or_default();
    // The counts each part needs from earlier parts.
    let mut needs: Vec<BTreeSet<String>> = vec![BTreeSet::new(); chunks.len()];
    let mut after: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); chunks.len()];
    for (k, chunk) in chunks.iter().enumerate() {
        for task in chunk {
            for other in depends_on(task).into_iter().chain(counted_by(task)) {
                let j =
                    part_of(&other).ok_or_else(|| ArgoError::usage(format!("`{other}` is not a task of {name}")))?;
                if j < k {
                    after[k].insert(j);
                }
            }
            if let Some(counter) = counted_by(task).filter(|c| part_of(c) != Some(k)) {
                needs[k].insert(counter);
            }
        }
    }
    let part_name = |k: usize| format!("{name}-part-{}", k + 1);
    let mut parts = Vec::new();
    let mut calls = Vec::new();
    for (k, chunk) in chunks.iter().enumerate() {
        let mut tasks = Vec::new();
        for task in chunk {
            let mut task = task.clone();
            let kept: Vec<String> = depends_on(&task).into_iter().filter(|d| part_of(d) == Some(k)).collect();
            match kept.is_empty() {
                true => drop(task.as_object_mut().map(|t| t.remove("depends"))),
                false => task["depends"] = json!(kept.join(" && ")),
            }
            if let Some(counter) = counted_by(&task).filter(|c| part_of(c) != Some(k)) {
                task["withSequence"]["count"] = json!(format!("{{{{inputs.parameters.count-{counter}}}}}"));
            }
            tasks.push(task);
        }
        let exported: Vec<Value> = needs
            .iter()
            .flatten()
            .filter(|counter| part_of(counter) == Some(k))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|counter| {
                let from = format!("{{{{tasks.{counter}.outputs.parameters.count}}}}");
                json!({ "name": format!("count-{counter}"), "valueFrom": { "parameter": from } })
            })
            .collect();
        let mut parameters = inputs.clone();
        parameters.extend(needs[k].iter().map(|counter| json!({ "name": format!("count-{counter}") })));
        let mut part = json!({ "name": part_name(k), "dag": { "tasks": tasks } });
        if !parameters.is_empty() {
            part["inputs"] = json!({ "parameters": parameters });
        }
        if !exported.is_empty() {
            part["outputs"] = json!({ "parameters": exported });
        }
        parts.push(part);
        // The call of part k: the template's own inputs passed on, and the counts it needs.
        let mut arguments: Vec<Value> = inputs
            .iter()
            .map(|p| {
                let n = p["name"].as_str().unwrap_or_default();
                json!({ "name": n, "value": format!("{{{{inputs.parameters.{n}}}}}") })
            })
            .collect();
        for counter in &needs[k] {
            let j = part_of(counter).unwrap_or(0);
            let value = format!("{{{{tasks.{}.outputs.parameters.count-{counter}}}}}", part_name(j));
            arguments.push(json!({ "name": format!("count-{counter}"), "value": value }));
        }
        let mut call = json!({ "name": part_name(k), "template": part_name(k) });
        let depends: Vec<String> = after[k].iter().map(|&j| part_name(j)).collect();
        if !depends.is_empty() {
            call["depends"] = json!(depends.join(" && "));
        }
        if !arguments.is_empty() {
            call["arguments"] = json!({ "parameters": arguments });
        }
        calls.push(call);
    }
    let mut parent = template.clone();
    parent["dag"]["tasks"] = Value::Array(calls);
    Ok((parent, parts))
}
