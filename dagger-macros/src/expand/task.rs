//! The code of a `#[task]`: the user's function unchanged, a struct of the same name for DAGs
//! to call, and the traits through which they call it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::{Ident, LitStr};

use super::{plain_name, SpanOrCallSite};
use crate::model::{Field, Partitioning, Task, TaskOutput, TaskParam};

pub fn task(task: &Task) -> TokenStream {
    let Task { item, params, .. } = task;
    let name = task.name();
    let vis = &item.vis;
    let name_str = match &task.node_name {
        Some(node_name) => LitStr::new(node_name, name.span()),
        None => plain_name(name),
    };
    let arity = params.len();
    let callable = callable(task, &name_str);
    let input_at = params.iter().enumerate().map(|(i, param)| {
        let stored = &param.stored;
        let span = param.stored.span_or_call_site();
        quote_spanned!(span=> impl ::dagger_core::__private::InputAt<#i> for #name { type Ty = #stored; })
    });
    let field_impls = match &task.partitioning {
        Partitioning::Fields(fields) => field_impls(name, &name_str, fields),
        Partitioning::Whole | Partitioning::Items { .. } => Vec::new(),
    };
    let per_partition = matches!(task.partitioning, Partitioning::Whole).then(|| {
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
            #callable
            #(#input_at)*
            #(#field_impls)*
            impl ::dagger_core::__private::Arity<#arity> for #name {}
            #per_partition
        };
    }
}

/// `Callable`: the node's name, parameters and options, its output type and shape, and the entry
/// points the runtime calls.
fn callable(task: &Task, name_str: &LitStr) -> TokenStream {
    let Task { format, options, params, output, version, cache, .. } = task;
    let name = task.name();
    let option_keys = options.iter().map(|(key, _)| key);
    let option_values = options.iter().map(|(_, value)| value);
    let (output_ty, shape, store) = output_shape(task);
    let unwrap = unwrap(output);
    let codec = format.as_ref().map(|format| {
        quote! {
            fn codec() -> ::dagger_core::__private::Codec {
                ::dagger_core::__private::Codec::of::<<Self as ::dagger_core::__private::Callable>::Output, #format>()
            }
        }
    });
    let param_names: Vec<LitStr> = params.iter().map(|param| LitStr::new(&param.name, Span::call_site())).collect();
    let no_defaults = params.iter().map(|_| quote!(false));
    let inputs: Vec<_> = (0..params.len()).map(|i| format_ident!("__input{}", i)).collect();
    // Each input as the type `InputAt<i>` names, which checks it once.
    let values = params.iter().zip(&inputs).enumerate().map(|(i, (param, input))| {
        if param.by_ref {
            quote!(::dagger_core::__private::shared_at::<#name, #i>(&#input)?)
        } else {
            quote!(::dagger_core::__private::owned_at::<#name, #i>(#input)?)
        }
    });
    // Only a task whose output is one value runs once per partition, over batches.
    let batch = match task.partitioning {
        Partitioning::Whole => {
            let run_batch = run_batch(name, params, &inputs, unwrap.as_ref());
            quote!(::core::option::Option::Some({ #run_batch __invoke_batch }))
        }
        Partitioning::Items { .. } | Partitioning::Fields(_) => quote!(::core::option::Option::None),
    };
    quote! {
        impl ::dagger_core::__private::Sealed for #name {}
        impl ::dagger_core::__private::Callable for #name {
            const NAME: &'static str = #name_str;
            const NESTING: usize = 0;
            const PARAMS: &'static [&'static str] = &[#(#param_names),*];
            const DEFAULTS: &'static [bool] = &[#(#no_defaults),*];
            const OPTIONS: &'static [(&'static str, &'static str)] = &[#((#option_keys, #option_values)),*];
            const VERSION: &'static str = #version;
            const CACHE: bool = #cache;
            type Output = #output_ty;
            type Shape = #shape;
            fn work() -> ::dagger_core::__private::Work {
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
                ::dagger_core::__private::Work::Task(__invoke, #batch)
            }
            #codec
        }
    }
}

/// The node's output type, its shape, and how the entry point hands the output over.
fn output_shape(task: &Task) -> (TokenStream, TokenStream, TokenStream) {
    let ret = &task.output.ty;
    let ok_ty = if task.output.fallible {
        quote_spanned!(ret.span_or_call_site()=> <#ret as ::dagger_core::__private::Fallible>::Ok)
    } else {
        quote!(#ret)
    };
    let one = quote!(::dagger_core::__private::one(__dagger_emit, __output));
    match &task.partitioning {
        Partitioning::Whole => (ok_ty, quote!(::dagger_core::__private::Single), one),
        Partitioning::Items { item, keyed } => {
            let item = match item {
                Some(item) => item.to_token_stream(),
                None => quote_spanned!(ret.span_or_call_site()=> ::dagger_core::__private::ItemOf<#ok_ty>),
            };
            match keyed {
                false => (
                    item,
                    quote!(::dagger_core::__private::Parts),
                    quote!(::dagger_core::__private::parts(__dagger_emit, __output)),
                ),
                true => (
                    quote_spanned!(ret.span_or_call_site()=> ::dagger_core::__private::ValueOf<#item>),
                    quote_spanned!(ret.span_or_call_site()=> ::dagger_core::__private::KeyedParts<::dagger_core::__private::KeyOf<#item>>),
                    // Spanned as the types above, so that items that are not pairs are one error.
                    quote_spanned!(ret.span_or_call_site()=> ::dagger_core::__private::keyed_parts(
                        __dagger_emit,
                        ::core::iter::Iterator::map(
                            ::core::iter::IntoIterator::into_iter(__output),
                            <#item as ::dagger_core::__private::KeyValue>::split,
                        ),
                    )),
                ),
            }
        }
        Partitioning::Fields(_) => {
            let name = task.name();
            (ok_ty, quote!(::dagger_core::__private::WithFields<#name>), one)
        }
    }
}

/// An `Err` returned by the task fails the run.
fn unwrap(output: &TaskOutput) -> Option<TokenStream> {
    output.fallible.then(|| quote!(let __output = ::dagger_core::__private::Fallible::into_result(__output)?;))
}

/// `FieldAt<i>` for each field of a tuple output: a DAG reads the fields as outputs of their own,
/// partitioned or whole.
fn field_impls(name: &Ident, name_str: &LitStr, fields: &[Field]) -> Vec<TokenStream> {
    let impls = fields.iter().enumerate().map(|(i, Field { ty, partitioned })| {
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
                    scope: &mut dyn ::dagger_core::__private::Declare,
                    port: ::dagger_core::__private::Port,
                    binding: ::core::option::Option<&str>,
                ) -> Self::Handle {
                    #add(scope, port, #name_str, #i, binding, |value: &<Self as ::dagger_core::__private::Callable>::Output| &value.#index)
                }
            }
        }
    });
    impls.collect()
}

/// The entry point of a task that runs once per partition over a batch of partitions: for each
/// parameter the partition may feed, a loop over the batch that calls the function with the
/// item there and the whole inputs elsewhere (copied per item for a parameter taken by value,
/// as the one-at-a-time entry point would receive them).
fn run_batch(name: &Ident, params: &[TaskParam], inputs: &[Ident], unwrap: Option<&TokenStream>) -> TokenStream {
    let arms = params.iter().enumerate().map(|(split, param)| {
        let values =
            params.iter().zip(inputs).enumerate().map(|(i, (param, input))| match (i == split, param.by_ref) {
                (true, _) => quote!(__item),
                (false, true) => quote!(::dagger_core::__private::shared_at::<#name, #i>(#input)?),
                (false, false) => {
                    quote!(::dagger_core::__private::owned_at::<#name, #i>(::core::clone::Clone::clone(#input))?)
                }
            });
        let stored = quote!(<#name as ::dagger_core::__private::InputAt<#split>>::Ty);
        let (map, item) = if param.by_ref {
            (quote!(::dagger_core::__private::map_batch_ref_at::<#name, #split>), quote!(&#stored))
        } else {
            (quote!(::dagger_core::__private::map_batch_at::<#name, #split>), quote!(#stored))
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
