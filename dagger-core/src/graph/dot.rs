//! A DAG in Graphviz DOT.

use std::fmt::Write as _;

use super::{Graph, How, Source, Work};

impl Graph {
    /// Renders the DAG in Graphviz DOT. Nested DAGs are clusters; partitioned nodes are drawn
    /// with a double border, partitioned outputs as bold edges, and fan-ins as dashed edges.
    pub fn to_dot(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph {} {{", quote(&self.name));
        let _ = writeln!(out, "  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];");
        self.write_dot_body(&mut out, &self.name, 1);
        out.push_str("}\n");
        out
    }

    fn write_dot_body(&self, out: &mut String, prefix: &str, depth: usize) {
        let pad = "  ".repeat(depth);
        let id = |name: &str| quote(&format!("{prefix}/{name}"));
        for p in &self.params {
            let _ =
                writeln!(out, "{pad}{} [label={}, shape=ellipse];", id(&format!("param:{}", p.name)), quote(&p.name));
        }
        for (i, _) in self.consts.iter().enumerate() {
            let _ = writeln!(out, "{pad}{} [label=\"constant\", shape=plaintext];", id(&format!("const:{i}")));
        }
        for node in &self.nodes {
            let periph = if node.map.is_some() { ", peripheries=2" } else { "" };
            match &node.work {
                Work::Task(..) | Work::Derived(_) => {
                    let _ = writeln!(out, "{pad}{} [label={}{periph}];", id(&node.name), quote(&node.name));
                }
                Work::Dag(graph) => {
                    let inner = format!("{prefix}/{}", node.name);
                    let _ = writeln!(out, "{pad}subgraph {} {{", quote(&format!("cluster_{inner}")));
                    let _ = writeln!(out, "{pad}  label={};", quote(&node.name));
                    let _ = writeln!(
                        out,
                        "{pad}  {} [label={}, shape=oval{periph}];",
                        id(&node.name),
                        quote(&format!("{} (DAG)", node.name))
                    );
                    graph.write_dot_body(out, &inner, depth + 1);
                    let _ = writeln!(out, "{pad}}}");
                }
            }
        }
        for node in &self.nodes {
            for edge in &node.inputs {
                let from = match edge.port.source {
                    Source::Param(i) => id(&format!("param:{}", self.params[i as usize].name)),
                    Source::Const(i) => id(&format!("const:{i}")),
                    Source::Node(i) => id(&self.nodes[i as usize].name),
                };
                let style = match edge.how {
                    How::Whole => "",
                    How::Split(_) => " [style=bold, label=\"per partition\"]",
                    How::Collect(_) => " [style=dashed, label=\"all partitions\"]",
                };
                let _ = writeln!(out, "{pad}{from} -> {}{style};", id(&node.name));
            }
        }
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
