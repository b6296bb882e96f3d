//! Code generation from a valid [model](crate::model).
//!
//! Generated code uses absolute paths (`::dagger_core::...`) and puts helper impls inside
//! `const _: () = { ... };`. Every check that depends on types is a call spanned at the user's
//! own tokens, so that a failing trait bound points at the argument, the map or the output that
//! breaks a rule.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::LitStr;

use crate::model::{Arg, Body, Dag, DagOutput, Field, Node, Partitioning, Stmt, Task};

pub fn task(task: &Task) -> TokenStream {
    let Task { item, name, vis, partitioning, format, node_name, options, params, output } = task;
    let name_str = LitStr::new(node_name.as_deref().unwrap_or(&name.to_string()), name.span());
    let option_keys = options.iter().map(|(key, _)| key);
    let option_values = options.iter().map(|(_, value)| value);
    let arity = params.len();
    let ret = &output.ty;
    let ok_ty = if output.fallible {
        quote_spanned!(ret_span(ret)=> <#ret as ::dagger_core::__private::Fallible>::Ok)
    } else {
        quote!(#ret)
    };
    let one = quote!(::dagger_core::__private::one(__dagger_emit, __output));
    let (output_ty, shape, store) = match partitioning {
        Partitioning::Whole => (ok_ty, quote!(::dagger_core::__private::Single), one),
        Partitioning::Items { item } => (
            match item {
                Some(item) => item.to_token_stream(),
                None => quote_spanned!(ret_span(ret)=> ::dagger_core::__private::ItemOf<#ok_ty>),
            },
            quote!(::dagger_core::__private::Parts),
            quote!(::dagger_core::__private::parts(__dagger_emit, __output)),
        ),
        // Its output is used field by field.
        Partitioning::Fields(_) => (ok_ty, quote!(::dagger_core::__private::WithFields<#name>), one),
    };
    let unwrap =
        output.fallible.then(|| quote!(let __output = ::dagger_core::__private::Fallible::into_result(__output)?;));
    let codec = format.as_ref().map(|format| {
        quote! {
            fn codec() -> ::dagger_core::__private::Codec {
                ::dagger_core::__private::Codec::of::<<Self as ::dagger_core::__private::Callable>::Output, #format>()
            }
        }
    });
    let param_names: Vec<LitStr> = params.iter().map(|param| LitStr::new(&param.name, Span::call_site())).collect();
    let no_defaults = params.iter().map(|_| quote!(false));
    let inputs: Vec<_> = (0..arity).map(|i| format_ident!("__input{}", i)).collect();
    let values: Vec<_> = params
        .iter()
        .zip(&inputs)
        .map(|(param, input)| {
            let stored = &param.stored;
            if param.by_ref {
                quote!(::dagger_core::__private::shared::<#stored>(&#input)?)
            } else {
                quote!(::dagger_core::__private::owned::<#stored>(#input)?)
            }
        })
        .collect();
    let input_at = params.iter().enumerate().map(|(i, param)| {
        let stored = &param.stored;
        let span = param.stored.span_or_call_site();
        quote_spanned!(span=> impl ::dagger_core::__private::InputAt<#i> for #name { type Ty = #stored; })
    });
    let fields: &[Field] = match partitioning {
        Partitioning::Fields(fields) => fields,
        Partitioning::Whole | Partitioning::Items { .. } => &[],
    };
    let field_impls = fields.iter().enumerate().map(|(i, Field { ty, partitioned })| {
        let index = syn::Index::from(i);
        let (handle, add) = if *partitioned {
            (
                quote!(::dagger_core::__private::Partitioned<<#ty as ::core::iter::IntoIterator>::Item>),
                quote!(::dagger_core::__private::partitioned_field),
            )
        } else {
            (quote!(::dagger_core::__private::Value<#ty>), quote!(::dagger_core::__private::whole_field))
        };
        quote! {
            impl ::dagger_core::__private::FieldAt<#i> for #name {
                type Field = #ty;
                type Handle = #handle;
                fn add(
                    scope: &mut dyn ::dagger_core::__private::FieldScope,
                    port: ::dagger_core::__private::Port,
                ) -> Self::Handle {
                    #add(scope, port, #name_str, #i, |value: &<Self as ::dagger_core::__private::Callable>::Output| &value.#index)
                }
            }
        }
    });
    // Only a task whose output is one value runs once per partition, over batches.
    let partitioned = !matches!(partitioning, Partitioning::Whole);
    let batch = if partitioned {
        quote!(::core::option::Option::None)
    } else {
        let run_batch = run_batch(name, params, &inputs, unwrap.as_ref());
        quote!(::core::option::Option::Some({ #run_batch __invoke_batch }))
    };
    let per_partition = (!partitioned).then(|| {
        quote! {
            #[diagnostic::do_not_recommend]
            impl ::dagger_core::__private::RunsPerPartition for #name {}
        }
    });
    quote! {
        #item

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        const _: () = {
            impl ::dagger_core::__private::Callable for #name {
                const NAME: &'static str = #name_str;
                const NESTING: usize = 0;
                const PARAMS: &'static [&'static str] = &[#(#param_names),*];
                const DEFAULTS: &'static [bool] = &[#(#no_defaults),*];
                const OPTIONS: &'static [(&'static str, &'static str)] = &[#((#option_keys, #option_values)),*];
                type Output = #output_ty;
                type Shape = #shape;
                fn body() -> ::dagger_core::__private::Body {
                    #[allow(unused_mut, unused_variables)]
                    fn __invoke(
                        __dagger_inputs: ::dagger_core::__private::Inputs,
                        __dagger_emit: &mut dyn ::dagger_core::__private::Emit,
                    ) -> ::core::result::Result<(), ::dagger_core::__private::BoxError> {
                        let mut __inputs = __dagger_inputs;
                        #(let #inputs = __inputs.next().ok_or("a task received fewer inputs than it has parameters")?;)*
                        let __output = #name(#(#values),*);
                        #unwrap
                        #store
                    }
                    ::dagger_core::__private::Body::Task(__invoke, #batch)
                }
                #codec
            }
            #(#input_at)*
            #(#field_impls)*
            impl ::dagger_core::__private::Arity<#arity> for #name {}
            #per_partition
        };
    }
}

/// The entry point of a task that runs once per partition over a batch of partitions: for each
/// parameter the partition may feed, a loop over the batch that calls the function with the
/// item there and the whole inputs elsewhere (copied per item for a parameter taken by value,
/// as the one-at-a-time entry point would receive them).
fn run_batch(
    name: &syn::Ident,
    params: &[crate::model::TaskParam],
    inputs: &[syn::Ident],
    unwrap: Option<&TokenStream>,
) -> TokenStream {
    let arms = params.iter().enumerate().map(|(split, param)| {
        let values = params.iter().zip(inputs).enumerate().map(|(i, (param, input))| {
            let stored = &param.stored;
            match (i == split, param.by_ref) {
                (true, _) => quote!(__item),
                (false, true) => quote!(::dagger_core::__private::shared::<#stored>(#input)?),
                (false, false) => {
                    quote!(::dagger_core::__private::owned::<#stored>(::core::clone::Clone::clone(#input))?)
                }
            }
        });
        let stored = &param.stored;
        let (map, item) = if param.by_ref {
            (quote!(::dagger_core::__private::map_batch_ref), quote!(&#stored))
        } else {
            (quote!(::dagger_core::__private::map_batch), quote!(#stored))
        };
        quote! {
            #split => #map(__dagger_items, __dagger_run, |__item: #item| {
                let __output = #name(#(#values),*);
                #unwrap
                ::core::result::Result::Ok(__output)
            }),
        }
    });
    let indices = 0..inputs.len();
    quote! {
        #[allow(unused_mut, unused_variables, unreachable_code)]
        fn __invoke_batch(
            __dagger_split: usize,
            __dagger_items: ::dagger_core::__private::Items<'_>,
            __dagger_inputs: &::dagger_core::__private::Inputs,
            __dagger_run: &::dagger_core::__private::BatchRun<'_>,
        ) -> ::core::result::Result<::dagger_core::__private::Erased, ::dagger_core::__private::BatchStop> {
            #(let #inputs = __dagger_inputs.get(#indices).ok_or("a task received fewer inputs than it has parameters")?;)*
            match __dagger_split {
                #(#arms)*
                _ => ::core::result::Result::Err(::dagger_core::__private::BatchStop::Inputs(
                    "a partition feeds a parameter the task does not have".into(),
                )),
            }
        }
    }
}

trait SpanOrCallSite {
    fn span_or_call_site(&self) -> Span;
}

impl<T: ToTokens> SpanOrCallSite for T {
    fn span_or_call_site(&self) -> Span {
        self.to_token_stream().into_iter().next().map_or_else(Span::call_site, |t| t.span())
    }
}

fn ret_span(ty: &syn::Type) -> Span {
    ty.span_or_call_site()
}

pub fn dag(dag: &Dag) -> TokenStream {
    let Dag { attrs, name, vis, params, output, body, callees } = dag;
    let name_str = LitStr::new(&name.to_string(), name.span());
    let names: Vec<_> = params.iter().map(|p| &p.name).collect();
    let name_strs: Vec<_> = params.iter().map(|p| LitStr::new(&p.name.to_string(), p.name.span())).collect();
    let types: Vec<_> = params.iter().map(|p| &p.ty).collect();
    let arity = params.len();
    let (ret, partitioned) = match output {
        DagOutput::Unit => (quote!(()), false),
        DagOutput::Value { ty, partitioned } => (ty.to_token_stream(), *partitioned),
    };
    let run_ty = quote!(<#ret as ::dagger_core::__private::DagReturn>::Run);
    let body_tokens = expand_body(body, &ret);
    let input_at = params.iter().enumerate().map(|(i, p)| {
        let ty = &p.ty;
        quote!(impl ::dagger_core::__private::InputAt<#i> for #name { type Ty = #ty; })
    });
    let per_partition = (!partitioned).then(|| {
        quote! {
            #[diagnostic::do_not_recommend]
            impl ::dagger_core::__private::RunsPerPartition for #name {}
        }
    });
    let default = params.iter().all(|p| p.default.is_some()).then(|| {
        let defaults = params.iter().map(|p| p.default.as_ref().map(ToTokens::to_token_stream));
        quote! {
            impl ::core::default::Default for #name {
                fn default() -> Self {
                    #name { #(#names: #defaults),* }
                }
            }
        }
    });
    let has_defaults = params.iter().map(|p| p.default.is_some());
    let required: Vec<_> = params.iter().filter(|p| p.default.is_none()).map(|p| &p.name).collect();
    let required_types: Vec<_> = params.iter().filter(|p| p.default.is_none()).map(|p| &p.ty).collect();
    let initial: Vec<TokenStream> = params
        .iter()
        .map(|p| match &p.default {
            Some(default) => default.to_token_stream(),
            None => p.name.to_token_stream(),
        })
        .collect();
    let default_values = params.iter().map(|p| match &p.default {
        Some(default) => {
            let ty = &p.ty;
            quote!(::core::option::Option::Some({
                let value: #ty = #default;
                ::std::sync::Arc::new(value) as ::dagger_core::__private::Erased
            }))
        }
        None => quote!(::core::option::Option::None),
    });
    let nesting = callees.iter().fold(quote!(0), |acc, callee| {
        quote!(::dagger_core::__private::max(#acc, <#callee as ::dagger_core::__private::Callable>::NESTING))
    });
    let doc_run = format!("Runs the DAG `{name}` with these parameters, on rayon's global thread pool.");
    quote! {
        #(#attrs)*
        #[allow(non_camel_case_types)]
        #vis struct #name {
            #(pub #names: #types,)*
        }

        impl #name {
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
                static DAG: ::std::sync::OnceLock<::dagger_core::Dag<(#(#types,)*), #ret>> = ::std::sync::OnceLock::new();
                DAG.get_or_init(|| {
                    ::dagger_core::Dag::<(#(#types,)*), #ret>::build(
                        #name_str,
                        [#(#name_strs),*],
                        #[allow(unused_variables, unused_mut, clippy::let_unit_value)]
                        |__dagger_scope, (#(#names,)*)| { #body_tokens },
                    )
                    .expect("a DAG declared with #[dag] uses its handles where they are valid")
                    .__with_defaults(::std::vec![#(#default_values),*])
                })
                .clone()
            }
        }

        #default

        const _: () = {
            impl ::dagger_core::__private::Callable for #name {
                const NAME: &'static str = #name_str;
                const NESTING: usize = 1 + #nesting;
                const PARAMS: &'static [&'static str] = &[#(#name_strs),*];
                const DEFAULTS: &'static [bool] = &[#(#has_defaults),*];
                type Output = <#ret as ::dagger_core::__private::DagReturn>::Item;
                type Shape = <#ret as ::dagger_core::__private::DagReturn>::Shape;
                fn body() -> ::dagger_core::__private::Body {
                    ::dagger_core::__private::body_of(&#name::dag())
                }
            }
            #(#input_at)*
            impl ::dagger_core::__private::Arity<#arity> for #name {}
            #per_partition
        };
    }
}

/// The DAG body: its statements, then the output checked against the declared type `ret`.
fn expand_body(body: &Body, ret: &TokenStream) -> TokenStream {
    let stmts = expand_stmts(body);
    let handle = body.tail.as_ref().map_or_else(|| quote!(()), expand_node);
    let tail = quote_spanned!(body.tail_span=> ::dagger_core::__private::returns::<#ret, _>(#handle));
    quote!(#stmts #tail)
}

/// The body of a map closure: its statements, then the handle the map collects.
fn expand_map_body(body: &Body) -> TokenStream {
    let stmts = expand_stmts(body);
    let tail = body.tail.as_ref().map(expand_node);
    quote!(#stmts #tail)
}

fn expand_stmts(body: &Body) -> TokenStream {
    body.stmts
        .iter()
        .map(|stmt| match stmt {
            Stmt::Let { pat, ty, value } => {
                let value = expand_node(value);
                let ty = ty.as_ref().map(|ty| quote!(: #ty));
                quote!(let #pat #ty = #value;)
            }
            Stmt::Destructure { value, fields } => {
                let value = expand_node(value);
                let fields = fields.iter().map(|(member, name)| {
                    let field = take_field(&quote!(__dagger_whole), member, member.span_or_call_site());
                    quote!(let #name = #field;)
                });
                quote! {
                    let __dagger_whole = #value;
                    #(#fields)*
                }
            }
            Stmt::Plain(stmt) => stmt.to_token_stream(),
            Stmt::Node(node) => {
                let node = expand_node(node);
                quote!(let _ = #node;)
            }
        })
        .collect()
}

/// A call of a task or DAG: one checked argument per parameter, then the node.
fn expand_call(func: &syn::Path, args: &[Arg], named: &[(syn::Ident, Arg)], span: Span) -> TokenStream {
    let names: Vec<_> = (0..args.len() + named.len()).map(|i| format_ident!("__dagger_arg{}", i)).collect();
    // The position of each argument: its index, or for a named one a constant computed from the
    // callee's parameter names.
    let positions: Vec<TokenStream> =
        (0..args.len())
            .map(|i| quote!(#i))
            .chain(named.iter().map(|(name, _)| {
                format_ident!("__DAGGER_POSITION_{}", name.to_string().to_uppercase()).to_token_stream()
            }))
            .collect();
    let position_consts = named.iter().map(|(name, _)| {
        let position = format_ident!("__DAGGER_POSITION_{}", name.to_string().to_uppercase());
        let name = LitStr::new(&name.to_string(), name.span());
        quote_spanned! {name.span()=>
            const #position: usize = ::dagger_core::__private::param_index(
                <#func as ::dagger_core::__private::Callable>::NAME,
                <#func as ::dagger_core::__private::Callable>::PARAMS,
                #name,
            );
        }
    });
    let all_args = args.iter().chain(named.iter().map(|(_, arg)| arg));
    let checks = all_args.zip(&names).zip(&positions).map(|((arg, var), position)| {
        let param = quote!(<#func as ::dagger_core::__private::InputAt<#position>>::Ty);
        match arg {
            Arg::Node(node, span) => {
                let handle = expand_node(node);
                let check = quote_spanned! {*span=>
                    ::dagger_core::__private::input::<#param, _>(__dagger_handle)
                };
                quote! {
                    let __dagger_handle = #handle;
                    let #var = #check;
                }
            }
            Arg::Const(expr) => {
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
    });
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
            quote_spanned! {span=>
                #(#position_consts)*
                const _: () = ::dagger_core::__private::check_named_call(
                    <#func as ::dagger_core::__private::Callable>::DEFAULTS,
                    &[#(#positions),*],
                );
            },
            quote_spanned!(span=> <#func as ::dagger_core::__private::Callable>::call_named_in(
                __dagger_scope,
                #mode,
                ::std::vec![#((#positions, #names.edge)),*],
            )),
        )
    };
    quote_spanned! {span=>
        {
            #check_arguments
            let __dagger_mode = ::dagger_core::__private::Whole;
            #(
                #checks
                let __dagger_mode = ::dagger_core::__private::join(__dagger_mode, #names.mode);
            )*
            #call
        }
    }
}

/// The handle of field `member` of the value `base` holds.
fn take_field(base: &TokenStream, member: &syn::Member, span: Span) -> TokenStream {
    let name = match member {
        syn::Member::Named(ident) => ident.to_string(),
        syn::Member::Unnamed(index) => index.index.to_string(),
    };
    match member {
        syn::Member::Unnamed(index) => {
            let position = index.index as usize;
            quote_spanned! {span=>
                #base.__dagger_index::<#position, _, _, _>(__dagger_scope, |__dagger_value| &__dagger_value.#member)
            }
        }
        syn::Member::Named(_) => quote_spanned! {span=>
            #base.__dagger_field(__dagger_scope, #name, |__dagger_value| &__dagger_value.#member)
        },
    }
}

fn expand_node(node: &Node) -> TokenStream {
    match node {
        Node::Field { base, member, span } => {
            let base = expand_node(base);
            let field = take_field(&quote!(__dagger_base), member, *span);
            quote!({
                let __dagger_base = #base;
                #field
            })
        }
        Node::Struct { path, fields, span } => {
            let names: Vec<_> = (0..fields.len()).map(|i| format_ident!("__dagger_item{}", i)).collect();
            let members: Vec<_> = fields.iter().map(|(member, _)| member).collect();
            let items = fields.iter().map(|(_, node)| expand_node(node));
            let type_name = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
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
            let items = items.iter().map(expand_node);
            let pack = quote_spanned!(*span=> ::dagger_core::Scope::pack(__dagger_scope, (#(#names,)*)));
            quote!({
                #(let #names = #items;)*
                #pack
            })
        }
        Node::Var(ident) => ident.to_token_stream(),
        Node::Call { func, args, named, span } => expand_call(func, args, named, *span),
        Node::Map { source, source_span, part, body, span } => {
            let source = expand_node(source);
            let source_var = quote_spanned!(*source_span=> __dagger_source);
            let body = expand_map_body(body);
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
