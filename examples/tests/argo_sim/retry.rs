//! A template's `retryStrategy`: whether a failed pod runs again.
//!
//! As Argo does: at most `limit` retries after the first attempt; `retryPolicy` says which
//! outcomes are retried (`OnFailure`, the default: a pod whose container failed; `OnError`: a pod
//! Argo could not run, here a missing input artifact or output; `Always`: both;
//! `OnTransientError`: neither, since nothing here is transient); then `expression`, if any,
//! must be true of `lastRetry` (`exitCode`, `status`). `backoff` and `affinity` are read and
//! ignored: the simulator does not wait, and has one host. A strategy without `limit` (Argo: retry for ever) is refused, since
//! a simulation must end.

use serde_json::Value;

use super::expr::{self, Expr, Val};
use super::Phase;

#[derive(Debug)]
pub(super) struct Retry {
    pub(super) limit: u32,
    policy: Policy,
    expression: Option<Expr>,
}

#[derive(Debug, Clone, Copy)]
enum Policy {
    Always,
    OnFailure,
    OnError,
    OnTransientError,
}

/// The `retryStrategy` of `template`, if it has one.
pub(super) fn strategy(template: &Value) -> Result<Option<Retry>, String> {
    let Some(strategy) = template.get("retryStrategy") else { return Ok(None) };
    let Some(fields) = strategy.as_object() else { return Err("`retryStrategy` is not an object".into()) };
    if let Some(key) =
        fields.keys().find(|k| !["limit", "retryPolicy", "expression", "backoff", "affinity"].contains(&k.as_str()))
    {
        return Err(format!("`retryStrategy.{key}` is not simulated"));
    }
    let limit = match fields.get("limit") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => return Err("`retryStrategy` without a `limit` would retry for ever".into()),
    };
    let limit = limit
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("`retryStrategy.limit` {} is not a count", fields["limit"]))?;
    let policy = match fields.get("retryPolicy").map(|p| p.as_str()) {
        None | Some(Some("OnFailure")) => Policy::OnFailure,
        Some(Some("Always")) => Policy::Always,
        Some(Some("OnError")) => Policy::OnError,
        Some(Some("OnTransientError")) => Policy::OnTransientError,
        Some(other) => return Err(format!("`retryStrategy.retryPolicy` {other:?} is not one of Argo's")),
    };
    let expression = match fields.get("expression") {
        None => None,
        Some(Value::String(text)) => Some(expr::parse(text).map_err(|e| format!("`retryStrategy.expression`: {e}"))?),
        Some(other) => return Err(format!("`retryStrategy.expression` {other} is not a string")),
    };
    Ok(Some(Retry { limit, policy, expression }))
}

impl Retry {
    /// Whether a pod that ended in `phase` with `exit_code`, after `retries` retries, runs again.
    pub(super) fn again(&self, retries: u32, phase: Phase, exit_code: Option<i32>) -> Result<bool, String> {
        // OnTransientError retries nothing: no outcome here is a transient Kubernetes error.
        let by_policy = matches!(
            (self.policy, phase),
            (Policy::Always, Phase::Failed | Phase::Errored)
                | (Policy::OnFailure, Phase::Failed)
                | (Policy::OnError, Phase::Errored)
        );
        if retries >= self.limit || !by_policy {
            return Ok(false);
        }
        let Some(expression) = &self.expression else { return Ok(true) };
        let lookup = |name: &str| match name {
            // Argo gives the exit code as text ("-1" when the container did not end with one).
            "lastRetry.exitCode" => Ok(Val::Str(exit_code.unwrap_or(-1).to_string())),
            "lastRetry.status" => Ok(Val::Str(if phase == Phase::Errored { "Error" } else { "Failed" }.to_string())),
            other => Err(format!("`{other}` in `retryStrategy.expression` is not simulated")),
        };
        match expression.eval(&lookup)? {
            Val::Bool(again) => Ok(again),
            other => Err(format!("`retryStrategy.expression` gives {other:?}, not a boolean")),
        }
    }
}

#[test]
fn retries_follow_limit_policy_and_expression() {
    let template = serde_json::json!({"retryStrategy": {
        "limit": "2", "retryPolicy": "OnFailure",
        "expression": "asInt(lastRetry.exitCode) == 1 || asInt(lastRetry.exitCode) == 4"}});
    let retry = strategy(&template).unwrap().unwrap();
    assert!(retry.again(0, Phase::Failed, Some(4)).unwrap());
    assert!(retry.again(1, Phase::Failed, Some(1)).unwrap());
    assert!(!retry.again(2, Phase::Failed, Some(1)).unwrap(), "limit 2: three attempts in all");
    assert!(!retry.again(0, Phase::Failed, Some(3)).unwrap(), "exit code 3 is not retried");
    assert!(!retry.again(0, Phase::Errored, None).unwrap(), "OnFailure does not retry errors");
    assert!(strategy(&serde_json::json!({"retryStrategy": {"retryPolicy": "Always"}})).is_err());
    assert!(strategy(&serde_json::json!({"retryStrategy": {"limit": 1, "limits": 2}})).is_err());
    assert!(strategy(&serde_json::json!({})).unwrap().is_none());
}
