//! A text plan of a DAG.

use std::fmt::Write as _;

use super::{Graph, How, Origin, Work};

impl Graph {
    /// A text plan of the DAG: each node with what it runs, whether it runs once per partition,
    /// whether its output is partitioned, and where each of its inputs comes from; nested DAGs
    /// are indented under their node.
    ///
    /// ```text
    /// DAG quick_start(exponent: u32) -> sum_numbers
    ///   generate_numbers  task, partitioned output (u64 per partition)
    ///                     <- constant
    ///   raise_number      task, once per partition of generate_numbers (u64 per partition)
    ///                     <- partition of generate_numbers, parameter exponent
    ///   sum_numbers       task (u64)
    ///                     <- every partition of raise_number
    /// ```
    pub fn explain(&self) -> String {
        let mut out = String::new();
        self.write_plan(&mut out, 0);
        out
    }

    fn write_plan(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        let params: Vec<String> =
            self.params.iter().map(|p| format!("{}: {}", p.name, short_type(p.type_name))).collect();
        let output = match self.output() {
            None => "()".to_string(),
            Some(Origin::Param(name)) => format!("parameter {name}"),
            Some(Origin::Constant) => "a constant".to_string(),
            Some(Origin::Node(name)) => name,
        };
        let _ = writeln!(out, "{pad}DAG {}({}) -> {output}", self.name, params.join(", "));
        let width = self.nodes.iter().map(|n| n.name.len()).max().unwrap_or(0);
        for node in &self.nodes {
            // A node the builder makes says what it does: `window 6`, `shuffle 16`, `field 0`.
            let what = match &node.work {
                Work::Dag(_) => "DAG",
                Work::Task(..) => "task",
                Work::Derived(_) => node.version.as_str(),
            };
            let ty = short_type(node.output_type);
            let shape = match (node.map, node.splits_output) {
                (Some(map), _) => {
                    let source = &self.nodes[self.maps[map as usize].source as usize].name;
                    format!("{what}, once per partition of {source} ({ty} per partition)")
                }
                (None, true) => match node.key_type {
                    Some(key) => {
                        format!("{what}, partitioned output keyed by {} ({ty} per partition)", short_type(key))
                    }
                    None => format!("{what}, partitioned output ({ty} per partition)"),
                },
                (None, false) => format!("{what} ({ty})"),
            };
            let options: Vec<String> = node.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let options = if options.is_empty() { String::new() } else { format!(" [{}]", options.join(", ")) };
            let _ = writeln!(out, "{pad}  {:width$}  {shape}{options}", node.name);
            let inputs: Vec<String> = node
                .inputs
                .iter()
                .map(|edge| {
                    let from = match self.describe(edge.port) {
                        Origin::Param(name) => format!("parameter {name}"),
                        Origin::Constant => "constant".to_string(),
                        Origin::Node(name) => name,
                    };
                    match edge.how {
                        How::Whole => from,
                        How::Split(_) => format!("partition of {from}"),
                        How::Collect(_) => format!("every partition of {from}"),
                    }
                })
                .collect();
            if !inputs.is_empty() {
                let _ = writeln!(out, "{pad}  {:width$}  <- {}", "", inputs.join(", "));
            }
            if let Work::Dag(graph) = &node.work {
                graph.write_plan(out, depth + 2);
            }
        }
    }
}

/// `alloc::vec::Vec<u64>` as `Vec<u64>`: type names without their module paths.
pub(super) fn short_type(name: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in name.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(&word));
            word.clear();
            if c != ' ' || !out.is_empty() {
                out.push(c);
            }
        }
    }
    out.trim_end().to_string()
}
