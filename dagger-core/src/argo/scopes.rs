//! DAG templates, one per DAG definition of the plan: each job a task (a seal is left out: the
//! job that reads a map's outputs lists them as it reads them), a nested DAG a task that calls
//! its definition's template with where its run is in the store.
//!
//! A nested DAG's template takes, as input parameters, the path of its run for the command line
//! (`path`), its folder in the store (`scope`), the store paths each of its arguments is read
//! from (`arg-NAME-I`) and those its output is written to again for the caller (`tee-I`). The
//! callers of one definition may read an argument from more or fewer paths (a stored output, or
//! a parameter the program has): each passes as many as the most, the rest paths under
//! `.absent` that no job writes, and optional artifacts skip.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Value};

use super::merge::merge;
use super::names::Unique;
use super::shapes::Shape;
use super::{ArgoError, Options};
use crate::graph::{JobKind, JobPlan, PlanJob, PlanScope};

/// How many store paths each input of a nested DAG's template carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Arity {
    args: BTreeMap<String, usize>,
    tee: usize,
}

/// Where a template's jobs are: the store paths of the scope's run and of its inputs, as
/// Argo expressions.
struct Context {
    folder: String,
    prefix: String,
    args: BTreeMap<String, Vec<String>>,
    tee: Vec<String>,
}

impl Context {
    fn root(plan: &JobPlan) -> Context {
        Context { folder: plan.dag.clone(), prefix: String::new(), args: BTreeMap::new(), tee: Vec::new() }
    }

    fn nested(arity: &Arity) -> Context {
        let param = |name: String| format!("{{{{inputs.parameters.{name}}}}}");
        Context {
            folder: param("scope".into()),
            prefix: format!("{}/", param("path".into())),
            args: arity
                .args
                .iter()
                .map(|(name, &n)| (name.clone(), (0..n).map(|i| param(format!("arg-{name}-{i}"))).collect()))
                .collect(),
            tee: (0..arity.tee).map(|i| param(format!("tee-{i}"))).collect(),
        }
    }

    /// The store paths a path of the plan stands for here, on the task's item.
    fn expand(&self, path: &str) -> Vec<String> {
        if let Some(name) = path.strip_prefix("{arg:").and_then(|rest| rest.strip_suffix('}')) {
            return self.args.get(name).cloned().unwrap_or_default();
        }
        if path == "{tee}" {
            return self.tee.clone();
        }
        vec![path.replace("{s}", &self.folder).replace("{p}", "{{item}}")]
    }

    fn expand_all<'a>(&self, paths: impl IntoIterator<Item = &'a String>) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for path in paths.into_iter().flat_map(|path| self.expand(path)) {
            if !all.contains(&path) {
                all.push(path);
            }
        }
        all
    }
}

/// The DAG templates (the root DAG's first) and then the container templates they use.
pub(super) fn templates(plan: &JobPlan, options: &Options) -> Result<Vec<Value>, ArgoError> {
    let mut unique = Unique::default();
    let names: HashMap<&str, String> = plan
        .scopes
        .iter()
        .enumerate()
        .map(|(i, scope)| {
            let wanted = if i == 0 { plan.dag.clone() } else { format!("dag-{}", scope.id) };
            (scope.id.as_str(), unique.name(&wanted))
        })
        .collect();
    let arities = arities(plan);
    let mut shapes = BTreeSet::new();
    let mut templates = Vec::new();
    for (i, scope) in plan.scopes.iter().enumerate() {
        let context = if i == 0 { Context::root(plan) } else { Context::nested(&arities[&scope.id]) };
        let writes_count: BTreeSet<&str> =
            scope.jobs.iter().filter_map(|job| job.per_partition_of.as_deref()).collect();
        let mut task_names = Unique::default();
        let ids: HashMap<&str, String> = scope
            .jobs
            .iter()
            .filter(|job| job.kind != JobKind::Seal)
            .map(|job| (job.id.as_str(), task_names.name(&job.id)))
            .collect();
        let mut tasks = Vec::new();
        for job in scope.jobs.iter().filter(|job| job.kind != JobKind::Seal) {
            let mut task = json!({ "name": ids[job.id.as_str()] });
            let depends = depends(scope, job, &ids);
            if !depends.is_empty() {
                task["depends"] = json!(depends.join(" && "));
            }
            if let Some(source) = &job.per_partition_of {
                task["withSequence"] =
                    json!({ "count": format!("{{{{tasks.{}.outputs.parameters.count}}}}", ids[source.as_str()]) });
            }
            if job.kind == JobKind::Dag {
                let callee = job.scope.as_deref().unwrap_or_default();
                task["template"] = json!(names[callee]);
                task["arguments"] = json!({ "parameters": call(&context, job, &arities[callee]) });
            } else {
                let reads = context.expand_all(&job.reads);
                let writes = context.expand_all(&job.writes);
                let shape = Shape {
                    inputs: reads.len(),
                    outputs: writes.len(),
                    counts: writes_count.contains(job.id.as_str()),
                    options: job.options,
                };
                let mut parameters =
                    vec![json!({ "name": "node", "value": format!("{}{}", context.prefix, job.node) })];
                if job.per_partition_of.is_some() {
                    parameters.push(json!({ "name": "partition", "value": "{{item}}" }));
                }
                parameters.extend(
                    reads.iter().enumerate().map(|(i, path)| json!({ "name": format!("in{i}"), "value": path })),
                );
                parameters.extend(
                    writes.iter().enumerate().map(|(i, path)| json!({ "name": format!("out{i}"), "value": path })),
                );
                task["template"] = json!(shape.name());
                task["arguments"] = json!({ "parameters": parameters });
                task_overrides(&mut task, plan, job)?;
                shapes.insert(shape);
            }
            tasks.push(task);
        }
        let mut template = json!({ "name": names[scope.id.as_str()], "dag": { "tasks": tasks } });
        if i > 0 {
            template["inputs"] = json!({ "parameters": inputs(&arities[&scope.id]) });
        }
        templates.push(template);
    }
    for shape in shapes {
        templates.push(shape.template(plan, options)?);
    }
    Ok(templates)
}

/// The tasks `job` depends on: the jobs it waits for, a seal standing for what it waits for.
fn depends(scope: &PlanScope, job: &PlanJob, ids: &HashMap<&str, String>) -> Vec<String> {
    let mut depends = Vec::new();
    let mut waits: Vec<&str> =
        job.after.iter().chain(&job.after_each).chain(&job.per_partition_of).map(String::as_str).collect();
    while let Some(id) = waits.pop() {
        match ids.get(id) {
            Some(name) if !depends.contains(name) => depends.push(name.clone()),
            Some(_) => {}
            None => {
                let seal = scope.jobs.iter().find(|other| other.id == id);
                waits.extend(seal.into_iter().flat_map(|seal| seal.after.iter().map(String::as_str)));
            }
        }
    }
    depends.sort();
    depends
}

/// The `argo_task` option of a job's node, merged into its task.
fn task_overrides(task: &mut Value, plan: &JobPlan, job: &PlanJob) -> Result<(), ArgoError> {
    let options = plan.options(job.options).map_err(|e| ArgoError::usage(e.to_string()))?;
    if let Some(extra) = options.argo_task {
        merge(task, Value::Object(extra), &format!("task {}", job.id)).map_err(ArgoError::usage)?;
    }
    Ok(())
}

/// The input parameters of a nested DAG's template.
fn inputs(arity: &Arity) -> Vec<Value> {
    let mut inputs = vec![json!({ "name": "path" }), json!({ "name": "scope" })];
    for (name, &n) in &arity.args {
        inputs.extend((0..n).map(|i| json!({ "name": format!("arg-{name}-{i}") })));
    }
    inputs.extend((0..arity.tee).map(|i| json!({ "name": format!("tee-{i}") })));
    inputs
}

/// The arguments of a task that runs a nested DAG's template.
fn call(context: &Context, job: &PlanJob, arity: &Arity) -> Vec<Value> {
    let path = job.path.as_deref().unwrap_or_default().replace("{p}", "{{item}}");
    let folder = context.expand(job.folder.as_deref().unwrap_or_default()).concat();
    let absent = |what: &str, i: usize| format!("{folder}/.absent/{what}-{i}");
    let mut arguments = vec![
        json!({ "name": "path", "value": format!("{}{path}", context.prefix) }),
        json!({ "name": "scope", "value": folder }),
    ];
    for (name, &n) in &arity.args {
        let paths = context.expand_all(job.args.get(name).into_iter().flatten());
        for i in 0..n {
            let value = paths.get(i).cloned().unwrap_or_else(|| absent(&format!("arg-{name}"), i));
            arguments.push(json!({ "name": format!("arg-{name}-{i}"), "value": value }));
        }
    }
    let tee = context.expand_all(&job.tee);
    for i in 0..arity.tee {
        let value = tee.get(i).cloned().unwrap_or_else(|| absent("tee", i));
        arguments.push(json!({ "name": format!("tee-{i}"), "value": value }));
    }
    arguments
}

/// How many paths each input of each nested DAG's template carries: the most any caller
/// passes. A caller inside a nested DAG passes its own inputs on, so this repeats until
/// nothing grows.
fn arities(plan: &JobPlan) -> HashMap<String, Arity> {
    let mut arities: HashMap<String, Arity> = HashMap::new();
    loop {
        let mut grew = false;
        for (i, scope) in plan.scopes.iter().enumerate() {
            let context = match i {
                0 => Context::root(plan),
                _ => Context::nested(&arities.get(&scope.id).cloned().unwrap_or_default()),
            };
            for job in scope.jobs.iter().filter(|job| job.kind == JobKind::Dag) {
                let callee = arities.entry(job.scope.clone().unwrap_or_default()).or_default();
                for (name, paths) in &job.args {
                    let n = context.expand_all(paths).len();
                    let arity = callee.args.entry(name.clone()).or_default();
                    if n > *arity {
                        *arity = n;
                        grew = true;
                    }
                }
                let tee = context.expand_all(&job.tee).len();
                if tee > callee.tee {
                    callee.tee = tee;
                    grew = true;
                }
            }
        }
        if !grew {
            return arities;
        }
    }
}
