//! From syn's tree to the [model](crate::model), with every syntactic mistake reported at its
//! tokens. No code is generated here.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Ident, ItemFn, Meta, Pat, ReturnType, Signature, Token, Type};

use crate::ctxt::Ctxt;
use crate::model::{Arg, Body, Dag, DagOutput, DagParam, Field, Node, Partitioning, Stmt, Task, TaskOutput, TaskParam};

pub fn task(attr: TokenStream, item: &ItemFn) -> syn::Result<Task> {
    let mut cx = Ctxt::default();
    let mut partitioned = false;
    let mut format = None;
    let mut name = None;
    let mut options = Vec::new();
    let mut partitioned_fields = Vec::new();
    match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr) {
        Ok(metas) => {
            for meta in metas {
                match &meta {
                    Meta::Path(path) if path.is_ident("partitioned") => partitioned = true,
                    Meta::List(list) if list.path.is_ident("partitioned") => {
                        match list.parse_args_with(Punctuated::<syn::LitInt, Token![,]>::parse_terminated) {
                            Ok(indices) => {
                                for index in indices {
                                    match index.base10_parse::<usize>() {
                                        Ok(index) => partitioned_fields.push(index),
                                        Err(error) => cx.push(error),
                                    }
                                }
                            }
                            Err(_) => cx.error(list, "`partitioned(0, 2)` names the partitioned fields of the tuple the task returns, by position"),
                        }
                    }
                    Meta::NameValue(nv) if nv.path.is_ident("name") => match &nv.value {
                        Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) if valid_node_name(&lit.value()) => {
                            name = Some(lit.value());
                        }
                        value => cx.error(value, "`name` is a string of letters, digits, `-` and `_`: `name = \"train-model\"`"),
                    },
                    Meta::List(list) if list.path.is_ident("options") => {
                        match list.parse_args_with(Punctuated::<syn::MetaNameValue, Token![,]>::parse_terminated) {
                            Ok(pairs) => {
                                for pair in pairs {
                                    let key = pair.path.get_ident().map(ToString::to_string);
                                    let value = match &pair.value {
                                        Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) => Some(lit.value()),
                                        Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(lit), .. }) => Some(lit.base10_digits().to_string()),
                                        Expr::Lit(syn::ExprLit { lit: syn::Lit::Float(lit), .. }) => Some(lit.base10_digits().to_string()),
                                        Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(lit), .. }) => Some(lit.value.to_string()),
                                        _ => None,
                                    };
                                    match (key, value) {
                                        (Some(key), Some(value)) => options.push((key, value)),
                                        _ => cx.error(&pair, "an option is `key = literal`: `options(cpu = \"4\", retries = 3)`"),
                                    }
                                }
                            }
                            Err(error) => cx.push(error),
                        }
                    }
                    Meta::NameValue(nv) if nv.path.is_ident("format") => match &nv.value {
                        Expr::Path(path) => format = Some(path.path.clone()),
                        value => cx.error(value, "`format` names a type that implements `dagger_core::Format`: `format = Binary`"),
                    },
                    _ => cx.error(&meta, "unknown task option; the options are `partitioned` (each item of the returned collection is one partition), `partitioned(0, ..)` (these fields of the returned tuple are partitioned), `format = F` (how the output is written to files: `Json`, `Binary`, or a type of yours that implements `dagger_core::Format`), `name = \"...\"` (the node's name) and `options(key = value, ...)` (settings for the runtimes: resources, retries)"),
                }
            }
        }
        Err(error) => cx.push(error),
    }
    check_signature(&mut cx, &item.sig, "task");
    let mut params = Vec::new();
    for input in &item.sig.inputs {
        let FnArg::Typed(arg) = input else { continue };
        if let Some(attr) = arg.attrs.first() {
            cx.error(attr, "a task parameter takes no attribute; defaults belong to DAG parameters");
        }
        let name = match &*arg.pat {
            Pat::Ident(ident) => ident.ident.to_string(),
            _ => format!("arg{}", params.len()),
        };
        params.push(task_param(&mut cx, name, &arg.ty));
    }
    let output = match &item.sig.output {
        ReturnType::Default => TaskOutput { ty: syn::parse_quote!(()), fallible: false },
        ReturnType::Type(_, ty) => TaskOutput { ty: (**ty).clone(), fallible: last_segment_is(ty, "Result") },
    };
    let partitioning = partitioning(&mut cx, partitioned, &partitioned_fields, &output);
    if let Type::ImplTrait(_) = &output.ty {
        match &partitioning {
            Partitioning::Items { item: Some(_) } => {}
            Partitioning::Items { item: None } => cx.error(
                &output.ty,
                "a partitioned task that returns `impl Trait` names the item type: `impl Iterator<Item = T>`",
            ),
            Partitioning::Whole | Partitioning::Fields(_) => {
                cx.error(&output.ty, "a task returns a concrete type: the value is stored between nodes")
            }
        }
    }
    cx.finish(Task {
        item: item.clone(),
        name: item.sig.ident.clone(),
        vis: item.vis.clone(),
        partitioning,
        format,
        node_name: name,
        options,
        params,
        output,
    })
}

/// `partitioned` and `partitioned(0, ..)` read against the return type: one of the two, and
/// only fields the returned tuple has.
fn partitioning(cx: &mut Ctxt, partitioned: bool, fields: &[usize], output: &TaskOutput) -> Partitioning {
    let items = || Partitioning::Items { item: impl_iterator_item(&output.ty) };
    if fields.is_empty() {
        return if partitioned { items() } else { Partitioning::Whole };
    }
    let Some(types) = tuple_fields(output) else {
        cx.error(
            &output.ty,
            "`partitioned(0, ...)` applies to a task that returns a tuple, such as `(Vec<Row>, Stats)`",
        );
        return if partitioned { items() } else { Partitioning::Whole };
    };
    for &index in fields {
        if index >= types.len() {
            cx.error(&output.ty, format!("the returned tuple has no field {index}"));
        }
    }
    if partitioned {
        cx.error(&output.ty, "a task is either `partitioned` (each item of its output is one partition) or has partitioned fields, `partitioned(0)`");
    }
    let fields = types.into_iter().enumerate().map(|(i, ty)| Field { ty, partitioned: fields.contains(&i) });
    Partitioning::Fields(fields.collect())
}

fn task_param(cx: &mut Ctxt, name: String, ty: &Type) -> TaskParam {
    match ty {
        Type::Reference(reference) => {
            if reference.mutability.is_some() {
                cx.error(
                    ty,
                    "a task cannot take `&mut`: values between nodes are shared; take the value (`T`) to own a copy",
                );
            }
            let stored = match &*reference.elem {
                Type::Path(path) if path.path.is_ident("str") => {
                    syn::parse_quote!(::std::string::String)
                }
                Type::Slice(slice) => {
                    let elem = &slice.elem;
                    syn::parse_quote!(::std::vec::Vec<#elem>)
                }
                elem => elem.clone(),
            };
            TaskParam { name, stored, by_ref: true }
        }
        Type::ImplTrait(_) => {
            cx.error(ty, "a task parameter has a concrete type: values between nodes are stored");
            TaskParam { name, stored: ty.clone(), by_ref: false }
        }
        _ => TaskParam { name, stored: ty.clone(), by_ref: false },
    }
}

/// The field types of a task's tuple output (the `Ok` type of a `Result`).
fn tuple_fields(output: &TaskOutput) -> Option<Vec<Type>> {
    let ty = if output.fallible {
        let Type::Path(path) = &output.ty else { return None };
        let syn::PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else { return None };
        match args.args.first()? {
            syn::GenericArgument::Type(ty) => ty.clone(),
            _ => return None,
        }
    } else {
        output.ty.clone()
    };
    match ty {
        Type::Tuple(tuple) if !tuple.elems.is_empty() => Some(tuple.elems.into_iter().collect()),
        _ => None,
    }
}

/// `name` in `name = value`.
fn plain_name(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        _ => None,
    }
}

/// Node names become folder names and cluster job names.
fn valid_node_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `T` in `impl Iterator<Item = T>` or `impl IntoIterator<Item = T> + Send`.
fn impl_iterator_item(ty: &Type) -> Option<Type> {
    let Type::ImplTrait(bounds) = ty else { return None };
    bounds.bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let segment = bound.path.segments.last()?;
        if segment.ident != "Iterator" && segment.ident != "IntoIterator" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::AssocType(assoc) if assoc.ident == "Item" => Some(assoc.ty.clone()),
            _ => None,
        })
    })
}

fn check_signature(cx: &mut Ctxt, sig: &Signature, what: &str) {
    if let Some(token) = &sig.asyncness {
        cx.error(token, format!("a {what} is a plain function, not `async`: the runtime runs it on a thread pool"));
    }
    if let Some(token) = &sig.unsafety {
        cx.error(token, format!("a {what} cannot be `unsafe`"));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error(&sig.generics, format!("a {what} cannot be generic: values between nodes have concrete types"));
    }
    if let Some(variadic) = &sig.variadic {
        cx.error(variadic, format!("a {what} cannot be variadic"));
    }
    for input in &sig.inputs {
        if let FnArg::Receiver(receiver) = input {
            cx.error(receiver, format!("a {what} is a free function, not a method"));
        }
    }
}

fn last_segment_is(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(path) => path.qself.is_none() && path.path.segments.last().is_some_and(|s| s.ident == name),
        _ => false,
    }
}

pub fn dag(attr: TokenStream, item: &ItemFn) -> syn::Result<Dag> {
    let mut cx = Ctxt::default();
    if !attr.is_empty() {
        cx.error(&attr, "`#[dag]` takes no options");
    }
    check_signature(&mut cx, &item.sig, "DAG");
    let mut params = Vec::new();
    for input in &item.sig.inputs {
        let FnArg::Typed(arg) = input else { continue };
        let name = match &*arg.pat {
            Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => ident.ident.clone(),
            pat => {
                cx.error(pat, "a DAG parameter is a plain name");
                continue;
            }
        };
        let mut default = None;
        for attr in &arg.attrs {
            if attr.path().is_ident("default") {
                match attr.parse_args::<Expr>() {
                    Ok(expr) => default = Some(expr),
                    Err(error) => cx.push(error),
                }
            } else {
                cx.error(attr, "unknown attribute on a DAG parameter; the only one is `#[default(value)]`");
            }
        }
        if let Type::Reference(_) | Type::ImplTrait(_) = &*arg.ty {
            cx.error(&arg.ty, "a DAG parameter is an owned value: it is stored and passed to every node that reads it");
        }
        params.push(DagParam { name, ty: (*arg.ty).clone(), default });
    }
    let output = match &item.sig.output {
        ReturnType::Default => DagOutput::Unit,
        ReturnType::Type(_, ty) => match &**ty {
            Type::Tuple(tuple) if tuple.elems.is_empty() => DagOutput::Unit,
            ty => DagOutput::Value { ty: Box::new(ty.clone()), partitioned: last_segment_is(ty, "Partitioned") },
        },
    };
    let mut parser = BodyParser { cx: &mut cx, dag: &item.sig.ident, callees: Vec::new() };
    let mut scope: Vec<Ident> = params.iter().map(|p| p.name.clone()).collect();
    let body = parser.body(&item.block.stmts, item.block.brace_token.span.close(), &mut scope);
    let callees = parser.callees;
    cx.finish(Dag {
        attrs: item.attrs.clone(),
        name: item.sig.ident.clone(),
        vis: item.vis.clone(),
        params,
        output,
        body,
        callees,
    })
}

const BODY_HELP: &str = "a DAG body declares nodes: `let` bindings of task calls, maps (`parts.map(|part| ...)`) and constants, then the output as its last expression";

struct BodyParser<'a> {
    cx: &'a mut Ctxt,
    dag: &'a Ident,
    callees: Vec<syn::Path>,
}

impl BodyParser<'_> {
    fn body(&mut self, stmts: &[syn::Stmt], end: Span, scope: &mut Vec<Ident>) -> Body {
        let depth = scope.len();
        let mut out = Vec::new();
        let mut tail = None;
        let mut tail_span = end;
        for (i, stmt) in stmts.iter().enumerate() {
            let last = i + 1 == stmts.len();
            match stmt {
                syn::Stmt::Local(local) => {
                    let Some(init) = &local.init else {
                        self.cx.error(local, "a `let` in a DAG body binds a value: `let x = task(...);`");
                        continue;
                    };
                    if let Some((_, diverge)) = &init.diverge {
                        self.cx.error(diverge, "`let ... else` is not allowed in a DAG body");
                        continue;
                    }
                    let (pat, ty) = match &local.pat {
                        Pat::Type(typed) => ((*typed.pat).clone(), Some((*typed.ty).clone())),
                        pat => (pat.clone(), None),
                    };
                    match self.node(&init.expr, scope) {
                        Some(value) => match &pat {
                            Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                                scope.push(ident.ident.clone());
                                out.push(Stmt::Let { pat, ty, value });
                            }
                            Pat::Tuple(_) | Pat::Struct(_) if ty.is_none() => match self.fields(&pat) {
                                Some(fields) => {
                                    scope.extend(fields.iter().map(|(_, name)| name.clone()));
                                    out.push(Stmt::Destructure { value, fields });
                                }
                                None => continue,
                            },
                            _ => {
                                self.cx.error(&pat, "bind the output of a node to one name, `let x = task(...);`, or its fields to names, `let (a, b) = task(...);`");
                                continue;
                            }
                        },
                        None => {
                            // A plain Rust value: a constant for the calls that use it.
                            if let Pat::Ident(ident) = &pat {
                                scope.retain(|bound| *bound != ident.ident);
                            }
                            out.push(Stmt::Plain(stmt.clone()));
                        }
                    }
                }
                syn::Stmt::Item(_) => out.push(Stmt::Plain(stmt.clone())),
                syn::Stmt::Expr(expr, semi) => match (self.node(expr, scope), semi) {
                    (Some(node), Some(_)) => out.push(Stmt::Node(node)),
                    (Some(node), None) if last => {
                        tail_span = expr.span();
                        tail = Some(node);
                    }
                    (None, _) => self.unsupported(expr),
                    (Some(_), None) => self.cx.error(expr, BODY_HELP),
                },
                syn::Stmt::Macro(mac) => {
                    self.cx.error(mac, format!("macros are not allowed as statements here; {BODY_HELP}"))
                }
            }
        }
        scope.truncate(depth);
        Body { stmts: out, tail, tail_span }
    }

    fn unsupported(&mut self, expr: &Expr) {
        let message = match expr {
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
                "loops are not allowed in a DAG body: map over a partitioned output instead, `parts.map(|part| task(part))`".to_string()
            }
            Expr::If(_) | Expr::Match(_) => {
                "branches are not allowed in a DAG body: the shape of a DAG is fixed when it is declared; branch inside a task".to_string()
            }
            Expr::Return(_) => "a DAG body returns its last expression; `return` is not allowed".to_string(),
            Expr::Path(_) => "this is not a value of this DAG: a DAG returns a parameter or the output of a node".to_string(),
            _ => format!("not a node of this DAG; {BODY_HELP}"),
        };
        self.cx.error(expr, message);
    }

    /// The fields a destructuring `let` names: `(a, b)`, `Pair { a, b: c, .. }`.
    fn fields(&mut self, pat: &Pat) -> Option<Vec<(syn::Member, Ident)>> {
        let name = |cx: &mut Ctxt, pat: &Pat| match pat {
            Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => Some(Some(ident.ident.clone())),
            Pat::Wild(_) => Some(None),
            _ => {
                cx.error(pat, "bind each field of an output to a name");
                None
            }
        };
        match pat {
            Pat::Tuple(tuple) => tuple
                .elems
                .iter()
                .enumerate()
                .map(|(index, elem)| {
                    let member = syn::Member::Unnamed(syn::Index { index: index as u32, span: elem.span() });
                    name(self.cx, elem).map(|name| name.map(|name| (member, name)))
                })
                .collect::<Option<Vec<_>>>()
                .map(|fields| fields.into_iter().flatten().collect()),
            Pat::Struct(strukt) => strukt
                .fields
                .iter()
                .map(|field| name(self.cx, &field.pat).map(|name| name.map(|name| (field.member.clone(), name))))
                .collect::<Option<Vec<_>>>()
                .map(|fields| fields.into_iter().flatten().collect()),
            _ => None,
        }
    }

    /// The node an expression denotes, or `None` when it is plain Rust (a constant).
    fn node(&mut self, expr: &Expr, scope: &mut Vec<Ident>) -> Option<Node> {
        match expr {
            Expr::Field(field) => {
                let base = self.node(&field.base, scope)?;
                Some(Node::Field { base: Box::new(base), member: field.member.clone(), span: field.member.span() })
            }
            Expr::Struct(strukt) if strukt.rest.is_none() && strukt.qself.is_none() && !strukt.fields.is_empty() => {
                let fields: Option<Vec<(syn::Member, Node)>> = strukt
                    .fields
                    .iter()
                    .map(|field| self.node(&field.expr, scope).map(|node| (field.member.clone(), node)))
                    .collect();
                Some(Node::Struct { path: strukt.path.clone(), fields: fields?, span: strukt.span() })
            }
            Expr::Tuple(tuple) if !tuple.elems.is_empty() => {
                let items: Option<Vec<Node>> = tuple.elems.iter().map(|item| self.node(item, scope)).collect();
                Some(Node::Pack { items: items?, span: tuple.span() })
            }
            Expr::Path(path) if path.qself.is_none() => {
                let ident = path.path.get_ident()?;
                scope.iter().rev().find(|bound| *bound == ident).map(|_| Node::Var(ident.clone()))
            }
            Expr::Reference(reference) if reference.mutability.is_none() => self.node(&reference.expr, scope),
            Expr::Paren(paren) => self.node(&paren.expr, scope),
            Expr::Call(call) => {
                let Expr::Path(func) = &*call.func else {
                    return None;
                };
                // Tasks and DAGs are functions: snake_case paths. `Some(x)`, `String::from(x)`
                // and other constructors are plain Rust, hence constants.
                let is_function_path =
                    func.qself.is_none()
                        && func.path.segments.iter().all(|s| {
                            s.arguments.is_none() && !s.ident.to_string().starts_with(|c: char| c.is_uppercase())
                        });
                if !is_function_path {
                    return None;
                }
                if func.path.is_ident(self.dag) {
                    self.cx.error(call, "a DAG cannot call itself: that would be a cycle");
                }
                let mut args = Vec::new();
                let mut named = Vec::new();
                for arg in &call.args {
                    match arg {
                        Expr::Assign(assign) => match plain_name(&assign.left) {
                            Some(name) => named.push((name.clone(), self.arg(&assign.right, scope))),
                            None => self.cx.error(&assign.left, "a named argument is `parameter = value`"),
                        },
                        arg if !named.is_empty() => {
                            self.cx.error(arg, "positional arguments come before named ones");
                        }
                        arg => args.push(self.arg(arg, scope)),
                    }
                }
                self.callees.push(func.path.clone());
                Some(Node::Call { func: func.path.clone(), args, named, span: call.span() })
            }
            Expr::MethodCall(call) if call.method == "map" && call.turbofish.is_none() && call.args.len() == 1 => {
                let source = self.node(&call.receiver, scope)?;
                let Expr::Closure(closure) = &call.args[0] else {
                    self.cx.error(
                        &call.args[0],
                        "`.map` takes a closure that receives one partition: `parts.map(|part| task(part))`",
                    );
                    return None;
                };
                let inputs: Vec<&Pat> = closure
                    .inputs
                    .iter()
                    .map(|input| match input {
                        Pat::Type(typed) => &*typed.pat,
                        pat => pat,
                    })
                    .collect();
                let part = match inputs.as_slice() {
                    [Pat::Ident(ident)] if ident.by_ref.is_none() && ident.subpat.is_none() => ident.ident.clone(),
                    _ => {
                        self.cx.error(
                            &closure.inputs,
                            "the closure of `.map` takes one parameter, the partition: `|part| ...`",
                        );
                        return None;
                    }
                };
                scope.push(part.clone());
                let body = match &*closure.body {
                    Expr::Block(block) if block.label.is_none() => {
                        self.body(&block.block.stmts, block.block.brace_token.span.close(), scope)
                    }
                    expr => {
                        let tail = self.node(expr, scope);
                        if tail.is_none() {
                            self.cx.error(expr, "a map ends with the output of a task that runs once per partition");
                        }
                        Body { stmts: Vec::new(), tail, tail_span: expr.span() }
                    }
                };
                scope.pop();
                Some(Node::Map {
                    source: Box::new(source),
                    source_span: call.receiver.span(),
                    part,
                    body: Box::new(body),
                    span: call.method.span(),
                })
            }
            _ => None,
        }
    }

    fn arg(&mut self, expr: &Expr, scope: &mut Vec<Ident>) -> Arg {
        match self.node(expr, scope) {
            Some(node) => Arg::Node(node, expr.span()),
            None => Arg::Const(expr.clone()),
        }
    }
}
