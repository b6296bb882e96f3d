//! The in-process runtime: runs a graph on rayon, driven by dependencies, partition by partition.
//!
//! - A node outside maps starts as soon as the nodes it reads from are complete: there are no
//!   level-by-level barriers.
//! - A partitioned task hands over its partitions as it produces them; they are announced to
//!   the maps over it in batches that start at 1 and double while a batch takes less than
//!   [`BATCH_TIME`] to produce (up to [`MAX_BATCH`]), and halve when one takes much longer. So
//!   the first partitions are mapped while the task still produces the next ones (pipelining),
//!   a slow source's partitions are mapped as soon as they come, and a million quick partitions
//!   cost a few thousand scheduled jobs, not a million.
//! - All the nodes of one map run together on a batch of partitions, in one job (fused), and a
//!   map over a map's output starts on a batch as soon as it is through the first map, without
//!   waiting for the others. Jobs start in the order their partitions were handed over (rayon's FIFO spawns),
//!   so the first partitions are not starved by later ones.
//! - Partitioned outputs are kept by chunks (see [`cells`]): one lock per batch, not per
//!   partition. With the in-memory store, a batch stays one typed vector from the task that
//!   produced it (see [`crate::batch`]), and the tasks of a map run over the whole batch one
//!   after the other (each in parallel, by rayon's adaptive splitting) and hand over their
//!   results as batches: small partitions cost no allocation each. A map with a nested DAG, a
//!   field of an output or a task that reads two partitions, and any map with the disk store,
//!   run partition by partition through the chain instead.
//! - A map starts once the whole values its nodes read are complete; a fan-in (a node reading
//!   every partition) once all partitions are.
//! - Nested DAGs run as a nested scope inside the same pool.
//! - Every task runs under `catch_unwind`. The first failure is recorded with the node's path
//!   and partition; no node or partition starts after it, running ones finish, and the run
//!   returns it as an [`Error`].

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::batch::{run_pieces, Batch, BatchRun, BatchStop, Items};
use crate::builder::{Dag, Params};
use crate::callable::DagReturn;
use crate::error::{Error, NodePath};
use crate::graph::{AnyValue, Body, BoxError, Emit, Graph, How, Inputs, NodeSpec, KEEP};
use crate::handle::{Port, Source};
use crate::partitions::PartsReader;
use crate::progress::Progress;
use crate::store::{Location, MemoryStore, Store, StoreError, Stored, StoredParts};

mod alone;
mod cells;

use alone::{execute_node, parse_segment};
use cells::{Chunks, Held};

/// The largest number of partitions announced to a map at once.
pub const MAX_BATCH: usize = 1024;

/// How long a partitioned task may take to produce a batch of partitions before it is
/// announced: batches grow while they take less, and shrink when they take several times more,
/// so that waiting for a batch never delays the maps over it by much more than this.
pub const BATCH_TIME: Duration = Duration::from_millis(1);

/// Runs DAGs in this process, on a rayon thread pool.
///
/// ```
/// use dagger_core::Runner;
/// let runner = Runner::with_threads(2).unwrap();
/// # let _ = runner;
/// ```
#[derive(Clone)]
pub struct Runner {
    pool: Option<Arc<rayon::ThreadPool>>,
    store: Arc<dyn Store>,
    progress: bool,
}

impl Default for Runner {
    fn default() -> Self {
        Runner { pool: None, store: Arc::new(MemoryStore), progress: true }
    }
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let threads = self.pool.as_ref().map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
        f.debug_struct("Runner").field("threads", &threads).field("store", &self.store).finish()
    }
}

impl Runner {
    /// A runner on rayon's global thread pool.
    pub fn new() -> Self {
        Runner::default()
    }

    /// A runner on a pool of its own with `threads` threads.
    pub fn with_threads(threads: usize) -> Result<Self, Error> {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        Ok(Runner::with_pool(Arc::new(pool)))
    }

    /// A runner on a pool the caller already has.
    pub fn with_pool(pool: Arc<rayon::ThreadPool>) -> Self {
        Runner { pool: Some(pool), ..Runner::default() }
    }

    /// The same runner, keeping node outputs in `store` ([`MemoryStore`] by default).
    pub fn with_store(self, store: impl Store + 'static) -> Self {
        Runner { store: Arc::new(store), ..self }
    }

    /// Runs the node `node` of `dag` alone (a name from [`Graph::nodes`](crate::Graph::nodes);
    /// `partition` for a node that runs once per partition), reading its inputs from this
    /// runner's store and writing its output there: what a cluster runs in each job. The nodes
    /// it reads from must have stored their outputs first, in a [`DiskStore`](crate::DiskStore)
    /// folder: by an earlier run, or by running them alone.
    ///
    /// A node inside nested DAGs is named by its path: `inner/task`, or `inner[2]/task` when the
    /// nested DAG `inner` runs once per partition (here, its run on partition 2).
    pub fn run_node<P: Params, R: DagReturn>(
        &self,
        dag: &Dag<P, R>,
        params: P,
        node: &str,
        partition: Option<usize>,
    ) -> Result<(), Error> {
        let graph = dag.graph_arc();
        let path = NodePath::root(graph.name());
        let mut nested = Vec::new();
        let mut segments = node.split('/').peekable();
        let mut last = "";
        while let Some(segment) = segments.next() {
            if segments.peek().is_none() {
                last = segment;
                break;
            }
            nested.push(parse_segment(segment).ok_or_else(|| Error::Isolation {
                path: path.clone(),
                message: format!("`{segment}` in `{node}` is not a node name, or a name and a partition: `name[3]`"),
            })?);
        }
        let values = params.into_values();
        let store = &self.store;
        match &self.pool {
            Some(pool) => pool.install(|| execute_node(graph, values, &path, store, &nested, last, partition)),
            None => execute_node(graph, values, &path, store, &nested, last, partition),
        }
    }

    /// The same runner, showing a progress bar (nodes and partitions done) while a DAG runs,
    /// if `show` and standard error is a terminal. On by default.
    pub fn with_progress(self, show: bool) -> Self {
        Runner { progress: show, ..self }
    }

    /// Runs `dag` with `params` and returns its output.
    ///
    /// Every run is a `tracing` span named `dag` (field `path`), with a span `node` (field
    /// `node`) per node and `partition` (fields `node`, `partition`, at debug level) per run of
    /// a partitioned node: plug in any subscriber to see them, with their durations.
    pub fn run<P: Params, R: DagReturn>(&self, dag: &Dag<P, R>, params: P) -> Result<R::Run, Error> {
        let graph = dag.graph_arc();
        let path = NodePath::root(graph.name());
        let values = params.into_values();
        let store = &self.store;
        let progress = if self.progress { Progress::on_terminal(graph.name(), graph.nodes.len()) } else { None };
        let top = Top { progress: progress.as_ref(), span: tracing::Span::current() };
        let output = match &self.pool {
            Some(pool) => pool.install(|| execute(graph, values, &path, store, &top)),
            None => execute(graph, values, &path, store, &top),
        };
        if let Some(progress) = &progress {
            progress.finish();
        }
        if let Err(error) = &output {
            tracing::error!(dag = graph.name(), %error, "run failed");
        }
        store.end(graph.name(), output.is_ok());
        R::from_output(output?).map_err(|e| Error::Internal { path, message: e.to_string() })
    }
}

/// The output of a DAG once computed.
#[doc(hidden)]
pub enum Slot {
    One(AnyValue),
    Parts(Vec<AnyValue>),
}

/// The run stopped: the reason is already recorded in `Run::failure`.
struct Stopped;

/// The output of one node during a run.
struct Output {
    one: Held,
    parts: Chunks,
    /// Set once every partition is stored.
    count: OnceLock<usize>,
}

/// One map during a run.
struct MapRun {
    /// Whole inputs not complete yet.
    waiting: AtomicU32,
    trigger: Mutex<Trigger>,
    /// Partitions through every node of the map.
    done: AtomicUsize,
    /// The number of partitions of the source, once known.
    count: OnceLock<usize>,
    finished: AtomicBool,
}

/// Partitions announced before the map's whole inputs were complete wait here.
#[derive(Default)]
struct Trigger {
    ready: bool,
    pending: Vec<Range<usize>>,
}

/// What a run of a root DAG shares with the runs of the DAGs nested in it.
struct Top<'g> {
    progress: Option<&'g Progress>,
    /// The span the root DAG's span goes under.
    span: tracing::Span,
}

struct Run<'g> {
    graph: &'g Graph,
    /// Running one node alone: its completion starts nothing else.
    isolated: bool,
    /// The progress bar, for the root DAG only.
    progress: Option<&'g Progress>,
    span: tracing::Span,
    store: &'g Arc<dyn Store>,
    params: Vec<AnyValue>,
    path: &'g NodePath,
    outputs: Vec<Output>,
    waiting: Vec<AtomicU32>,
    maps: Vec<MapRun>,
    cancelled: AtomicBool,
    failure: Mutex<Option<Error>>,
}

/// Runs one graph to completion and returns its output (`None` for `()`).
fn execute(
    graph: &Graph,
    params: Vec<AnyValue>,
    path: &NodePath,
    store: &Arc<dyn Store>,
    top: &Top<'_>,
) -> Result<Option<Slot>, Error> {
    let run = Run::new(graph, params, path, store, top);
    rayon::in_place_scope_fifo(|scope| run.start(scope));
    if run.cancelled.load(Ordering::SeqCst) {
        return Err(run.take_failure());
    }
    match graph.output {
        None => Ok(None),
        Some(port) => run.result(port).map(Some).map_err(|_| run.take_failure()),
    }
}

impl<'g> Run<'g> {
    fn new(
        graph: &'g Graph,
        params: Vec<AnyValue>,
        path: &'g NodePath,
        store: &'g Arc<dyn Store>,
        top: &Top<'g>,
    ) -> Self {
        Run {
            graph,
            isolated: false,
            progress: top.progress,
            span: tracing::info_span!(parent: &top.span, "dag", path = %path),
            store,
            params,
            path,
            outputs: (0..graph.nodes.len())
                .map(|_| Output { one: Held::default(), parts: Chunks::default(), count: OnceLock::new() })
                .collect(),
            waiting: graph.plan.waits_for.iter().map(|&n| AtomicU32::new(n)).collect(),
            maps: graph
                .maps
                .iter()
                .map(|map| MapRun {
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

    fn isolation_error(&self, spec: &NodeSpec, message: &str) -> Error {
        Error::Isolation { path: self.path.child(&spec.name, None), message: message.to_string() }
    }
}

impl<'s> Run<'s> {
    fn start(&'s self, scope: &rayon::ScopeFifo<'s>) {
        for (node, spec) in self.graph.nodes.iter().enumerate() {
            if spec.map.is_none() && self.graph.plan.waits_for[node] == 0 {
                scope.spawn_fifo(move |scope| self.run_node(scope, node));
            }
        }
        for (map, spec) in self.graph.maps.iter().enumerate() {
            if spec.whole_inputs.is_empty() && !spec.nodes.is_empty() {
                self.map_ready(scope, map);
            }
        }
    }

    fn stopped(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    // -- Events ------------------------------------------------------------------------------

    /// `node`'s output is complete: one value, or every partition.
    fn node_complete(&'s self, scope: &rayon::ScopeFifo<'s>, node: usize) {
        if self.isolated {
            return;
        }
        if let Some(progress) = self.progress {
            progress.node_done();
        }
        for &next in &self.graph.plan.node_dependents[node] {
            if self.waiting[next as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                scope.spawn_fifo(move |scope| self.run_node(scope, next as usize));
            }
        }
        for &map in &self.graph.plan.map_dependents[node] {
            if self.maps[map as usize].waiting.fetch_sub(1, Ordering::AcqRel) == 1 {
                self.map_ready(scope, map as usize);
            }
        }
    }

    /// Partitions `range` of `node`'s output are stored.
    fn parts_available(&'s self, scope: &rayon::ScopeFifo<'s>, node: usize, range: Range<usize>) {
        if self.isolated {
            return;
        }
        for &map in &self.graph.plan.maps_over[node] {
            let run_now = {
                let mut trigger = self.maps[map as usize].trigger.lock().unwrap_or_else(|e| e.into_inner());
                if !trigger.ready {
                    trigger.pending.push(range.clone());
                }
                trigger.ready
            };
            if run_now {
                let range = range.clone();
                scope.spawn_fifo(move |scope| self.run_map(scope, map as usize, range));
            }
        }
    }

    /// `node`'s output has `count` partitions, all stored.
    fn parts_counted(&'s self, scope: &rayon::ScopeFifo<'s>, node: usize, count: usize) {
        let spec = &self.graph.nodes[node];
        if let Err(error) = self.store.seal(&self.location(spec, None), count) {
            self.store_failed(spec, None, true, error);
            return;
        }
        let _ = self.outputs[node].count.set(count);
        for &map in &self.graph.plan.maps_over[node] {
            let _ = self.maps[map as usize].count.set(count);
            if let Some(progress) = self.progress {
                progress.parts_expected(count);
            }
            self.check_map_finished(scope, map as usize);
        }
    }

    /// Every whole input of `map` is complete: run the partitions announced so far.
    fn map_ready(&'s self, scope: &rayon::ScopeFifo<'s>, map: usize) {
        let pending = {
            let mut trigger = self.maps[map].trigger.lock().unwrap_or_else(|e| e.into_inner());
            trigger.ready = true;
            std::mem::take(&mut trigger.pending)
        };
        for range in pending {
            scope.spawn_fifo(move |scope| self.run_map(scope, map, range));
        }
    }

    fn check_map_finished(&'s self, scope: &rayon::ScopeFifo<'s>, map: usize) {
        let state = &self.maps[map];
        let Some(&count) = state.count.get() else {
            return;
        };
        if state.done.load(Ordering::Acquire) == count && !state.finished.swap(true, Ordering::AcqRel) {
            for &node in &self.graph.maps[map].nodes {
                self.parts_counted(scope, node as usize, count);
                self.node_complete(scope, node as usize);
            }
        }
    }

    // -- Jobs --------------------------------------------------------------------------------

    /// Runs a node outside maps.
    fn run_node(&'s self, scope: &rayon::ScopeFifo<'s>, node: usize) {
        if self.stopped() {
            return;
        }
        let spec = &self.graph.nodes[node];
        let _span = tracing::info_span!(parent: &self.span, "node", node = %spec.name).entered();
        if spec.splits_output {
            let mut emit = PartsEmit {
                run: self,
                scope,
                node,
                next: 0,
                announced: 0,
                batch: 1,
                since: Instant::now(),
                pending: Vec::new(),
            };
            if self.invoke(spec, None, &mut emit).is_err() {
                return;
            }
            let count = emit.next;
            if let Err(error) = emit.announce() {
                self.internal(spec, &error.to_string());
                return;
            }
            self.parts_counted(scope, node, count);
        } else {
            let mut emit = OneEmit(None);
            if self.invoke(spec, None, &mut emit).is_err() {
                return;
            }
            let Some(value) = emit.0 else {
                self.internal(spec, "a task returned no value");
                return;
            };
            let Ok(stored) = self.put(spec, None, value) else { return };
            self.outputs[node].one.set(stored, self.graph.plan.reads[node]);
        }
        self.node_complete(scope, node);
    }

    /// Runs partitions `range` through every node of `map`: the map's source is read once for
    /// the range, each partition goes through the chain of tasks, and each node's results are
    /// kept as one chunk.
    fn run_map(&'s self, scope: &rayon::ScopeFifo<'s>, map: usize, range: Range<usize>) {
        let spec = &self.graph.maps[map];
        let source = spec.source as usize;
        let Some(parts) = self.outputs[source].parts.read_range(range.clone()) else {
            self.internal(&self.graph.nodes[source], "partitions were read before they were stored");
            return;
        };
        let columns = match parts {
            StoredParts::Batch(batch) if self.graph.plan.chains[map].batched => {
                self.run_batches(map, range.start, batch)
            }
            parts => self.run_each(map, range.clone(), parts),
        };
        let Ok(columns) = columns else { return };
        for (&node, column) in spec.nodes.iter().zip(columns) {
            self.outputs[node as usize].parts.push(range.start, column, self.graph.plan.reads[node as usize]);
        }
        for &node in &spec.nodes {
            self.parts_available(scope, node as usize, range.clone());
        }
        if let Some(progress) = self.progress {
            progress.parts_done(range.len());
        }
        self.maps[map].done.fetch_add(range.len(), Ordering::AcqRel);
        self.check_map_finished(scope, map);
    }

    /// Runs a batch of partitions from `start` through the chain of tasks of `map`, task by
    /// task, each over the whole batch (in parallel): the results of each node, as a batch.
    /// Each batch is moved into its last reader in the chain.
    fn run_batches(&self, map: usize, start: usize, batch: Batch) -> Result<Vec<StoredParts>, Stopped> {
        let nodes = &self.graph.maps[map].nodes;
        let chain = &self.graph.plan.chains[map];
        let mut uses = chain.uses.clone();
        let mut values: Vec<Option<Batch>> = Vec::with_capacity(nodes.len() + 1);
        values.push(Some(batch));
        let mut columns = Vec::with_capacity(nodes.len());
        for (position, &node) in nodes.iter().enumerate() {
            let spec = &self.graph.nodes[node as usize];
            let (split, slot) = chain.slots[position]
                .iter()
                .enumerate()
                .find_map(|(input, slot)| Some((input, (*slot)?)))
                .ok_or_else(|| self.internal(spec, "a task of a map reads no partition"))?;
            uses[slot] -= 1;
            let input = if uses[slot] == 0 { values[slot].take() } else { values[slot].clone() };
            let input =
                input.ok_or_else(|| self.internal(spec, "a batch of partitions was read after its last use"))?;
            let output = self.run_batch(spec, start, split, input)?;
            // Only results that other nodes read, or that the store writes, are stored.
            let keep = self.graph.plan.reads[node as usize] > 0 || !self.store.keeps_batches();
            columns.push(match keep {
                true => self
                    .store
                    .put_batch(&self.location(spec, Some(start)), output.clone())
                    .map_err(|error| self.store_failed(spec, Some(start), true, error))?,
                false => StoredParts::Each(Vec::new()),
            });
            values.push((uses[position + 1] > 0).then_some(output));
        }
        Ok(columns)
    }

    /// Runs the task of `spec` over `batch`, the partitions from `start` of its input `split`,
    /// in pieces run in parallel.
    fn run_batch(&self, spec: &NodeSpec, start: usize, split: usize, batch: Batch) -> Result<Batch, Stopped> {
        let Body::Task(_, Some(run_batch)) = spec.body else {
            return Err(self.internal(spec, "a batch of partitions reached a task that runs one at a time"));
        };
        let mut inputs = Inputs::default();
        for (position, edge) in spec.inputs.iter().enumerate() {
            if position == split {
                inputs.push(Arc::new(()));
            } else {
                inputs.push(self.whole(edge.port)?);
            }
        }
        let fail = |partition, failure| {
            self.fail(self.task_error(spec, Some(partition), failure));
        };
        let piece = |items: Items<'_>, offset: usize| {
            let run = BatchRun::new(start + offset, &spec.name, &self.span, &self.cancelled, &fail);
            run_batch(split, items, &inputs, &run)
        };
        match run_pieces(batch, spec.codec, &piece) {
            Ok(batch) => Ok(batch),
            Err(BatchStop::Cancelled) => Err(Stopped),
            Err(BatchStop::Inputs(error)) => Err(self.internal(spec, &error.to_string())),
        }
    }

    /// Runs partitions `range` through the nodes of `map` one partition at a time (in
    /// parallel): the results of each node, as one run of partitions.
    fn run_each(&self, map: usize, range: Range<usize>, parts: StoredParts) -> Result<Vec<StoredParts>, Stopped> {
        let spec = &self.graph.maps[map];
        let values = parts.into_each().ok_or_else(|| {
            self.internal(&self.graph.nodes[spec.source as usize], "a batch of partitions could not be taken apart")
        })?;
        let rows: Vec<Result<Vec<Option<Stored>>, Stopped>> = values
            .into_par_iter()
            .enumerate()
            .map(|(offset, stored)| {
                if self.stopped() {
                    return Err(Stopped);
                }
                self.run_chain(map, range.start + offset, stored)
            })
            .collect();
        if self.stopped() {
            return Err(Stopped);
        }
        let mut columns: Vec<Vec<Stored>> = spec.nodes.iter().map(|_| Vec::with_capacity(range.len())).collect();
        for row in rows {
            columns.iter_mut().zip(row?).for_each(|(column, stored)| column.extend(stored));
        }
        Ok(columns.into_iter().map(StoredParts::each).collect())
    }

    /// Runs partition `partition` through the nodes of `map`, in order; a node reads the
    /// partition of the map's source, and the results of the nodes before it, directly. Each
    /// value is moved into its last reader in the chain, so that a task taking it by value gets
    /// it without a copy when nothing else holds it. Returns each node's result, if other
    /// nodes read it.
    fn run_chain(&self, map: usize, partition: usize, source: Stored) -> Result<Vec<Option<Stored>>, Stopped> {
        let nodes = &self.graph.maps[map].nodes;
        let chain = &self.graph.plan.chains[map];
        let mut uses = chain.uses.clone();
        let mut values: Vec<Option<AnyValue>> = Vec::with_capacity(nodes.len() + 1);
        values.push(Some(self.get(self.graph.maps[map].source as usize, Some(partition), source)?));
        let mut stored = Vec::with_capacity(nodes.len());
        for (position, &node) in nodes.iter().enumerate() {
            let spec = &self.graph.nodes[node as usize];
            let _span = tracing::debug_span!(parent: &self.span, "partition", node = %spec.name, partition).entered();
            let mut readers = Vec::new();
            let mut inputs = Inputs::default();
            for (edge, slot) in spec.inputs.iter().zip(&chain.slots[position]) {
                let value = match *slot {
                    Some(slot) => {
                        uses[slot] -= 1;
                        let value = if uses[slot] == 0 { values[slot].take() } else { values[slot].clone() };
                        value.ok_or_else(|| self.missing(edge.port))?
                    }
                    None => self.read_input(spec, edge, Some(partition), &mut readers)?,
                };
                inputs.push(value);
            }
            let mut emit = OneEmit(None);
            self.call_with(spec, inputs, readers, Some(partition), &mut emit)?;
            let value = emit.0.ok_or_else(|| self.internal(spec, "a task returned no value"))?;
            let kept = self.put(spec, Some(partition), value.clone())?;
            // Only outputs that other nodes read stay; the store has written the others.
            stored.push((self.graph.plan.reads[node as usize] > 0).then_some(kept));
            values.push((uses[position + 1] > 0).then_some(value));
        }
        Ok(stored)
    }

    /// Runs one node on one partition (running a node alone): its partitioned inputs are read
    /// without counting a read, its output kept as a chunk of one.
    fn run_partition(&self, node: usize, partition: usize) -> Result<(), Stopped> {
        let spec = &self.graph.nodes[node];
        let _span = tracing::debug_span!(parent: &self.span, "partition", node = %spec.name, partition).entered();
        let mut emit = OneEmit(None);
        self.invoke(spec, Some(partition), &mut emit)?;
        let value = emit.0.ok_or_else(|| self.internal(spec, "a task returned no value"))?;
        let stored = self.put(spec, Some(partition), value)?;
        self.outputs[node].parts.push(partition, StoredParts::Each(vec![stored]), KEEP);
        Ok(())
    }

    /// Reads the inputs of one run of a node, runs it, and records a failure of either.
    fn invoke(&self, spec: &NodeSpec, partition: Option<usize>, emit: &mut dyn Emit) -> Result<(), Stopped> {
        let mut readers = Vec::new();
        let inputs = self.gather(spec, partition, &mut readers)?;
        self.call_with(spec, inputs, readers, partition, emit)
    }

    /// Runs a node on inputs already read, and records a failure.
    fn call_with(
        &self,
        spec: &NodeSpec,
        inputs: Inputs,
        readers: Vec<(u32, Arc<PartsReader>)>,
        partition: Option<usize>,
        emit: &mut dyn Emit,
    ) -> Result<(), Stopped> {
        let result = self.call(spec, inputs, partition, emit);
        // A fan-in that could not read a partition fails on that, whatever the task did next.
        for (node, reader) in readers {
            if let Some((index, error)) = reader.take_failure() {
                return Err(self.store_failed(&self.graph.nodes[node as usize], Some(index), false, error));
            }
        }
        result.map_err(|error| self.fail(error))
    }

    fn call(
        &self,
        spec: &NodeSpec,
        inputs: Inputs,
        partition: Option<usize>,
        emit: &mut dyn Emit,
    ) -> Result<(), Error> {
        match &spec.body {
            Body::Closure(task) => Failure::catch(|| task(inputs, emit)).map_err(|failure| Error::Internal {
                path: self.path.child(&spec.name, partition),
                message: failure.to_string(),
            }),
            Body::Task(task, _) => {
                Failure::catch(|| task(inputs, emit)).map_err(|failure| self.task_error(spec, partition, failure))
            }
            Body::Dag(graph) => {
                let path = self.path.child(&spec.name, partition);
                let emitted = match execute(
                    graph,
                    inputs.collect(),
                    &path,
                    self.store,
                    &Top { progress: None, span: tracing::Span::current() },
                )? {
                    Some(Slot::One(value)) => emit.one(value),
                    Some(Slot::Parts(parts)) => parts.into_iter().try_for_each(|part| emit.part(part)),
                    None => emit.one(Arc::new(())),
                };
                emitted.map_err(|e| Error::Internal { path, message: e.to_string() })
            }
        }
    }

    // -- Values ------------------------------------------------------------------------------

    fn gather(
        &self,
        spec: &NodeSpec,
        partition: Option<usize>,
        readers: &mut Vec<(u32, Arc<PartsReader>)>,
    ) -> Result<Inputs, Stopped> {
        spec.inputs.iter().map(|edge| self.read_input(spec, edge, partition, readers)).collect()
    }

    /// The value one input of `spec` receives.
    fn read_input(
        &self,
        spec: &NodeSpec,
        edge: &crate::graph::Edge,
        partition: Option<usize>,
        readers: &mut Vec<(u32, Arc<PartsReader>)>,
    ) -> Result<AnyValue, Stopped> {
        match (edge.how, partition) {
            (How::Whole, _) => self.whole(edge.port),
            (How::Split(_), Some(p)) => self.part(edge.port, p),
            (How::Split(_), None) => Err(self.internal(spec, "a partition read outside a map")),
            (How::Collect(collect), _) => {
                let (node, reader) = self.reader(edge.port)?;
                readers.push((node, reader.clone()));
                collect(&reader).map_err(|e| match reader.take_failure() {
                    Some((index, error)) => {
                        self.store_failed(&self.graph.nodes[node as usize], Some(index), false, error)
                    }
                    None => self.internal(spec, &e.to_string()),
                })
            }
        }
    }

    /// Reads the partitions of `port`'s output for a fan-in.
    fn reader(&self, port: Port) -> Result<(u32, Arc<PartsReader>), Stopped> {
        let Source::Node(n) = port.source else { return Err(self.missing(port)) };
        let output = &self.outputs[n as usize];
        let count = *output.count.get().ok_or_else(|| self.missing(port))?;
        let chunks = output.parts.read_all(count).ok_or_else(|| self.missing(port))?;
        let spec = &self.graph.nodes[n as usize];
        let reader = PartsReader::new(chunks, self.store.clone(), spec.codec, self.path.clone(), spec.name.clone());
        Ok((n, Arc::new(reader)))
    }

    fn whole(&self, port: Port) -> Result<AnyValue, Stopped> {
        match port.source {
            Source::Param(i) => Ok(self.params[i as usize].clone()),
            Source::Const(i) => Ok(self.graph.consts[i as usize].clone()),
            Source::Node(n) => {
                let stored = self.outputs[n as usize].one.read().ok_or_else(|| self.missing(port))?;
                self.get(n as usize, None, stored)
            }
        }
    }
    fn part(&self, port: Port, partition: usize) -> Result<AnyValue, Stopped> {
        let Source::Node(n) = port.source else { return Err(self.missing(port)) };
        let stored = self.outputs[n as usize].parts.peek(partition).ok_or_else(|| self.missing(port))?;
        self.get(n as usize, Some(partition), stored)
    }

    fn all_parts(&self, port: Port) -> Result<Vec<AnyValue>, Stopped> {
        let Source::Node(n) = port.source else {
            return Err(self.missing(port));
        };
        let count = *self.outputs[n as usize].count.get().ok_or_else(|| self.missing(port))?;
        let chunks = self.outputs[n as usize].parts.read_all(count).ok_or_else(|| self.missing(port))?;
        let mut values = Vec::with_capacity(count);
        for chunk in chunks {
            let stored = chunk.into_each().ok_or_else(|| self.missing(port))?;
            for stored in stored {
                values.push(self.get(n as usize, Some(values.len()), stored)?);
            }
        }
        Ok(values)
    }

    fn location<'a>(&'a self, spec: &'a NodeSpec, partition: Option<usize>) -> Location<'a> {
        Location { dag: self.path, node: &spec.name, partition }
    }

    fn put(&self, spec: &NodeSpec, partition: Option<usize>, value: AnyValue) -> Result<Stored, Stopped> {
        self.store
            .put(&self.location(spec, partition), value, &spec.codec)
            .map_err(|error| self.store_failed(spec, partition, true, error))
    }

    fn get(&self, node: usize, partition: Option<usize>, stored: Stored) -> Result<AnyValue, Stopped> {
        let spec = &self.graph.nodes[node];
        self.store
            .take(&self.location(spec, partition), stored, &spec.codec)
            .map_err(|error| self.store_failed(spec, partition, false, error))
    }

    fn store_failed(&self, spec: &NodeSpec, partition: Option<usize>, writing: bool, error: StoreError) -> Stopped {
        let path = self.path.child(&spec.name, None);
        self.fail(Error::Store { path, partition, file: error.file, writing, source: error.source })
    }

    fn result(&self, port: Port) -> Result<Slot, Stopped> {
        match port.source {
            Source::Node(n) if self.outputs[n as usize].count.get().is_some() => self.all_parts(port).map(Slot::Parts),
            _ => self.whole(port).map(Slot::One),
        }
    }

    // -- Failures ----------------------------------------------------------------------------

    /// The error of a task that failed on `partition`. Built only on failure: a task runs on
    /// the hot path of every partition.
    fn task_error(&self, spec: &NodeSpec, partition: Option<usize>, failure: Failure) -> Error {
        let path = self.path.child(&spec.name, None);
        match failure {
            Failure::Failed(source) => Error::TaskFailed { path, partition, source },
            Failure::Panicked(message) => Error::TaskPanicked { path, partition, message },
        }
    }

    /// A value that the schedule guarantees is there is not: a bug of the runtime, reported
    /// rather than panicking.
    fn missing(&self, port: Port) -> Stopped {
        self.fail(Error::Internal {
            path: self.path.clone(),
            message: format!("a value was read before it was computed: {port:?}"),
        })
    }

    fn internal(&self, spec: &NodeSpec, message: &str) -> Stopped {
        self.fail(Error::Internal { path: self.path.child(&spec.name, None), message: message.to_string() })
    }

    fn fail(&self, error: Error) -> Stopped {
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        failure.get_or_insert(error);
        self.cancelled.store(true, Ordering::SeqCst);
        Stopped
    }

    fn take_failure(&self) -> Error {
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        failure.take().unwrap_or_else(|| Error::Internal {
            path: self.path.clone(),
            message: "the DAG's output was not computed".into(),
        })
    }
}

/// Keeps the single output of one run of a task.
struct OneEmit(Option<AnyValue>);

impl Emit for OneEmit {
    fn one(&mut self, value: AnyValue) -> Result<(), BoxError> {
        self.0 = Some(value);
        Ok(())
    }

    fn part(&mut self, _: AnyValue) -> Result<(), BoxError> {
        Err("a task that returns one value produced a partition".into())
    }

    fn batch(&mut self, _: AnyValue, _: usize) -> Result<(), BoxError> {
        Err("a task that returns one value produced partitions".into())
    }
}

/// Stores the partitions of a partitioned task as it produces them, and announces them to the
/// maps over it in batches sized to take about [`BATCH_TIME`] to produce.
struct PartsEmit<'r, 's> {
    run: &'s Run<'s>,
    scope: &'r rayon::ScopeFifo<'s>,
    node: usize,
    next: usize,
    announced: usize,
    batch: usize,
    /// When the batch being produced was started.
    since: Instant,
    /// The partitions stored since the last announcement.
    pending: Vec<StoredParts>,
}

impl PartsEmit<'_, '_> {
    fn stored(&mut self, parts: StoredParts) -> Result<(), BoxError> {
        self.next += parts.len();
        match (self.pending.last_mut(), parts) {
            (Some(last @ (StoredParts::Each(_) | StoredParts::Written(_))), parts @ StoredParts::Written(_))
            | (Some(last @ StoredParts::Each(_)), parts @ StoredParts::Each(_)) => {
                last.append(parts).ok_or("a batch of partitions could not be taken apart")?
            }
            (_, parts) => self.pending.push(parts),
        }
        if self.next - self.announced >= self.batch {
            self.announce()?;
            let took = std::mem::replace(&mut self.since, Instant::now()).elapsed();
            if took < BATCH_TIME {
                self.batch = (self.batch * 2).min(MAX_BATCH);
            } else if took > 4 * BATCH_TIME {
                self.batch = (self.batch / 2).max(1);
            }
        }
        Ok(())
    }

    fn announce(&mut self) -> Result<(), BoxError> {
        if self.next > self.announced {
            let pending = StoredParts::concat(std::mem::take(&mut self.pending))
                .ok_or("a batch of partitions could not be taken apart")?;
            self.run.outputs[self.node].parts.push(self.announced, pending, self.run.graph.plan.reads[self.node]);
            self.run.parts_available(self.scope, self.node, self.announced..self.next);
            self.announced = self.next;
        }
        Ok(())
    }
}

impl Emit for PartsEmit<'_, '_> {
    fn one(&mut self, _: AnyValue) -> Result<(), BoxError> {
        Err("a partitioned task produced one value".into())
    }

    fn part(&mut self, value: AnyValue) -> Result<(), BoxError> {
        if self.run.stopped() {
            return Err("the run stopped".into());
        }
        let spec = &self.run.graph.nodes[self.node];
        let stored = self.run.put(spec, Some(self.next), value).map_err(|_| "the partition could not be stored")?;
        self.stored(StoredParts::each(vec![stored]))
    }

    /// As many partitions as fill the next announcement, when the store keeps them together.
    fn room(&self) -> usize {
        if self.run.store.keeps_batches() {
            self.batch.saturating_sub(self.next - self.announced).max(1)
        } else {
            1
        }
    }

    fn batch(&mut self, items: AnyValue, len: usize) -> Result<(), BoxError> {
        if self.run.stopped() {
            return Err("the run stopped".into());
        }
        let spec = &self.run.graph.nodes[self.node];
        let at = self.run.location(spec, Some(self.next));
        let stored = self.run.store.put_batch(&at, Batch::new(items, len, spec.codec)).map_err(|error| {
            self.run.store_failed(spec, Some(self.next), true, error);
            "the partitions could not be stored"
        })?;
        self.stored(stored)
    }
}

/// How a task failed: it returned `Err`, or it panicked.
pub(crate) enum Failure {
    Failed(BoxError),
    Panicked(String),
}

impl Failure {
    /// Runs `task`, catching a panic.
    pub(crate) fn catch<O>(task: impl FnOnce() -> Result<O, BoxError>) -> Result<O, Failure> {
        match catch_unwind(AssertUnwindSafe(task)) {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(error)) => Err(Failure::Failed(error)),
            Err(payload) => Err(Failure::Panicked(panic_message(payload.as_ref()))),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Failed(error) => error.fmt(f),
            Failure::Panicked(message) => f.write_str(message),
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}
