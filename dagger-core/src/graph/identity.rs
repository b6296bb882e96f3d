//! The fingerprint of a DAG's definition: two builds of a program agree on it exactly when they
//! declare the same DAG, so that a job started by one can refuse the outputs of another.

use super::{Graph, How, Source, Work};
use crate::fingerprint::{Fingerprint, Hasher};

impl Graph {
    /// A fingerprint of what the DAG is: its name, parameters, constants, and every node (name,
    /// what it runs and the version of its code, output type and format, options, how it reads
    /// each input), nested DAGs included, and the version of dagger that runs it.
    ///
    /// ```
    /// use dagger_core::prelude::*;
    ///
    /// #[task]
    /// fn double(x: u64) -> u64 { x * 2 }
    ///
    /// #[dag]
    /// fn twice(x: u64) -> u64 { double(x) }
    ///
    /// let a = twice::dag().graph().fingerprint();
    /// assert_eq!(a, twice::dag().graph().fingerprint());
    /// assert_eq!(a.to_hex().len(), 32);
    /// ```
    pub fn fingerprint(&self) -> Fingerprint {
        let mut hasher = Hasher::new("graph");
        hasher.text(env!("CARGO_PKG_VERSION")).text(&self.name);
        for param in &self.params {
            hasher.text(&param.name).text(param.type_name);
        }
        for (value, codec) in &self.consts {
            let mut json = Vec::new();
            match (codec.encode)(&**value, &mut json) {
                Ok(()) => hasher.bytes(&json),
                Err(error) => hasher.text(&error.to_string()),
            };
        }
        for node in &self.nodes {
            let kind = match node.work {
                Work::Task(..) => "task",
                Work::Derived(_) => "derived",
                Work::Dag(_) => "dag",
            };
            hasher.text(&node.name).text(&node.callee).text(kind).text(&node.version);
            hasher.text(node.output_type).text(node.codec.format);
            hasher.number(u64::from(node.splits_output)).number(node.map.map_or(u64::MAX, u64::from));
            hasher.number(u64::from(node.cache));
            if let Some(key_type) = node.key_type {
                hasher.text("keyed").text(key_type);
            }
            for (key, value) in node.options {
                hasher.text(key).text(value);
            }
            for edge in &node.inputs {
                let (source, index) = match edge.port.source {
                    Source::Param(i) => ("param", i),
                    Source::Const(i) => ("const", i),
                    Source::Node(i) => ("node", i),
                };
                let how = match edge.how {
                    How::Whole => "whole",
                    How::Split(_) => "partition",
                    How::Collect(_) => "every partition",
                };
                hasher.text(source).number(u64::from(index)).text(how);
            }
        }
        if let Some(port) = self.output {
            hasher.text(&format!("{:?}", port.source));
        }
        hasher.finish()
    }
}
