//! The code of a `#[dag]`: a struct of its parameters, with functions to run it and to get its
//! graph, and the traits through which other DAGs call it.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::LitStr;

use super::{body, call, callee, plain_name, SpanOrCallSite};
use crate::model::{Dag, DagOutput, Naming};

pub fn dag(dag: &Dag) -> TokenStream {
    let Dag { attrs, vis, params, output, .. } = dag;
    let name = dag.name();
    let name_str = plain_name(name);
    let names: Vec<_> = params.iter().map(|p| &p.name).collect();
    let types: Vec<_> = params.iter().map(|p| &p.ty).collect();
    let (ret, partitioned) = match output {
        DagOutput::Unit => (quote!(()), false),
        DagOutput::Value { ty, partitioned } => (ty.to_token_stream(), *partitioned),
    };
    let runs = runs(dag, &name_str, &ret);
    let default = params.iter().all(|p| p.default.is_some()).then(|| {
        let defaults = params.iter().enumerate().map(|(i, _)| default_fn(i));
        quote! {
            impl ::core::default::Default for #name {
                fn default() -> Self {
                    #name { #(#names: Self::#defaults()),* }
                }
            }
        }
    });
    let callable = callable(dag, &name_str, &ret);
    let distinct_names = distinct_names(dag, &name_str);
    let input_at = params.iter().enumerate().map(|(i, p)| {
        let ty = &p.ty;
        quote!(impl ::dagger_core::__private::InputAt<#i> for #name { type Ty = #ty; })
    });
    let arity = params.len();
    let per_partition = (!partitioned).then(|| {
        quote! {
            #[diagnostic::do_not_recommend]
            impl ::dagger_core::__private::RunsPerPartition for #name {}
        }
    });
    quote! {
        #(#attrs)*
        #[allow(non_camel_case_types)]
        #vis struct #name {
            #(pub #names: #types,)*
        }

        #runs

        #default

        const _: () = {
            #callable
            #distinct_names
            #(#input_at)*
            impl ::dagger_core::__private::Arity<#arity> for #name {}
            #per_partition
        };
    }
}

/// The functions a user runs the DAG with, and `dag()`, which declares the graph once: the body
/// runs against a builder, with the parameters as handles.
fn runs(dag: &Dag, name_str: &LitStr, ret: &TokenStream) -> TokenStream {
    let Dag { vis, params, body, .. } = dag;
    let name = dag.name();
    let names: Vec<_> = params.iter().map(|p| &p.name).collect();
    let name_strs: Vec<_> = params.iter().map(|p| plain_name(&p.name)).collect();
    let types: Vec<_> = params.iter().map(|p| &p.ty).collect();
    let run_ty = quote!(<#ret as ::dagger_core::__private::DagReturn>::Run);
    let body_tokens = body::dag_body(body, ret);
    let markers = callee::markers(body);
    let required: Vec<_> = params.iter().filter(|p| p.default.is_none()).map(|p| &p.name).collect();
    let required_types: Vec<_> = params.iter().filter(|p| p.default.is_none()).map(|p| &p.ty).collect();
    // Each default is written once, in a function of its own, and converted like a constant
    // argument (`"info"` for a `String`): a default of the wrong type is one error, at it.
    let default_fns = params.iter().enumerate().filter_map(|(i, p)| {
        let default = p.default.as_ref()?;
        let ty = &p.ty;
        let function = default_fn(i);
        let value =
            quote_spanned!(default.span_or_call_site()=> ::dagger_core::__private::into_constant::<#ty, _>(#default));
        Some(quote! {
            #[doc(hidden)]
            #[allow(unused_braces)]
            fn #function() -> #ty {
                #value
            }
        })
    });
    let initial = params.iter().enumerate().map(|(i, p)| match &p.default {
        Some(_) => {
            let function = default_fn(i);
            quote!(Self::#function())
        }
        None => p.name.to_token_stream(),
    });
    let default_values = params.iter().enumerate().map(|(i, p)| match &p.default {
        Some(_) => {
            let function = default_fn(i);
            quote!(::core::option::Option::Some(
                ::std::sync::Arc::new(Self::#function()) as ::dagger_core::__private::Erased
            ))
        }
        None => quote!(::core::option::Option::None),
    });
    let doc_run = format!("Runs the DAG `{}` with these parameters, on rayon's global thread pool.", name_str.value());
    quote! {
        impl #name {
            #(#default_fns)*

            #[doc = #doc_run]
            #[allow(clippy::too_many_arguments)]
            #vis fn run(#(#names: #types),*) -> ::core::result::Result<#run_ty, ::dagger_core::Error> {
                #name { #(#names),* }.execute()
            }

            /// The parameters without defaults as given, the others at their defaults.
            #[allow(clippy::too_many_arguments)]
            #vis fn with_defaults(#(#required: #required_types),*) -> Self {
                #name { #(#names: #initial),* }
            }

            /// Runs the DAG with the parameters held in `self`, on rayon's global thread pool.
            #vis fn execute(self) -> ::core::result::Result<#run_ty, ::dagger_core::Error> {
                self.execute_on(&::dagger_core::Runner::default())
            }

            /// Runs the DAG with the parameters held in `self`, on `runner`.
            #vis fn execute_on(self, runner: &::dagger_core::Runner) -> ::core::result::Result<#run_ty, ::dagger_core::Error> {
                runner.run(&Self::dag(), (#(self.#names,)*))
            }

            /// The declared DAG: its graph, and a typed handle to run it.
            #vis fn dag() -> ::dagger_core::Dag<(#(#types,)*), #ret> {
                #markers
                static DAG: ::std::sync::OnceLock<::dagger_core::Dag<(#(#types,)*), #ret>> = ::std::sync::OnceLock::new();
                DAG.get_or_init(|| {
                    ::dagger_core::Dag::<(#(#types,)*), #ret>::build(
                        #name_str,
                        [#(#name_strs),*],
                        #[allow(unused_variables, unused_mut, clippy::let_unit_value)]
                        |__dagger_scope, (#(#names,)*)| { #body_tokens },
                    )
                    .unwrap_or_else(|error| ::core::panic!("{error}"))
                    .__with_defaults(::std::vec![#(#default_values),*])
                })
                .clone()
            }
        }
    }
}

/// The check, at compile time, that no two names the DAG gives (its parameters, its callees',
/// the names its fields, windows, selections, joins and shuffles are bound to) are equal
/// ignoring case: each name is compared with those before it, and an error is reported at it.
/// (Names the body does not spell, a task's `#[task(name = "..")]` among them, are the callees'
/// `NAME`s; the builder checks the names it numbers when the DAG is declared.)
fn distinct_names(dag: &Dag, name_str: &LitStr) -> TokenStream {
    let mut names: Vec<(TokenStream, &str, proc_macro2::Span)> = dag
        .params
        .iter()
        .map(|param| (plain_name(&param.name).to_token_stream(), "a parameter", param.name.span()))
        .collect();
    dag.body.visit_namings(&mut |naming| match naming {
        Naming::Call(call) => {
            let callee = callee::name(&call.func);
            let name = callee::scope(
                &call.func,
                &quote!(::dagger_core::__private::PlainFunction),
                &TokenStream::new(),
                quote!(<#callee as ::dagger_core::__private::Callable>::NAME),
            );
            names.push((name, "a node", callee.span()));
        }
        Naming::Binding(binding) => names.push((plain_name(binding).to_token_stream(), "a node", binding.span())),
    });
    if names.len() < 2 {
        return TokenStream::new();
    }
    let checks = (1..names.len()).map(|i| {
        let check = call::compile_time_error(
            names[i].2,
            quote!(::dagger_core::__private::names_differing_in_case),
            quote!(#name_str, (NAMES, WHATS), #i),
            quote!(()),
        );
        quote!(const _: () = #check;)
    });
    let (values, whats): (Vec<&TokenStream>, Vec<&str>) = names.iter().map(|(value, what, _)| (value, *what)).unzip();
    quote! {
        const _: () = {
            const NAMES: &[&str] = &[#(#values),*];
            const WHATS: &[&str] = &[#(#whats),*];
            #(#checks)*
        };
    }
}

/// The hidden function that gives the default of the `index`-th parameter.
fn default_fn(index: usize) -> syn::Ident {
    quote::format_ident!("__dagger_default_{}", index)
}

/// `Callable`, for other DAGs to call this one as a node. `NESTING` is one more than the deepest
/// callee's: a DAG that calls itself through others makes it a cycle the compiler reports.
fn callable(dag: &Dag, name_str: &LitStr, ret: &TokenStream) -> TokenStream {
    let name = dag.name();
    let name_strs = dag.params.iter().map(|p| plain_name(&p.name));
    let has_defaults = dag.params.iter().map(|p| p.default.is_some());
    let mut nesting = quote!(0);
    dag.body.visit_calls(&mut |call| {
        let callee = callee::name(&call.func);
        // A plain function is reported in the body; here it is a callee of depth 0.
        let callee_nesting = callee::scope(
            &call.func,
            &quote!(::dagger_core::__private::PlainFunction),
            &TokenStream::new(),
            quote!(<#callee as ::dagger_core::__private::Callable>::NESTING),
        );
        nesting = quote!(::dagger_core::__private::max(#nesting, #callee_nesting));
    });
    quote! {
        impl ::dagger_core::__private::Sealed for #name {}
        impl ::dagger_core::__private::Callable for #name {
            const NAME: &'static str = #name_str;
            const NESTING: usize = 1 + #nesting;
            const PARAMS: &'static [&'static str] = &[#(#name_strs),*];
            const DEFAULTS: &'static [bool] = &[#(#has_defaults),*];
            type Output = <#ret as ::dagger_core::__private::DagReturn>::Item;
            type Shape = <#ret as ::dagger_core::__private::DagReturn>::Shape;
            fn work() -> ::dagger_core::__private::Work {
                ::dagger_core::__private::work_of(&#name::dag())
            }
        }
    }
}
