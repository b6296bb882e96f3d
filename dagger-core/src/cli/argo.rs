//! `argo`: the options of the command as [`crate::argo::Options`], and the manifest written.

use super::args::{ArgoArgs, ArgoCrd, ArgoKind};
use super::report::Failure;
use crate::argo::{self, Kind, Options};
use crate::graph::Graph;

/// Writes the manifest `args` ask for.
pub(super) fn write(args: &ArgoArgs, graph: &Graph, dag_flag: bool) -> Result<(), Failure> {
    let mut options = options(args, graph)?;
    options.args_prefix = super::args::program_prefix("argo", dag_flag.then_some(graph.name()));
    let kind = match args.kind {
        ArgoKind::Workflow => Kind::Workflow,
        ArgoKind::WorkflowTemplate => Kind::WorkflowTemplate,
        ArgoKind::ClusterWorkflowTemplate => Kind::ClusterWorkflowTemplate,
        ArgoKind::CronWorkflow => Kind::CronWorkflow,
    };
    let manifest = argo::manifest(graph, kind, &options).map_err(|error| Failure {
        code: if error.over_limits { 5 } else { 2 },
        message: error.message,
        causes: Vec::new(),
    })?;
    let (bytes, tasks) = argo::size(&manifest);
    let per_task = bytes / tasks.max(1);
    eprintln!(
        "{kind:?}: {bytes} bytes, {tasks} tasks, {per_task} bytes a task (budget {})",
        options.max_bytes,
        kind = args.kind
    );
    let text = manifest.to_string();
    match &args.output {
        Some(file) => std::fs::write(file, text + "\n")
            .map_err(|e| Failure::store(format!("cannot write the manifest to `{}`: {e}", file.display()))),
        None => {
            println!("{text}");
            Ok(())
        }
    }
}

fn options(args: &ArgoArgs, graph: &Graph) -> Result<Options, Failure> {
    let command = match &args.command {
        Some(command) => command.clone(),
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.file_name().map(|name| name.to_string_lossy().into_owned()))
            .ok_or_else(|| Failure::usage("cannot tell this program's file name: give --command".to_string()))?,
    };
    let mut options = Options::new(&args.image, &command);
    options.name = args.name.clone();
    options.generate_name = args.generate_name.clone();
    options.namespace = args.namespace.clone();
    options.schedules = args.schedule.clone();
    options.concurrency_policy = args.concurrency_policy.clone();
    options.timezone = args.timezone.clone();
    options.key_prefix = args.key_prefix.clone();
    options.service_account = args.service_account.clone();
    options.parallelism = args.parallelism;
    options.artifact_repository_ref = match &args.artifact_repository_ref {
        Some(reference) => {
            let (map, key) = reference
                .split_once('/')
                .ok_or_else(|| Failure::usage(format!("--artifact-repository-ref {reference} is not CONFIGMAP/KEY")))?;
            Some((map.to_string(), key.to_string()))
        }
        None => None,
    };
    for variable in &args.env {
        let (name, value) = match variable.split_once('=') {
            Some((name, value)) => (name.to_string(), value.to_string()),
            None => (variable.clone(), std::env::var(variable).unwrap_or_default()),
        };
        options.env.push((name, value));
    }
    options.spec_override = match &args.spec_override {
        Some(text) => Some(
            serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .filter(serde_json::Value::is_object)
                .ok_or_else(|| Failure::usage(format!("--spec-override is not a JSON object: {text}")))?,
        ),
        None => None,
    };
    options.max_bytes = args.max_bytes;
    options.minimal_crd = args.argo_crd == ArgoCrd::Minimal;
    options.params = args.params.given()?;
    if let Some(keys) = &args.keys {
        super::args::key_filter(graph, keys)?;
        options.keys = Some(keys.clone());
    }
    // Checked here, so that a typo is not found by a pod.
    graph.given_params(&options.params).map_err(|error| Failure::usage(error.to_string()))?;
    Ok(options)
}
