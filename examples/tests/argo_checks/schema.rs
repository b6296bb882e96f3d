//! The Argo v4.1.2 JSON schema, made strict in memory, and one compiled validator per kind.
//!
//! The published schema lets through what Argo's API server rejects: it never forbids unknown
//! keys (so `dependancies` passes) and types IntOrString as a string only (so
//! `activeDeadlineSeconds: 3600` fails). `tests/schemas/README.md` gives the three changes that
//! fix both, checked upstream against the 180 official examples; they are applied here, so the
//! file on disk stays byte-identical to upstream.

use std::sync::LazyLock;

use jsonschema::{Draft, Validator};
use serde_json::{json, Value};

use super::kind::Kind;
use super::pointer;

/// Embedded rather than read at run time, so that a test file including this module from any
/// folder finds it.
const SCHEMA_TEXT: &str = include_str!("../schemas/argo-workflows-schema.json");

const INT_OR_STRING: &str = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

/// The strict schema, built once per test process (the file is 600 kB).
static STRICT_SCHEMA: LazyLock<Result<Value, String>> = LazyLock::new(strict_schema);

/// One validator per kind, indexed by `Kind as usize` (the order of `Kind::ALL`), each compiled on first use and then
/// shared by every test thread. A compile failure is kept as text and reported by every call,
/// rather than a panic that would hide which manifest was being checked.
static VALIDATORS: [LazyLock<Result<Validator, String>>; 4] = [
    LazyLock::new(|| compile(Kind::ALL[0])),
    LazyLock::new(|| compile(Kind::ALL[1])),
    LazyLock::new(|| compile(Kind::ALL[2])),
    LazyLock::new(|| compile(Kind::ALL[3])),
];

pub(super) fn errors(manifest: &Value) -> Vec<String> {
    let kind = match Kind::of(manifest) {
        Ok(kind) => kind,
        Err(error) => return vec![error],
    };
    match &*VALIDATORS[kind as usize] {
        Ok(validator) => validator
            .iter_errors(manifest)
            .map(|error| pointer::error(&error.instance_path().to_string(), &error))
            .collect(),
        Err(error) => vec![format!("(root): the strict schema for {} did not compile: {error}", kind.name())],
    }
}

fn compile(kind: Kind) -> Result<Validator, String> {
    let strict = STRICT_SCHEMA.as_ref().map_err(Clone::clone)?;
    let mut schema = strict.clone();
    let root = schema.as_object_mut().ok_or("the schema is not an object")?;
    // The root is a `oneOf` over all kinds; a manifest of the wrong shape would then be
    // reported against all five, burying the one error that matters.
    root.remove("oneOf");
    root.insert("$ref".to_owned(), Value::String(kind.definition_ref()));
    jsonschema::options().with_draft(Draft::Draft202012).build(&schema).map_err(|error| error.to_string())
}

fn strict_schema() -> Result<Value, String> {
    let mut schema: Value =
        serde_json::from_str(SCHEMA_TEXT).map_err(|error| format!("the schema is not JSON: {error}"))?;
    let int_or_string = schema
        .get_mut("definitions")
        .and_then(|definitions| definitions.get_mut(INT_OR_STRING))
        .ok_or_else(|| format!("the schema has no definition {INT_OR_STRING}"))?;
    *int_or_string = json!({"type": ["string", "integer"]});
    forbid_unknown_keys(&mut schema);
    Ok(schema)
}

/// Adds `"additionalProperties": false` to every object schema that lists `properties` and says
/// nothing about others, walking only where subschemas sit (never into a `properties` map's keys
/// as if they were keywords: a field may be named `items` or `properties`).
fn forbid_unknown_keys(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.contains_key("properties") && !object.contains_key("additionalProperties") {
        object.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    for maps in ["definitions", "$defs", "properties", "patternProperties"] {
        if let Some(Value::Object(subschemas)) = object.get_mut(maps) {
            subschemas.values_mut().for_each(forbid_unknown_keys);
        }
    }
    for single in ["items", "additionalProperties", "not", "if", "then", "else"] {
        match object.get_mut(single) {
            Some(Value::Array(subschemas)) => subschemas.iter_mut().for_each(forbid_unknown_keys),
            Some(subschema) => forbid_unknown_keys(subschema),
            None => {}
        }
    }
    for lists in ["oneOf", "anyOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(subschemas)) = object.get_mut(lists) {
            subschemas.iter_mut().for_each(forbid_unknown_keys);
        }
    }
}
