//! The four manifest kinds the generator writes, and what differs between them: the schema
//! definition, where the `WorkflowSpec` sits, and how long the object's name may be.

use serde_json::Value;

/// The discriminants index per-kind tables (`schema.rs`), so they follow `ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Workflow = 0,
    WorkflowTemplate = 1,
    ClusterWorkflowTemplate = 2,
    CronWorkflow = 3,
}

impl Kind {
    pub(super) const ALL: [Kind; 4] =
        [Kind::Workflow, Kind::WorkflowTemplate, Kind::ClusterWorkflowTemplate, Kind::CronWorkflow];

    /// The kind named by `manifest["kind"]`, or the error to report (it names the kinds accepted).
    pub(super) fn of(manifest: &Value) -> Result<Kind, String> {
        let Some(name) = manifest.get("kind") else {
            return Err("(root): no \"kind\"; expected one of Workflow, WorkflowTemplate, \
                        ClusterWorkflowTemplate, CronWorkflow"
                .to_owned());
        };
        Kind::ALL.into_iter().find(|kind| name.as_str() == Some(kind.name())).ok_or_else(|| {
            format!(
                "/kind: {name} is not a kind of manifest the generator writes; expected one of \
                 Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow"
            )
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Workflow => "Workflow",
            Kind::WorkflowTemplate => "WorkflowTemplate",
            Kind::ClusterWorkflowTemplate => "ClusterWorkflowTemplate",
            Kind::CronWorkflow => "CronWorkflow",
        }
    }

    /// The JSON pointer, within the schema, of this kind's definition.
    pub(super) fn definition_ref(self) -> String {
        format!("#/definitions/io.argoproj.workflow.v1alpha1.{}", self.name())
    }

    /// Where the `WorkflowSpec` is: a CronWorkflow wraps it in `spec.workflowSpec`.
    pub(super) fn spec_pointer(self) -> &'static str {
        match self {
            Kind::CronWorkflow => "/spec/workflowSpec",
            _ => "/spec",
        }
    }

    pub(super) fn workflow_spec(self, manifest: &Value) -> Option<&Value> {
        manifest.pointer(self.spec_pointer()).filter(|spec| spec.is_object())
    }

    /// The longest `metadata.name` Argo's `validate.go` accepts: 63, a Kubernetes label value,
    /// since the name becomes one; 52 for a CronWorkflow, whose Workflows' names add an
    /// 11-character timestamp suffix.
    pub(super) fn max_name_len(self) -> usize {
        match self {
            Kind::CronWorkflow => 52,
            _ => 63,
        }
    }
}
