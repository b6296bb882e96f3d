//! The fingerprint of each node's output in one run of a graph: the node's place and code, and
//! the fingerprints of what it reads (a parameter's or constant's value, another node's
//! output), so that a change anywhere upstream changes it, and nothing else does.

use std::sync::Arc;

use crate::erased::{AnyValue, Codec, Erased};
use crate::external::Stamps;
use crate::fingerprint::{Fingerprint, Hasher};
use crate::graph::{Graph, How, NodeSpec, Source, Work};
use crate::keys::KeyFilter;

/// The fingerprint of a value, from its encoding (with the input paths in it fingerprinted by
/// what they point at, from `stamps`).
pub(super) fn of_value(value: &AnyValue, codec: &Codec, stamps: &Arc<Stamps>) -> Fingerprint {
    of_encoding("value", &**value, codec, stamps)
}

/// The fingerprint of the kind `kind` of a value, from its encoding by `codec`.
pub(super) fn of_encoding(kind: &str, value: &Erased, codec: &Codec, stamps: &Arc<Stamps>) -> Fingerprint {
    let mut bytes = Vec::new();
    let mut hasher = Hasher::new(kind);
    match crate::external::fingerprinting(stamps, || (codec.encode)(value, &mut bytes)) {
        Ok(()) => hasher.bytes(&bytes),
        // A value the format cannot hold (a NaN in JSON): the error's text, then, is what
        // identifies it.
        Err(error) => hasher.text(&error.to_string()),
    };
    hasher.finish()
}

/// The fingerprints of a graph's parameters, from their values.
pub(super) fn of_params(graph: &Graph, values: &[AnyValue], stamps: &Arc<Stamps>) -> Vec<Fingerprint> {
    graph.params.iter().zip(values).map(|(param, value)| of_value(value, &param.codec, stamps)).collect()
}

/// The fingerprint of a run of `graph` with parameters of fingerprints `params`: what a store
/// folder's lock compares.
pub(super) fn of_run(graph: &Graph, params: &[Fingerprint], keys: Option<&KeyFilter>) -> Fingerprint {
    let mut hasher = Hasher::new("run");
    hasher.fingerprint(graph.fingerprint());
    for &param in params {
        hasher.fingerprint(param);
    }
    if let Some(keys) = keys {
        hasher.text("keys").text(keys.text());
    }
    hasher.finish()
}

/// What a run knows to fingerprint its nodes: the fingerprints of the parameters (their
/// values' for the root DAG, the arguments' for a nested one), and a number of this run for the
/// tasks that are not pure functions of their inputs.
#[derive(Clone)]
pub(super) struct Inputs {
    pub(super) params: Arc<[Fingerprint]>,
    pub(super) nonce: u64,
    /// The range of keys the run is limited to, if any: the keyed tasks' outputs depend on it.
    pub(super) keys: Option<Arc<KeyFilter>>,
    /// The digests of the files the run's input paths point at.
    pub(super) stamps: Arc<Stamps>,
}

/// How stores write outputs, in every node's fingerprint: outputs an earlier version wrote
/// another way are then outputs of other fingerprints, computed again rather than misread.
/// (2: every file ends with the digest of its bytes.)
const STORE_FORMAT: u64 = 2;

/// The fingerprint of each node of `graph`, run at `path` with `inputs`.
pub(super) fn of_nodes(graph: &Graph, path: &str, inputs: &Inputs) -> Vec<Fingerprint> {
    let consts: Vec<Fingerprint> =
        graph.consts.iter().map(|(value, codec)| of_value(value, codec, &inputs.stamps)).collect();
    let mut nodes: Vec<Fingerprint> = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let mut hasher = Hasher::new("node");
        hasher.number(STORE_FORMAT);
        hasher.text(path).text(&node.name).text(kind(node)).text(&node.version).text(node.codec.format);
        for edge in &node.inputs {
            let from = match edge.port.source {
                Source::Param(i) => inputs.params[i as usize],
                Source::Const(i) => consts[i as usize],
                Source::Node(i) => nodes[i as usize],
            };
            hasher.text(how(edge.how)).fingerprint(from);
        }
        if !node.cache {
            hasher.number(inputs.nonce);
        }
        if let (Some(keys), true, Work::Task(..)) = (&inputs.keys, node.keyed(), &node.work) {
            hasher.text("keys").text(keys.text());
        }
        nodes.push(hasher.finish());
    }
    nodes
}

/// The part of each node's fingerprint that does not depend on which partitions it runs on:
/// its place and code, and the fingerprints of what it reads whole. With the fingerprint by key
/// of the partition it reads (`run::by_key`), it identifies one partition's result by the
/// value it was computed from, not by its position.
pub(super) fn by_key_bases(graph: &Graph, path: &str, inputs: &Inputs, nodes: &[Fingerprint]) -> Vec<Fingerprint> {
    let consts: Vec<Fingerprint> =
        graph.consts.iter().map(|(value, codec)| of_value(value, codec, &inputs.stamps)).collect();
    graph
        .nodes
        .iter()
        .map(|node| {
            let mut hasher = Hasher::new("node by key");
            hasher.number(STORE_FORMAT);
            hasher.text(path).text(&node.name).text(kind(node)).text(&node.version).text(node.codec.format);
            for edge in &node.inputs {
                let from = match (edge.how, edge.port.source) {
                    (How::Split(_), _) => continue,
                    (_, Source::Param(i)) => inputs.params[i as usize],
                    (_, Source::Const(i)) => consts[i as usize],
                    (_, Source::Node(i)) => nodes[i as usize],
                };
                hasher.text(how(edge.how)).fingerprint(from);
            }
            if !node.cache {
                hasher.number(inputs.nonce);
            }
            hasher.finish()
        })
        .collect()
}

fn kind(node: &NodeSpec) -> &'static str {
    match node.work {
        Work::Task(..) => "task",
        Work::Derived(_) => "derived",
        Work::Dag(_) => "dag",
    }
}

fn how(how: How) -> &'static str {
    match how {
        How::Whole => "whole",
        How::Split(_) => "partition",
        How::Collect(_) => "every partition",
    }
}

/// The fingerprint of partition `partition` of an output of fingerprint `output`.
pub(super) fn of_partition(output: Fingerprint, partition: usize) -> Fingerprint {
    Hasher::new("partition").fingerprint(output).number(partition as u64).finish()
}
