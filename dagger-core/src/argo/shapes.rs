//! Container templates, one per *shape* of job: how many paths it reads and writes, whether it
//! writes the number of its partitions, and its option set. Each runs the program's
//! `node` command; the task that uses it passes the node's path, the partition and the store
//! paths as parameters, so that one template serves every job of its shape.

use serde_json::{json, Map, Value};

use super::merge::merge;
use super::{ArgoError, Options};
use crate::graph::{JobPlan, TaskOptions};

/// Where the store is in a pod: an `emptyDir` volume that input artifacts are copied into and
/// output artifacts uploaded from.
pub(super) const STORE: &str = "/dagger/store";

/// Where a job writes the number of partitions of its output.
const COUNT: &str = "/dagger/count";

/// The exit codes of the command line worth another try: a task failed (1), the store could
/// not be read or written (4).
const RETRYABLE: &str = "asInt(lastRetry.exitCode) == 1 || asInt(lastRetry.exitCode) == 4";

/// What a container template is made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Shape {
    /// Paths read: input artifacts `in0`...
    pub(super) inputs: usize,
    /// Paths written: output artifacts `out0`...
    pub(super) outputs: usize,
    /// Whether the job writes its number of partitions (output parameter `count`).
    pub(super) counts: bool,
    /// The option set, in the plan's list (0: none).
    pub(super) options: usize,
}

impl Shape {
    pub(super) fn name(&self) -> String {
        let parts = if self.counts { "-parts" } else { "" };
        let options = if self.options > 0 { format!("-o{}", self.options) } else { String::new() };
        format!("node-{}in-{}out{parts}{options}", self.inputs, self.outputs)
    }

    /// The container template of this shape.
    pub(super) fn template(&self, plan: &JobPlan, options: &Options) -> Result<Value, ArgoError> {
        let task_options = plan.options(self.options).map_err(|e| ArgoError::usage(e.to_string()))?;
        let key = |parameter: &str| format!("{}/{{{{inputs.parameters.{parameter}}}}}", options.key_prefix);
        let path = |parameter: &str| format!("{STORE}/{{{{inputs.parameters.{parameter}}}}}");
        let mut parameters = vec![json!({ "name": "node" }), json!({ "name": "partition", "default": "" })];
        let mut inputs = Vec::new();
        for i in 0..self.inputs {
            let name = format!("in{i}");
            parameters.push(json!({ "name": name }));
            inputs.push(json!({ "name": name, "path": path(&name), "optional": true, "s3": { "key": key(&name) } }));
        }
        let mut outputs = Vec::new();
        for i in 0..self.outputs {
            let name = format!("out{i}");
            parameters.push(json!({ "name": name }));
            outputs.push(json!({
                "name": name, "path": path(&name), "optional": true,
                "archive": { "none": {} }, "s3": { "key": key(&name) },
            }));
        }
        let mut output = json!({ "artifacts": outputs });
        if self.counts {
            output["parameters"] = json!([{ "name": "count", "valueFrom": { "path": COUNT } }]);
        }
        let mut template = json!({
            "name": self.name(),
            "inputs": { "parameters": parameters },
            "outputs": output,
            "container": self.container(plan, options, &task_options)?,
        });
        if !inputs.is_empty() {
            template["inputs"]["artifacts"] = Value::Array(inputs);
        }
        if let Some(retries) = task_options.retries.filter(|&r| r > 0) {
            template["retryStrategy"] =
                json!({ "limit": retries.to_string(), "retryPolicy": "OnFailure", "expression": RETRYABLE });
        }
        if let Some(seconds) = task_options.timeout_seconds {
            template["activeDeadlineSeconds"] = json!(seconds);
        }
        if let Some(extra) = &task_options.argo_template {
            merge(&mut template, Value::Object(extra.clone()), "template").map_err(ArgoError::usage)?;
        }
        Ok(template)
    }

    fn container(&self, plan: &JobPlan, options: &Options, task: &TaskOptions) -> Result<Value, ArgoError> {
        let mut args: Vec<String> = options.args_prefix.clone();
        args.extend(
            ["node", "{{inputs.parameters.node}}", "--partition", "{{inputs.parameters.partition}}"].map(String::from),
        );
        args.extend(["--store".to_string(), STORE.to_string()]);
        for param in &plan.params {
            args.push("--param".to_string());
            args.push(format!("{0}={{{{workflow.parameters.{0}}}}}", param.name));
        }
        args.extend(["--fingerprint", &plan.fingerprint, "--run-id", "{{workflow.uid}}"].map(String::from));
        if let Some(keys) = &options.keys {
            args.extend(["--keys".to_string(), keys.clone()]);
        }
        if self.counts {
            args.extend(["--write-count".to_string(), COUNT.to_string()]);
        }
        let image = task.image.clone().unwrap_or_else(|| options.image.clone());
        let mut container = json!({
            "image": image,
            "command": [options.command],
            "args": args,
            "volumeMounts": [{ "name": "store", "mountPath": STORE }],
        });
        if !options.env.is_empty() {
            container["env"] =
                options.env.iter().map(|(name, value)| json!({ "name": name, "value": value })).collect();
        }
        let mut requests = Map::new();
        let mut limits = Map::new();
        if let Some(cpu) = &task.cpu {
            requests.insert("cpu".into(), json!(cpu.text));
        }
        if let Some(memory) = &task.memory {
            requests.insert("memory".into(), json!(memory.text));
            limits.insert("memory".into(), json!(memory.text));
        }
        if let Some(gpu) = task.gpu {
            limits.insert(task.gpu_resource().to_string(), json!(gpu.to_string()));
        }
        if !requests.is_empty() || !limits.is_empty() {
            let mut resources = Map::new();
            if !requests.is_empty() {
                resources.insert("requests".into(), Value::Object(requests));
            }
            if !limits.is_empty() {
                resources.insert("limits".into(), Value::Object(limits));
            }
            container["resources"] = Value::Object(resources);
        }
        if let Some(extra) = &task.argo_container {
            merge(&mut container, Value::Object(extra.clone()), "container").map_err(ArgoError::usage)?;
        }
        Ok(container)
    }
}
