//! Where a crate's modules are written: its source files, and which file a `mod`
//! declaration leads to, with rustc's rules.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// The source files of a crate, by path relative to its `src/` with `/` separators
/// (`lib.rs`, `run/mod.rs`, ...). Kept in memory so that tests can build fake crates.
pub type Sources = BTreeMap<String, String>;

/// Reads every `.rs` file under `dir`, recursively.
pub fn read_sources(dir: &Path) -> Sources {
    let mut sources = Sources::new();
    read_dir_into(dir, "", &mut sources);
    sources
}

fn read_dir_into(dir: &Path, prefix: &str, sources: &mut Sources) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            read_dir_into(&path, &format!("{prefix}{name}/"), sources);
        } else if name.ends_with(".rs") {
            let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            sources.insert(format!("{prefix}{name}"), text);
        }
    }
}

/// Builds sources from `(path, text)` pairs: the fake crates of unit tests.
pub fn sources_of(files: &[(&str, &str)]) -> Sources {
    files.iter().map(|(path, text)| (path.to_string(), text.to_string())).collect()
}

/// Parses one file of `sources`, with an error that names it.
pub fn parse_file(sources: &Sources, path: &str) -> Result<syn::File, String> {
    let text = sources.get(path).ok_or_else(|| format!("{path}: file not found"))?;
    syn::parse_file(text).map_err(|e| format!("{path}:{}: {e}", e.span().start().line))
}

/// Where the `mod` declarations of a module look for files.
#[derive(Clone)]
pub struct Dirs {
    /// For `mod m;`: `m.rs` or `m/mod.rs` in this directory.
    pub children: String,
    /// For `#[path = "p"] mod m;`: `p` relative to this directory.
    pub path_base: String,
}

/// The file of `mod name;`, and where that file's own `mod` declarations look, following
/// rustc: a `#[path]` is relative to the declaring file's directory (or the inline modules'
/// directories around it) and its file owns its directory like a `mod.rs`; otherwise `name.rs`
/// (whose children go in `name/`) or `name/mod.rs`.
pub fn locate_module_file(
    sources: &Sources,
    dirs: &Dirs,
    name: &str,
    attrs: &[syn::Attribute],
) -> Option<(String, Dirs)> {
    if let Some(path) = path_attr(attrs) {
        let file = normalize(&join(&dirs.path_base, &path));
        let dir = parent_dir(&file);
        return sources.contains_key(&file).then(|| (file, Dirs { children: dir.clone(), path_base: dir }));
    }
    let flat = join(&dirs.children, &format!("{name}.rs"));
    if sources.contains_key(&flat) {
        let own_dir = join(&dirs.children, name);
        return Some((flat, Dirs { children: own_dir, path_base: dirs.children.clone() }));
    }
    let folder = join(&dirs.children, &format!("{name}/mod.rs"));
    let dir = join(&dirs.children, name);
    sources.contains_key(&folder).then(|| (folder, Dirs { children: dir.clone(), path_base: dir }))
}

pub fn join(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        rest.to_string()
    } else {
        format!("{dir}/{rest}")
    }
}

fn parent_dir(file: &str) -> String {
    file.rsplit_once('/').map(|(dir, _)| dir.to_string()).unwrap_or_default()
}

/// Resolves `.` and `..` in a relative path.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

/// The value of `#[path = ".."]`, if any.
fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find(|a| a.path().is_ident("path")).and_then(|a| match &a.meta {
        syn::Meta::NameValue(syn::MetaNameValue {
            value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }),
            ..
        }) => Some(s.value()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locate(files: &[&str], dirs: (&str, &str), declaration: &str) -> Option<(String, String)> {
        let sources = files.iter().map(|f| (f.to_string(), String::new())).collect();
        let dirs = Dirs { children: dirs.0.to_string(), path_base: dirs.1.to_string() };
        let declared: syn::ItemMod = syn::parse_str(declaration).unwrap();
        let (file, inner) = locate_module_file(&sources, &dirs, &declared.ident.to_string(), &declared.attrs)?;
        Some((file, inner.children))
    }

    #[test]
    fn a_module_file_is_found_as_rustc_finds_it() {
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        // `mod m;` in `a.rs`: `a/m.rs`, whose children go in `a/m/`; or `a/m/mod.rs`.
        assert_eq!(locate(&["a/m.rs"], ("a", ""), "mod m;"), pair("a/m.rs", "a/m"));
        assert_eq!(locate(&["a/m/mod.rs"], ("a", ""), "mod m;"), pair("a/m/mod.rs", "a/m"));
        // `#[path]` in `a/mod.rs` is relative to `a/`, and the file owns its own directory.
        let with_path = "#[path = \"../shared/x.rs\"] mod m;";
        assert_eq!(locate(&["shared/x.rs"], ("a", "a"), with_path), pair("shared/x.rs", "shared"));
        assert_eq!(locate(&["a/x.rs"], ("a", ""), "mod m;"), None);
    }
}
