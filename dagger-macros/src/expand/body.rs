//! The code of a DAG body: statements and nodes become calls on the builder (`__dagger_scope`),
//! each spanned at the user's tokens so that a broken rule is reported there.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;

use super::{call, SpanOrCallSite};
use crate::model::{Arg, Body, Node, Plain, Stmt};

/// The DAG body: its statements, then the output checked against the declared type `ret`.
pub fn dag_body(body: &Body, ret: &TokenStream) -> TokenStream {
    let stmts = stmts(body);
    let handle = body.tail.as_ref().map_or_else(|| quote!(()), node);
    let tail = quote_spanned!(body.tail_span=> ::dagger_core::__private::returns::<#ret, _>(#handle));
    quote!(#stmts #tail)
}

/// The body of a map closure: its statements, then the handle the map collects.
fn map_body(body: &Body) -> TokenStream {
    let stmts = stmts(body);
    let tail = body.tail.as_ref().map(node);
    quote!(#stmts #tail)
}

fn stmts(body: &Body) -> TokenStream {
    body.stmts
        .iter()
        .map(|stmt| match stmt {
            Stmt::Let { mutability, name, ty, value } => {
                // A field, a window or a selection bound to a name is a node of that name.
                let value = match value {
                    Node::Field { base, member, span } => field(base, member, *span, Some(name)),
                    Node::Regroup { source, method, count } => regroup(source, method, count, Some(name)),
                    Node::Shuffle { source, method, count, key } => shuffle(source, method, (count, key), Some(name)),
                    Node::Join { source, method, other } => join(source, method, other, Some(name)),
                    Node::Select { source, start, end, inclusive, span } => {
                        select(source, (start, end, *inclusive), *span, Some(name))
                    }
                    value => node(value),
                };
                let ty = ty.as_ref().map(|ty| quote!(: #ty));
                quote!(let #mutability #name #ty = #value;)
            }
            Stmt::Destructure { value, fields } => {
                let value = node(value);
                let fields = fields.iter().map(|(member, name)| {
                    let field = take_field(&quote!(__dagger_whole), member, member.span_or_call_site(), Some(name));
                    quote!(let #name = #field;)
                });
                quote! {
                    let __dagger_whole = #value;
                    #(#fields)*
                }
            }
            Stmt::Plain(plain) => plain.code.to_token_stream(),
            Stmt::Node(value) => {
                let value = node(value);
                quote!(let _ = #value;)
            }
        })
        .collect()
}

/// The handle of a node.
pub fn node(node: &Node) -> TokenStream {
    match node {
        Node::Field { base, member, span } => field(base, member, *span, None),
        Node::Struct { path, fields, span } => {
            let names: Vec<_> = (0..fields.len()).map(|i| format_ident!("__dagger_item{}", i)).collect();
            let members: Vec<_> = fields.iter().map(|(member, _)| member).collect();
            let items = fields.iter().map(|(_, item)| self::node(item));
            let type_name = path.segments.last().map(|s| s.ident.unraw().to_string()).unwrap_or_default();
            // One field is converted directly; several are packed in a tuple first.
            let (packed, pattern) = if names.len() == 1 {
                let name = &names[0];
                (quote!(#name), quote!(#name))
            } else {
                (
                    quote_spanned!(*span=> ::dagger_core::Scope::pack(__dagger_scope, (#(#names,)*))),
                    quote!((#(#names,)*)),
                )
            };
            quote_spanned!(*span=> {
                #(let #names = #items;)*
                let __dagger_packed = #packed;
                __dagger_packed.__dagger_convert(__dagger_scope, #type_name, |#pattern| #path { #(#members: #names),* })
            })
        }
        Node::Pack { items, span } => {
            let names: Vec<_> = (0..items.len()).map(|i| format_ident!("__dagger_item{}", i)).collect();
            let items = items.iter().map(self::node);
            let pack = quote_spanned!(*span=> ::dagger_core::Scope::pack(__dagger_scope, (#(#names,)*)));
            quote!({
                #(let #names = #items;)*
                #pack
            })
        }
        Node::Var(ident) => ident.to_token_stream(),
        Node::Call(call) => call::call(call),
        Node::Regroup { source, method, count } => regroup(source, method, count, None),
        Node::Shuffle { source, method, count, key } => shuffle(source, method, (count, key), None),
        Node::Join { source, method, other } => join(source, method, other, None),
        Node::Select { source, start, end, inclusive, span } => select(source, (start, end, *inclusive), *span, None),
        Node::Map { source, source_span, part, body, span } => {
            let source = self::node(source);
            let source_var = quote_spanned!(*source_span=> __dagger_source);
            let body = map_body(body);
            // Spanned at the source: the rules about what can be mapped are about it.
            let map = quote_spanned! {*source_span=>
                ::dagger_core::Scope::map(__dagger_scope, #source_var, |__dagger_scope, #part| { #body })
            };
            quote_spanned! {*span=>
                {
                    let __dagger_source = #source;
                    #map
                }
            }
        }
    }
}

/// The name a node is bound to, for the builder.
fn binding_name(binding: Option<&syn::Ident>) -> TokenStream {
    match binding {
        Some(binding) => {
            let binding = binding.unraw().to_string();
            quote!(::core::option::Option::Some(#binding))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// `source.window(n)` (or `into_batches`, `into_partitions`), spanned at the method so that a
/// source it does not apply to is reported there.
fn regroup(source: &Node, method: &syn::Ident, count: &syn::Expr, binding: Option<&syn::Ident>) -> TokenStream {
    let source = node(source);
    let binding = binding_name(binding);
    let named = format_ident!("{}_named", method, span = method.span());
    let call = quote_spanned!(method.span()=>
        ::dagger_core::Scope::#named(__dagger_scope, __dagger_source, #count, #binding));
    quote!({
        let __dagger_source = #source;
        #call
    })
}

/// `left.join(right)`, spanned at `join`.
fn join(source: &Node, method: &syn::Ident, other: &Node, binding: Option<&syn::Ident>) -> TokenStream {
    let (source, other) = (node(source), node(other));
    let binding = binding_name(binding);
    let call = quote_spanned!(method.span()=>
        ::dagger_core::Scope::join_named(__dagger_scope, __dagger_source, __dagger_other, #binding));
    quote!({
        let __dagger_source = #source;
        let __dagger_other = #other;
        #call
    })
}

/// `source.shuffle(n, key)`, spanned at `shuffle`.
fn shuffle(
    source: &Node,
    method: &syn::Ident,
    (count, key): (&syn::Expr, &syn::Expr),
    binding: Option<&syn::Ident>,
) -> TokenStream {
    let source = node(source);
    let binding = binding_name(binding);
    let call = quote_spanned!(method.span()=>
        ::dagger_core::Scope::shuffle_named(__dagger_scope, __dagger_source, #count, #key, #binding));
    quote!({
        let __dagger_source = #source;
        #call
    })
}

/// `source.select(start..end)`: each bound a value of the DAG or a constant, of the source's
/// key type.
fn select(
    source: &Node,
    (start, end, inclusive): (&Option<Box<Arg>>, &Option<Box<Arg>>, bool),
    span: Span,
    binding: Option<&syn::Ident>,
) -> TokenStream {
    let source = node(source);
    let binding = binding_name(binding);
    let bound = |arg: &Option<Box<Arg>>| {
        arg.as_ref().map(|arg| match &**arg {
            Arg::Node(value, span) => {
                let value = node(value);
                quote_spanned!(*span=> ::dagger_core::__private::key_bound(&__dagger_source, #value))
            }
            Arg::Const(Plain { code, .. }) => quote_spanned!(code.span_or_call_site()=>
                ::dagger_core::__private::key_constant(&__dagger_source, __dagger_scope, #code)),
        })
    };
    let (start, end) = (bound(start), bound(end));
    let range = match inclusive {
        true => quote!(#start..=#end),
        false => quote!(#start..#end),
    };
    let call = quote_spanned!(span=> ::dagger_core::Scope::select_named(__dagger_scope, __dagger_source, __dagger_range, #binding));
    quote!({
        let __dagger_source = #source;
        let __dagger_range = #range;
        #call
    })
}

/// The handle of field `member` of the node `base`, named `binding` if it is bound to a name.
fn field(base: &Node, member: &syn::Member, span: Span, binding: Option<&syn::Ident>) -> TokenStream {
    let base = node(base);
    let field = take_field(&quote!(__dagger_base), member, span, binding);
    quote!({
        let __dagger_base = #base;
        #field
    })
}

/// The handle of field `member` of the value `base` holds: a node named `binding` when the
/// user bound the field to a name, after the value and the field otherwise.
fn take_field(base: &TokenStream, member: &syn::Member, span: Span, binding: Option<&syn::Ident>) -> TokenStream {
    let name = match member {
        syn::Member::Named(ident) => ident.unraw().to_string(),
        syn::Member::Unnamed(index) => index.index.to_string(),
    };
    let binding = match binding {
        Some(binding) => {
            let binding = binding.unraw().to_string();
            quote!(::core::option::Option::Some(#binding))
        }
        None => quote!(::core::option::Option::None),
    };
    match member {
        syn::Member::Unnamed(index) => {
            let position = index.index as usize;
            quote_spanned! {span=>
                #base.__dagger_index::<#position, _, _, _>(__dagger_scope, #binding, |__dagger_value| &__dagger_value.#member)
            }
        }
        syn::Member::Named(_) => quote_spanned! {span=>
            #base.__dagger_field(__dagger_scope, #name, #binding, |__dagger_value| &__dagger_value.#member)
        },
    }
}
