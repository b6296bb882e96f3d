//! Argo Workflows manifests: a DAG's job plan as a Workflow (or a WorkflowTemplate,
//! ClusterWorkflowTemplate or CronWorkflow) whose pods run the program's own binary, one job
//! each (`node PATH`), through an S3-compatible artifact repository.
//!
//! The shape, chosen for Argo's limits (`../shared/reference/cluster-runtimes.md` §5):
//! - one DAG template per DAG definition (`scopes.rs`), one container template per *shape* of
//!   job: how many paths it reads and writes, whether it counts partitions, its option set
//!   (`shapes.rs`). The number of templates grows with the shapes, not with the nodes: Argo v4
//!   refuses more than 200;
//! - every path a job reads or writes in the store is an artifact whose key mirrors the path;
//!   inputs are optional, so that zero partitions (no file at all) flows through;
//! - a map fans out with `withSequence` over the count its source's pod writes, never over a
//!   list of partition names (Argo keeps at most 256 kB of a task's output);
//! - a DAG template of more than 190 tasks is cut into part templates (`parts.rs`).

use std::fmt;

use serde_json::{json, Map, Value};

use crate::graph::Graph;

mod merge;
mod names;
mod parts;
mod scopes;
mod shapes;

/// Which kind of Argo resource to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A run: `argo submit` or `kubectl create -f`.
    Workflow,
    /// A template in a namespace, to submit runs from.
    WorkflowTemplate,
    /// A template for the whole cluster.
    ClusterWorkflowTemplate,
    /// Runs on a schedule ([`Options::schedules`]).
    CronWorkflow,
}

/// What a manifest needs beyond the DAG: where the binary is, names, and settings of the run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The container image that holds the program.
    pub image: String,
    /// The program's path in the image.
    pub command: String,
    /// Arguments the program needs before its command (`--dag NAME` for a program of several
    /// DAGs, global flags of a program of yours).
    pub args_prefix: Vec<String>,
    /// The resource's name; by default `generate_name` for a Workflow, the DAG's name otherwise.
    pub name: Option<String>,
    /// The prefix of generated names of a Workflow; by default the DAG's name and `-`.
    pub generate_name: Option<String>,
    /// The namespace, if not the one the manifest is submitted to.
    pub namespace: Option<String>,
    /// A CronWorkflow's schedules (cron expressions); at least one for that kind.
    pub schedules: Vec<String>,
    /// A CronWorkflow's `concurrencyPolicy`: `Allow`, `Forbid` or `Replace`.
    pub concurrency_policy: Option<String>,
    /// A CronWorkflow's time zone (`Europe/Paris`).
    pub timezone: Option<String>,
    /// The artifacts' keys start with this (default `dagger/{{workflow.uid}}`, a folder of
    /// each run's own).
    pub key_prefix: String,
    /// The pods' service account.
    pub service_account: Option<String>,
    /// At most this many pods at once.
    pub parallelism: Option<u32>,
    /// The artifact repository: a config map and its key, if not the namespace's default.
    pub artifact_repository_ref: Option<(String, String)>,
    /// Environment variables of every pod.
    pub env: Vec<(String, String)>,
    /// Merged into the Workflow's `spec` last (its values win).
    pub spec_override: Option<Value>,
    /// The largest manifest, in bytes of compact JSON: Argo keeps a whole Workflow, its status
    /// included, under 1 MiB.
    pub max_bytes: usize,
    /// Argo's minimal CRDs, which do not limit templates and tasks to 200: no part templates.
    pub minimal_crd: bool,
    /// Values of the DAG's parameters (JSON, or text for a string), for the Workflow's
    /// arguments; parameters not given get their defaults, or none (to give at submission).
    pub params: Vec<(String, String)>,
    /// The range of keys the run is limited to (`--keys`, as `run --keys`), passed to every pod.
    pub keys: Option<String>,
}

impl Options {
    /// Options for a program in `image` at the path `command`.
    pub fn new(image: &str, command: &str) -> Self {
        Options {
            image: image.to_string(),
            command: command.to_string(),
            args_prefix: Vec::new(),
            name: None,
            generate_name: None,
            namespace: None,
            schedules: Vec::new(),
            concurrency_policy: None,
            timezone: None,
            key_prefix: "dagger/{{workflow.uid}}".to_string(),
            service_account: None,
            parallelism: None,
            artifact_repository_ref: None,
            env: Vec::new(),
            spec_override: None,
            max_bytes: 512 * 1024,
            minimal_crd: false,
            params: Vec::new(),
            keys: None,
        }
    }
}

/// Why no manifest could be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgoError {
    /// Whether the DAG is too big for Argo's limits (rather than options that are wrong).
    pub over_limits: bool,
    /// What and why.
    pub message: String,
}

impl fmt::Display for ArgoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ArgoError {}

impl ArgoError {
    fn usage(message: String) -> ArgoError {
        ArgoError { over_limits: false, message }
    }

    fn limits(message: String) -> ArgoError {
        ArgoError { over_limits: true, message }
    }
}

/// Argo refuses more templates than this with its full CRDs.
const MAX_TEMPLATES: usize = 200;

/// The manifest of `kind` that runs `graph` on Argo Workflows.
///
/// ```
/// use dagger_core::argo::{self, Kind, Options};
/// use dagger_core::prelude::*;
///
/// #[task(partitioned)]
/// fn numbers(n: u64) -> Vec<u64> { (0..n).collect() }
///
/// #[task]
/// fn total(xs: Vec<u64>) -> u64 { xs.iter().sum() }
///
/// #[dag]
/// fn summed(#[default(3)] n: u64) -> u64 { total(numbers(n)) }
///
/// let options = Options::new("registry.example/summed:1.0", "/usr/local/bin/summed");
/// let manifest = argo::manifest(summed::dag().graph(), Kind::Workflow, &options).unwrap();
/// assert_eq!(manifest["metadata"]["generateName"], "summed-");
/// assert_eq!(manifest["spec"]["arguments"]["parameters"][0]["value"], "3");
/// ```
pub fn manifest(graph: &Graph, kind: Kind, options: &Options) -> Result<Value, ArgoError> {
    let plan = graph.plan();
    let dag = names::kebab(&plan.dag);
    let given = |name: &str| options.params.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    if let Some((name, _)) = options.params.iter().find(|(name, _)| !plan.params.iter().any(|p| &p.name == name)) {
        return Err(ArgoError::usage(format!("DAG `{}` has no parameter `{name}`", plan.dag)));
    }
    let parameters: Vec<Value> = plan
        .params
        .iter()
        .map(|param| match given(&param.name).or_else(|| param.default.clone()) {
            Some(value) => json!({ "name": param.name, "value": value }),
            None => json!({ "name": param.name }),
        })
        .collect();
    let missing: Vec<&str> =
        parameters.iter().filter(|p| p.get("value").is_none()).filter_map(|p| p["name"].as_str()).collect();
    if !missing.is_empty() && matches!(kind, Kind::Workflow | Kind::CronWorkflow) {
        return Err(ArgoError::usage(format!(
            "a {kind:?} needs a value for every parameter, and {} no default: give {} (the template kinds take \
             them when a run is submitted)",
            match missing.len() {
                1 => format!("`{}` has", missing[0]),
                _ => format!("`{}` have", missing.join("`, `")),
            },
            missing.iter().map(|name| format!("-p {name}=VALUE")).collect::<Vec<_>>().join(" ")
        )));
    }
    let templates = scopes::templates(&plan, options)?;
    let templates = if options.minimal_crd { templates } else { parts::split(templates)? };
    if templates.len() > MAX_TEMPLATES && !options.minimal_crd {
        return Err(ArgoError::limits(format!(
            "{} templates, where Argo takes at most {MAX_TEMPLATES}: merge option sets, so that fewer shapes of job \
             are needed, or use --argo-crd minimal if the cluster has Argo's minimal CRDs",
            templates.len()
        )));
    }
    let mut spec = Map::new();
    spec.insert("entrypoint".into(), json!(templates[0]["name"]));
    spec.insert("arguments".into(), json!({ "parameters": parameters }));
    spec.insert("volumes".into(), json!([{ "name": "store", "emptyDir": {} }]));
    if let Some(parallelism) = options.parallelism {
        spec.insert("parallelism".into(), json!(parallelism));
    }
    if let Some(account) = &options.service_account {
        spec.insert("serviceAccountName".into(), json!(account));
    }
    if let Some((config_map, key)) = &options.artifact_repository_ref {
        spec.insert("artifactRepositoryRef".into(), json!({ "configMap": config_map, "key": key }));
    }
    spec.insert("templates".into(), Value::Array(templates));
    let mut spec = Value::Object(spec);
    if let Some(over) = &options.spec_override {
        merge::override_with(&mut spec, over.clone());
    }
    let manifest = wrap(kind, &dag, &plan.fingerprint, &plan.dag, spec, options)?;
    budget(&manifest, options.max_bytes)?;
    Ok(manifest)
}

/// The resource of `kind` around `spec`.
fn wrap(
    kind: Kind,
    dag: &str,
    fingerprint: &str,
    dag_name: &str,
    spec: Value,
    options: &Options,
) -> Result<Value, ArgoError> {
    let mut metadata = Map::new();
    match (kind, &options.name) {
        (_, Some(name)) => {
            metadata.insert("name".into(), json!(name));
        }
        (Kind::Workflow, None) => {
            let prefix = options.generate_name.clone().unwrap_or_else(|| format!("{dag}-"));
            metadata.insert("generateName".into(), json!(prefix));
        }
        (_, None) => {
            metadata.insert("name".into(), json!(dag));
        }
    }
    if let Some(namespace) = &options.namespace {
        metadata.insert("namespace".into(), json!(namespace));
    }
    metadata.insert("labels".into(), json!({ "dagger/dag": dag_name }));
    metadata.insert("annotations".into(), json!({ "dagger/fingerprint": fingerprint }));
    let name = metadata.get("name").or(metadata.get("generateName")).and_then(Value::as_str).unwrap_or_default();
    let longest = if kind == Kind::CronWorkflow { 52 } else { 63 };
    if name.len() > longest || !names::valid(name.trim_end_matches('-')) {
        return Err(ArgoError::usage(format!(
            "`{name}` cannot name a {kind:?}: at most {longest} characters, lowercase letters, digits and `-`"
        )));
    }
    let (kind_name, spec) = match kind {
        Kind::Workflow => ("Workflow", spec),
        Kind::WorkflowTemplate => ("WorkflowTemplate", spec),
        Kind::ClusterWorkflowTemplate => ("ClusterWorkflowTemplate", spec),
        Kind::CronWorkflow => {
            if options.schedules.is_empty() {
                return Err(ArgoError::usage("a CronWorkflow needs at least one schedule (--schedule)".into()));
            }
            let mut cron = Map::new();
            cron.insert("schedules".into(), json!(options.schedules));
            if let Some(policy) = &options.concurrency_policy {
                cron.insert("concurrencyPolicy".into(), json!(policy));
            }
            if let Some(zone) = &options.timezone {
                cron.insert("timezone".into(), json!(zone));
            }
            cron.insert("workflowSpec".into(), spec);
            ("CronWorkflow", Value::Object(cron))
        }
    };
    Ok(json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind_name,
        "metadata": metadata,
        "spec": spec,
    }))
}

/// Refuses a manifest over `max_bytes`, naming its biggest templates.
fn budget(manifest: &Value, max_bytes: usize) -> Result<(), ArgoError> {
    let bytes = manifest.to_string().len();
    if bytes <= max_bytes {
        return Ok(());
    }
    let spec = manifest["spec"].get("workflowSpec").unwrap_or(&manifest["spec"]);
    let mut sizes: Vec<(usize, String)> = spec["templates"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| (t.to_string().len(), t["name"].as_str().unwrap_or_default().to_string()))
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let biggest: Vec<String> = sizes.iter().take(3).map(|(size, name)| format!("{name} ({size} bytes)")).collect();
    Err(ArgoError::limits(format!(
        "the manifest is {bytes} bytes, {} over the budget of {max_bytes} (Argo keeps a whole Workflow, its status \
         included, under 1 MiB); the biggest templates: {}. Make partitions coarser, or raise --max-bytes",
        bytes - max_bytes,
        biggest.join(", ")
    )))
}

/// The size of a manifest: bytes of compact JSON, and DAG tasks.
pub fn size(manifest: &Value) -> (usize, usize) {
    let spec = manifest["spec"].get("workflowSpec").unwrap_or(&manifest["spec"]);
    let tasks = spec["templates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["dag"]["tasks"].as_array())
        .map(Vec::len)
        .sum();
    (manifest.to_string().len(), tasks)
}
