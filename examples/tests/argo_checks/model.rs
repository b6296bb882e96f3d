//! A read-only index of a manifest's `WorkflowSpec`: its templates by name and, for DAG templates,
//! their tasks by name with what each waits for. The rule modules share it so that each rule is
//! a few lines over names, and so that a malformed manifest (a missing key, a number where a
//! string belongs) reads as "absent" here: the schema reports those, and no rule panics on them.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::depends::{self, DependsRef};
use super::kind::Kind;
use super::pointer;

/// The array under `key`, or an empty one when it is missing or not an array.
pub(super) fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The string under `key`, when there is one.
pub(super) fn string<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// Whether `key` is set: present and not `null`, as Go's `omitempty` fields decode.
pub(super) fn has(value: &Value, key: &str) -> bool {
    value.get(key).is_some_and(|v| !v.is_null())
}

/// The parameters (or artifacts) of `value[section][list]`, e.g. `inputs.parameters`.
pub(super) fn list<'a>(value: &'a Value, section: &str, list: &str) -> &'a [Value] {
    value.get(section).map_or(&[], |section| array(section, list))
}

/// The `name`s of a list of parameters or artifacts.
pub(super) fn names(items: &[Value]) -> impl Iterator<Item = &str> {
    items.iter().filter_map(|item| string(item, "name"))
}

pub(super) struct Spec<'a> {
    pub(super) kind: Kind,
    pub(super) pointer: &'static str,
    pub(super) value: &'a Value,
    pub(super) templates: Vec<Template<'a>>,
    /// The first template of each name (a duplicate is an error of its own).
    pub(super) by_name: HashMap<&'a str, usize>,
    pub(super) workflow_parameters: BTreeSet<&'a str>,
}

impl<'a> Spec<'a> {
    pub(super) fn new(kind: Kind, value: &'a Value) -> Spec<'a> {
        let pointer = kind.spec_pointer();
        let templates: Vec<Template<'a>> = array(value, "templates")
            .iter()
            .enumerate()
            .map(|(i, template)| Template::new(pointer::index(&pointer::key(pointer, "templates"), i), template))
            .collect();
        let mut by_name = HashMap::new();
        for (i, template) in templates.iter().enumerate() {
            by_name.entry(template.name).or_insert(i);
        }
        let workflow_parameters = names(list(value, "arguments", "parameters")).collect();
        Spec { kind, pointer, value, templates, by_name, workflow_parameters }
    }

    pub(super) fn template(&self, name: &str) -> Option<&Template<'a>> {
        self.by_name.get(name).map(|&i| &self.templates[i])
    }
}

pub(super) struct Template<'a> {
    pub(super) pointer: String,
    pub(super) value: &'a Value,
    /// Empty when missing (the schema does not require it, Argo does: see `crd.rs`).
    pub(super) name: &'a str,
    pub(super) dag: Option<Dag<'a>>,
}

impl<'a> Template<'a> {
    fn new(pointer: String, value: &'a Value) -> Template<'a> {
        let dag =
            value.get("dag").filter(|dag| dag.is_object()).map(|dag| Dag::new(pointer::key(&pointer, "dag"), dag));
        Template { name: string(value, "name").unwrap_or(""), pointer, value, dag }
    }

    pub(super) fn input_parameters(&self) -> &'a [Value] {
        list(self.value, "inputs", "parameters")
    }

    pub(super) fn input_artifacts(&self) -> &'a [Value] {
        list(self.value, "inputs", "artifacts")
    }

    pub(super) fn declares_output_parameter(&self, name: &str) -> bool {
        names(list(self.value, "outputs", "parameters")).any(|declared| declared == name)
    }
}

pub(super) struct Dag<'a> {
    pub(super) pointer: String,
    pub(super) tasks: Vec<Task<'a>>,
    pub(super) by_name: HashMap<&'a str, usize>,
}

impl<'a> Dag<'a> {
    fn new(pointer: String, value: &'a Value) -> Dag<'a> {
        let tasks_pointer = pointer::key(&pointer, "tasks");
        let tasks: Vec<Task<'a>> = array(value, "tasks")
            .iter()
            .enumerate()
            .map(|(i, task)| Task::new(pointer::index(&tasks_pointer, i), task))
            .collect();
        let mut by_name = HashMap::new();
        for (i, task) in tasks.iter().enumerate() {
            by_name.entry(task.name).or_insert(i);
        }
        Dag { pointer, tasks, by_name }
    }

    pub(super) fn task(&self, name: &str) -> Option<&Task<'a>> {
        self.by_name.get(name).map(|&i| &self.tasks[i])
    }

    /// Every task that `task` waits for, directly or through others; the tasks whose outputs it
    /// may read (Argo's `GetTaskAncestry`). Unknown names and cycles are reported elsewhere and
    /// only stop the walk here.
    pub(super) fn ancestors(&self, task: &Task<'a>) -> BTreeSet<&'a str> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&'a str> = task.upstream();
        while let Some(name) = stack.pop() {
            if let Some(upstream) = self.task(name) {
                if seen.insert(name) {
                    stack.extend(upstream.upstream());
                }
            }
        }
        seen
    }
}

pub(super) struct Task<'a> {
    pub(super) pointer: String,
    pub(super) value: &'a Value,
    pub(super) name: &'a str,
    /// The parsed `depends`, when there is one.
    pub(super) depends: Option<Result<Vec<DependsRef<'a>>, String>>,
    pub(super) dependencies: Vec<&'a str>,
    /// `withSequence`, `withItems` or `withParam`: the task runs once per item, and `{{item}}`
    /// means something inside it.
    pub(super) loops: bool,
}

impl<'a> Task<'a> {
    fn new(pointer: String, value: &'a Value) -> Task<'a> {
        Task {
            pointer,
            name: string(value, "name").unwrap_or(""),
            depends: string(value, "depends").map(depends::parse),
            dependencies: array(value, "dependencies").iter().filter_map(Value::as_str).collect(),
            loops: LOOPS.iter().any(|key| has(value, key)),
            value,
        }
    }

    /// The names this task waits for, from `depends` (when it parses) and `dependencies`.
    pub(super) fn upstream(&self) -> Vec<&'a str> {
        let from_depends = match &self.depends {
            Some(Ok(refs)) => refs.iter().map(|r| r.task).collect(),
            _ => Vec::new(),
        };
        from_depends.into_iter().chain(self.dependencies.iter().copied()).collect()
    }
}

/// The keys that make a task or step run once per item.
pub(super) const LOOPS: [&str; 3] = ["withSequence", "withItems", "withParam"];
