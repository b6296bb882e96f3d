//! Size limits: a file or a function past them is too long to hold in mind at once, and is
//! where the next bug hides. Every `.rs` file under a `src/` counts, tests included.

use std::fmt;

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::layout::Sources;

pub const MAX_FILE_LINES: usize = 500;
pub const MAX_FN_LINES: usize = 120;

/// A file or a function over its limit.
#[derive(Debug, PartialEq)]
pub struct Offender {
    /// The file, as `src` (the label given to [`oversized`]) joined with its relative path.
    pub file: String,
    /// The line the function starts on; `None` for the file itself.
    pub line: Option<usize>,
    /// `fn Type::method`, or `file` for the file itself.
    pub what: String,
    pub lines: usize,
    pub limit: usize,
}

impl fmt::Display for Offender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        };
        write!(f, "{place}: {} has {} lines (limit {})", self.what, self.lines, self.limit)
    }
}

/// Every file and function of `sources` over its limit; `src` names the folder in reports.
pub fn oversized(src: &str, sources: &Sources) -> Result<Vec<Offender>, String> {
    let mut offenders = Vec::new();
    for (path, text) in sources {
        let file = format!("{src}/{path}");
        let lines = text.lines().count();
        if lines > MAX_FILE_LINES {
            offenders.push(Offender {
                file: file.clone(),
                line: None,
                what: "file".into(),
                lines,
                limit: MAX_FILE_LINES,
            });
        }
        let parsed = syn::parse_file(text).map_err(|e| format!("{file}:{}: {e}", e.span().start().line))?;
        for function in function_lengths(&parsed).into_iter().filter(|f| f.lines > MAX_FN_LINES) {
            let what = format!("fn {}", function.name);
            let line = Some(function.first_line);
            offenders.push(Offender { file: file.clone(), line, what, lines: function.lines, limit: MAX_FN_LINES });
        }
    }
    Ok(offenders)
}

/// A function's name (with the type, trait or function it is in) and its length.
#[derive(Debug, PartialEq)]
pub struct FnLength {
    pub name: String,
    pub first_line: usize,
    pub lines: usize,
}

/// The length of every function with a body in a file: free functions, methods, default
/// methods of traits, and functions inside functions. Closures are part of their function.
pub fn function_lengths(file: &syn::File) -> Vec<FnLength> {
    let mut finder = FnFinder { owners: Vec::new(), found: Vec::new() };
    finder.visit_file(file);
    finder.found
}

/// Walks a file, knowing which impl, trait or function it is in.
struct FnFinder {
    owners: Vec<String>,
    found: Vec<FnLength>,
}

impl FnFinder {
    /// Records a function from its first line (its visibility or `fn`, after attributes and
    /// doc comments) to its closing brace, then looks inside it.
    fn record(&mut self, ident: &syn::Ident, first_line: usize, body: &syn::Block, visit_body: impl FnOnce(&mut Self)) {
        let last_line = body.brace_token.span.close().end().line;
        let name = self.owners.iter().chain([&ident.to_string()]).cloned().collect::<Vec<_>>().join("::");
        self.found.push(FnLength { name, first_line, lines: last_line - first_line + 1 });
        self.owners.push(ident.to_string());
        visit_body(self);
        self.owners.pop();
    }
}

/// The first line of a function: its visibility if it has one, else its signature.
fn first_line(vis: &syn::Visibility, sig: &syn::Signature) -> usize {
    match vis {
        syn::Visibility::Inherited => sig.span().start().line,
        _ => vis.span().start().line,
    }
}

/// How reports name the type of an `impl`: `Runner` for `impl<T> Trait for Runner<T>`.
fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => "impl".to_string(),
    }
}

impl<'ast> Visit<'ast> for FnFinder {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let line = first_line(&item.vis, &item.sig);
        self.record(&item.sig.ident, line, &item.block, |me| visit::visit_item_fn(me, item));
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        let line = match item.defaultness {
            Some(default) => default.span.start().line.min(first_line(&item.vis, &item.sig)),
            None => first_line(&item.vis, &item.sig),
        };
        self.record(&item.sig.ident, line, &item.block, |me| visit::visit_impl_item_fn(me, item));
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        if let Some(body) = &item.default {
            let line = item.sig.span().start().line;
            self.record(&item.sig.ident, line, body, |me| visit::visit_trait_item_fn(me, item));
        }
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        self.owners.push(type_name(&item.self_ty));
        visit::visit_item_impl(self, item);
        self.owners.pop();
    }

    fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
        self.owners.push(item.ident.to_string());
        visit::visit_item_trait(self, item);
        self.owners.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::sources_of;

    fn lengths(text: &str) -> Vec<(String, usize, usize)> {
        let lengths = function_lengths(&syn::parse_file(text).unwrap());
        lengths.into_iter().map(|f| (f.name, f.first_line, f.lines)).collect()
    }

    #[test]
    fn functions_are_measured_from_their_signature_to_their_closing_brace() {
        let text = "/// Doc\n#[inline]\npub fn free(\n    a: u8,\n) {\n    let c = || {\n        1\n    };\n}\n\
                    struct S;\nimpl<T> Tr for &S {\n    fn method(&self) {}\n}\n\
                    trait Tr {\n    fn required(&self);\n    /// Doc\n    fn provided(&self) {\n        fn inner() {}\n    }\n}\n";
        let expected = [
            ("free".to_string(), 3, 7),
            ("S::method".to_string(), 12, 1),
            ("Tr::provided".to_string(), 17, 3),
            ("Tr::provided::inner".to_string(), 18, 1),
        ];
        assert_eq!(lengths(text), expected);
    }

    #[test]
    fn long_files_and_functions_are_reported() {
        let long_fn = format!("fn long() {{\n{}}}\n", "    let x = 1;\n".repeat(MAX_FN_LINES - 1));
        let long_file = "// line\n".repeat(MAX_FILE_LINES + 1);
        let fine_fn = format!("fn fine() {{\n{}}}\n", "    let x = 1;\n".repeat(MAX_FN_LINES - 2));
        let sources = sources_of(&[("a.rs", &long_fn), ("b/c.rs", &long_file), ("d.rs", &fine_fn)]);
        let offenders: Vec<String> = oversized("src", &sources).unwrap().iter().map(|o| o.to_string()).collect();
        assert_eq!(
            offenders,
            ["src/a.rs:1: fn long has 121 lines (limit 120)", "src/b/c.rs: file has 501 lines (limit 500)"]
        );
    }
}
