//! Import cycles between modules, and uses of the macro-facing module.
//!
//! Module A depends on its sibling B when code anywhere under A names something under B: a
//! `use`, a path in code or types, or a `crate::`/`super::` path inside a macro call; paths
//! are followed through aliases and re-exports (`crate::Runner` reaches `run`), so a
//! dependency cannot hide behind a re-export in `lib.rs`. The root module is not a source of
//! dependencies: it is where the modules are put together. Siblings are checked at every
//! level: the top-level modules of the crate, then the children of each module.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use crate::model::{Crate, Target};

/// A place that makes one module depend on another.
#[derive(Debug, Clone)]
pub struct Witness {
    /// The file, relative to `src/`.
    pub file: String,
    pub line: usize,
    /// The path as written.
    pub path: String,
}

/// Dependencies between siblings, `(from, to)` by module index, with every place making each.
pub type Edges = BTreeMap<(usize, usize), Vec<Witness>>;

/// Every dependency between sibling modules of the crate.
pub fn sibling_edges(krate: &Crate) -> Edges {
    let mut edges = Edges::new();
    for (from, module) in krate.modules.iter().enumerate().skip(1) {
        for mention in &module.mentions {
            for to in modules_reached(krate, from, &mention.path) {
                if let Some(pair) = sibling_pair(krate, from, to) {
                    let path = mention.path.join("::");
                    let witness = Witness { file: module.file.clone(), line: mention.line, path };
                    edges.entry(pair).or_default().push(witness);
                }
            }
        }
    }
    edges
}

/// The modules a path written in module `from` goes through or ends in.
fn modules_reached(krate: &Crate, from: usize, path: &[String]) -> Vec<usize> {
    let Some(resolved) = krate.resolve(from, path) else {
        return Vec::new();
    };
    let mut reached = resolved.through;
    if let Target::Module(m) | Target::Item(m, _) = resolved.target {
        reached.push(m);
    }
    reached.sort();
    reached.dedup();
    reached
}

/// For a dependency of `from` on `to`, the two sibling modules it is between: the children of
/// their closest common ancestor that contain them. `None` when one contains the other.
fn sibling_pair(krate: &Crate, from: usize, to: usize) -> Option<(usize, usize)> {
    let down_to = |m: usize| krate.ancestors(m).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>();
    let (from_chain, to_chain) = (down_to(from), down_to(to));
    let split = from_chain.iter().zip(&to_chain).take_while(|(a, b)| a == b).count();
    Some((*from_chain.get(split)?, *to_chain.get(split)?))
}

/// A set of sibling modules that depend on each other in a loop (a strongly connected
/// component of the dependency graph), with the dependencies inside it.
#[derive(Debug)]
pub struct Cycle {
    pub modules: Vec<usize>,
    pub edges: Vec<(usize, usize)>,
}

/// Every cycle, found with Tarjan's algorithm on each level's graph at once (edges only join
/// siblings, so the components never mix levels). Modules and edges are in the order of the
/// modules' names, for reports.
pub fn find_cycles(krate: &Crate, edges: &Edges) -> Vec<Cycle> {
    let mut graph: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &(from, to) in edges.keys() {
        graph.entry(from).or_default().push(to);
        graph.entry(to).or_default();
    }
    let mut tarjan =
        Tarjan { graph: &graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for &node in graph.keys() {
        if !tarjan.index.contains_key(&node) {
            tarjan.visit(node);
        }
    }
    let by_name = |m: &usize| &krate.modules[*m].path;
    let mut cycles: Vec<Cycle> = tarjan
        .found
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|mut modules| {
            modules.sort_by_key(by_name);
            let inside: BTreeSet<usize> = modules.iter().copied().collect();
            let mut edges: Vec<_> =
                edges.keys().filter(|(a, b)| inside.contains(a) && inside.contains(b)).copied().collect();
            edges.sort_by_key(|(a, b)| (by_name(a), by_name(b)));
            Cycle { modules, edges }
        })
        .collect();
    cycles.sort_by_key(|c| by_name(&c.modules[0]).clone());
    cycles
}

struct Tarjan<'g> {
    graph: &'g BTreeMap<usize, Vec<usize>>,
    index: BTreeMap<usize, usize>,
    low: BTreeMap<usize, usize>,
    stack: Vec<usize>,
    found: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, node: usize) {
        let order = self.index.len();
        self.index.insert(node, order);
        self.low.insert(node, order);
        self.stack.push(node);
        for &next in &self.graph[&node] {
            if !self.index.contains_key(&next) {
                self.visit(next);
                self.low.insert(node, self.low[&node].min(self.low[&next]));
            } else if self.stack.contains(&next) {
                self.low.insert(node, self.low[&node].min(self.index[&next]));
            }
        }
        if self.low[&node] == self.index[&node] {
            let start = self.stack.iter().position(|&n| n == node).unwrap();
            self.found.push(self.stack.split_off(start));
        }
    }
}

/// One shortest loop through the first module of a cycle (by name), to show the problem at a glance:
/// `[a, b, a]`.
pub fn shortest_loop(cycle: &Cycle) -> Vec<usize> {
    let start = cycle.modules[0];
    let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &(_, next) in cycle.edges.iter().filter(|(from, _)| *from == node) {
            if next == start {
                let mut path = vec![start, node];
                while *path.last().unwrap() != start {
                    path.push(came_from[path.last().unwrap()]);
                }
                path.reverse();
                return path;
            }
            if next != start && !came_from.contains_key(&next) {
                came_from.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    unreachable!("a cycle has a loop through each of its modules")
}

/// Places where a module other than the root refers to the module `private` (the one the
/// macros' expansions use), which is for the macros only: the crate's own modules must use the
/// real paths, so that the module can change with the macros alone.
pub fn uses_of_private(krate: &Crate, private: &str) -> Vec<(usize, Witness)> {
    let Some(private) = krate.top_level(private) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (from, module) in krate.modules.iter().enumerate().skip(1) {
        if krate.is_within(from, private) {
            continue;
        }
        // A single name reaches `private` only through an import, which is reported itself.
        for mention in module.mentions.iter().filter(|m| m.path.len() > 1) {
            if modules_reached(krate, from, &mention.path).iter().any(|&m| krate.is_within(m, private)) {
                let witness = Witness { file: module.file.clone(), line: mention.line, path: mention.path.join("::") };
                found.push((from, witness));
            }
        }
    }
    found
}

/// The report of both checks, empty when they pass. `src` is how files are named in it
/// (`dagger-core/src`).
pub fn report(krate: &Crate, src: &str, private: &str) -> String {
    let edges = sibling_edges(krate);
    let cycles = find_cycles(krate, &edges);
    let mut out = String::new();
    if !cycles.is_empty() {
        writeln!(out, "{} import cycle(s) between modules; cut one dependency of each loop:", cycles.len()).unwrap();
    }
    for cycle in &cycles {
        write_cycle(&mut out, krate, &edges, cycle, src);
    }
    let private_uses = uses_of_private(krate, private);
    if !private_uses.is_empty() {
        writeln!(out, "\n`{private}` is for the macros only; these modules use it, use the real paths instead:")
            .unwrap();
    }
    for (from, w) in private_uses {
        writeln!(out, "  {}: {src}/{}:{} `{}`", krate.modules[from].name(), w.file, w.line, w.path).unwrap();
    }
    out
}

fn write_cycle(out: &mut String, krate: &Crate, edges: &Edges, cycle: &Cycle, src: &str) {
    let short = |m: usize| krate.modules[m].path.last().cloned().unwrap_or_default();
    let parent = krate.modules[cycle.modules[0]].parent.expect("siblings have a parent");
    let members: Vec<String> = cycle.modules.iter().map(|&m| short(m)).collect();
    let loop_names: Vec<String> = shortest_loop(cycle).into_iter().map(short).collect();
    writeln!(out, "\ncycle of {} modules in `{}`: {}", members.len(), krate.modules[parent].name(), members.join(", "))
        .unwrap();
    writeln!(out, "  shortest loop: {}", loop_names.join(" -> ")).unwrap();
    writeln!(out, "  its {} dependencies (count of places, and the first):", cycle.edges.len()).unwrap();
    for pair in &cycle.edges {
        let places = &edges[pair];
        let first = places.iter().min_by_key(|w| (&w.file, w.line)).unwrap();
        let arrow = format!("{} -> {}", short(pair.0), short(pair.1));
        writeln!(out, "    {arrow:<26} {:>3}x  {src}/{}:{} `{}`", places.len(), first.file, first.line, first.path)
            .unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::sources_of;

    /// The cycles of a fake crate, each as its modules' names.
    fn cycles(files: &[(&str, &str)]) -> Vec<Vec<String>> {
        let krate = Crate::load(&sources_of(files)).unwrap();
        let cycles = find_cycles(&krate, &sibling_edges(&krate));
        cycles.iter().map(|c| c.modules.iter().map(|&m| krate.modules[m].name()).collect()).collect()
    }

    #[test]
    fn an_acyclic_tree_has_no_cycle() {
        let files = [
            ("lib.rs", "mod a; mod b; mod c; pub use a::A; pub use c::C;"),
            ("a.rs", "use crate::b::B; pub struct A(B);"),
            ("b/mod.rs", "mod x; mod y; pub use x::B; fn f() { crate::c::C::new(); }"),
            ("b/x.rs", "use super::y::Y; pub struct B(Y);"),
            ("b/y.rs", "pub struct Y; // crate::a::A in a comment\nfn f() -> &'static str { \"crate::a\" }"),
            ("c.rs", "pub struct C; #[cfg(test)] mod tests { use crate::a::A; }"),
        ];
        assert_eq!(cycles(&files), Vec::<Vec<String>>::new());
    }

    #[test]
    fn a_cycle_through_a_root_re_export_is_found() {
        let files = [
            ("lib.rs", "mod a; mod b; mod c; pub use c::C;"),
            ("a.rs", "use crate::b::{self, B};"),
            ("b.rs", "pub struct B; fn f() { let _ = crate::C; }"),
            ("c.rs", "pub struct C; fn g() -> super::a::A { todo!() }"),
        ];
        assert_eq!(cycles(&files), [["crate::a", "crate::b", "crate::c"]]);
    }

    #[test]
    fn cycles_are_found_between_children_of_a_folder_module() {
        let files = [
            ("lib.rs", "mod run;"),
            ("run/mod.rs", "mod alone; mod cells; use alone::go;"),
            ("run/alone.rs", "use super::cells::Held; pub fn go() {}"),
            ("run/cells.rs", "pub struct Held; fn f() { m!(super::super::run::alone::go()); }"),
        ];
        assert_eq!(cycles(&files), [["crate::run::alone", "crate::run::cells"]]);
    }

    #[test]
    fn the_report_names_the_loop_and_a_place_for_each_dependency() {
        let files = [
            ("lib.rs", "mod a; mod b; mod c; #[doc(hidden)] pub mod __private; pub(crate) use __private as private;"),
            ("a.rs", "use crate::b::B;\npub struct A;"),
            ("b.rs", "pub struct B;\n\nfn f(_: crate::a::A) { crate::private::help(); }"),
            ("c.rs", "pub struct C;"),
            ("__private.rs", "pub use crate::c::C; pub fn help() {}"),
        ];
        let report = report(&Crate::load(&sources_of(&files)).unwrap(), "src", "__private");
        assert!(report.contains("cycle of 2 modules in `crate`: a, b"), "{report}");
        assert!(report.contains("shortest loop: a -> b -> a"), "{report}");
        assert!(report.contains("a -> b") && report.contains("src/a.rs:1 `crate::b::B`"), "{report}");
        assert!(report.contains("src/b.rs:3 `crate::a::A`"), "{report}");
        assert!(report.contains("crate::b: src/b.rs:3 `crate::private::help`"), "{report}");
        assert!(!report.contains("__private.rs"), "{report}");
    }
}
