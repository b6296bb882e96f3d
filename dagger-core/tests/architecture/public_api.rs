//! The public API as users can name it: every path from the crate's name to a public item,
//! with the item's kind, walked from the root through `pub mod`s and `pub use`s (renames,
//! globs and re-exported modules included). Anything `#[doc(hidden)]` is left out, and so is
//! everything reached only through a hidden module.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Crate, Target};

/// Re-exported modules re-exporting their parents could go on forever; no real path is this
/// deep.
const MAX_NESTING: usize = 8;

/// One public name: `trait dagger_core::rules::MapSource`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiItem {
    pub path: String,
    /// `mod`, `struct`, `enum`, `trait`, `fn`, `type`, `const`, `static`, `union`, `macro`, or
    /// `extern` for a re-export from a crate this walk does not know.
    pub kind: &'static str,
}

/// Walks crate `krate`, named `name`, following re-exports into the crates of `externs` (by
/// the names their paths start with, e.g. `dagger_macros`).
pub struct Api<'a> {
    pub externs: &'a BTreeMap<String, Crate>,
}

/// A target, and the crate it is in.
type Found<'a> = (&'a Crate, Target);

impl<'a> Api<'a> {
    /// Every public name of `krate`, sorted by path.
    pub fn list(&self, name: &str, krate: &'a Crate) -> BTreeSet<ApiItem> {
        let mut out = BTreeSet::new();
        self.list_module(krate, 0, name, 0, &mut out);
        out
    }

    /// Lists the names `module` exports under `prefix`, and what is under them.
    fn list_module(&self, krate: &'a Crate, module: usize, prefix: &str, depth: usize, out: &mut BTreeSet<ApiItem>) {
        if depth > MAX_NESTING {
            return;
        }
        for (name, (krate, target)) in self.exports(krate, module, depth) {
            let path = format!("{prefix}::{name}");
            out.insert(ApiItem { path: path.clone(), kind: kind_of(krate, &target) });
            if let Target::Module(child) = target {
                self.list_module(krate, child, &path, depth + 1, out);
            }
        }
    }

    /// The names `module` makes public: its `pub` items and modules, and its `pub use`s, where
    /// a name imported by name wins over the same name from a glob.
    fn exports(&self, krate: &'a Crate, module: usize, depth: usize) -> BTreeMap<String, Found<'a>> {
        let m = &krate.modules[module];
        let mut out = BTreeMap::new();
        for name in m.items.iter().filter(|(_, item)| item.public && !item.hidden).map(|(name, _)| name) {
            out.insert(name.clone(), (krate, Target::Item(module, name.clone())));
        }
        for (name, &child) in &m.children {
            if krate.modules[child].public && !krate.modules[child].hidden {
                out.insert(name.clone(), (krate, Target::Module(child)));
            }
        }
        let re_exports = m.imports.iter().filter(|i| i.public && !i.hidden);
        let mut globs = Vec::new();
        for import in re_exports {
            let Some(found) = self.follow(krate, module, &import.path) else { continue };
            match &import.name {
                Some(name) => {
                    if !is_hidden(&found) {
                        out.insert(name.clone(), found);
                    }
                }
                None => globs.push(found),
            }
        }
        for (glob_crate, target) in globs {
            if let (Target::Module(source), true) = (target, depth < MAX_NESTING) {
                for (name, found) in self.exports(glob_crate, source, depth + 1) {
                    out.entry(name).or_insert(found);
                }
            }
        }
        out
    }

    /// Where a `use` path written in `module` leads, into other crates when it leaves this one.
    fn follow(&self, krate: &'a Crate, module: usize, path: &[String]) -> Option<Found<'a>> {
        match krate.resolve(module, path).map(|r| r.target) {
            Some(Target::External(outside)) => Some(self.outside(krate, &outside)),
            Some(target) => Some((krate, target)),
            None => Some(self.outside(krate, path)),
        }
    }

    /// A path into another crate: resolved in it when it is one of `externs`.
    fn outside(&self, krate: &'a Crate, path: &[String]) -> Found<'a> {
        let unknown = (krate, Target::External(path.to_vec()));
        let Some(other) = path.first().and_then(|name| self.externs.get(name)) else {
            return unknown;
        };
        let in_other: Vec<String> = std::iter::once("crate".to_string()).chain(path[1..].iter().cloned()).collect();
        match other.resolve(0, &in_other).map(|r| r.target) {
            Some(Target::External(_)) | None => unknown,
            Some(target) => (other, target),
        }
    }
}

/// The kind of what a name leads to, read from its definition.
fn kind_of(krate: &Crate, target: &Target) -> &'static str {
    match target {
        Target::Module(_) => "mod",
        Target::Item(module, name) => krate.modules[*module].items[name].kind,
        Target::External(_) => "extern",
    }
}

/// Whether the definition a name leads to is `#[doc(hidden)]`: re-exporting it does not
/// make it public.
fn is_hidden((krate, target): &Found<'_>) -> bool {
    match target {
        Target::Module(m) => krate.modules[*m].hidden,
        Target::Item(m, name) => krate.modules[*m].items[name].hidden,
        Target::External(_) => false,
    }
}

/// The golden file's text: `kind path`, one a line, sorted by path.
pub fn render(items: &BTreeSet<ApiItem>) -> String {
    items.iter().map(|item| format!("{} {}\n", item.kind, item.path)).collect()
}

/// The lines added to (`+`) and removed from (`-`) `expected` in `actual`, sorted by path as
/// the golden file is; empty when they are the same.
pub fn diff(expected: &str, actual: &str) -> String {
    let lines = |text: &'_ str| text.lines().map(str::to_string).filter(|l| !l.is_empty()).collect::<BTreeSet<_>>();
    let (expected, actual) = (lines(expected), lines(actual));
    let mut changes: Vec<(char, &String)> = actual.difference(&expected).map(|line| ('+', line)).collect();
    changes.extend(expected.difference(&actual).map(|line| ('-', line)));
    changes.sort_by_key(|(sign, line)| (line.split_once(' ').map_or(line.as_str(), |(_, path)| path), *sign));
    changes.iter().map(|(sign, line)| format!("{sign} {line}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::sources_of;

    fn api(files: &[(&str, &str)], externs: &[(&str, &[(&str, &str)])]) -> Vec<String> {
        let krate = Crate::load(&sources_of(files)).unwrap();
        let externs: BTreeMap<String, Crate> =
            externs.iter().map(|(name, files)| (name.to_string(), Crate::load(&sources_of(files)).unwrap())).collect();
        let items = Api { externs: &externs }.list("my", &krate);
        render(&items).lines().map(String::from).collect()
    }

    #[test]
    fn public_names_are_found_through_modules_and_re_exports() {
        let lib = "mod dsl; pub mod handle; pub(crate) mod internal; #[doc(hidden)] pub mod __private;\n\
                   pub use dsl::rules; pub use dsl::rules::Rule as R; pub use handle::*; pub use macros::task;\n\
                   pub use internal::{Hidden, Shown}; pub mod prelude { pub use crate::{task, Value}; }\n\
                   pub(crate) struct Crate; pub const N: u8 = 1; #[cfg(doctest)] pub struct Doc;";
        let files = [
            ("lib.rs", lib),
            ("dsl/mod.rs", "pub mod rules;"),
            ("dsl/rules.rs", "pub trait Rule {} pub fn check() {} struct Private; #[doc(hidden)] pub struct Poison;"),
            ("handle.rs", "pub struct Value; pub(crate) struct Port; pub enum Kind { A }"),
            ("internal.rs", "pub struct Shown; #[doc(hidden)] pub struct Hidden; pub struct Unreachable;"),
            ("__private.rs", "pub fn expand() {}"),
        ];
        let macros: &[(&str, &str)] = &[("lib.rs", "#[proc_macro_attribute] pub fn task() {}")];
        let expected = [
            "const my::N",
            "enum my::Kind",
            "trait my::R",
            "struct my::Shown",
            "struct my::Value",
            "mod my::handle",
            "enum my::handle::Kind",
            "struct my::handle::Value",
            "mod my::prelude",
            "struct my::prelude::Value",
            "macro my::prelude::task",
            "mod my::rules",
            "trait my::rules::Rule",
            "fn my::rules::check",
            "macro my::task",
        ];
        let actual = api(&files, &[("macros", macros)]);
        let mut expected = expected.map(String::from).to_vec();
        expected.sort_by_key(|line| line.split_once(' ').unwrap().1.to_string());
        assert_eq!(actual, expected);
    }

    #[test]
    fn an_unknown_crate_is_listed_as_extern() {
        assert_eq!(api(&[("lib.rs", "pub use serde::Serialize;")], &[]), ["extern my::Serialize"]);
    }

    #[test]
    fn the_diff_lists_added_and_removed_lines() {
        assert_eq!(diff("fn a::x\nmod a\n", "mod a\nfn a::y\nstruct a::y\n"), "- fn a::x\n+ fn a::y\n+ struct a::y\n");
        assert_eq!(diff("mod a\n", "mod a\n"), "");
    }
}
