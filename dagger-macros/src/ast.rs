//! From syn's tree to the `model`: task signatures and DAG bodies. Reports what
//! cannot be read as a task or a DAG, at its tokens; what reads but breaks a rule is left to
//! `valid`. No code is generated here.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Ident, ItemFn, Pat, PatType, ReturnType, Type};

mod keyed;

use crate::attr::{self, TaskAttrs};
use crate::ctxt::Ctxt;
use crate::model::{
    Arg, Body, Call, Dag, DagOutput, DagParam, Field, NamedArg, Node, Partitioning, Plain, Stmt, Task, TaskOutput,
    TaskParam,
};

pub fn task(cx: &mut Ctxt, attr: TokenStream, item: &ItemFn) -> Task {
    let attrs = attr::task(cx, attr);
    let params = typed_inputs(item).enumerate().map(|(index, arg)| task_param(cx, index, arg)).collect();
    let output = match &item.sig.output {
        ReturnType::Default => TaskOutput { ty: syn::parse_quote!(()), fallible: false },
        ReturnType::Type(_, ty) => TaskOutput { ty: (**ty).clone(), fallible: last_segment_is(ty, "Result") },
    };
    let partitioning = partitioning(cx, &attrs, &output);
    let TaskAttrs { format, name, options, version, cache, .. } = attrs;
    let version = version.unwrap_or_else(|| code_version(item));
    let cache = cache.unwrap_or(true);
    Task { item: item.clone(), partitioning, format, node_name: name, options, version, cache, params, output }
}

/// A hash of the function's signature and body (not its attributes: editing its documentation
/// does not change what it computes). FNV-1a over the tokens' text: stable for one compiler;
/// another compiler may print tokens otherwise, which only makes a run recompute.
fn code_version(item: &ItemFn) -> String {
    let (sig, block) = (&item.sig, &item.block);
    let text = quote::quote!(#sig #block).to_string();
    let hash = text
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3));
    format!("{hash:016x}")
}

/// The parameters a caller passes: a receiver is not one (and `valid` refuses it).
fn typed_inputs(item: &ItemFn) -> impl Iterator<Item = &PatType> {
    item.sig.inputs.iter().filter_map(|input| match input {
        FnArg::Typed(arg) => Some(arg),
        FnArg::Receiver(_) => None,
    })
}

fn task_param(cx: &mut Ctxt, index: usize, arg: &PatType) -> TaskParam {
    attr::task_param(cx, &arg.attrs);
    let name = match &*arg.pat {
        Pat::Ident(ident) => ident.ident.unraw().to_string(),
        _ => format!("arg{index}"),
    };
    let (stored, by_ref) = match &*arg.ty {
        Type::Reference(reference) => {
            let stored = match &*reference.elem {
                Type::Path(path) if path.path.is_ident("str") => syn::parse_quote!(::std::string::String),
                Type::Slice(slice) => {
                    let elem = &slice.elem;
                    syn::parse_quote!(::std::vec::Vec<#elem>)
                }
                elem => elem.clone(),
            };
            (stored, true)
        }
        ty => (ty.clone(), false),
    };
    TaskParam { name, ty: (*arg.ty).clone(), stored, by_ref }
}

/// `partitioned` and `partitioned(0, ..)` read against the return type. Both at once, or a field
/// the returned tuple does not have, cannot be said by [`Partitioning`]: they are reported here.
fn partitioning(cx: &mut Ctxt, attrs: &TaskAttrs, output: &TaskOutput) -> Partitioning {
    let keyed = attrs.keyed.is_some();
    if let (Some(path), false) = (&attrs.keyed, attrs.partitioned && attrs.partitioned_fields.is_empty()) {
        cx.error(path, "`keyed` goes with `partitioned`: `#[task(partitioned, keyed)]` returns `(key, value)` pairs, each value one partition named by its key");
    }
    let unfielded = || match attrs.partitioned {
        true => Partitioning::Items { item: impl_iterator_item(&output.ty).map(Box::new), keyed },
        false => Partitioning::Whole,
    };
    if attrs.partitioned_fields.is_empty() {
        return unfielded();
    }
    let Some(types) = tuple_fields(output) else {
        cx.error(
            &output.ty,
            "`partitioned(0, ...)` applies to a task that returns a tuple, such as `(Vec<Row>, Stats)`",
        );
        return unfielded();
    };
    for &index in &attrs.partitioned_fields {
        if index >= types.len() {
            cx.error(&output.ty, format!("the returned tuple has no field {index}"));
        }
    }
    if attrs.partitioned {
        cx.error(&output.ty, "a task is either `partitioned` (each item of its output is one partition) or has partitioned fields, `partitioned(0)`");
    }
    let fields = types.into_iter().enumerate();
    Partitioning::Fields(
        fields.map(|(i, ty)| Field { ty, partitioned: attrs.partitioned_fields.contains(&i) }).collect(),
    )
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

fn last_segment_is(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(path) => path.qself.is_none() && path.path.segments.last().is_some_and(|s| s.ident == name),
        _ => false,
    }
}

pub fn dag(cx: &mut Ctxt, attr: TokenStream, item: &ItemFn) -> Dag {
    attr::dag(cx, &attr);
    let params: Vec<DagParam> = typed_inputs(item).filter_map(|arg| dag_param(cx, arg)).collect();
    let output = match &item.sig.output {
        ReturnType::Default => DagOutput::Unit,
        ReturnType::Type(_, ty) => match &**ty {
            Type::Tuple(tuple) if tuple.elems.is_empty() => DagOutput::Unit,
            ty => DagOutput::Value { ty: Box::new(ty.clone()), partitioned: last_segment_is(ty, "Partitioned") },
        },
    };
    let mut scope: Vec<Ident> = params.iter().map(|p| p.name.clone()).collect();
    let body = BodyReader { cx }.body(&item.block.stmts, item.block.brace_token.span.close(), &mut scope);
    Dag { attrs: item.attrs.clone(), vis: item.vis.clone(), sig: item.sig.clone(), params, output, body }
}

/// A DAG parameter is a field of the struct the DAG becomes: it needs a name.
fn dag_param(cx: &mut Ctxt, arg: &PatType) -> Option<DagParam> {
    let name = match &*arg.pat {
        Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => ident.ident.clone(),
        pat => {
            cx.error(pat, "a DAG parameter is a plain name");
            return None;
        }
    };
    let default = attr::default(cx, &arg.attrs);
    Some(DagParam { name, ty: (*arg.ty).clone(), default })
}

pub const QUESTION_MARK_HELP: &str = "`?` is not needed in a DAG body: a task that returns `Result` fails the run with its error by itself; call it without `?`";

const BODY_HELP: &str = "a DAG body declares nodes: `let` bindings of task calls, maps (`parts.map(|part| ...)`) and constants, then the output as its last expression";

/// Reads a DAG body. `scope` holds the names bound to handles so far: any other name is plain
/// Rust, hence a constant.
struct BodyReader<'a> {
    cx: &'a mut Ctxt,
}

impl BodyReader<'_> {
    fn body(&mut self, stmts: &[syn::Stmt], end: Span, scope: &mut Vec<Ident>) -> Body {
        let depth = scope.len();
        let mut out = Vec::new();
        let mut tail = None;
        let mut tail_span = end;
        for (i, stmt) in stmts.iter().enumerate() {
            let last = i + 1 == stmts.len();
            match stmt {
                syn::Stmt::Local(local) => out.extend(self.local(stmt, local, scope)),
                syn::Stmt::Item(_) => out.push(Stmt::Plain(Plain { code: stmt.clone(), values: scope.clone() })),
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

    /// A `let`: a name (or names, one per field) for a node's output, or a constant.
    fn local(&mut self, stmt: &syn::Stmt, local: &syn::Local, scope: &mut Vec<Ident>) -> Option<Stmt> {
        let Some(init) = &local.init else {
            self.cx.error(local, "a `let` in a DAG body binds a value: `let x = task(...);`");
            return None;
        };
        if let Some((_, diverge)) = &init.diverge {
            self.cx.error(diverge, "`let ... else` is not allowed in a DAG body");
            return None;
        }
        let (pat, ty) = match &local.pat {
            Pat::Type(typed) => (&*typed.pat, Some((*typed.ty).clone())),
            pat => (pat, None),
        };
        let errors = self.cx.count();
        let value = self.node(&init.expr, scope);
        if value.is_none() && self.cx.count() > errors {
            // Reading it reported an error: it is not plain code to check further.
            return None;
        }
        let Some(value) = value else {
            // A plain Rust value: a constant for the calls that use it. The names it binds
            // shadow DAG values of the same names.
            let plain = Plain { code: stmt.clone(), values: scope.clone() };
            let bound = pattern_names(pat);
            scope.retain(|value| !bound.iter().any(|name| same_name(name, value)));
            return Some(Stmt::Plain(plain));
        };
        match pat {
            Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                scope.push(ident.ident.clone());
                Some(Stmt::Let { mutability: ident.mutability, name: ident.ident.clone(), ty, value })
            }
            Pat::Tuple(_) | Pat::Struct(_) if ty.is_none() => {
                let fields = self.fields(pat)?;
                scope.extend(fields.iter().map(|(_, name)| name.clone()));
                Some(Stmt::Destructure { value, fields })
            }
            _ => {
                self.cx.error(pat, "bind the output of a node to one name, `let x = task(...);`, or its fields to names, `let (a, b) = task(...);`");
                None
            }
        }
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
            Expr::Try(try_expr) => return self.cx.error(try_expr.question_token, QUESTION_MARK_HELP),
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
                scope.iter().rev().find(|bound| same_name(bound, ident)).map(|_| Node::Var(ident.clone()))
            }
            Expr::Reference(reference) if reference.mutability.is_none() => self.node(&reference.expr, scope),
            Expr::Paren(paren) => self.node(&paren.expr, scope),
            Expr::Call(call) => self.call(call, scope).map(Node::Call),
            Expr::MethodCall(call) if call.method == "map" && call.turbofish.is_none() && call.args.len() == 1 => {
                self.map(call, scope)
            }
            Expr::MethodCall(call)
                if ["window", "into_batches", "into_partitions"].iter().any(|method| call.method == method)
                    && call.turbofish.is_none()
                    && call.args.len() == 1 =>
            {
                self.regroup(call, scope)
            }
            Expr::MethodCall(call) if call.method == "join" && call.turbofish.is_none() && call.args.len() == 1 => {
                self.join(call, scope)
            }
            Expr::MethodCall(call) if call.method == "shuffle" && call.turbofish.is_none() && call.args.len() == 2 => {
                self.shuffle(call, scope)
            }
            Expr::MethodCall(call) if call.method == "select" && call.turbofish.is_none() && call.args.len() == 1 => {
                self.select(call, scope)
            }
            _ => None,
        }
    }

    /// A call of a task or DAG; `None` for other calls, which are plain Rust.
    fn call(&mut self, call: &syn::ExprCall, scope: &mut Vec<Ident>) -> Option<Call> {
        let Expr::Path(func) = &*call.func else {
            return None;
        };
        if !is_node_call(func) {
            return None;
        }
        let mut args = Vec::new();
        let mut named = Vec::new();
        for arg in &call.args {
            match arg {
                Expr::Assign(assign) => match argument_name(&assign.left) {
                    Some(name) => {
                        if let Some(value) = self.arg(&assign.right, scope) {
                            named.push(NamedArg { name: name.clone(), value });
                        }
                    }
                    None => self.cx.error(&assign.left, "a named argument is `parameter = value`"),
                },
                // The model keeps positional arguments apart from named ones: one after a named
                // argument has no position to say.
                arg if !named.is_empty() => self.cx.error(arg, "positional arguments come before named ones"),
                arg => args.extend(self.arg(arg, scope)),
            }
        }
        Some(Call { func: func.path.clone(), paren: call.paren_token, args, named, span: call.span() })
    }

    /// `source.map(|part| body)`: the body is read with `part` in scope.
    fn map(&mut self, call: &syn::ExprMethodCall, scope: &mut Vec<Ident>) -> Option<Node> {
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
                self.cx
                    .error(&closure.inputs, "the closure of `.map` takes one parameter, the partition: `|part| ...`");
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
                match (&tail, expr) {
                    (None, Expr::Try(try_expr)) => self.cx.error(try_expr.question_token, QUESTION_MARK_HELP),
                    (None, _) => {
                        self.cx.error(expr, "a map ends with the output of a task that runs once per partition")
                    }
                    (Some(_), _) => {}
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

    /// An argument; `None` when reading it reported an error, which leaves it out of later
    /// checks (its error is the one to see).
    fn arg(&mut self, expr: &Expr, scope: &mut Vec<Ident>) -> Option<Arg> {
        let errors = self.cx.count();
        match self.node(expr, scope) {
            Some(node) => Some(Arg::Node(node, expr.span())),
            None if self.cx.count() > errors => None,
            None => Some(Arg::Const(Plain { code: expr.clone(), values: scope.clone() })),
        }
    }
}

/// Whether a call of `func` in a DAG body is a node call. Tasks and DAGs are functions:
/// snake_case paths. `Some(x)`, `String::from(x)` and other constructors are plain Rust.
pub fn is_node_call(func: &syn::ExprPath) -> bool {
    func.qself.is_none()
        && func
            .path
            .segments
            .iter()
            .all(|s| s.arguments.is_none() && !s.ident.unraw().to_string().starts_with(|c: char| c.is_uppercase()))
}

/// The names a pattern binds: `x`, `(a, b)`, `[eu, us, apac]`, `Pair { a, b: c }`.
pub fn pattern_names(pat: &Pat) -> Vec<Ident> {
    struct Names(Vec<Ident>);
    impl<'ast> syn::visit::Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0.push(pat.ident.clone());
            syn::visit::visit_pat_ident(self, pat);
        }
    }
    let mut names = Names(Vec::new());
    syn::visit::Visit::visit_pat(&mut names, pat);
    names.0
}

/// `r#type` and `type` (where it may be written plain) are one name to Rust.
pub fn same_name(a: &Ident, b: &Ident) -> bool {
    a.unraw() == b.unraw()
}

/// `name` in `name = value`.
fn argument_name(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        _ => None,
    }
}
