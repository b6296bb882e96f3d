//! An Argo Workflows simulator for tests (cluster-runtimes spec §7.6): it interprets a Workflow
//! manifest and runs the real binary pod by pod, each pod in a folder of its own that holds only
//! the input artifacts its template declares, with a folder playing the S3 bucket between pods.
//!
//! What static checks of a manifest cannot see, this does: a wrong key, path or tee, an input a
//! job reads but its template does not declare (the job finds nothing and fails), a fan-out over
//! the wrong count, zero partitions. Kubernetes is not needed; Argo's semantics that the
//! generator relies on are reproduced, and everything else is refused with an error rather than
//! guessed:
//!
//! - [`call`]: calling a template with arguments, container templates as pods with retries;
//! - [`dag`]: `depends`, `withSequence`, phases, `failFast`, DAG template outputs;
//! - [`vars`]: `{{...}}` tags (an unresolved one is an error that names it);
//! - [`pod`]: container templates as processes, absolute paths mapped into the pod's folder,
//!   artifacts in and out, output parameters;
//! - [`bucket`]: keys, folder keys, `optional`;
//! - [`retry`] and [`expr`]: `retryStrategy`, and the expressions of `depends` and retries.
//!
//! Test files use it with `mod argo_sim;` (a folder of `tests/` is not a test crate of its own).
//!
//! ```text
//! let sim = argo_sim::simulate(&workflow, &bucket, Path::new(env!("CARGO_BIN_EXE_pipelines")))?;
//! assert!(sim.succeeded(), "{}", sim.report());
//! let total = sim.object(&format!("dagger/{}/composite_map_reduce/sum/output", sim.uid));
//! ```

// Each test file that includes the module uses a part of it.
#![allow(dead_code)]

mod bucket;
mod call;
mod dag;
mod expr;
mod pod;
mod retry;
mod vars;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use self::bucket::Bucket;
use self::call::Interpreter;
use self::vars::Scope;

/// How a node of the workflow ended, in Argo's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Succeeded,
    /// The container ended with a non-zero exit code, or ran past its deadline; for a DAG or a
    /// task of several items, one of its nodes failed.
    Failed,
    /// Argo could not run the pod as declared: a missing input artifact or output.
    Errored,
    /// A `withSequence` of 0 items: no pod ran.
    Skipped,
    /// Its `depends` was false.
    Omitted,
}

impl Phase {
    /// Failed or Errored: what stops a fail-fast DAG.
    pub fn failed(self) -> bool {
        matches!(self, Phase::Failed | Phase::Errored)
    }
}

/// One attempt of one pod.
#[derive(Clone, Debug)]
pub struct Pod {
    /// The node it ran for, as Argo names nodes: `wf.sum-of-powers(2:2).raise(1:1)`.
    pub node: String,
    pub template: String,
    /// 0 for the first attempt, then one more for each retry.
    pub attempt: u32,
    /// The arguments its task gave the template.
    pub parameters: Vec<(String, String)>,
    /// The process's arguments, paths mapped into the pod's folder.
    pub args: Vec<String>,
    pub phase: Phase,
    /// None when the container did not run, or did not end by itself.
    pub exit_code: Option<i32>,
    /// Why it failed: the exit code and the last line of standard error, or the artifact.
    pub message: String,
    pub stdout: String,
    pub stderr: String,
    /// Its folder: `root/` (the pod's `/`), `stdout`, `stderr`; kept for inspection.
    pub folder: PathBuf,
}

/// A node of the workflow: a task, an item of an expanded task, in the order they started.
#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub template: String,
    /// None if it never ended (the simulation stopped with an error inside it).
    pub phase: Option<Phase>,
    pub message: String,
}

/// What a simulated run did.
#[derive(Debug)]
pub struct Simulation {
    /// `{{workflow.uid}}`, in every key of the run.
    pub uid: String,
    /// `{{workflow.name}}`, the name of the root node.
    pub name: String,
    /// The bucket's folder: the object of key `a/b` is the file `a/b` in it.
    pub bucket: PathBuf,
    /// The workflow's phase: the entrypoint's.
    pub phase: Phase,
    /// Every pod attempt, in the order they ran.
    pub pods: Vec<Pod>,
    /// Every task and item, in the order they started.
    pub nodes: Vec<Node>,
    /// Keys an upload replaced with different bytes, and the node that did: two jobs writing the
    /// same key must write the same thing, or the last writer wins silently on S3.
    pub overwrites: Vec<(String, String)>,
}

impl Simulation {
    pub fn succeeded(&self) -> bool {
        self.phase == Phase::Succeeded
    }

    /// The text of the object `key`, if the bucket has it.
    pub fn object(&self, key: &str) -> Option<String> {
        fs::read_to_string(self.bucket.join(key)).ok()
    }

    /// Every key in the bucket under `prefix` (`""`: all), sorted.
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        let files = bucket::files_under(&self.bucket).unwrap_or_default();
        let keys = files.into_iter().map(|f| f.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/"));
        keys.filter(|k| k.starts_with(prefix)).collect()
    }

    /// The nodes that failed or errored, innermost last.
    pub fn failures(&self) -> Vec<&Node> {
        self.nodes.iter().filter(|n| n.phase.is_some_and(Phase::failed)).collect()
    }

    /// The pods of nodes whose name ends with `suffix` (`.raise(1:1)`, `.sum`).
    pub fn pods_of(&self, suffix: &str) -> Vec<&Pod> {
        self.pods.iter().filter(|p| p.node.ends_with(suffix)).collect()
    }

    /// A summary for assertion messages: the phase, each pod, and the failures' standard error.
    pub fn report(&self) -> String {
        let mut out = format!("workflow {} {:?}, {} pods\n", self.name, self.phase, self.pods.len());
        for pod in &self.pods {
            let _ = writeln!(
                out,
                "  {} [{}#{}] {:?} {:?} {}",
                pod.node, pod.template, pod.attempt, pod.phase, pod.exit_code, pod.message
            );
        }
        for pod in self.pods.iter().filter(|p| p.phase != Phase::Succeeded) {
            let _ = writeln!(out, "--- {} stderr:\n{}", pod.node, pod.stderr);
        }
        out
    }
}

/// A simulated submission: the binary that plays the image's, and what `argo submit` would be
/// given. Pods' folders go in `<bucket>.pods/` beside the bucket, emptied at each run.
#[derive(Clone, Debug)]
pub struct Simulator {
    binary: PathBuf,
    params: Vec<(String, String)>,
    uid: String,
}

/// The fake `{{workflow.uid}}` of a simulation, unless [`Simulator::uid`] sets another.
pub const UID: &str = "5e1a7c3d-0000-4000-8000-00000000a120";

impl Simulator {
    /// Pods run `binary` in place of their `command[0]`.
    pub fn new(binary: &Path) -> Self {
        Simulator { binary: binary.to_path_buf(), params: Vec::new(), uid: UID.to_string() }
    }

    /// A workflow parameter's value, as `argo submit -p name=value`: it must be one of
    /// `spec.arguments.parameters`.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.params.push((name.to_string(), value.to_string()));
        self
    }

    /// Another `{{workflow.uid}}`: a second run over the objects of a first one.
    pub fn uid(mut self, uid: &str) -> Self {
        self.uid = uid.to_string();
        self
    }

    /// Runs `workflow` (a `kind: Workflow` manifest) over the bucket folder `bucket`, which keeps
    /// the objects it holds. `Err` is a manifest the simulator cannot run: an unresolved
    /// variable, an unknown template or task, a refused feature, each with the node it is in. A
    /// run whose pods fail is an `Ok` whose [`Simulation::phase`] says so.
    pub fn run(&self, workflow: &Value, bucket: &Path) -> Result<Simulation, String> {
        if workflow.get("kind").and_then(Value::as_str) != Some("Workflow") {
            return Err(format!("kind {} is not `Workflow`", workflow.get("kind").unwrap_or(&Value::Null)));
        }
        if workflow.get("apiVersion").and_then(Value::as_str) != Some("argoproj.io/v1alpha1") {
            return Err("apiVersion is not `argoproj.io/v1alpha1`".into());
        }
        let spec = workflow.get("spec").ok_or("no `spec`")?;
        // Fields that change what runs; others (parallelism, serviceAccountName, artifactGC,
        // podGC, ...) change nothing the simulator models.
        let refused = [
            "onExit",
            "hooks",
            "templateDefaults",
            "workflowTemplateRef",
            "retryStrategy",
            "podSpecPatch",
            "volumeClaimTemplates",
            "synchronization",
            "shutdown",
            "suspend",
        ];
        if let Some(key) = refused.iter().find(|k| spec.get(**k).is_some()) {
            return Err(format!("`spec.{key}` is not simulated"));
        }
        let entrypoint = spec.get("entrypoint").and_then(Value::as_str).ok_or("no `spec.entrypoint`")?;
        let metadata = workflow.get("metadata").cloned().unwrap_or(Value::Null);
        let name = match (
            metadata.get("name").and_then(Value::as_str),
            metadata.get("generateName").and_then(Value::as_str),
        ) {
            (Some(name), _) => name.to_string(),
            (None, Some(prefix)) => format!("{prefix}sim"),
            (None, None) => return Err("metadata has neither `name` nor `generateName`".into()),
        };

        let mut globals = Scope::default();
        globals.set("workflow.uid", self.uid.clone());
        globals.set("workflow.name", name.clone());
        for (kind, field) in [("annotations", "annotations"), ("labels", "labels")] {
            for (key, value) in metadata.get(field).and_then(Value::as_object).into_iter().flatten() {
                globals.set(format!("workflow.{kind}.{key}"), value.as_str().unwrap_or_default().to_string());
            }
        }
        let declared = spec.pointer("/arguments/parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut arguments: Vec<(String, String)> = Vec::new();
        for parameter in &declared {
            let pname = parameter.get("name").and_then(Value::as_str).ok_or("a workflow parameter has no name")?;
            let value = match (self.params.iter().rev().find(|(n, _)| n == pname), parameter.get("value")) {
                (Some((_, value)), _) => value.clone(),
                (None, Some(Value::String(value))) => value.clone(),
                (None, Some(other @ (Value::Number(_) | Value::Bool(_)))) => other.to_string(),
                _ => return Err(format!("workflow parameter `{pname}` has no value: give it with `param`")),
            };
            globals.set(format!("workflow.parameters.{pname}"), value.clone());
            arguments.push((pname.to_string(), value));
        }
        if let Some((unknown, _)) =
            self.params.iter().find(|(n, _)| !declared.iter().any(|p| p.get("name").and_then(Value::as_str) == Some(n)))
        {
            return Err(format!("`{unknown}` is not a parameter of the workflow (spec.arguments.parameters)"));
        }

        let mut templates = BTreeMap::new();
        for template in spec.get("templates").and_then(Value::as_array).ok_or("no `spec.templates` list")? {
            let tname = template.get("name").and_then(Value::as_str).ok_or("a template has no name")?;
            if templates.insert(tname, template).is_some() {
                return Err(format!("two templates are named `{tname}`"));
            }
        }
        let pods_dir = {
            let file_name = bucket.file_name().ok_or("the bucket folder has no name")?;
            bucket.with_file_name(format!("{}.pods", file_name.to_string_lossy()))
        };
        let _ = fs::remove_dir_all(&pods_dir);
        let mut interpreter = Interpreter {
            templates,
            volumes: spec.get("volumes").and_then(Value::as_array).cloned().unwrap_or_default(),
            globals,
            binary: self.binary.clone(),
            pods_dir,
            bucket: Bucket::new(bucket)?,
            pods: Vec::new(),
            nodes: Vec::new(),
        };
        let outcome = interpreter.call(&name, entrypoint, &arguments, true)?;
        Ok(Simulation {
            uid: self.uid.clone(),
            name,
            bucket: bucket.to_path_buf(),
            phase: outcome.phase,
            pods: interpreter.pods,
            nodes: interpreter.nodes,
            overwrites: interpreter.bucket.overwrites,
        })
    }
}

/// Runs `workflow` with its parameters' own values: [`Simulator::run`] with `binary`.
pub fn simulate(workflow: &Value, bucket: &Path, binary: &Path) -> Result<Simulation, String> {
    Simulator::new(binary).run(workflow, bucket)
}
