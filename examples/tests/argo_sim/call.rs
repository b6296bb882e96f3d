//! Calling a template: binding its input parameters from the caller's arguments, then running
//! it: a DAG template's tasks (`dag.rs`), or a container template as a pod (`pod.rs`), run
//! again as its `retryStrategy` says. It also keeps the record of the run: every node as it
//! starts and ends, every pod attempt.
//!
//! Only `dag` and `container` templates are simulated; the others (`steps`, `script`,
//! `resource`, ...) are refused, as are template fields that change how a pod runs or whether
//! it runs (`sidecars`, `initContainers`, `podSpecPatch`, `daemon`, `memoize`,
//! `synchronization`, `timeout`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::bucket::Bucket;
use super::vars::{substitute_json, Defer, Scope};
use super::{pod, retry, Node, Phase, Pod};

/// How a call of a template ended: its phase, and its output parameters.
pub(super) struct Outcome {
    pub(super) phase: Phase,
    pub(super) outputs: BTreeMap<String, String>,
}

impl Outcome {
    pub(super) fn failed(&self) -> bool {
        self.phase.failed()
    }
}

/// A workflow being simulated: its templates, what runs them, and what they did.
pub(super) struct Interpreter<'a> {
    pub(super) templates: BTreeMap<&'a str, &'a Value>,
    /// `spec.volumes`.
    pub(super) volumes: Vec<Value>,
    /// The `workflow.*` variables.
    pub(super) globals: Scope,
    pub(super) binary: PathBuf,
    pub(super) pods_dir: PathBuf,
    pub(super) bucket: Bucket,
    pub(super) pods: Vec<Pod>,
    pub(super) nodes: Vec<Node>,
}

const REFUSED_TEMPLATE_FIELDS: &[&str] =
    &["sidecars", "initContainers", "podSpecPatch", "daemon", "memoize", "synchronization", "timeout"];

impl<'a> Interpreter<'a> {
    /// Calls template `name` as node `node`, with `arguments`; `lenient` (the entrypoint) drops
    /// arguments the template does not declare, as Argo does with the workflow's arguments,
    /// where a task's unknown argument is an error.
    pub(super) fn call(
        &mut self,
        node: &str,
        name: &str,
        arguments: &[(String, String)],
        lenient: bool,
    ) -> Result<Outcome, String> {
        let context = |e: String| format!("{node} (template `{name}`): {e}");
        let template = *self.templates.get(name).ok_or_else(|| context(format!("no template `{name}`")))?;
        if let Some(field) = REFUSED_TEMPLATE_FIELDS.iter().find(|f| template.get(**f).is_some()) {
            return Err(context(format!("`{field}` is not simulated")));
        }
        let declared = template.pointer("/inputs/parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut scope = self.globals.clone();
        for parameter in &declared {
            let input =
                parameter.get("name").and_then(Value::as_str).ok_or_else(|| context("an input has no name".into()))?;
            let given = arguments.iter().find(|(n, _)| n == input).map(|(_, v)| v.clone());
            let fixed = parameter.get("value").or(parameter.get("default")).and_then(Value::as_str).map(str::to_string);
            let value = given.or(fixed).ok_or_else(|| context(format!("input parameter `{input}` is not given")))?;
            scope.set(format!("inputs.parameters.{input}"), value);
        }
        if !lenient {
            let known = |n: &str| declared.iter().any(|p| p.get("name").and_then(Value::as_str) == Some(n));
            if let Some((unknown, _)) = arguments.iter().find(|(n, _)| !known(n)) {
                return Err(context(format!("argument `{unknown}` is not an input parameter of the template")));
            }
        }
        if template.get("dag").is_some() {
            self.run_dag(node, name, template, &scope)
        } else if template.get("container").is_some() {
            self.run_container(node, name, template, &scope, arguments)
        } else {
            let kind = ["steps", "script", "resource", "suspend", "containerSet", "data", "http", "plugin"]
                .into_iter()
                .find(|k| template.get(k).is_some())
                .unwrap_or("unknown");
            Err(context(format!("`{kind}` templates are not simulated (only `dag` and `container`)")))
        }
    }

    /// Runs a container template as a pod, and again while its retry strategy says so.
    fn run_container(
        &mut self,
        node: &str,
        name: &str,
        template: &Value,
        scope: &Scope,
        arguments: &[(String, String)],
    ) -> Result<Outcome, String> {
        let context = |e: String| format!("{node} (template `{name}`): {e}");
        let resolved = substitute_json(template, scope, Defer::Nothing).map_err(context)?;
        let retry = retry::strategy(&resolved).map_err(context)?;
        let mut volumes = self.volumes.clone();
        volumes.extend(resolved.get("volumes").and_then(Value::as_array).cloned().unwrap_or_default());
        let mut retries = 0;
        loop {
            let folder = self.pods_dir.join(format!("{:04}-{name}", self.pods.len()));
            let run = pod::run(&resolved, &volumes, &self.binary, &folder, &mut self.bucket, node).map_err(context)?;
            self.pods.push(Pod {
                node: node.to_string(),
                template: name.to_string(),
                attempt: retries,
                parameters: arguments.to_vec(),
                args: run.args,
                phase: run.phase,
                exit_code: run.exit_code,
                message: run.message,
                stdout: run.stdout,
                stderr: run.stderr,
                folder,
            });
            if run.phase == Phase::Succeeded {
                return Ok(Outcome { phase: run.phase, outputs: run.outputs });
            }
            let again = match &retry {
                Some(retry) => retry.again(retries, run.phase, run.exit_code).map_err(context)?,
                None => false,
            };
            if !again {
                return Ok(Outcome { phase: run.phase, outputs: BTreeMap::new() });
            }
            retries += 1;
        }
    }

    /// Records that node `name` started; [`end`](Self::end) records how it ended.
    pub(super) fn start(&mut self, name: String, template: &str) -> usize {
        self.nodes.push(Node { name, template: template.to_string(), phase: None, message: String::new() });
        self.nodes.len() - 1
    }

    pub(super) fn end(&mut self, index: usize, phase: Phase, message: &str) {
        self.nodes[index].phase = Some(phase);
        self.nodes[index].message = message.to_string();
    }
}
