//! Checks on the `model`: what reads as a task or a DAG but breaks one of their
//! rules, each reported at the tokens that break it. Rules that depend on types are not checked
//! here; the expansion leaves them to trait bounds in `dagger-core`.

mod plain;

use syn::visit::Visit;
use syn::{FnArg, Signature, Type};

use crate::ast::same_name;
use crate::ctxt::Ctxt;
use crate::model::{Dag, Partitioning, Task, TaskParam};

pub fn task(cx: &mut Ctxt, task: &Task) {
    signature(cx, &task.item.sig, "task");
    for param in &task.params {
        task_param(cx, param);
        if task.cache {
            path_param(cx, param);
        }
    }
    task_output(cx, &task.output.ty);
    // The output is stored between nodes, so its type must be one the expansion can name.
    let ty = &task.output.ty;
    if let Type::ImplTrait(_) = ty {
        match &task.partitioning {
            Partitioning::Items { item: Some(_), .. } => {}
            Partitioning::Items { item: None, .. } => cx.error(
                ty,
                "a partitioned task that returns `impl Trait` names the item type: `impl Iterator<Item = T>`",
            ),
            Partitioning::Whole | Partitioning::Fields(_) => {
                cx.error(ty, "a task returns a concrete type: the value is stored between nodes")
            }
        }
    }
}

/// A parameter's value is stored between nodes and may be shared by several of them.
fn task_param(cx: &mut Ctxt, param: &TaskParam) {
    match &param.ty {
        Type::Reference(reference) if reference.mutability.is_some() => cx.error(
            &param.ty,
            "a task cannot take `&mut`: values between nodes are shared; take the value (`T`) to own a copy",
        ),
        Type::Reference(reference) => {
            match unsized_std_type(&reference.elem) {
                Some(("Path", _)) => cx.error(
                    &param.ty,
                    "a task cannot take `&Path`: values between nodes are stored, and `Path` can only be borrowed; take `InputPath` or `&InputPath` (`dagger_core::InputPath`: a file or folder the task reads, fingerprinted by what it points at)",
                ),
                Some((unsized_ty, owned)) => cx.error(
                    &param.ty,
                    format!("a task cannot take `&{unsized_ty}`: values between nodes are stored, and `{unsized_ty}` can only be borrowed; take `{owned}` or `&{owned}`"),
                ),
                None => {}
            }
        }
        Type::ImplTrait(_) => {
            cx.error(&param.ty, "a task parameter has a concrete type: values between nodes are stored")
        }
        _ => {}
    }
}

/// A task whose output may be reused takes no `PathBuf`: the files a path names are outside the
/// store, and the output's fingerprint would cover the path, not the files. (`&Path` is
/// refused by [`task_param`], with the same advice.)
fn path_param(cx: &mut Ctxt, param: &TaskParam) {
    struct Paths<'t>(Option<&'t syn::PathSegment>);
    impl<'ast> Visit<'ast> for Paths<'ast> {
        fn visit_path_segment(&mut self, segment: &'ast syn::PathSegment) {
            if segment.ident == "PathBuf" && self.0.is_none() {
                self.0 = Some(segment);
            }
            syn::visit::visit_path_segment(self, segment);
        }
    }
    let mut found = Paths(None);
    found.visit_type(&param.ty);
    if let Some(segment) = found.0 {
        cx.error(
            segment,
            format!(
                "`{}: {}` names files outside the store: a stored output of this task would be reused after they change; take `InputPath` (`dagger_core::InputPath`, fingerprinted by what the path points at), or mark the task `#[task(cache = false)]` (it then runs every time)",
                param.name,
                tokens(&param.ty)
            ),
        );
    }
}

/// The unsized types of std that a task might borrow, with the owned type to take instead.
fn unsized_std_type(ty: &Type) -> Option<(&'static str, &'static str)> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    if !segment.arguments.is_none() {
        return None;
    }
    [("Path", "PathBuf"), ("OsStr", "OsString"), ("CStr", "CString")]
        .into_iter()
        .find(|(unsized_ty, _)| segment.ident == unsized_ty)
}

/// A task's output is stored between nodes: it cannot borrow from the task's inputs. Each
/// reference in the return type is an error, at it, with the owned type to return instead.
fn task_output(cx: &mut Ctxt, ty: &Type) {
    struct References<'c> {
        cx: &'c mut Ctxt,
    }
    impl<'ast> Visit<'ast> for References<'_> {
        fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
            let owned = match &*reference.elem {
                Type::Path(path) if path.path.is_ident("str") => "String".to_string(),
                Type::Slice(slice) => format!("Vec<{}>", tokens(&slice.elem)),
                elem => match unsized_std_type(elem) {
                    Some((_, owned)) => owned.to_string(),
                    None => tokens(elem),
                },
            };
            self.cx.error(
                reference,
                format!("a task returns an owned value, as its output is stored between nodes: return `{owned}` instead of `{}`", tokens(reference)),
            );
        }
        // A function type's parameters may be references; it is not a value that can be
        // stored either way, which the output's `Data` bound reports.
        fn visit_type_bare_fn(&mut self, _: &'ast syn::TypeBareFn) {}
    }
    References { cx }.visit_type(ty);
}

/// A type as the user would write it: `Vec<T>`, not `Vec < T >`.
fn tokens(tokens: &impl quote::ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let drop_space = c == ' '
            && (matches!(next, Some('<' | '>' | ',' | ']' | ')' | ':')) || out.ends_with(['<', '&', '[', '(', ':']));
        if !drop_space {
            out.push(c);
        }
    }
    out
}

pub fn dag(cx: &mut Ctxt, dag: &Dag) {
    dag.body.visit_plain(&mut |expr, values| plain::check(cx, expr, values));
    signature(cx, &dag.sig, "DAG");
    for param in &dag.params {
        if let Type::Reference(_) | Type::ImplTrait(_) = &param.ty {
            cx.error(
                &param.ty,
                "a DAG parameter is an owned value: it is stored and passed to every node that reads it",
            );
        }
    }
    dag.body.visit_calls(&mut |call| {
        if call.func.get_ident().is_some_and(|func| same_name(func, dag.name())) {
            // The whole call, `dag(..)`: the path, then the parentheses.
            let mut tokens = quote::ToTokens::to_token_stream(&call.func);
            call.paren.surround(&mut tokens, |_| {});
            cx.error(tokens, "a DAG cannot call itself: that would be a cycle");
        }
    });
}

/// What both macros refuse in a signature: the runtime calls the function on a thread pool,
/// with values of concrete types, as a free function.
fn signature(cx: &mut Ctxt, sig: &Signature, what: &str) {
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
