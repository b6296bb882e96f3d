//! What the user declared, as `ast` reads it and `expand` writes
//! from it. Each fact has one place: the expansion never reconciles two fields that could
//! disagree.

use proc_macro2::Span;
use syn::{token, Attribute, Expr, Ident, ItemFn, Member, Path, Signature, Token, Type, Visibility};

/// A `#[task]` function.
pub struct Task {
    /// Emitted unchanged, so the user's function stays callable; its signature as written is
    /// what `valid` checks.
    pub item: ItemFn,
    pub partitioning: Partitioning,
    /// `#[task(format = F)]`: how the output is written to files.
    pub format: Option<Path>,
    /// `#[task(name = "...")]`: the node's name, instead of the function's.
    pub node_name: Option<String>,
    /// `#[task(options(key = value, ...))]`: settings for the runtimes, as text.
    pub options: Vec<(String, String)>,
    /// The version of the task's code: `#[task(version = "..")]`, or a hash of its signature
    /// and body, so that editing the function invalidates what earlier runs stored.
    pub version: String,
    /// `#[task(cache = false)]`: a stored output of the task is never reused.
    pub cache: bool,
    pub params: Vec<TaskParam>,
    pub output: TaskOutput,
}

impl Task {
    pub fn name(&self) -> &Ident {
        &self.item.sig.ident
    }
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
        item: Option<Box<Type>>,
        /// `#[task(partitioned, keyed)]`: each item is a `(key, value)` pair.
        keyed: bool,
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
    /// What a named argument says to mean this parameter: the plain name (`type` for `r#type`),
    /// or `arg{i}` for a pattern, which has no name.
    pub name: String,
    /// As written: the checks are about it and point at it.
    pub ty: Type,
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
    /// Kept on the struct the DAG becomes: its docs and lint settings.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    /// As written: `valid` checks it and points at it.
    pub sig: Signature,
    pub params: Vec<DagParam>,
    pub output: DagOutput,
    pub body: Body,
}

impl Dag {
    pub fn name(&self) -> &Ident {
        &self.sig.ident
    }
}

pub struct DagParam {
    /// As written: code uses it (`r#type`), the runtime is given the plain name (`type`).
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
    /// `let x = node;`: one name for the output of a node.
    Let { mutability: Option<Token![mut]>, name: Ident, ty: Option<Type>, value: Node },
    /// `let (a, b) = node;` or `let Pair { a, b: c } = node;`: each field its own output.
    Destructure { value: Node, fields: Vec<(Member, Ident)> },
    /// `let x = <plain Rust>;` (or an item): a constant, evaluated while the DAG is declared.
    Plain(Plain<syn::Stmt>),
    /// `task(args);`: a node whose output nobody reads.
    Node(Node),
}

/// An expression that yields a handle.
pub enum Node {
    /// A variable that holds a handle: a parameter, a `let`, a map's partition.
    Var(Ident),
    /// `task(args)`, or a nested DAG.
    Call(Call),
    /// `source.map(|part| body)`
    Map { source: Box<Node>, source_span: Span, part: Ident, body: Box<Body>, span: Span },
    /// `value.field` or `value.0`: one field of a value, as an output of its own.
    Field { base: Box<Node>, member: Member, span: Span },
    /// `(a, b)` as a DAG's output: several outputs packed in a tuple.
    Pack { items: Vec<Node>, span: Span },
    /// `Report { total: a, mean: b }` as a DAG's output: a struct of outputs.
    Struct { path: Path, fields: Vec<(Member, Node)>, span: Span },
    /// `source.window(n)`, `source.into_batches(n)`, `source.into_partitions(n)`: partitions
    /// regrouped by a number written in the DAG.
    Regroup { source: Box<Node>, method: Ident, count: Box<Expr> },
    /// `left.join(right)`: two keyed outputs paired by key.
    Join { source: Box<Node>, method: Ident, other: Box<Node> },
    /// `source.shuffle(n, |item| key)`: the items regrouped into `n` partitions by key.
    Shuffle { source: Box<Node>, method: Ident, count: Box<Expr>, key: Box<Expr> },
    /// `source.select(a..b)`: the keyed partitions whose keys are in a range.
    Select { source: Box<Node>, start: Option<Box<Arg>>, end: Option<Box<Arg>>, inclusive: bool, span: Span },
}

/// `task(a, b, name = c)`: positional arguments, then named ones.
pub struct Call {
    pub func: Path,
    /// With `func`, where the whole call is written, for errors about the call itself.
    pub paren: token::Paren,
    pub args: Vec<Arg>,
    pub named: Vec<NamedArg>,
    pub span: Span,
}

pub struct NamedArg {
    /// As written; it is looked up by its plain name among the callee's parameters.
    pub name: Ident,
    pub value: Arg,
}

pub enum Arg {
    Node(Node, Span),
    /// Anything else: a constant of the parameter's type.
    Const(Plain<Expr>),
}

/// Plain Rust in a DAG body: code that runs once, when the DAG is declared, not as a node.
pub struct Plain<T> {
    pub code: T,
    /// The names of the DAG's values (parameters, outputs, partitions) in scope where the code is
    /// written. They have no value while the DAG is declared: the code cannot use them.
    pub values: Vec<Ident>,
}

/// Something in a DAG body that gives a node its name: a call (its callee's name), or a name a
/// field, a window, a selection, a join or a shuffle is bound to.
pub enum Naming<'a> {
    Call(&'a Call),
    Binding(&'a Ident),
}

impl Body {
    /// Every naming of a node in the body, nested maps included, in the order written.
    pub fn visit_namings<'a>(&'a self, f: &mut dyn FnMut(Naming<'a>)) {
        for stmt in &self.stmts {
            match stmt {
                Stmt::Let { name, value, .. } => {
                    value.visit_namings(f);
                    if let Node::Field { .. }
                    | Node::Regroup { .. }
                    | Node::Shuffle { .. }
                    | Node::Join { .. }
                    | Node::Select { .. } = value
                    {
                        f(Naming::Binding(name));
                    }
                }
                Stmt::Destructure { value, fields } => {
                    value.visit_namings(f);
                    fields.iter().for_each(|(_, name)| f(Naming::Binding(name)));
                }
                Stmt::Node(value) => value.visit_namings(f),
                Stmt::Plain(_) => {}
            }
        }
        if let Some(tail) = &self.tail {
            tail.visit_namings(f);
        }
    }

    /// Every call in the body, nested maps included, each after the calls in its arguments:
    /// checks and the nesting depth need them all, wherever they are written.
    pub fn visit_calls<'a>(&'a self, f: &mut dyn FnMut(&'a Call)) {
        for stmt in &self.stmts {
            match stmt {
                Stmt::Let { value, .. } | Stmt::Destructure { value, .. } | Stmt::Node(value) => value.visit_calls(f),
                Stmt::Plain(_) => {}
            }
        }
        if let Some(tail) = &self.tail {
            tail.visit_calls(f);
        }
    }

    /// Every expression of plain Rust in the body, nested maps included: the initializers of
    /// plain `let`s and the constant arguments of calls, with the DAG values in scope there.
    pub fn visit_plain<'a>(&'a self, f: &mut dyn FnMut(&'a Expr, &'a [Ident])) {
        self.visit_plain_lets(f);
        self.visit_calls(&mut |call| {
            for arg in call.args.iter().chain(call.named.iter().map(|named| &named.value)) {
                if let Arg::Const(Plain { code, values }) = arg {
                    f(code, values);
                }
            }
        });
    }

    fn visit_plain_lets<'a>(&'a self, f: &mut dyn FnMut(&'a Expr, &'a [Ident])) {
        let mut maps = Vec::new();
        for stmt in &self.stmts {
            match stmt {
                Stmt::Plain(Plain { code: syn::Stmt::Local(local), values }) => {
                    if let Some(init) = &local.init {
                        f(&init.expr, values);
                    }
                }
                Stmt::Plain(_) => {}
                Stmt::Let { value, .. } | Stmt::Destructure { value, .. } | Stmt::Node(value) => {
                    value.collect_maps(&mut maps)
                }
            }
        }
        if let Some(tail) = &self.tail {
            tail.collect_maps(&mut maps);
        }
        for map in maps {
            map.visit_plain_lets(f);
        }
    }
}

impl Node {
    /// The bodies of the maps in this node, outermost first, not those nested in them.
    fn collect_maps<'a>(&'a self, maps: &mut Vec<&'a Body>) {
        match self {
            Node::Var(_) => {}
            Node::Call(call) => {
                for arg in call.args.iter().chain(call.named.iter().map(|named| &named.value)) {
                    if let Arg::Node(node, _) = arg {
                        node.collect_maps(maps);
                    }
                }
            }
            Node::Map { source, body, .. } => {
                source.collect_maps(maps);
                maps.push(body);
            }
            Node::Field { base, .. } => base.collect_maps(maps),
            Node::Pack { items, .. } => items.iter().for_each(|item| item.collect_maps(maps)),
            Node::Struct { fields, .. } => fields.iter().for_each(|(_, node)| node.collect_maps(maps)),
            Node::Regroup { source, .. } | Node::Shuffle { source, .. } => source.collect_maps(maps),
            Node::Join { source, other, .. } => {
                source.collect_maps(maps);
                other.collect_maps(maps);
            }
            Node::Select { source, start, end, .. } => {
                source.collect_maps(maps);
                for bound in [start, end].into_iter().flatten() {
                    if let Arg::Node(node, _) = &**bound {
                        node.collect_maps(maps);
                    }
                }
            }
        }
    }

    /// The namings in this node: its calls, and in the bodies of its maps, their namings too.
    fn visit_namings<'a>(&'a self, f: &mut dyn FnMut(Naming<'a>)) {
        match self {
            Node::Map { source, body, .. } => {
                source.visit_namings(f);
                body.visit_namings(f);
            }
            Node::Call(call) => {
                for arg in call.args.iter().chain(call.named.iter().map(|named| &named.value)) {
                    if let Arg::Node(node, _) = arg {
                        node.visit_namings(f);
                    }
                }
                f(Naming::Call(call));
            }
            Node::Var(_) => {}
            Node::Field { base, .. } => base.visit_namings(f),
            Node::Pack { items, .. } => items.iter().for_each(|item| item.visit_namings(f)),
            Node::Struct { fields, .. } => fields.iter().for_each(|(_, node)| node.visit_namings(f)),
            Node::Regroup { source, .. } | Node::Shuffle { source, .. } => source.visit_namings(f),
            Node::Join { source, other, .. } => {
                source.visit_namings(f);
                other.visit_namings(f);
            }
            Node::Select { source, start, end, .. } => {
                source.visit_namings(f);
                for bound in [start, end].into_iter().flatten() {
                    if let Arg::Node(node, _) = &**bound {
                        node.visit_namings(f);
                    }
                }
            }
        }
    }

    fn visit_calls<'a>(&'a self, f: &mut dyn FnMut(&'a Call)) {
        match self {
            Node::Var(_) => {}
            Node::Call(call) => {
                let args = call.args.iter().chain(call.named.iter().map(|named| &named.value));
                for arg in args {
                    if let Arg::Node(node, _) = arg {
                        node.visit_calls(f);
                    }
                }
                f(call);
            }
            Node::Map { source, body, .. } => {
                source.visit_calls(f);
                body.visit_calls(f);
            }
            Node::Field { base, .. } => base.visit_calls(f),
            Node::Pack { items, .. } => items.iter().for_each(|item| item.visit_calls(f)),
            Node::Struct { fields, .. } => fields.iter().for_each(|(_, node)| node.visit_calls(f)),
            Node::Regroup { source, .. } | Node::Shuffle { source, .. } => source.visit_calls(f),
            Node::Join { source, other, .. } => {
                source.visit_calls(f);
                other.visit_calls(f);
            }
            Node::Select { source, start, end, .. } => {
                source.visit_calls(f);
                for bound in [start, end].into_iter().flatten() {
                    if let Arg::Node(node, _) = &**bound {
                        node.visit_calls(f);
                    }
                }
            }
        }
    }
}
