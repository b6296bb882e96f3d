//! Names of DAGs, parameters and nodes: one check for all of them, and the names given to the
//! nodes of a DAG once it is complete.
//!
//! Names become folder names in a [`DiskStore`](crate::DiskStore) and job names on clusters,
//! so they are kept to letters, digits, `_` and `-`: no name can leave the store's folder
//! (`..`, `/`), be empty, or take the place of what the store writes itself (those names hold
//! a `.`).

use std::any::TypeId;
use std::collections::{HashMap, HashSet};

use crate::error::BuildError;

/// The longest name: enough for a descriptive name, short enough for any file system.
pub(crate) const MAX_NAME_LEN: usize = 128;

/// Why `name` cannot be a name, if it cannot.
pub(crate) fn invalid(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".to_string());
    }
    if name.len() > MAX_NAME_LEN {
        return Some(format!("it is {} bytes long, more than {MAX_NAME_LEN}", name.len()));
    }
    let bad: String = name.chars().filter(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')).collect();
    (!bad.is_empty()).then(|| format!("it holds {bad:?}; names are letters, digits, `_` and `-`"))
}

/// Checks `name`, a name of `what` in DAG `dag`.
pub(crate) fn check(dag: &str, what: &'static str, name: &str) -> Result<(), BuildError> {
    match invalid(name) {
        None => Ok(()),
        Some(reason) => Err(BuildError::InvalidName { dag: dag.to_string(), what, name: name.to_string(), reason }),
    }
}

/// The name of every node, from what each was declared as (`callee`) and which task or DAG it
/// calls (`id`; `None` for the nodes the builder makes). A name used by one node is that
/// node's; a name used by several calls of one task or DAG, or by nodes the builder made, gets
/// `-1`, `-2`, ... in declaration order, skipping the names other nodes already have. Two
/// different tasks or DAGs under one name are an error: their outputs would be one path.
pub(crate) fn node_names(
    dag: &str,
    nodes: &[(&str, Option<(TypeId, &'static str)>)],
) -> Result<Vec<String>, BuildError> {
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, (name, _)) in nodes.iter().enumerate() {
        groups.entry(name).or_default().push(index);
    }
    for (name, members) in &groups {
        let mut callees = members.iter().filter_map(|&m| nodes[m].1);
        if let Some((first_id, first)) = callees.next() {
            if let Some((_, second)) = callees.find(|(id, _)| *id != first_id) {
                return Err(BuildError::DuplicateName {
                    dag: dag.to_string(),
                    name: name.to_string(),
                    first: first.to_string(),
                    second: second.to_string(),
                });
            }
        }
    }
    let mut taken: HashSet<String> =
        groups.iter().filter(|(_, members)| members.len() == 1).map(|(name, _)| name.to_string()).collect();
    let mut next: HashMap<&str, usize> = HashMap::new();
    let names = nodes
        .iter()
        .map(|(name, _)| {
            if groups[name].len() == 1 {
                return name.to_string();
            }
            let counter = next.entry(name).or_insert(0);
            loop {
                *counter += 1;
                let numbered = format!("{name}-{counter}");
                if taken.insert(numbered.clone()) {
                    return numbered;
                }
            }
        })
        .collect();
    Ok(names)
}

/// Checks that no two of `names` (each with what it names) are equal ignoring case: on a file
/// system that ignores case (macOS's, Windows'), two nodes named so would write one folder.
pub(crate) fn distinct_ignoring_case<'a>(
    dag: &str,
    names: impl IntoIterator<Item = (&'static str, &'a str)>,
) -> Result<(), BuildError> {
    let mut seen: HashMap<String, (&'static str, &'a str)> = HashMap::new();
    for (what, name) in names {
        match seen.get(&name.to_ascii_lowercase()) {
            Some(&(first_what, first)) if first != name => {
                return Err(BuildError::NamesDifferInCase {
                    dag: dag.to_string(),
                    first: format!("{first_what} `{first}`"),
                    second: format!("{what} `{name}`"),
                });
            }
            _ => {
                seen.insert(name.to_ascii_lowercase(), (what, name));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct A;
    struct B;

    fn task<T: 'static>(name: &'static str) -> (&'static str, Option<(TypeId, &'static str)>) {
        (name, Some((TypeId::of::<T>(), std::any::type_name::<T>())))
    }

    #[test]
    fn names_are_letters_digits_underscores_and_dashes() {
        assert_eq!(invalid("train-model_2"), None);
        for bad in ["", ".", "..", "../x", "/abs", "a b", "a.b", "ü"] {
            assert!(invalid(bad).is_some(), "{bad:?}");
        }
        assert!(invalid(&"x".repeat(MAX_NAME_LEN)).is_none());
        assert!(invalid(&"x".repeat(MAX_NAME_LEN + 1)).unwrap().contains("129 bytes"));
    }

    #[test]
    fn numbered_names_skip_names_already_taken() {
        // `sum` called twice next to a task named `sum-1`.
        let nodes = [task::<A>("sum"), task::<B>("sum-1"), task::<A>("sum")];
        assert_eq!(node_names("d", &nodes).unwrap(), ["sum-2", "sum-1", "sum-3"]);
        let made = [("output", None), task::<A>("output"), ("output", None)];
        assert_eq!(node_names("d", &made).unwrap(), ["output-1", "output-2", "output-3"]);
    }

    #[test]
    fn names_equal_ignoring_case_are_refused() {
        let names = [("a node", "Half"), ("a node", "half-1"), ("a node", "Half")];
        assert_eq!(distinct_ignoring_case("d", names), Ok(()), "the same name twice is not this error");
        let error = distinct_ignoring_case("d", [("a parameter", "x"), ("a node", "half"), ("a node", "Half")]);
        assert_eq!(
            error.unwrap_err().to_string(),
            "DAG `d` has a node `half` and a node `Half`, names that differ only in case, which a file system \
             that ignores case (macOS, Windows) cannot tell apart; rename one"
        );
        assert!(distinct_ignoring_case("d", [("a parameter", "X"), ("a node", "x")]).is_err());
    }

    #[test]
    fn two_tasks_under_one_name_are_an_error_naming_both() {
        let error = node_names("d", &[task::<A>("load"), task::<B>("load")]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("`load`") && message.contains("::A") && message.contains("::B"), "{message}");
    }
}
