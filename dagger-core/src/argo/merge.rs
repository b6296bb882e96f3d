//! JSON merges: the `argo_*` task options into what the generator writes (a collision is an
//! error: the generator's value and the option's cannot both hold), and `--spec-override` into
//! the spec (its values win: the user asked for them).

use serde_json::Value;

/// Adds `add` to `target`: objects merge key by key, lists are concatenated, an equal value is
/// fine, anything else is a collision named by its path from `at`.
pub(super) fn merge(target: &mut Value, add: Value, at: &str) -> Result<(), String> {
    match (target, add) {
        (Value::Object(target), Value::Object(add)) => {
            for (key, value) in add {
                let path = format!("{at}.{key}");
                match target.get_mut(&key) {
                    Some(existing) => merge(existing, value, &path)?,
                    None => {
                        target.insert(key, value);
                    }
                }
            }
            Ok(())
        }
        (Value::Array(target), Value::Array(add)) => {
            target.extend(add);
            Ok(())
        }
        (target, add) if *target == add => Ok(()),
        (target, add) => Err(format!("`{at}` is {target} already; the option sets it to {add}")),
    }
}

/// Puts `over` into `target`: objects merge key by key, anything else is replaced.
pub(super) fn override_with(target: &mut Value, over: Value) {
    match (target, over) {
        (Value::Object(target), Value::Object(over)) => {
            for (key, value) in over {
                match target.get_mut(&key) {
                    Some(existing) => override_with(existing, value),
                    None => {
                        target.insert(key, value);
                    }
                }
            }
        }
        (target, over) => *target = over,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn options_merge_without_collisions_and_overrides_win() {
        let mut container =
            json!({ "image": "a", "env": [{ "name": "X" }], "resources": { "requests": { "cpu": "2" } } });
        let add =
            json!({ "env": [{ "name": "Y" }], "resources": { "limits": { "cpu": "4" } }, "imagePullPolicy": "Always" });
        merge(&mut container, add, "container").unwrap();
        assert_eq!(container["env"], json!([{ "name": "X" }, { "name": "Y" }]));
        assert_eq!(container["resources"], json!({ "requests": { "cpu": "2" }, "limits": { "cpu": "4" } }));
        let error = merge(&mut container, json!({ "image": "b" }), "container").unwrap_err();
        assert_eq!(error, "`container.image` is \"a\" already; the option sets it to \"b\"");
        merge(&mut container, json!({ "image": "a" }), "container").unwrap();

        let mut spec = json!({ "parallelism": 2, "podGC": { "strategy": "OnPodSuccess" } });
        override_with(&mut spec, json!({ "parallelism": 5, "podGC": { "deleteDelayDuration": "30s" } }));
        assert_eq!(
            spec,
            json!({ "parallelism": 5, "podGC": { "strategy": "OnPodSuccess", "deleteDelayDuration": "30s" } })
        );
    }
}
