//! Plain Rust in a DAG body: the initializer of a `let` that is not a node, an argument that is
//! a constant. It runs once, when the DAG is declared, so it can neither call a task (the call
//! would run then, as a plain function, not as a node) nor use a value of the DAG (which exists
//! only when the DAG runs). Both are told apart from allowed code by syntax alone, the way a
//! call in a node position is: a call of an all-lowercase path may be a task; a value of
//! the DAG is a name bound to one.
//!
//! - A call of an all-lowercase path (`load(..)`, `std::cmp::max(..)`) is refused unless it is
//!   inside braces, `{ plain(..) }`, which say "a plain value, computed when the DAG is
//!   declared". Constructors (`Some(..)`, `String::from(..)`), method calls and the arguments of
//!   `vec![..]` and `format!(..)` are checked like any other code.
//! - A name of a DAG value is refused anywhere in plain code, braces included, unless the code
//!   binds the name itself (a closure parameter, a `let` in a block, a pattern).
//! - `?` is refused: a task that returns `Result` fails the run by itself.

use proc_macro2::Ident;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Expr, Token};

use crate::ast::{is_node_call, pattern_names, same_name, QUESTION_MARK_HELP};
use crate::ctxt::Ctxt;

/// Checks `expr`, plain code where `values` are the DAG values in scope.
pub fn check(cx: &mut Ctxt, expr: &Expr, values: &[Ident]) {
    let mut checker = Checker { cx, values, bound: Vec::new(), braces: 0 };
    checker.visit_expr(expr);
}

struct Checker<'a> {
    cx: &'a mut Ctxt,
    values: &'a [Ident],
    /// Names the plain code binds itself, innermost last: they shadow DAG values.
    bound: Vec<Ident>,
    /// How many brace blocks the visitor is in.
    braces: usize,
}

impl Checker<'_> {
    /// Visits `f` with the names `names` bound.
    fn with_bound(&mut self, names: Vec<Ident>, f: impl FnOnce(&mut Self)) {
        let depth = self.bound.len();
        self.bound.extend(names);
        f(self);
        self.bound.truncate(depth);
    }

    fn is_dag_value(&self, ident: &Ident) -> bool {
        !self.bound.iter().any(|bound| same_name(bound, ident)) && self.values.iter().any(|v| same_name(v, ident))
    }

    /// The statements of a block: each `let` binds its names for the statements after it.
    fn visit_stmts(&mut self, stmts: &[syn::Stmt]) {
        let depth = self.bound.len();
        for stmt in stmts {
            match stmt {
                syn::Stmt::Local(local) => {
                    if let Some(init) = &local.init {
                        self.visit_expr(&init.expr);
                        if let Some((_, diverge)) = &init.diverge {
                            self.visit_expr(diverge);
                        }
                    }
                    self.bound.extend(pattern_names(&local.pat));
                }
                // An item cannot see the block's locals, nor run when the block does.
                syn::Stmt::Item(_) => {}
                syn::Stmt::Expr(expr, _) => self.visit_expr(expr),
                syn::Stmt::Macro(mac) => self.visit_macro(&mac.mac),
            }
        }
        self.bound.truncate(depth);
    }

    fn call_of_task(&mut self, call: &syn::ExprCall, func: &syn::ExprPath) {
        let name = quote::ToTokens::to_token_stream(&func.path).to_string().replace(' ', "");
        self.cx.error(
            call,
            format!(
                "`{name}(..)` would run once, as a plain function, when the DAG is declared, not as a node of the DAG: \
                 to call a task, write it where its output is bound, `let x = {name}(..);`, or in a map, \
                 `parts.map(|part| {name}(part))`; for a plain value computed when the DAG is declared, \
                 wrap the expression in braces: `let x = {{ plain(..) }};`"
            ),
        );
    }

    fn dag_value(&mut self, ident: &Ident) {
        self.cx.error(
            ident,
            format!(
                "`{ident}` is a value of the DAG, which exists only when the DAG runs, not when it is declared: \
                 plain Rust cannot use it; compute with it in a task and pass it to the task, e.g. \
                 `#[task] fn to_ms(s: u64) -> u64 {{ s * 1000 }}`, then `to_ms(timeout_s)`"
            ),
        );
    }
}

impl<'ast> Visit<'ast> for Checker<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::Call(call) => match &*call.func {
                Expr::Path(func) if self.braces == 0 && is_node_call(func) => self.call_of_task(call, func),
                _ => visit::visit_expr_call(self, call),
            },
            Expr::Path(path) if path.qself.is_none() => match path.path.get_ident() {
                Some(ident) if self.is_dag_value(ident) => self.dag_value(ident),
                _ => {}
            },
            Expr::Try(try_expr) => self.cx.error(try_expr.question_token, QUESTION_MARK_HELP),
            // Braces: a plain value, on purpose.
            Expr::Block(block) => {
                self.braces += 1;
                self.visit_stmts(&block.block.stmts);
                self.braces -= 1;
            }
            Expr::Unsafe(block) => {
                self.braces += 1;
                self.visit_stmts(&block.block.stmts);
                self.braces -= 1;
            }
            Expr::Const(block) => {
                self.braces += 1;
                self.visit_stmts(&block.block.stmts);
                self.braces -= 1;
            }
            Expr::Closure(closure) => {
                let names = closure.inputs.iter().flat_map(pattern_names).collect();
                // A closure's body in braces is not a plain value on purpose: it is the
                // closure's body.
                self.with_bound(names, |this| match &*closure.body {
                    Expr::Block(block) if block.label.is_none() => this.visit_stmts(&block.block.stmts),
                    body => this.visit_expr(body),
                });
            }
            Expr::ForLoop(for_loop) => {
                self.visit_expr(&for_loop.expr);
                self.with_bound(pattern_names(&for_loop.pat), |this| this.visit_stmts(&for_loop.body.stmts));
            }
            Expr::Match(match_expr) => {
                self.visit_expr(&match_expr.expr);
                for arm in &match_expr.arms {
                    self.with_bound(pattern_names(&arm.pat), |this| {
                        if let Some((_, guard)) = &arm.guard {
                            this.visit_expr(guard);
                        }
                        this.visit_expr(&arm.body);
                    });
                }
            }
            Expr::If(if_expr) => {
                // `if let` binds its names for the condition's rest and the first branch.
                let names = let_names(&if_expr.cond);
                self.with_bound(names, |this| {
                    this.visit_expr(&if_expr.cond);
                    this.visit_stmts(&if_expr.then_branch.stmts);
                });
                if let Some((_, else_branch)) = &if_expr.else_branch {
                    self.visit_expr(else_branch);
                }
            }
            Expr::While(while_expr) => {
                let names = let_names(&while_expr.cond);
                self.with_bound(names, |this| {
                    this.visit_expr(&while_expr.cond);
                    this.visit_stmts(&while_expr.body.stmts);
                });
            }
            Expr::Loop(loop_expr) => self.visit_stmts(&loop_expr.body.stmts),
            _ => visit::visit_expr(self, expr),
        }
    }

    /// `vec![..]` and `format!(..)` hold expressions; other macros are left alone.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let known = mac.path.segments.last().is_some_and(|s| s.ident == "vec" || s.ident == "format");
        if !known {
            return;
        }
        if let Ok(args) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
            for arg in &args {
                match arg {
                    // `format!("{a}", a = ..)`: `a` names the argument, not a value.
                    Expr::Assign(assign) => self.visit_expr(&assign.right),
                    arg => self.visit_expr(arg),
                }
            }
        }
    }
}

/// The names the `let`s of a condition bind: `if let Some(x) = ..`, `if let A(a) = .. && ..`.
fn let_names(cond: &Expr) -> Vec<Ident> {
    match cond {
        Expr::Let(let_expr) => pattern_names(&let_expr.pat),
        Expr::Binary(binary) => {
            let mut names = let_names(&binary.left);
            names.extend(let_names(&binary.right));
            names
        }
        Expr::Paren(paren) => let_names(&paren.expr),
        _ => Vec::new(),
    }
}
