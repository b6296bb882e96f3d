//! A model of a crate's modules, built from its source files with `syn`: which modules exist
//! (found by following `mod` declarations from `lib.rs`, as rustc does), what each one defines
//! and imports, and every path its code mentions, with its line.
//!
//! The checks read this model, never the raw text: comments and strings never count, and
//! moving modules into folders or renaming files changes nothing as long as the `mod`
//! declarations say where they are. Code compiled only for tests (`#[cfg(test)]`,
//! `#[cfg(doctest)]`) is left out everywhere.

use std::collections::BTreeMap;

use crate::layout::{join, locate_module_file, parse_file, Dirs, Sources};
use crate::syntax::{defined_item, has_path_attr, imports_of, is_doc_hidden, is_test_only, item_attrs, mentions_in};
use crate::syntax::{Import, Item, Mention};

/// One module: a file, or an inline `mod name { .. }`.
#[derive(Debug)]
pub struct Module {
    /// Names from the crate root: `[]` for `lib.rs`, `["run", "cells"]` for `run::cells`.
    pub path: Vec<String>,
    /// The file its code is in, relative to `src/`.
    pub file: String,
    pub parent: Option<usize>,
    pub children: BTreeMap<String, usize>,
    /// Declared `pub mod`.
    pub public: bool,
    /// Declared with `#[doc(hidden)]`.
    pub hidden: bool,
    pub items: BTreeMap<String, Item>,
    pub imports: Vec<Import>,
    pub mentions: Vec<Mention>,
}

impl Module {
    /// `crate`, or `crate::run::cells`: how reports name a module.
    pub fn name(&self) -> String {
        std::iter::once("crate").chain(self.path.iter().map(String::as_str)).collect::<Vec<_>>().join("::")
    }
}

/// Where a path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Module(usize),
    /// An item, by its module and name.
    Item(usize, String),
    /// Out of this crate: the full path, starting with the other crate's name.
    External(Vec<String>),
}

/// A path followed through the crate: where it ends, and every module it went through on the
/// way, including through `use` re-exports and aliases.
#[derive(Debug)]
pub struct Resolved {
    pub target: Target,
    pub through: Vec<usize>,
}

/// Past this many steps of `use` chains and globs, resolution gives up (it only guards against
/// glob cycles such as two modules with `use super::*` and `pub use child::*`).
const MAX_DEPTH: usize = 16;

/// All the modules of a crate; `modules[0]` is the root.
#[derive(Debug)]
pub struct Crate {
    pub modules: Vec<Module>,
}

impl Crate {
    /// Loads the crate whose root is `lib.rs` in `sources`.
    pub fn load(sources: &Sources) -> Result<Crate, String> {
        let mut krate = Crate { modules: Vec::new() };
        let root = parse_file(sources, "lib.rs")?;
        let dirs = Dirs { children: String::new(), path_base: String::new() };
        let header = ModuleHeader { parent: None, name: None, public: true, hidden: false };
        krate.add_module(sources, header, "lib.rs", &dirs, &root.items)?;
        Ok(krate)
    }

    /// Adds a module and, recursively, the modules it declares; returns its index.
    fn add_module(
        &mut self,
        sources: &Sources,
        header: ModuleHeader,
        file: &str,
        dirs: &Dirs,
        items: &[syn::Item],
    ) -> Result<usize, String> {
        let index = self.modules.len();
        let mut path = header.parent.map(|p| self.modules[p].path.clone()).unwrap_or_default();
        path.extend(header.name);
        self.modules.push(Module {
            path,
            file: file.to_string(),
            parent: header.parent,
            children: BTreeMap::new(),
            public: header.public,
            hidden: header.hidden,
            items: BTreeMap::new(),
            imports: Vec::new(),
            mentions: mentions_in(items),
        });
        for item in items.iter().filter(|item| !is_test_only(item_attrs(item))) {
            match item {
                syn::Item::Mod(declared) => {
                    let child = self.add_child(sources, index, file, dirs, declared)?;
                    self.modules[index].children.insert(declared.ident.to_string(), child);
                }
                syn::Item::Use(used) => self.modules[index].imports.extend(imports_of(used)),
                syn::Item::Macro(mac) if has_path_attr(&mac.attrs, "macro_export") => {
                    // `#[macro_export]` puts a macro at the crate root, wherever it is written.
                    if let Some(name) = &mac.ident {
                        let item = Item { kind: "macro", public: true, hidden: is_doc_hidden(&mac.attrs) };
                        self.modules[0].items.insert(name.to_string(), item);
                    }
                }
                _ => {
                    if let Some((name, item)) = defined_item(item) {
                        self.modules[index].items.insert(name, item);
                    }
                }
            }
        }
        Ok(index)
    }

    /// Adds the module declared by `mod name;` or `mod name { .. }` inside module `parent`.
    fn add_child(
        &mut self,
        sources: &Sources,
        parent: usize,
        file: &str,
        dirs: &Dirs,
        declared: &syn::ItemMod,
    ) -> Result<usize, String> {
        let name = declared.ident.to_string();
        let header = ModuleHeader {
            parent: Some(parent),
            name: Some(name.clone()),
            public: matches!(declared.vis, syn::Visibility::Public(_)),
            hidden: is_doc_hidden(&declared.attrs),
        };
        if let Some((_, items)) = &declared.content {
            let inner = join(&dirs.children, &name);
            let inner_dirs = Dirs { children: inner.clone(), path_base: inner };
            return self.add_module(sources, header, file, &inner_dirs, items);
        }
        let (child_file, child_dirs) = locate_module_file(sources, dirs, &name, &declared.attrs)
            .ok_or_else(|| format!("{file}: no file for `mod {name};` in `{}`", dirs.children))?;
        let parsed = parse_file(sources, &child_file)?;
        self.add_module(sources, header, &child_file, &child_dirs, &parsed.items)
    }

    /// The root's child named `name`, if any.
    pub fn top_level(&self, name: &str) -> Option<usize> {
        self.modules[0].children.get(name).copied()
    }

    /// Whether module `inner` is `outer` or inside it.
    pub fn is_within(&self, inner: usize, outer: usize) -> bool {
        self.ancestors(inner).any(|m| m == outer)
    }

    /// `module`, its parent, and so on up to the root.
    pub fn ancestors(&self, module: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(module), |&m| self.modules[m].parent)
    }

    /// Follows `path` as written in module `from`. `None` when it does not start in this
    /// crate (a local variable, a generic, `std::..`, another crate).
    pub fn resolve(&self, from: usize, path: &[String]) -> Option<Resolved> {
        let mut through = Vec::new();
        let target = self.walk(from, path, 0, &mut through)?;
        Some(Resolved { target, through })
    }

    /// Follows `path` segment by segment, recording the modules it goes through.
    fn walk(&self, from: usize, path: &[String], depth: usize, through: &mut Vec<usize>) -> Option<Target> {
        let (start, rest, relative) = self.start_of(from, path)?;
        let mut target = Target::Module(start);
        for (i, segment) in rest.iter().enumerate() {
            let Target::Module(module) = target else {
                break; // an item's variants or associated items: the item is the target
            };
            match self.lookup(module, segment, depth, through) {
                Some(Target::External(mut outside)) => {
                    outside.extend(rest[i + 1..].iter().cloned());
                    return Some(Target::External(outside));
                }
                Some(found) => {
                    if let Target::Module(m) = found {
                        through.push(m);
                    }
                    target = found;
                }
                None if i == 0 && relative => return None,
                // Unknown in this module (made by a macro, say): the module is what it uses.
                None => break,
            }
        }
        Some(target)
    }

    /// Where a path starts: the module that `crate`, `self` or `super::super` name, and the
    /// segments after them; a relative path starts in `from` itself.
    fn start_of<'p>(&self, from: usize, path: &'p [String]) -> Option<(usize, &'p [String], bool)> {
        match path.first().map(String::as_str) {
            Some("crate" | "$crate") => Some((0, &path[1..], false)),
            Some("self") => Some((from, &path[1..], false)),
            Some("super") => {
                let supers = path.iter().take_while(|s| *s == "super").count();
                let module = self.ancestors(from).nth(supers)?;
                Some((module, &path[supers..], false))
            }
            Some(_) => Some((from, path, true)),
            None => None,
        }
    }

    /// What `name` means inside `module`: a child module, an item, or an import (followed).
    fn lookup(&self, module: usize, name: &str, depth: usize, through: &mut Vec<usize>) -> Option<Target> {
        if depth > MAX_DEPTH {
            return None;
        }
        let m = &self.modules[module];
        if let Some(&child) = m.children.get(name) {
            return Some(Target::Module(child));
        }
        if m.items.contains_key(name) {
            return Some(Target::Item(module, name.to_string()));
        }
        if let Some(import) = m.imports.iter().find(|i| i.name.as_deref() == Some(name)) {
            let found = self.walk(module, &import.path, depth + 1, through);
            return Some(found.unwrap_or_else(|| Target::External(import.path.clone())));
        }
        self.lookup_in_globs(module, name, depth, through)
    }

    /// `name` as brought in by one of the glob imports (`use x::*`) of `module`.
    fn lookup_in_globs(&self, module: usize, name: &str, depth: usize, through: &mut Vec<usize>) -> Option<Target> {
        for glob in self.modules[module].imports.iter().filter(|i| i.name.is_none()) {
            let mut glob_through = Vec::new();
            if let Some(Target::Module(source)) = self.walk(module, &glob.path, depth + 1, &mut glob_through) {
                if let Some(found) = self.lookup(source, name, depth + 1, &mut glob_through) {
                    through.extend(glob_through);
                    return Some(found);
                }
            }
        }
        None
    }
}

/// What `add_module` needs to know from the declaration of a module.
struct ModuleHeader {
    parent: Option<usize>,
    name: Option<String>,
    public: bool,
    hidden: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::sources_of;

    fn krate(files: &[(&str, &str)]) -> Crate {
        Crate::load(&sources_of(files)).unwrap()
    }

    fn names(krate: &Crate) -> Vec<String> {
        krate.modules.iter().map(Module::name).collect()
    }

    #[test]
    fn modules_are_found_by_their_declarations() {
        let krate = krate(&[
            ("lib.rs", "mod a; mod b; #[path = \"odd/name.rs\"] pub mod c; mod d { mod e; } #[cfg(test)] mod t;"),
            ("a.rs", "mod inner;"),
            ("a/inner.rs", ""),
            ("b/mod.rs", "mod x;"),
            ("b/x.rs", ""),
            ("odd/name.rs", "mod y;"),
            ("odd/y.rs", ""),
            ("d/e.rs", ""),
            ("orphan.rs", "this is not rust, and not compiled"),
        ]);
        let expected = ["crate", "crate::a", "crate::a::inner", "crate::b", "crate::b::x", "crate::c", "crate::c::y"];
        assert_eq!(names(&krate)[..7], expected);
        assert_eq!(names(&krate)[7..], ["crate::d", "crate::d::e"]);
        assert_eq!(krate.modules[5].file, "odd/name.rs");
    }

    #[test]
    fn paths_follow_aliases_and_re_exports() {
        let krate = krate(&[
            ("lib.rs", "mod a; mod b; #[path = \"p.rs\"] pub mod __p; pub(crate) use __p as p; pub use a::A;"),
            ("a.rs", "pub struct A; pub use crate::b::*;"),
            ("b.rs", "pub struct B;"),
            ("p.rs", ""),
        ]);
        let path = |p: &str| p.split("::").map(String::from).collect::<Vec<_>>();
        let b = krate.top_level("b").unwrap();
        let resolved = krate.resolve(b, &path("crate::A")).unwrap();
        assert_eq!(resolved.target, Target::Item(1, "A".into()));
        let resolved = krate.resolve(b, &path("crate::p")).unwrap();
        assert_eq!(resolved.target, Target::Module(krate.top_level("__p").unwrap()));
        let resolved = krate.resolve(0, &path("a::B")).unwrap();
        assert_eq!((resolved.target, resolved.through), (Target::Item(b, "B".into()), vec![1, b]));
        assert!(krate.resolve(b, &path("std::fmt")).is_none());
    }

    #[test]
    fn test_only_code_and_comments_are_not_mentions() {
        let krate = krate(&[(
            "lib.rs",
            "// crate::a::X\nfn f() { let s = \"crate::b\"; crate::c::f(); m!(super::d::Y); }\n\
             #[cfg(test)] fn g() { crate::e::f(); }\n#[cfg(all(test, unix))] mod tests { use crate::f; }",
        )]);
        let mentions: Vec<String> = krate.modules[0].mentions.iter().map(|m| m.path.join("::")).collect();
        assert!(mentions.contains(&"crate::c::f".to_string()), "{mentions:?}");
        assert!(mentions.contains(&"super::d::Y".to_string()), "{mentions:?}");
        assert!(!mentions.iter().any(|m| m.contains("::a") || m.contains("::b") || m.contains("::e")));
        assert!(krate.modules[0].children.is_empty());
    }
}
