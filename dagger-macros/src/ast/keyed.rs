//! The operations on keyed partitions in a DAG body: `source.window(n)` and
//! `source.select(a..b)`.

use syn::{Expr, Ident};

use super::BodyReader;
use crate::model::{Arg, Node};

impl BodyReader<'_> {
    /// `source.window(n)`, `source.into_batches(n)`, `source.into_partitions(n)`: `n` is a
    /// number written in the DAG, not a DAG value.
    pub(super) fn regroup(&mut self, call: &syn::ExprMethodCall, scope: &mut Vec<Ident>) -> Option<Node> {
        let source = Box::new(self.node(&call.receiver, scope)?);
        if let Some(Arg::Node(..)) = self.arg(&call.args[0], scope) {
            let message = format!(
                "`.{}` takes a number written in the DAG, not a value of the DAG: the shape of a DAG is fixed when \
                 it is declared",
                call.method
            );
            self.cx.error(&call.args[0], message);
            return None;
        }
        Some(Node::Regroup { source, method: call.method.clone(), count: Box::new(call.args[0].clone()) })
    }

    /// `source.shuffle(n, |item| key)`: `n` a number written in the DAG, the key a closure of
    /// plain Rust that runs on every item.
    pub(super) fn shuffle(&mut self, call: &syn::ExprMethodCall, scope: &mut Vec<Ident>) -> Option<Node> {
        let source = Box::new(self.node(&call.receiver, scope)?);
        if let Some(Arg::Node(..)) = self.arg(&call.args[0], scope) {
            self.cx.error(&call.args[0], "`.shuffle` takes a number of partitions written in the DAG, not a value of the DAG: the shape of a DAG is fixed when it is declared");
            return None;
        }
        if !matches!(call.args[1], Expr::Closure(_)) {
            self.cx.error(
                &call.args[1],
                "`.shuffle` takes the key of each item as a closure: `words.shuffle(16, |(word, _)| word.clone())`",
            );
            return None;
        }
        Some(Node::Shuffle {
            source,
            method: call.method.clone(),
            count: Box::new(call.args[0].clone()),
            key: Box::new(call.args[1].clone()),
        })
    }

    /// `left.join(right)`, `right` a value of the DAG; with anything else it is plain Rust
    /// (`path.join("file")`), which the checks of plain code report if it uses a DAG value.
    pub(super) fn join(&mut self, call: &syn::ExprMethodCall, scope: &mut Vec<Ident>) -> Option<Node> {
        let source = Box::new(self.node(&call.receiver, scope)?);
        match self.arg(&call.args[0], scope)? {
            Arg::Node(other, _) => Some(Node::Join { source, method: call.method.clone(), other: Box::new(other) }),
            Arg::Const(_) => None,
        }
    }

    /// `source.select(a..b)`: each bound a DAG value or a constant, either may be left out.
    pub(super) fn select(&mut self, call: &syn::ExprMethodCall, scope: &mut Vec<Ident>) -> Option<Node> {
        let source = Box::new(self.node(&call.receiver, scope)?);
        // Anything but a range is plain Rust, as for `join`.
        let Expr::Range(range) = &call.args[0] else { return None };
        let mut bound = |expr: &Option<Box<Expr>>| match expr {
            Some(expr) => self.arg(expr, scope).map(|arg| Some(Box::new(arg))),
            None => Some(None),
        };
        let start = bound(&range.start)?;
        let end = bound(&range.end)?;
        let inclusive = matches!(range.limits, syn::RangeLimits::Closed(_));
        Some(Node::Select { source, start, end, inclusive, span: call.method.span() })
    }
}
