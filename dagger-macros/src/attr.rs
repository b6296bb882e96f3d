//! The macros' own attributes, read into typed values: the options of `#[task(...)]`, the
//! absence of options of `#[dag]`, and `#[default(..)]` on DAG parameters. The vocabulary of
//! `options(key = value, ..)`, the settings of the cluster runtimes, is in `options`.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Lit, Meta, MetaList, Path, Token};

use crate::ctxt::Ctxt;

mod options;

const TASK_OPTIONS_HELP: &str = "unknown task option; the options are `partitioned` (each item of the returned collection is one partition), `keyed` (with `partitioned`: each item is a `(key, value)` pair, the key naming the partition), `partitioned(0, ..)` (these fields of the returned tuple are partitioned), `format = F` (how the output is written to files: `Json`, `Binary`, or a type of yours that implements `dagger_core::Format`), `name = \"...\"` (the node's name), `version = \"...\"` (the version of the task's code, instead of a hash of it), `cache = false` (never reuse a stored output: the task is not a pure function of its inputs) and `options(key = value, ...)` (settings for the cluster runtimes: `cpu`, `memory`, `gpu`, `timeout`, `retries`, `image`, ...)";

/// The options of `#[task(...)]` as written. `partitioned` and `partitioned(0, ..)` stay apart
/// here: only with the return type can `ast` tell which partitioning they mean.
#[derive(Default)]
pub struct TaskAttrs {
    /// `partitioned`: each item of the returned collection is one partition.
    pub partitioned: bool,
    /// `partitioned(0, 2)`: these fields of the returned tuple are partitioned.
    pub partitioned_fields: Vec<usize>,
    /// `keyed`: with `partitioned`, each item is a `(key, value)` pair.
    pub keyed: Option<Path>,
    pub format: Option<Path>,
    /// `name = "..."`: only letters, digits, `-` and `_`, as it becomes a folder name and a
    /// cluster job name.
    pub name: Option<String>,
    /// `version = "..."`: the version of the task's code, instead of a hash of its tokens.
    pub version: Option<String>,
    /// `cache = false`: a stored output of the task is never reused.
    pub cache: Option<bool>,
    /// `options(key = value, ..)`: keys of the vocabulary, values checked and stored as text.
    pub options: Vec<(String, String)>,
}

pub fn task(cx: &mut Ctxt, attr: TokenStream) -> TaskAttrs {
    let mut attrs = TaskAttrs::default();
    match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr) {
        Ok(metas) => metas.iter().for_each(|meta| attrs.read(cx, meta)),
        Err(error) => cx.push(error),
    }
    attrs
}

impl TaskAttrs {
    fn read(&mut self, cx: &mut Ctxt, meta: &Meta) {
        match meta {
            Meta::Path(path) if path.is_ident("partitioned") => self.partitioned = true,
            Meta::Path(path) if path.is_ident("keyed") => self.keyed = Some(path.clone()),
            Meta::List(list) if list.path.is_ident("partitioned") => self.read_partitioned_fields(cx, list),
            Meta::NameValue(nv) if nv.path.is_ident("name") => match &nv.value {
                Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) if valid_node_name(&lit.value()) => {
                    self.name = Some(lit.value());
                }
                value => {
                    cx.error(value, "`name` is a string of letters, digits, `-` and `_`: `name = \"train-model\"`")
                }
            },
            Meta::NameValue(nv) if nv.path.is_ident("version") => match &nv.value {
                Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => self.version = Some(lit.value()),
                value => cx.error(value, "`version` is a string: `version = \"2\"`"),
            },
            Meta::NameValue(nv) if nv.path.is_ident("cache") => match &nv.value {
                Expr::Lit(ExprLit { lit: Lit::Bool(lit), .. }) => self.cache = Some(lit.value),
                value => cx.error(value, "`cache` is `true` or `false`: `cache = false`"),
            },
            Meta::List(list) if list.path.is_ident("options") => options::read(cx, list, &mut self.options),
            Meta::NameValue(nv) if nv.path.is_ident("format") => match &nv.value {
                Expr::Path(path) => self.format = Some(path.path.clone()),
                value => {
                    cx.error(value, "`format` names a type that implements `dagger_core::Format`: `format = Binary`")
                }
            },
            _ => cx.error(meta, TASK_OPTIONS_HELP),
        }
    }

    fn read_partitioned_fields(&mut self, cx: &mut Ctxt, list: &MetaList) {
        match list.parse_args_with(Punctuated::<syn::LitInt, Token![,]>::parse_terminated) {
            Ok(indices) => {
                for index in indices {
                    match index.base10_parse::<usize>() {
                        Ok(index) => self.partitioned_fields.push(index),
                        Err(error) => cx.push(error),
                    }
                }
            }
            Err(_) => cx.error(
                list,
                "`partitioned(0, 2)` names the partitioned fields of the tuple the task returns, by position",
            ),
        }
    }
}

fn valid_node_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Parameters are declared by the function's signature; `#[dag]` has nothing to add.
pub fn dag(cx: &mut Ctxt, attr: &TokenStream) {
    if !attr.is_empty() {
        cx.error(attr, "`#[dag]` takes no options");
    }
}

/// A task parameter takes whatever a node hands it; defaults are given where the DAG is called.
pub fn task_param(cx: &mut Ctxt, attrs: &[Attribute]) {
    if let Some(attr) = attrs.first() {
        cx.error(attr, "a task parameter takes no attribute; defaults belong to DAG parameters");
    }
}

/// `#[default(value)]` on a DAG parameter: the value the parameter takes when a call or a run
/// leaves it out.
pub fn default(cx: &mut Ctxt, attrs: &[Attribute]) -> Option<Expr> {
    let mut default = None;
    for attr in attrs {
        if attr.path().is_ident("default") {
            match attr.parse_args::<Expr>() {
                Ok(expr) => default = Some(expr),
                Err(error) => cx.push(error),
            }
        } else {
            cx.error(attr, "unknown attribute on a DAG parameter; the only one is `#[default(value)]`");
        }
    }
    default
}
