//! Checks on the [model](crate::model): what reads as a task or a DAG but breaks one of their
//! rules, each reported at the tokens that break it. Rules that depend on types are not checked
//! here; the expansion leaves them to trait bounds in `dagger-core`.

use syn::{FnArg, Signature, Type};

use crate::ast::same_name;
use crate::ctxt::Ctxt;
use crate::model::{Dag, Partitioning, Task, TaskParam};

pub fn task(cx: &mut Ctxt, task: &Task) {
    signature(cx, &task.item.sig, "task");
    for param in &task.params {
        task_param(cx, param);
    }
    // The output is stored between nodes, so its type must be one the expansion can name.
    let ty = &task.output.ty;
    if let Type::ImplTrait(_) = ty {
        match &task.partitioning {
            Partitioning::Items { item: Some(_) } => {}
            Partitioning::Items { item: None } => cx.error(
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
        Type::ImplTrait(_) => {
            cx.error(&param.ty, "a task parameter has a concrete type: values between nodes are stored")
        }
        _ => {}
    }
}

pub fn dag(cx: &mut Ctxt, dag: &Dag) {
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
