//! Argo's names: lowercase kebab case (pod names are made of them), starting with a letter or a
//! digit, at most 128 characters; each unique in its list.

/// `raise_number` as `raise-number`; a name that does not start with a letter or a digit gets
/// `n-` before it.
pub(super) fn kebab(name: &str) -> String {
    let kebab: String = name
        .chars()
        .map(|c| match c {
            '_' | '.' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    match kebab.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => kebab,
        _ => format!("n-{kebab}"),
    }
}

/// Whether Argo takes `name` as a template or task name.
pub(super) fn valid(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 128
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Names made unique in one list: a name taken gets `-2`, `-3`, ...
#[derive(Default)]
pub(super) struct Unique(Vec<String>);

impl Unique {
    /// `wanted` in kebab case, or the first of its numbered forms not taken yet.
    pub(super) fn name(&mut self, wanted: &str) -> String {
        let base = kebab(wanted);
        let mut name = base.clone();
        for n in 2.. {
            if !self.0.contains(&name) {
                break;
            }
            name = format!("{base}-{n}");
        }
        self.0.push(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kebab_case_unique_and_valid() {
        assert_eq!(kebab("raise_number"), "raise-number");
        assert_eq!(kebab("Double-1"), "double-1");
        assert_eq!(kebab("2fast"), "n-2fast");
        assert_eq!(kebab("_x"), "n--x");
        let mut unique = Unique::default();
        assert_eq!([unique.name("a_b"), unique.name("a-b"), unique.name("a.b")], ["a-b", "a-b-2", "a-b-3"]);
        assert!(valid("n-2fast") && valid("a") && !valid("-a") && !valid("a_b") && !valid(&"a".repeat(129)));
    }
}
