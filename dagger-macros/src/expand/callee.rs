//! How generated code names the callee of a call in a DAG body, so that calling a plain function
//! (not `#[task]`) is one error that says so.
//!
//! `#[task]` and `#[dag]` give the callee's name a type (the hidden struct that implements
//! `Callable`); a plain function has a name only in the value namespace, where nothing tells it
//! from a task's function. So the generated code imports the callee's path under a name of its
//! own, `use path as __dagger_callee;`, which brings whatever the path names in each namespace,
//! and declares a fallback type of the same name in the enclosing block. Where the path names a
//! type (a task, a DAG), the import shadows the fallback; where it does not (a plain function,
//! a name that does not exist), `__dagger_callee` is the fallback:
//! `<marker as TaskOrDag>::Node` for a marker struct that has the callee's name (declared once
//! per DAG body, in the module [`MARKERS`]) and does not implement `TaskOrDag`, so every use of
//! the callee fails on one bound whose message names the function, and the type it stands for
//! is an error that rustc checks no further. Spanned alike, those failures print as one error.
//! (Where a DAG's nesting depth is computed, the fallback is a callee of depth 0 instead, so
//! that the body's error is the only one.)
//!
//! The import must resolve in some namespace, or it is an error of its own ("unresolved
//! import"): for a one-segment path, the block also declares a constant of that name, which the
//! import finds when nothing else has the name (a typo is then "`dubble` is not a task or a
//! DAG"). That constant would hide a value of the same name from the code inside the block, so
//! it is left out when the call's arguments mention the name.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::Path;

use crate::model::Body;

/// The name generated code gives the callee, spanned at the function's name: every use of a
/// plain function fails there, and identical failures print once.
pub fn name(path: &Path) -> Ident {
    Ident::new("__dagger_callee", function_name(path).span())
}

/// `body`, in a scope where [`name`] names the callee at `path`, or `fallback` when the path
/// names no type. `inner` is the code inside the scope that the user wrote (the call's
/// arguments): a name it mentions is not shadowed.
pub fn scope(path: &Path, fallback: &TokenStream, inner: &TokenStream, body: TokenStream) -> TokenStream {
    let function = function_name(path);
    let callee = name(path);
    let stand_in =
        (path.leading_colon.is_none() && path.segments.len() == 1 && !mentions(inner, function)).then(|| {
            quote_spanned! {function.span()=>
                #[allow(non_upper_case_globals, dead_code)]
                const #function: () = ();
            }
        });
    quote! {
        {
            #[allow(non_camel_case_types, dead_code)]
            type #callee = #fallback;
            #stand_in
            {
                #[allow(unused_imports)]
                use #path as #callee;
                #body
            }
        }
    }
}

/// The module, declared by `#[dag]` beside its body, of the marker structs named after the
/// functions the body calls.
pub const MARKERS: &str = "__dagger_callees";

/// The fallback in a DAG body: the marker named after the function, as a node. It is not one,
/// so the bound fails, naming the function.
pub fn marker(path: &Path) -> TokenStream {
    let function = function_name(path);
    let markers = Ident::new(MARKERS, Span::call_site());
    let callee = name(path);
    quote_spanned!(callee.span()=> <#markers::#function as ::dagger_core::__private::TaskOrDag>::Node)
}

/// The markers of the functions `body` calls, one per name.
pub fn markers(body: &Body) -> TokenStream {
    let mut functions: Vec<&Ident> = Vec::new();
    body.visit_calls(&mut |call| {
        let function = function_name(&call.func);
        if !functions.iter().any(|seen| seen.unraw() == function.unraw()) {
            functions.push(function);
        }
    });
    let markers = Ident::new(MARKERS, Span::call_site());
    let structs = functions.iter().map(|function| quote_spanned!(function.span()=> pub struct #function;));
    quote! {
        #[allow(non_camel_case_types, dead_code)]
        mod #markers {
            #(#structs)*
        }
    }
}

/// The last segment of the path: the function's own name.
fn function_name(path: &Path) -> &Ident {
    &path.segments.last().expect("a call's path has a segment").ident
}

fn mentions(tokens: &TokenStream, name: &Ident) -> bool {
    tokens.clone().into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident.unraw() == name.unraw(),
        TokenTree::Group(group) => mentions(&group.stream(), name),
        _ => false,
    })
}
