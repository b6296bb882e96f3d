//! Code generation from a model that `valid` accepted: no reading and no
//! checking of the user's syntax here.
//!
//! Generated code uses absolute paths (`::dagger_core::...`) and puts helper impls inside
//! `const _: () = { ... };`. Every check that depends on types is a call spanned at the user's
//! own tokens, so that a failing trait bound points at the argument, the map or the output that
//! breaks a rule.

mod body;
mod call;
mod callee;
mod dag;
mod task;

use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{Ident, LitStr};

pub use dag::dag;
pub use task::task;

/// A name the runtime sees (a node's, a parameter's) is the plain one, `type` for `r#type`: the
/// `r#` only tells Rust that a keyword is used as an identifier.
fn plain_name(ident: &Ident) -> LitStr {
    LitStr::new(&ident.unraw().to_string(), ident.span())
}

trait SpanOrCallSite {
    fn span_or_call_site(&self) -> Span;
}

/// `quote_spanned!` takes one span: the first token's points at the start of the user's type
/// or expression.
impl<T: ToTokens> SpanOrCallSite for T {
    fn span_or_call_site(&self) -> Span {
        self.to_token_stream().into_iter().next().map_or_else(Span::call_site, |t| t.span())
    }
}
