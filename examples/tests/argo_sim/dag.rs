//! A DAG template's run: its tasks in the order their `depends` allow, each expanded by its
//! `withSequence` and calling a template with its arguments; then the DAG's phase and outputs.
//!
//! The simulator runs one pod at a time, in a reproducible order that `depends` allows: in
//! waves, each wave the tasks that are ready together (Argo starts them side by side), the
//! latest declared first. A generator declares tasks in topological order, so a task that
//! lacks a `depends` on an earlier task runs before it here, and fails on its missing input as
//! it would on Argo; declaration order would hide the bug.
//!
//! **Phases**, as Argo's (`workflow/controller/dag.go`): a task runs once every task its
//! `depends` names has ended and the expression is true, else it is Omitted. A plain name `a`
//! means `(a.Succeeded || a.Skipped || a.Daemoned)`, so a skipped producer lets its consumers
//! run. A `withSequence` of 0 items makes the task Skipped with no pod ("Skipped, empty
//! params"). A task of several items fails if one of them does.
//!
//! **Scopes.** A task sees its DAG's inputs, the `workflow.*` globals, and the output
//! parameters of the tasks it descends from through `depends`, not of the others: Argo gives a
//! task its ancestors' outputs only, so a task that reads a count without depending on its
//! producer is an unresolved variable here, as it is there. A task of several items sees the
//! output parameter of another such task as the JSON list of its items' values.
//!
//! **failFast** (Argo's default, `dag.failFast` unset or true): once a task of a DAG failed, no
//! new task of that DAG starts (nor a new item of the failed task's sequence) and the DAG
//! fails; a failure inside a nested DAG fails the task that called it, so when every DAG is
//! fail-fast nothing new starts anywhere. Argo lets the tasks already running finish, among them
//! the other items of a sequence, which it starts together; one pod at a time, there are none.
//! With `failFast: false` the DAG goes on, and fails if a leaf task's branch failed (an Omitted
//! task inherits the failure of the tasks it depends on, as in Argo's `assessDAGPhase`).
//!
//! **Refused** (an error, not a guess): `dependencies` (the generator emits `depends`),
//! `withItems`, `withParam`, `when`, `continueOn`, `onExit`, `hooks`, `templateRef`, `inline`,
//! `dag.target`, `withSequence.format`, artifacts as arguments or as a DAG's inputs or outputs.

use std::collections::BTreeMap;

use serde_json::Value;

use super::call::{Interpreter, Outcome};
use super::expr::{self, Expr, Val};
use super::vars::{substitute, substitute_json, Defer, Scope};
use super::Phase;

const TASK_FIELDS: &[&str] = &["name", "template", "arguments", "depends", "withSequence"];

/// The results `depends` may ask of a task (`a.Succeeded`), and `""` for a plain name.
const RESULTS: &[&str] =
    &["", "Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed"];

/// One task of a DAG template, checked.
struct Task<'a> {
    name: &'a str,
    template: &'a str,
    value: &'a Value,
    depends: Option<Expr>,
    /// The tasks its `depends` names.
    after: Vec<&'a str>,
}

/// How a task ended.
struct Done {
    phase: Phase,
    /// The phases of its items, when it has a `withSequence`.
    items: Vec<Phase>,
    /// Its output parameters; for a task of several items, the JSON list of the items' values.
    outputs: BTreeMap<String, String>,
}

/// The tasks of `dag`, checked: known fields, unique names, `depends` parsed and naming other
/// tasks of the DAG.
fn tasks_of(dag: &Value) -> Result<Vec<Task<'_>>, String> {
    let values = dag.get("tasks").and_then(Value::as_array).ok_or("`dag.tasks` is not a list")?;
    let mut tasks: Vec<Task> = Vec::new();
    for value in values {
        let name = value.get("name").and_then(Value::as_str).ok_or("a task has no name")?;
        let context = |e: String| format!("task `{name}`: {e}");
        let fields = value.as_object().ok_or_else(|| context("not an object".into()))?;
        // Hooks with none in them change nothing.
        let empty_hooks = |k: &str| k == "hooks" && fields[k].as_object().is_some_and(|hooks| hooks.is_empty());
        if let Some(key) = fields.keys().find(|k| !TASK_FIELDS.contains(&k.as_str()) && !empty_hooks(k)) {
            return Err(context(format!("`{key}` is not simulated")));
        }
        if tasks.iter().any(|t| t.name == name) {
            return Err(format!("two tasks are named `{name}`"));
        }
        let template = value.get("template").and_then(Value::as_str).ok_or_else(|| context("no `template`".into()))?;
        let depends = match value.get("depends") {
            None => None,
            Some(Value::String(text)) => Some(expr::parse(text).map_err(|e| context(format!("`depends`: {e}")))?),
            Some(other) => return Err(context(format!("`depends` is {other}, not text"))),
        };
        let mut after: Vec<&str> = Vec::new();
        for reference in depends.iter().flat_map(Expr::names) {
            let (dependency, result) = reference.split_once('.').unwrap_or((reference, ""));
            if !RESULTS.contains(&result) {
                return Err(context(format!("`depends` reads `{reference}`, an unknown result")));
            }
            let names = values.iter().filter_map(|v| v.get("name").and_then(Value::as_str));
            let Some(dependency) = names.clone().find(|n| *n == dependency && *n != name) else {
                return Err(context(format!("`depends` names `{dependency}`, no other task of the DAG")));
            };
            if !after.contains(&dependency) {
                after.push(dependency);
            }
        }
        tasks.push(Task { name, template, value, depends, after });
    }
    Ok(tasks)
}

/// Whether `task`'s `depends` lets it run, given how the tasks it names ended.
fn depends_allows(task: &Task, done: &BTreeMap<&str, Done>) -> Result<bool, String> {
    let Some(depends) = &task.depends else { return Ok(true) };
    let lookup = |reference: &str| -> Result<Val, String> {
        let (dependency, result) = reference.split_once('.').unwrap_or((reference, ""));
        let state = &done[dependency];
        let is = |phase: Phase| state.phase == phase;
        Ok(Val::Bool(match result {
            // Argo's reading of a plain name; nothing here is daemoned.
            "" => is(Phase::Succeeded) || is(Phase::Skipped),
            "Succeeded" => is(Phase::Succeeded),
            "Failed" => is(Phase::Failed),
            "Errored" => is(Phase::Errored),
            "Skipped" => is(Phase::Skipped),
            "Omitted" => is(Phase::Omitted),
            "AnySucceeded" => state.items.contains(&Phase::Succeeded),
            "AllFailed" => !state.items.is_empty() && state.items.iter().all(|p| *p == Phase::Failed),
            _ => false,
        }))
    };
    match depends.eval(&lookup)? {
        Val::Bool(run) => Ok(run),
        other => Err(format!("`depends` gives {other:?}, not a boolean")),
    }
}

/// `scope` with the output parameters of the tasks `names`.
fn with_outputs<'t>(scope: &Scope, names: impl IntoIterator<Item = &'t str>, done: &BTreeMap<&str, Done>) -> Scope {
    let mut scope = scope.clone();
    for name in names {
        for (output, value) in &done[name].outputs {
            scope.set(format!("tasks.{name}.outputs.parameters.{output}"), value.clone());
        }
    }
    scope
}

/// The tasks `task` descends from through `depends`.
fn ancestors<'a>(task: &Task<'a>, tasks: &[Task<'a>]) -> Vec<&'a str> {
    let mut found: Vec<&str> = Vec::new();
    let mut stack = task.after.clone();
    while let Some(name) = stack.pop() {
        if !found.contains(&name) {
            found.push(name);
            stack.extend(tasks.iter().filter(|t| t.name == name).flat_map(|t| t.after.iter().copied()));
        }
    }
    found
}

/// The items of a `withSequence`, as text: `count` gives "0".."count-1" (from `start` if
/// given); `start`..=`end` counts up or down, as Argo's `expandSequence`.
fn sequence(sequence: &Value) -> Result<Vec<String>, String> {
    let number = |field: &str| -> Result<Option<i64>, String> {
        match sequence.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| format!("`withSequence.{field}` is {n}")),
            Some(Value::String(s)) => {
                s.trim().parse().map(Some).map_err(|_| format!("`withSequence.{field}` is `{s}`, not a number"))
            }
            Some(other) => Err(format!("`withSequence.{field}` is {other}, not a number")),
        }
    };
    if sequence.get("format").is_some() {
        return Err("`withSequence.format` is not simulated".into());
    }
    match (number("count")?, number("start")?, number("end")?) {
        (Some(_), _, Some(_)) => Err("`withSequence` has both `count` and `end`".into()),
        (Some(count), _, None) if count < 0 => Err(format!("`withSequence.count` is {count}")),
        (Some(count), start, None) => {
            let start = start.unwrap_or(0);
            Ok((start..start + count).map(|i| i.to_string()).collect())
        }
        (None, start, Some(end)) => {
            let start = start.unwrap_or(0);
            Ok(match start <= end {
                true => (start..=end).map(|i| i.to_string()).collect(),
                false => (end..=start).rev().map(|i| i.to_string()).collect(),
            })
        }
        (None, _, None) => Err("`withSequence` has neither `count` nor `end`".into()),
    }
}

/// A task's arguments, as name and value.
fn arguments(task: &Value) -> Result<Vec<(String, String)>, String> {
    if task.pointer("/arguments/artifacts").is_some() {
        return Err("artifacts as arguments are not simulated".into());
    }
    let mut out = Vec::new();
    for parameter in task.pointer("/arguments/parameters").and_then(Value::as_array).into_iter().flatten() {
        let name = parameter.get("name").and_then(Value::as_str).ok_or("an argument has no name")?;
        let value = match parameter.get("value") {
            Some(Value::String(s)) => s.clone(),
            Some(other @ (Value::Number(_) | Value::Bool(_))) => other.to_string(),
            Some(other) => return Err(format!("argument `{name}` is {other}, not text")),
            None => return Err(format!("argument `{name}` has no `value` (`valueFrom` is not simulated)")),
        };
        out.push((name.to_string(), value));
    }
    Ok(out)
}

/// The phase of a DAG that went on after a failure (`failFast: false`): the first failure
/// among its leaf tasks' branches, an Omitted task taking the failure of what it depends on.
fn assess(tasks: &[Task], done: &BTreeMap<&str, Done>) -> Phase {
    fn branch(name: &str, tasks: &[Task], done: &BTreeMap<&str, Done>) -> Phase {
        match done[name].phase {
            Phase::Omitted => tasks
                .iter()
                .filter(|t| t.name == name)
                .flat_map(|t| t.after.iter())
                .map(|a| branch(a, tasks, done))
                .find(|p| p.failed())
                .unwrap_or(Phase::Succeeded),
            phase => phase,
        }
    }
    let leaves = tasks.iter().filter(|t| !tasks.iter().any(|o| o.after.contains(&t.name)));
    leaves.map(|t| branch(t.name, tasks, done)).find(|p| p.failed()).unwrap_or(Phase::Succeeded)
}

impl<'a> Interpreter<'a> {
    /// Runs the DAG template `template`, called as node `node` with the inputs in `scope`.
    pub(super) fn run_dag(
        &mut self,
        node: &str,
        name: &str,
        template: &'a Value,
        scope: &Scope,
    ) -> Result<Outcome, String> {
        let context = |e: String| format!("{node} (template `{name}`): {e}");
        let dag = &template["dag"];
        for refused in ["/dag/target", "/inputs/artifacts", "/outputs/artifacts"] {
            if template.pointer(refused).is_some() {
                return Err(context(format!("`{}` is not simulated", &refused[1..].replace('/', "."))));
            }
        }
        let fail_fast = dag.get("failFast").and_then(Value::as_bool).unwrap_or(true);
        let tasks = tasks_of(dag).map_err(context)?;
        let mut done: BTreeMap<&str, Done> = BTreeMap::new();
        let mut failed = false;
        // In waves: the tasks ready at once, as Argo starts them together; the latest declared
        // first, so that a task missing a `depends` on an earlier one runs before it and fails.
        loop {
            let ready = |t: &&Task| !done.contains_key(t.name) && t.after.iter().all(|a| done.contains_key(a));
            let wave: Vec<&Task> = tasks.iter().filter(ready).collect();
            if wave.is_empty() {
                break;
            }
            for task in wave.into_iter().rev() {
                if failed && fail_fast {
                    break;
                }
                let task_context = |e: String| context(format!("task `{}`: {e}", task.name));
                let task_node = format!("{node}.{}", task.name);
                let state = if depends_allows(task, &done).map_err(task_context)? {
                    let scope = with_outputs(scope, ancestors(task, &tasks), &done);
                    self.run_task(&task_node, task, &scope, fail_fast).map_err(task_context)?
                } else {
                    let index = self.start(task_node, task.template);
                    self.end(index, Phase::Omitted, "omitted: depends condition not met");
                    Done { phase: Phase::Omitted, items: Vec::new(), outputs: BTreeMap::new() }
                };
                failed |= state.phase.failed();
                done.insert(task.name, state);
            }
            if failed && fail_fast {
                break;
            }
        }
        if failed && fail_fast {
            return Ok(Outcome { phase: Phase::Failed, outputs: BTreeMap::new() });
        }
        if let Some(stuck) = tasks.iter().find(|t| !done.contains_key(t.name)) {
            return Err(context(format!("task `{}` can never run: its `depends` form a cycle", stuck.name)));
        }
        let phase = assess(&tasks, &done);
        if phase.failed() {
            return Ok(Outcome { phase, outputs: BTreeMap::new() });
        }

        // The DAG's outputs, `valueFrom.parameter`, from the outputs of any of its tasks.
        let all = with_outputs(scope, tasks.iter().map(|t| t.name), &done);
        let mut outputs = BTreeMap::new();
        for parameter in template.pointer("/outputs/parameters").and_then(Value::as_array).into_iter().flatten() {
            let output =
                parameter.get("name").and_then(Value::as_str).ok_or_else(|| context("an output has no name".into()))?;
            let context = |e: String| context(format!("output `{output}`: {e}"));
            let from = parameter
                .pointer("/valueFrom/parameter")
                .and_then(Value::as_str)
                .ok_or_else(|| context("only `valueFrom.parameter` is simulated in a DAG template".into()))?;
            outputs.insert(output.to_string(), substitute(from, &all, Defer::Nothing).map_err(context)?);
        }
        Ok(Outcome { phase: Phase::Succeeded, outputs })
    }

    /// Runs `task` (allowed by its `depends`) as node `node`: once, or once per item of its
    /// sequence.
    fn run_task(&mut self, node: &str, task: &Task, scope: &Scope, fail_fast: bool) -> Result<Done, String> {
        let Some(sequence_field) = task.value.get("withSequence") else {
            let resolved = substitute_json(task.value, scope, Defer::Nothing)?;
            let index = self.start(node.to_string(), task.template);
            let outcome = self.call(node, task.template, &arguments(&resolved)?, false)?;
            self.end(index, outcome.phase, "");
            return Ok(Done { phase: outcome.phase, items: Vec::new(), outputs: outcome.outputs });
        };
        // `{{item}}` waits for the expansion; the count is resolved before it.
        let resolved = substitute_json(task.value, scope, Defer::Item)?;
        let items = sequence(&substitute_json(sequence_field, scope, Defer::Nothing)?)?;
        let arguments = arguments(&resolved)?;
        let group = self.start(node.to_string(), task.template);
        if items.is_empty() {
            self.end(group, Phase::Skipped, "Skipped, empty params");
            return Ok(Done { phase: Phase::Skipped, items: Vec::new(), outputs: BTreeMap::new() });
        }
        let mut phases: Vec<Phase> = Vec::new();
        let mut outputs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            if fail_fast && phases.iter().any(|p| p.failed()) {
                break;
            }
            let item_scope = Scope::default().with("item", item.clone());
            let item_arguments = arguments
                .iter()
                .map(|(n, v)| Ok((n.clone(), substitute(v, &item_scope, Defer::Nothing)?)))
                .collect::<Result<Vec<_>, String>>()?;
            let item_node = format!("{node}({i}:{item})");
            let index = self.start(item_node.clone(), task.template);
            let outcome = self.call(&item_node, task.template, &item_arguments, false)?;
            self.end(index, outcome.phase, "");
            phases.push(outcome.phase);
            for (output, value) in outcome.outputs {
                outputs.entry(output).or_default().push(value);
            }
        }
        let phase = phases.iter().copied().find(|p| p.failed()).unwrap_or(Phase::Succeeded);
        self.end(group, phase, "");
        let outputs = outputs.into_iter().map(|(k, v)| (k, serde_json::to_string(&v).expect("strings"))).collect();
        Ok(Done { phase, items: phases, outputs })
    }
}

#[test]
fn sequences_count_up_down_and_refuse_nonsense() {
    let items = |v: Value| sequence(&v);
    assert_eq!(items(serde_json::json!({"count": "3"})).unwrap(), ["0", "1", "2"]);
    assert!(items(serde_json::json!({"count": 0})).unwrap().is_empty());
    assert_eq!(items(serde_json::json!({"start": "2", "end": "4"})).unwrap(), ["2", "3", "4"]);
    assert_eq!(items(serde_json::json!({"start": 2, "end": 0})).unwrap(), ["2", "1", "0"]);
    assert!(items(serde_json::json!({"count": "3", "end": "4"})).is_err());
    assert!(items(serde_json::json!({"count": "three"})).is_err());
    assert!(items(serde_json::json!({"count": "-1"})).is_err());
    assert!(items(serde_json::json!({})).is_err());
}

#[test]
fn depends_reads_plain_names_as_succeeded_or_skipped() {
    let dag = serde_json::json!({"tasks": [
        {"name": "a", "template": "t"},
        {"name": "b", "template": "t", "depends": "a"},
        {"name": "c", "template": "t", "depends": "a.Failed || b.Skipped"},
    ]});
    let tasks = tasks_of(&dag).unwrap();
    assert_eq!(tasks[2].after, ["a", "b"]);
    let ended = |phase| Done { phase, items: Vec::new(), outputs: BTreeMap::new() };
    for (phase, runs) in
        [(Phase::Succeeded, true), (Phase::Skipped, true), (Phase::Failed, false), (Phase::Omitted, false)]
    {
        let done = BTreeMap::from([("a", ended(phase))]);
        assert_eq!(depends_allows(&tasks[1], &done), Ok(runs), "a {phase:?}");
    }
    let done = BTreeMap::from([("a", ended(Phase::Succeeded)), ("b", ended(Phase::Skipped))]);
    assert_eq!(depends_allows(&tasks[2], &done), Ok(true));
    let unknown = serde_json::json!({"tasks": [{"name": "a", "template": "t", "depends": "b"}]});
    assert!(tasks_of(&unknown).err().unwrap().contains("`b`"));
    let itself = serde_json::json!({"tasks": [{"name": "a", "template": "t", "depends": "a"}]});
    assert!(tasks_of(&itself).is_err());
}
