//! The code of a call of a task or DAG in a DAG body: one check per argument, spanned at the
//! argument, then the node.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};

use super::{body, callee, plain_name, SpanOrCallSite};
use crate::model::{Arg, Call, Plain};

pub fn call(call: &Call) -> TokenStream {
    let Call { func: path, args, named, span, .. } = call;
    let span = *span;
    let func = callee::name(path);
    let names: Vec<_> = (0..args.len() + named.len()).map(|i| format_ident!("__dagger_arg{}", i)).collect();
    // The position of each argument: its index, or for a named one, computed from the callee's
    // parameter names. Where a type names it (the parameter's type), it is a constant that fails
    // to evaluate, with a message, when the name matches no parameter, so that the argument is
    // not checked further; elsewhere it is `usize::MAX` then. The constants are named by the
    // argument's index: a name made from the user's (`r#type`) need not be an identifier.
    let callable = quote!(<#func as ::dagger_core::__private::Callable>);
    let position_consts: Vec<_> = (args.len()..)
        .zip(named)
        .map(|(i, named)| (format_ident!("__DAGGER_POSITION_{}", i, span = named.name.span()), named))
        .collect();
    let type_positions: Vec<TokenStream> = (0..args.len())
        .map(|i| quote!(#i))
        .chain(position_consts.iter().map(|(position, _)| position.to_token_stream()))
        .collect();
    let positions: Vec<TokenStream> = (0..args.len())
        .map(|i| quote!(#i))
        .chain(named.iter().map(|named| {
            let name = plain_name(&named.name);
            quote!(::dagger_core::__private::param_position(#callable::PARAMS, #name))
        }))
        .collect();
    let position_consts = position_consts.iter().map(|(position, named)| {
        let name = plain_name(&named.name);
        let value = compile_time_error(
            name.span(),
            quote!(::dagger_core::__private::named_argument_error),
            quote!(#callable::NAME, #callable::PARAMS, #name),
            quote!(::dagger_core::__private::param_position(#callable::PARAMS, #name)),
        );
        quote_spanned!(name.span()=> const #position: usize = #value;)
    });
    let all_args = args.iter().chain(named.iter().map(|named| &named.value));
    let checks: Vec<TokenStream> = all_args
        .zip(&names)
        .zip(&type_positions)
        .map(|((arg, var), position)| {
            let param = quote!(<#func as ::dagger_core::__private::InputAt<#position>>::Ty);
            argument(arg, var, &param)
        })
        .collect();
    let mode = quote_spanned!(span=> __dagger_mode);
    let (check_arguments, call) = if named.is_empty() {
        let arity = args.len();
        (
            quote_spanned!(span=> <#func as ::dagger_core::__private::Arity<#arity>>::check();),
            quote_spanned!(span=> <#func as ::dagger_core::__private::Callable>::call_in(
                __dagger_scope,
                #mode,
                ::std::vec![#(#names.edge),*],
            )),
        )
    } else {
        (
            {
                let check = compile_time_error(
                    span,
                    quote!(::dagger_core::__private::named_call_error),
                    quote!(#callable::NAME, #callable::PARAMS, #callable::DEFAULTS, &[#(#positions),*]),
                    quote!(()),
                );
                quote!(#(#position_consts)* const _: () = #check;)
            },
            quote_spanned!(span=> <#func as ::dagger_core::__private::Callable>::call_named_in(
                __dagger_scope,
                #mode,
                ::std::vec![#((#positions, #names.edge)),*],
            )),
        )
    };
    let arguments = quote!(#(#checks)*);
    let body = quote_spanned! {span=>
        #check_arguments
        let __dagger_mode = ::dagger_core::__private::Whole;
        #(
            #checks
            let __dagger_mode = ::dagger_core::__private::join(__dagger_mode, #names.mode);
        )*
        #call
    };
    callee::scope(path, &callee::marker(path), &arguments, body)
}

/// `value`, or a compile-time error at `span` when `check` (one of the message writers of
/// `__private`) writes a message for `args`. The message is written into an array of the length
/// `check` gives, as const evaluation cannot allocate.
pub(super) fn compile_time_error(span: Span, check: TokenStream, args: TokenStream, value: TokenStream) -> TokenStream {
    quote_spanned! {span=>
        {
            const LEN: usize = #check(&mut [], #args);
            const MESSAGE: [u8; LEN] = {
                let mut message = [0; LEN];
                #check(&mut message, #args);
                message
            };
            if LEN != 0 {
                ::core::panic!("{}", ::dagger_core::__private::message(&MESSAGE));
            }
            #value
        }
    }
}

/// One argument, bound to `var` as an input of parameter type `param`: a handle checked against
/// the parameter, or a constant of its type, each spanned at the user's expression.
fn argument(arg: &Arg, var: &syn::Ident, param: &TokenStream) -> TokenStream {
    match arg {
        Arg::Node(node, span) => {
            let handle = body::node(node);
            let check = quote_spanned! {*span=>
                ::dagger_core::__private::input::<#param, _>(__dagger_handle)
            };
            quote! {
                let __dagger_handle = #handle;
                let #var = #check;
            }
        }
        Arg::Const(Plain { code: expr, .. }) => {
            let span = expr.span_or_call_site();
            let value = match expr {
                syn::Expr::Path(path) if path.path.get_ident().is_some() => {
                    quote_spanned!(span=> ::core::clone::Clone::clone(&#expr))
                }
                _ => expr.to_token_stream(),
            };
            // Braces are how a plain function call is passed as a constant.
            quote_spanned! {span=>
                #[allow(unused_braces)]
                let #var = ::dagger_core::__private::input::<#param, _>(
                    ::dagger_core::__private::constant::<#param, _, _>(__dagger_scope, #value),
                );
            }
        }
    }
}
