//! What `syn`'s tree of a module says, in the terms the checks need: the names it defines,
//! the names it imports, the paths its code mentions, and which attributes hide an item or
//! keep it out of normal builds.

use proc_macro2::{TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

/// An item a module defines (not a `mod`, not a `use`).
#[derive(Debug)]
pub struct Item {
    /// `struct`, `enum`, `trait`, `fn`, `type`, `const`, `static`, `union` or `macro`.
    pub kind: &'static str,
    /// Declared `pub` (not `pub(crate)` and the like).
    pub public: bool,
    /// Marked `#[doc(hidden)]`.
    pub hidden: bool,
}

/// One name brought in by a `use` declaration at module level.
#[derive(Debug)]
pub struct Import {
    /// The name it binds (after `as`), or `None` for a glob (`use x::*`).
    pub name: Option<String>,
    /// The path as written (`crate`, `self`, `super` included).
    pub path: Vec<String>,
    pub public: bool,
    pub hidden: bool,
}

/// A path mentioned anywhere in a module's own code (its child modules have their own).
#[derive(Debug, Clone)]
pub struct Mention {
    pub path: Vec<String>,
    pub line: usize,
}

/// The name and description of an item that defines a name (not `mod`, `use`, `impl`).
pub fn defined_item(item: &syn::Item) -> Option<(String, Item)> {
    use syn::Item as I;
    let (ident, vis, attrs, kind) = match item {
        I::Struct(i) => (&i.ident, &i.vis, &i.attrs, "struct"),
        I::Enum(i) => (&i.ident, &i.vis, &i.attrs, "enum"),
        I::Union(i) => (&i.ident, &i.vis, &i.attrs, "union"),
        I::Trait(i) => (&i.ident, &i.vis, &i.attrs, "trait"),
        I::TraitAlias(i) => (&i.ident, &i.vis, &i.attrs, "trait"),
        I::Type(i) => (&i.ident, &i.vis, &i.attrs, "type"),
        I::Const(i) => (&i.ident, &i.vis, &i.attrs, "const"),
        I::Static(i) => (&i.ident, &i.vis, &i.attrs, "static"),
        I::Fn(i) => (&i.sig.ident, &i.vis, &i.attrs, if is_proc_macro(&i.attrs) { "macro" } else { "fn" }),
        _ => return None,
    };
    let item = Item { kind, public: matches!(vis, syn::Visibility::Public(_)), hidden: is_doc_hidden(attrs) };
    Some((ident.to_string(), item))
}

/// A function of a proc-macro crate that defines a macro.
fn is_proc_macro(attrs: &[syn::Attribute]) -> bool {
    ["proc_macro", "proc_macro_attribute", "proc_macro_derive"].iter().any(|name| has_path_attr(attrs, name))
}

pub fn has_path_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

/// `#[doc(hidden)]`.
pub fn is_doc_hidden(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("doc")
            && matches!(&a.meta, syn::Meta::List(list) if list.tokens.clone().into_iter().any(
                |t| matches!(t, TokenTree::Ident(i) if i == "hidden")))
    })
}

/// `#[cfg(test)]`, `#[cfg(doctest)]`, or an `all(..)` that requires one of them: code that a
/// normal build of the crate does not contain.
pub fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("cfg")).any(|a| match &a.meta {
        syn::Meta::List(list) => requires_test(list.tokens.clone()),
        _ => false,
    })
}

fn requires_test(predicate: TokenStream) -> bool {
    let tokens: Vec<TokenTree> = predicate.into_iter().collect();
    match tokens.as_slice() {
        [TokenTree::Ident(i)] => i == "test" || i == "doctest",
        [TokenTree::Ident(all), TokenTree::Group(args)] if all == "all" => {
            split_on_commas(args.stream()).into_iter().any(requires_test)
        }
        _ => false,
    }
}

fn split_on_commas(tokens: TokenStream) -> Vec<TokenStream> {
    let mut parts = vec![TokenStream::new()];
    for token in tokens {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(TokenStream::new()),
            _ => parts.last_mut().unwrap().extend([token]),
        }
    }
    parts
}

/// The attributes of any item.
pub fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    use syn::Item as I;
    match item {
        I::Const(i) => &i.attrs,
        I::Enum(i) => &i.attrs,
        I::ExternCrate(i) => &i.attrs,
        I::Fn(i) => &i.attrs,
        I::ForeignMod(i) => &i.attrs,
        I::Impl(i) => &i.attrs,
        I::Macro(i) => &i.attrs,
        I::Mod(i) => &i.attrs,
        I::Static(i) => &i.attrs,
        I::Struct(i) => &i.attrs,
        I::Trait(i) => &i.attrs,
        I::TraitAlias(i) => &i.attrs,
        I::Type(i) => &i.attrs,
        I::Union(i) => &i.attrs,
        I::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The names a `use` declaration binds.
pub fn imports_of(used: &syn::ItemUse) -> Vec<Import> {
    let public = matches!(used.vis, syn::Visibility::Public(_));
    let hidden = is_doc_hidden(&used.attrs);
    let mut leaves = Vec::new();
    use_leaves(&used.tree, &mut Vec::new(), &mut leaves);
    leaves.into_iter().map(|(path, name, _)| Import { name, path, public, hidden }).collect()
}

/// Flattens a use tree into `(path, bound name or None for a glob, line)`: `crate::{a::B, c as
/// D, e::{self}}` gives `crate::a::B` as `B`, `crate::c` as `D`, `crate::e` as `e`.
fn use_leaves(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, Option<String>, usize)>) {
    let line = tree.span().start().line;
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_leaves(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => out.push(leaf(prefix, &n.ident, &n.ident, line)),
        syn::UseTree::Rename(r) => out.push(leaf(prefix, &r.ident, &r.rename, line)),
        syn::UseTree::Glob(_) => out.push((prefix.clone(), None, line)),
        syn::UseTree::Group(g) => g.items.iter().for_each(|item| use_leaves(item, prefix, out)),
    }
}

/// One named leaf of a use tree; `self` stands for the path before it.
fn leaf(
    prefix: &[String],
    ident: &syn::Ident,
    bound: &syn::Ident,
    line: usize,
) -> (Vec<String>, Option<String>, usize) {
    let mut path = prefix.to_vec();
    if ident != "self" {
        path.push(ident.to_string());
    }
    let name = if bound == "self" { prefix.last().cloned() } else { Some(bound.to_string()) };
    (path, name, line)
}

/// Every path mentioned in these items, except inside child modules and test-only code.
pub fn mentions_in(items: &[syn::Item]) -> Vec<Mention> {
    let mut finder = MentionFinder { found: Vec::new() };
    items.iter().for_each(|item| finder.visit_item(item));
    finder.found
}

/// Collects paths: in code and types (`visit_path`), in `use` trees, and in macro arguments,
/// which syn leaves as tokens (there, only paths starting with `crate`, `self` or `super`).
struct MentionFinder {
    found: Vec<Mention>,
}

impl<'ast> Visit<'ast> for MentionFinder {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !matches!(item, syn::Item::Mod(_)) && !is_test_only(item_attrs(item)) {
            visit::visit_item(self, item);
        }
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let attrs = match item {
            syn::ImplItem::Const(i) => &i.attrs,
            syn::ImplItem::Fn(i) => &i.attrs,
            syn::ImplItem::Type(i) => &i.attrs,
            _ => return visit::visit_impl_item(self, item),
        };
        if !is_test_only(attrs) {
            visit::visit_impl_item(self, item);
        }
    }

    fn visit_item_use(&mut self, used: &'ast syn::ItemUse) {
        let mut leaves = Vec::new();
        use_leaves(&used.tree, &mut Vec::new(), &mut leaves);
        self.found.extend(leaves.into_iter().map(|(path, _, line)| Mention { path, line }));
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.found.push(Mention { path: segments, line: path.span().start().line });
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        visit::visit_macro(self, mac);
        paths_in_tokens(mac.tokens.clone(), &mut self.found);
    }
}

/// Paths like `crate::a::B`, `$crate::a`, `super::b` in unparsed tokens.
fn paths_in_tokens(tokens: TokenStream, out: &mut Vec<Mention>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Group(group) => paths_in_tokens(group.stream(), out),
            TokenTree::Ident(ident) if ["crate", "self", "super"].contains(&ident.to_string().as_str()) => {
                let mut path = vec![ident.to_string()];
                while let [TokenTree::Punct(a), TokenTree::Punct(b), TokenTree::Ident(next), ..] = &tokens[i + 1..] {
                    if a.as_char() != ':' || b.as_char() != ':' {
                        break;
                    }
                    path.push(next.to_string());
                    i += 3;
                }
                if path.len() > 1 {
                    out.push(Mention { path, line: ident.span().start().line });
                }
            }
            _ => {}
        }
        i += 1;
    }
}
