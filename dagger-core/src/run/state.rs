//! The state of one run of one graph: where its outputs are, what each map has done, and the
//! first failure.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize};
use std::sync::{Arc, Mutex, OnceLock};

use super::cells::{Chunks, Held};
use super::fingerprints::{self, Inputs};
use super::plan::Plan;
use super::progress::Progress;
use crate::erased::AnyValue;
use crate::error::{Error, NodePath};
use crate::fingerprint::Fingerprint;
use crate::graph::Graph;
use crate::keys::Keys;
use crate::store::{Files, Previous, Store, StoreError};

/// The run stopped: the reason is already recorded in [`Run::failure`].
pub(super) struct Stopped;

/// The output of one node during a run.
pub(super) struct NodeOutput {
    pub(super) one: Held,
    pub(super) parts: Chunks,
    /// Set once every partition is stored.
    pub(super) count: OnceLock<usize>,
    /// The keys of a keyed partitioned output, set with its count.
    pub(super) keys: OnceLock<Keys>,
    /// The digests of a keyed output's partitions' values, as they are stored (before the
    /// maps over them run), for the key-stable fingerprints of [`super::by_key`].
    pub(super) digests: Mutex<Vec<Fingerprint>>,
}

/// One map during a run.
pub(super) struct MapRun {
    /// For each node of the map, the files of its output that an earlier run left with the
    /// fingerprint this run computes: the partitions they hold are not computed again. Read
    /// once, when the map's whole inputs are complete.
    pub(super) existing: OnceLock<Vec<NodeFiles>>,
    /// For each node of the map, the output an earlier run left with another fingerprint, kept
    /// aside for the partitions it computed from the same values (see [`super::by_key`]).
    pub(super) previous: OnceLock<Vec<Result<Option<Previous>, StoreError>>>,
    /// How many partitions a slice of the map's chain holds (see [`super::chain`]), learned
    /// over the map's jobs.
    pub(super) slice: AtomicUsize,
    /// The first of the partitions announced last that wait to be run with the next ones:
    /// the rest of a file of the output kept aside for reuse by key (see [`super::by_key`]).
    pub(super) carry: Mutex<Option<usize>>,
    /// Whole inputs not complete yet.
    pub(super) waiting: AtomicU32,
    pub(super) trigger: Mutex<Trigger>,
    /// Partitions through every node of the map.
    pub(super) done: AtomicUsize,
    /// The number of partitions of the source, once known.
    pub(super) count: OnceLock<usize>,
    pub(super) finished: AtomicBool,
}

/// The files of one node's output that an earlier run left.
pub(super) enum NodeFiles {
    /// The output is complete, and listed: these are its files.
    Listed(Files),
    /// Some partitions are stored, in these files (sorted by first partition; they may
    /// overlap).
    Partial(Vec<Range<usize>>),
}

impl NodeFiles {
    /// The files, sorted by first partition.
    pub(super) fn files(&self) -> Vec<Range<usize>> {
        match self {
            NodeFiles::Listed(files) => files.ranges(0).collect(),
            NodeFiles::Partial(files) => files.clone(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        match self {
            NodeFiles::Listed(files) => files.len() == 0,
            NodeFiles::Partial(files) => files.is_empty(),
        }
    }
}

/// Partitions announced before the map's whole inputs were complete wait here.
#[derive(Default)]
pub(super) struct Trigger {
    pub(super) ready: bool,
    pub(super) pending: Vec<Range<usize>>,
}

/// What a run of a root DAG shares with the runs of the DAGs nested in it.
pub(super) struct Top<'g> {
    pub(super) progress: Option<&'g Progress>,
    /// The span the root DAG's span goes under.
    pub(super) span: tracing::Span,
    /// Whether outputs an earlier run stored may be reused.
    pub(super) reuse: bool,
    /// Whether nodes run alone, as jobs: a partitioned output is then stored one partition per
    /// file, so that a job on one partition reads only its file.
    pub(super) alone: bool,
}

/// One run of one graph (the root DAG, or one run of a nested DAG).
pub(super) struct Run<'g> {
    pub(super) graph: &'g Graph,
    pub(super) plan: &'g Plan,
    /// What the fingerprints of this run's nodes are made from.
    pub(super) inputs: Inputs,
    /// The fingerprint of each node's output.
    pub(super) fingerprints: Vec<Fingerprint>,
    /// The part of each node's fingerprint that does not depend on the partitions it reads
    /// (see [`super::by_key`]).
    pub(super) by_key_bases: Vec<Fingerprint>,
    /// Whether outputs an earlier run stored may be reused.
    pub(super) reuse: bool,
    /// Whether nodes run alone (see [`Top::alone`]).
    pub(super) alone: bool,
    /// The progress bar, for the root DAG only.
    pub(super) progress: Option<&'g Progress>,
    pub(super) span: tracing::Span,
    pub(super) store: &'g Arc<dyn Store>,
    pub(super) params: Vec<AnyValue>,
    pub(super) path: &'g NodePath,
    pub(super) outputs: Vec<NodeOutput>,
    /// For each node outside maps, how many of the nodes it reads are not complete yet.
    pub(super) waiting: Vec<AtomicU32>,
    pub(super) maps: Vec<MapRun>,
    /// Set by the first failure: no node or partition starts after it.
    pub(super) cancelled: AtomicBool,
    pub(super) failure: Mutex<Option<Error>>,
}

impl<'g> Run<'g> {
    /// The keys of `node`'s partitions: those of the keyed output it is, or that the map it is
    /// declared in runs over (a map keeps the keys of its source).
    pub(super) fn keys_of(&self, node: usize) -> Option<&Keys> {
        self.outputs[self.graph.key_source(node)].keys.get()
    }

    pub(super) fn new(
        graph: &'g Graph,
        plan: &'g Plan,
        (params, inputs): (Vec<AnyValue>, Inputs),
        path: &'g NodePath,
        store: &'g Arc<dyn Store>,
        top: &Top<'g>,
    ) -> Self {
        let fingerprints = fingerprints::of_nodes(graph, &path.to_string(), &inputs);
        // Only outputs with keys have partitions found by key, and only in a store that keeps
        // outputs between runs.
        let by_key_bases = match graph.nodes.iter().any(|node| node.keyed()) && !store.holds_values() {
            true => fingerprints::by_key_bases(graph, &path.to_string(), &inputs, &fingerprints),
            false => Vec::new(),
        };
        Run {
            graph,
            plan,
            fingerprints,
            by_key_bases,
            inputs,
            reuse: top.reuse,
            alone: top.alone,
            progress: top.progress,
            span: tracing::info_span!(parent: &top.span, "dag", path = %path),
            store,
            params,
            path,
            outputs: (0..graph.nodes.len())
                .map(|_| NodeOutput {
                    one: Held::default(),
                    parts: Chunks::default(),
                    count: OnceLock::new(),
                    keys: OnceLock::new(),
                    digests: Default::default(),
                })
                .collect(),
            waiting: plan.waits_for.iter().map(|&n| AtomicU32::new(n)).collect(),
            maps: graph
                .maps
                .iter()
                .map(|map| MapRun {
                    existing: OnceLock::new(),
                    previous: OnceLock::new(),
                    slice: AtomicUsize::new(1),
                    carry: Mutex::new(None),
                    waiting: AtomicU32::new(map.whole_inputs.len() as u32),
                    trigger: Mutex::new(Trigger::default()),
                    done: AtomicUsize::new(0),
                    count: OnceLock::new(),
                    finished: AtomicBool::new(false),
                })
                .collect(),
            cancelled: AtomicBool::new(false),
            failure: Mutex::new(None),
        }
    }
}
