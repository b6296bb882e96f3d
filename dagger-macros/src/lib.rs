//! Procedural macros of `dagger-core`: `#[task]` and `#[dag]`. Use them through
//! `dagger_core::prelude`; their documentation lives there.
//!
//! Each macro runs in phases: `attr` reads the macros' own attributes, `ast` reads syn's
//! tree into the `model`, `valid` checks the model, and `expand` writes code from a model
//! that is known to be valid. Every phase reports into one `ctxt::Ctxt`, so a user sees all
//! mistakes at once. Rules that depend on types are left to trait bounds in `dagger-core`,
//! which the expansion checks once per argument, spanned at the user's expression.

use proc_macro::TokenStream;
use quote::ToTokens;

mod ast;
mod attr;
mod ctxt;
mod expand;
mod model;
mod valid;

use ctxt::Ctxt;

/// Turns a function into a task. See `dagger_core::task`.
#[proc_macro_attribute]
pub fn task(attr: TokenStream, item: TokenStream) -> TokenStream {
    run(attr, item, ast::task, valid::task, expand::task, |item| item)
}

/// Declares a DAG. See `dagger_core::dag`.
#[proc_macro_attribute]
pub fn dag(attr: TokenStream, item: TokenStream) -> TokenStream {
    run(attr, item, ast::dag, valid::dag, expand::dag, without_body)
}

/// Reads, checks, then expands; on an error, emits the user's function unchanged next to the
/// error, so that only the real error shows, not a cascade wherever the function is used.
fn run<M>(
    attr: TokenStream,
    item: TokenStream,
    read: fn(&mut Ctxt, proc_macro2::TokenStream, &syn::ItemFn) -> M,
    check: fn(&mut Ctxt, &M),
    expand: fn(&M) -> proc_macro2::TokenStream,
    fallback: fn(syn::ItemFn) -> syn::ItemFn,
) -> TokenStream {
    let item_fn = match syn::parse::<syn::ItemFn>(item.clone()) {
        Ok(item_fn) => item_fn,
        Err(error) => return with_error(item.into(), error),
    };
    let mut cx = Ctxt::default();
    let model = read(&mut cx, attr.into(), &item_fn);
    check(&mut cx, &model);
    match cx.finish(model) {
        Ok(model) => expand(&model).into(),
        Err(error) => with_error(fallback(strip_param_attrs(item_fn)).into_token_stream(), error),
    }
}

fn with_error(item: proc_macro2::TokenStream, error: syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    quote::quote!(#item #error).into()
}

/// A DAG's body is not ordinary Rust (its variables hold handles): after an error, keep the
/// signature for the rest of the crate, but not the body, whose type errors would only repeat
/// the real one.
fn without_body(mut item: syn::ItemFn) -> syn::ItemFn {
    item.block = Box::new(syn::parse_quote!({ loop {} }));
    item.attrs.push(syn::parse_quote!(#[allow(unused_variables, unreachable_code, dead_code)]));
    item
}

/// `#[default(..)]` on parameters is ours; rustc would reject it on a plain function.
fn strip_param_attrs(mut item: syn::ItemFn) -> syn::ItemFn {
    for input in &mut item.sig.inputs {
        if let syn::FnArg::Typed(arg) = input {
            arg.attrs.retain(|a| !a.path().is_ident("default"));
        }
    }
    item
}
