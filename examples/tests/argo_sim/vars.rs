//! Argo's simple template tags, `{{name}}`: the variables visible at one place of a workflow
//! (a [`Scope`]) and their substitution in text and in JSON.
//!
//! Argo substitutes tags in passes: a DAG task's tags first (its DAG's inputs, the workflow's
//! globals, the outputs of the tasks it depends on), then `{{item}}` once the task is expanded,
//! then the called template's tags (its inputs and the globals). A tag that a later pass
//! resolves is *deferred* by the earlier one; any other tag that the scope does not hold is an
//! error that names it, never text left as it was: a generator that emits
//! `{{inputs.parameters.pth}}` must fail here, not run a pod with a literal `{{...}}` argument.

use std::collections::BTreeMap;

use serde_json::Value;

/// The variables visible at one place of a workflow, by their full name (`inputs.parameters.n`,
/// `workflow.uid`, `tasks.chunks.outputs.parameters.count`, `item`).
#[derive(Clone, Debug, Default)]
pub(super) struct Scope {
    values: BTreeMap<String, String>,
}

impl Scope {
    pub(super) fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.values.insert(name.into(), value.into());
    }

    pub(super) fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }
}

/// Which tags a pass leaves for a later one.
#[derive(Clone, Copy)]
pub(super) enum Defer {
    /// None: every tag must resolve now.
    Nothing,
    /// `{{item}}`: the pass before a task's expansion.
    Item,
}

impl Defer {
    fn defers(self, name: &str) -> bool {
        matches!((self, name), (Defer::Item, "item"))
    }
}

/// `text` with every tag replaced by its value in `scope`, in one pass (a value is not scanned
/// again, as Argo's fasttemplate does not), deferred tags kept as they were.
pub(super) fn substitute(text: &str, scope: &Scope, defer: Defer) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!("unclosed `{{{{` in `{text}`"));
        };
        let tag = &after[..end];
        // Argo accepts white space around a simple tag's name.
        let name = tag.trim();
        if name.starts_with('=') {
            return Err(format!("expression tag `{{{{{tag}}}}}` in `{text}`: the simulator only resolves simple tags"));
        }
        match scope.values.get(name) {
            Some(value) => out.push_str(value),
            None if defer.defers(name) => out.push_str(&rest[start..start + 2 + end + 2]),
            None => return Err(format!("unresolved variable `{{{{{name}}}}}` in `{text}`")),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `value` with [`substitute`] applied to every string in it (object keys are names, not
/// substituted, as in Argo).
pub(super) fn substitute_json(value: &Value, scope: &Scope, defer: Defer) -> Result<Value, String> {
    Ok(match value {
        Value::String(text) => Value::String(substitute(text, scope, defer)?),
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| substitute_json(item, scope, defer)).collect::<Result<_, _>>()?)
        }
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, item)| Ok((key.clone(), substitute_json(item, scope, defer)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

#[test]
fn tags_resolve_defer_or_fail_with_their_name() {
    let scope = Scope::default().with("inputs.parameters.path", "sum_of_powers[2]").with("workflow.uid", "u");
    assert_eq!(
        substitute("{{inputs.parameters.path}}/raise {{ workflow.uid }}", &scope, Defer::Nothing).unwrap(),
        "sum_of_powers[2]/raise u"
    );
    assert_eq!(substitute("out/{{item}}", &scope, Defer::Item).unwrap(), "out/{{item}}");
    let error = substitute("x/{{inputs.parameters.pth}}", &scope, Defer::Item).unwrap_err();
    assert!(error.contains("`{{inputs.parameters.pth}}`"), "{error}");
    assert!(substitute("{{item}}", &scope, Defer::Nothing).unwrap_err().contains("`{{item}}`"));
    assert!(substitute("{{=item}}", &scope, Defer::Item).is_err());
    assert!(substitute("a {{item", &scope, Defer::Item).is_err());
    // One pass: a value that looks like a tag stays as it is.
    let scope = Scope::default().with("a", "{{b}}");
    assert_eq!(substitute("{{a}}", &scope, Defer::Nothing).unwrap(), "{{b}}");
}
