//! What the user declared, once parsed and checked for syntax.

use proc_macro2::Span;
use syn::{Expr, Ident, ItemFn, Path, Type, Visibility};

/// A `#[task]` function.
pub struct Task {
    /// The user's function, emitted unchanged.
    pub item: ItemFn,
    pub name: Ident,
    pub vis: Visibility,
    pub partitioning: Partitioning,
    /// `#[task(format = F)]`: how the output is written to files.
    pub format: Option<Path>,
    /// `#[task(name = "...")]`: the node's name, instead of the function's.
    pub node_name: Option<String>,
    /// `#[task(options(key = value, ...))]`: settings for the runtimes, as text.
    pub options: Vec<(String, String)>,
    pub params: Vec<TaskParam>,
    pub output: TaskOutput,
}

/// How a task's output is cut into partitions: one answer, so that "partitioned" and "has
/// partitioned fields" cannot both hold.
pub enum Partitioning {
    /// The output is one value.
    Whole,
    /// `#[task(partitioned)]`: each item of the returned collection is one partition.
    Items {
        /// `T` of `impl Iterator<Item = T>`, which the return type cannot name; `None` when the
        /// collection's own `IntoIterator::Item` names it.
        item: Option<Type>,
    },
    /// `#[task(partitioned(0, ..))]`: the task returns a tuple, used field by field, and the
    /// listed fields are partitioned.
    Fields(Vec<Field>),
}

/// One field of a task's tuple output.
pub struct Field {
    pub ty: Type,
    /// Each item of this field is one partition.
    pub partitioned: bool,
}

pub struct TaskParam {
    /// What a named argument says to mean this parameter (`arg{i}` for a pattern, which has no
    /// name).
    pub name: String,
    /// The type stored between nodes: `T` for `T` and `&T`, `String` for `&str`, `Vec<T>` for
    /// `&[T]`.
    pub stored: Type,
    /// The function borrows the stored value instead of receiving its own copy.
    pub by_ref: bool,
}

pub struct TaskOutput {
    /// The return type as written; `()` when there is none.
    pub ty: Type,
    /// The return type is a `Result`: `Err` fails the run.
    pub fallible: bool,
}

/// A `#[dag]` function.
pub struct Dag {
    pub attrs: Vec<syn::Attribute>,
    pub name: Ident,
    pub vis: Visibility,
    pub params: Vec<DagParam>,
    pub output: DagOutput,
    pub body: Body,
    /// Every task or DAG the body calls, for the nesting depth (a cycle check).
    pub callees: Vec<Path>,
}

pub struct DagParam {
    pub name: Ident,
    pub ty: Type,
    pub default: Option<Expr>,
}

pub enum DagOutput {
    Unit,
    /// The declared return type, `T` or `Partitioned<T>`.
    Value {
        ty: Box<Type>,
        partitioned: bool,
    },
}

/// A DAG body, or the body of a map closure.
pub struct Body {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Node>,
    /// Where the output is (for errors about it): the tail, or the closing brace.
    pub tail_span: Span,
}

pub enum Stmt {
    /// `let x = node;`
    Let { pat: syn::Pat, ty: Option<Type>, value: Node },
    /// `let (a, b) = node;` or `let Pair { a, b: c } = node;`: each field its own output.
    Destructure { value: Node, fields: Vec<(syn::Member, Ident)> },
    /// `let x = <plain Rust>;`: a constant, evaluated while the DAG is declared.
    Plain(syn::Stmt),
    /// `task(args);`: a node whose output nobody reads.
    Node(Node),
}

/// An expression that yields a handle.
pub enum Node {
    /// A variable that holds a handle: a parameter, a `let`, a map's partition.
    Var(Ident),
    /// `task(args)`, or a nested DAG.
    Call { func: Path, args: Vec<Arg>, named: Vec<(Ident, Arg)>, span: Span },
    /// `source.map(|part| body)`
    Map { source: Box<Node>, source_span: Span, part: Ident, body: Box<Body>, span: Span },
    /// `value.field` or `value.0`: one field of a value, as an output of its own.
    Field { base: Box<Node>, member: syn::Member, span: Span },
    /// `(a, b)` as a DAG's output: several outputs packed in a tuple.
    Pack { items: Vec<Node>, span: Span },
    /// `Report { total: a, mean: b }` as a DAG's output: a struct of outputs.
    Struct { path: Path, fields: Vec<(syn::Member, Node)>, span: Span },
}

pub enum Arg {
    Node(Node, Span),
    /// Anything else: a constant of the parameter's type.
    Const(Expr),
}
