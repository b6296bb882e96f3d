//! Collects every error of one macro invocation, so that a user sees all mistakes in one build.

use std::fmt::Display;

use quote::ToTokens;

#[derive(Default)]
pub struct Ctxt {
    errors: Option<syn::Error>,
    count: usize,
}

impl Ctxt {
    pub fn error(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub fn push(&mut self, error: syn::Error) {
        self.count += 1;
        match &mut self.errors {
            Some(errors) => errors.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// How many errors were reported so far: a phase that reads an expression can tell whether
    /// reading it reported one, and then leave it out of later checks.
    pub fn count(&self) -> usize {
        self.count
    }

    pub fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.errors {
            Some(errors) => Err(errors),
            None => Ok(value),
        }
    }
}
