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
//!   produced it (see [`Batch`](crate::erased::Batch)); a map runs over it in pieces, in
//!   parallel, each piece through the whole chain of tasks by slices sized by time (see
//!   [`chain`]), and hands over its results as batches: small partitions cost no allocation
//!   each, and a chain holds only the partitions in flight. A map with a nested DAG, a field of
//!   an output or a task that reads two partitions, and any map with the disk store, run
//!   partition by partition through the chain instead ([`map`]).
//! - A map starts once the whole values its nodes read are complete; a fan-in (a node reading
//!   every partition) once all partitions are.
//! - Nested DAGs run as a nested scope inside the same pool.
//! - Every task runs under `catch_unwind`. The first failure is recorded with the node's path
//!   and partition; no node or partition starts after it, running ones finish, and the run
//!   returns it as an [`Error`].
//!
//! The parts: [`plan`] (derived from the graph before a run), [`state`] (one run of one
//! graph), [`schedule`] (what runs next), [`map`] and [`chain`] (a map's chain of tasks), [`values`]
//! (reading inputs, calling nodes, storing outputs), [`emit`] (receiving what a task
//! produces), [`failure`], [`alone`] (running one node alone), [`cells`] (where a run keeps
//! outputs), [`pieces`] (a batch in parallel pieces), [`progress`].

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use crate::dsl::callable::DagReturn;
use crate::dsl::dag::{Dag, Params};
use crate::erased::AnyValue;
use crate::error::{Error, NodePath};
use crate::graph::{Graph, Work};
use crate::invoke::DagValue;
use crate::keys::KeyFilter;
use crate::store::{MemoryStore, Store};

mod alone;
mod by_key;
mod cells;
mod chain;
mod dry;
mod emit;
mod failure;
mod fingerprints;
mod map;
mod pieces;
mod plan;
mod progress;
mod resume;
mod schedule;
mod state;
mod values;

use alone::{execute_job, parse_path, Target};
pub(crate) use alone::{Action, Done};
pub use dry::{DryRun, Reuse};
use fingerprints::Inputs;
use plan::Plan;
use progress::Progress;
use schedule::execute;
use state::Top;

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
    reuse: bool,
    /// What identifies the run among runs of the same DAG and parameters, for the tasks that
    /// are not pure functions of their inputs; a number of the process's own when `None`.
    run_id: Option<u64>,
    /// The range of keys runs are limited to.
    keys: Option<Arc<KeyFilter>>,
}

impl Default for Runner {
    fn default() -> Self {
        Runner { pool: None, store: Arc::new(MemoryStore), progress: true, reuse: true, run_id: None, keys: None }
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
    /// nested DAG `inner` runs once per partition (here, its run on partition 2). Only what the
    /// node reads is loaded. The job also stores what the nodes after it need from it: the
    /// values derived from its output alone (the fields of its tuple), and, when its output is
    /// its nested DAG's output, that output again as the output of the node that called the
    /// nested DAG. A partitioned output that jobs wrote partition by partition is listed by
    /// [`seal_node`](Self::seal_node), or by the first job that reads all of it.
    ///
    /// ```
    /// use dagger_core::prelude::*;
    ///
    /// #[task(partitioned)]
    /// fn numbers(n: u64) -> Vec<u64> { (0..n).collect() }
    ///
    /// #[task]
    /// fn square(x: u64) -> u64 { x * x }
    ///
    /// #[task]
    /// fn total(xs: Vec<u64>) -> u64 { xs.iter().sum() }
    ///
    /// #[dag]
    /// fn squares(n: u64) -> u64 { total(numbers(n).map(|x| square(x))) }
    ///
    /// let dir = std::env::temp_dir().join(format!("dagger-doc-run-node-{}", std::process::id()));
    /// let runner = Runner::new().with_store(DiskStore::new(&dir));
    /// let dag = squares::dag();
    /// runner.run_node(&dag, (3,), "numbers", None)?;          // each could be another process
    /// runner.run_partitions(&dag, (3,), "square", 0..3)?;
    /// runner.run_node(&dag, (3,), "total", None)?;            // seals `square` as it reads it
    /// assert_eq!(runner.run(&dag, (3,))?, 5);                 // everything is reused
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), dagger_core::Error>(())
    /// ```
    pub fn run_node<P: Params, R: DagReturn>(
        &self,
        dag: &Dag<P, R>,
        params: P,
        node: &str,
        partition: Option<usize>,
    ) -> Result<(), Error> {
        let action = Action::Run(partition.map(|p| p..p + 1));
        self.job(dag.graph(), params.into_values(), node, action).map(drop)
    }

    /// Runs the node `node` of `dag` alone, as [`run_node`](Self::run_node) does, on the
    /// partition whose key is `key`: for a node in a map over keyed partitions
    /// (`#[task(partitioned, keyed)]`), whose keys are in the store. `key` is the key's JSON
    /// text (`"2024-01-27"`, `7`), or for a string key the string itself (`2024-01-27`).
    pub fn run_node_key<P: Params, R: DagReturn>(
        &self,
        dag: &Dag<P, R>,
        params: P,
        node: &str,
        key: &str,
    ) -> Result<(), Error> {
        self.job(dag.graph(), params.into_values(), node, Action::RunKey(key.to_string())).map(drop)
    }

    /// Runs the node `node` of `dag` alone, as [`run_node`](Self::run_node) does, on each of
    /// `partitions`, in parallel: one job for many small partitions.
    pub fn run_partitions<P: Params, R: DagReturn>(
        &self,
        dag: &Dag<P, R>,
        params: P,
        node: &str,
        partitions: Range<usize>,
    ) -> Result<(), Error> {
        self.job(dag.graph(), params.into_values(), node, Action::Run(Some(partitions))).map(drop)
    }

    /// Lists the outputs of the map that `node` (a node that runs once per partition) belongs
    /// to, once every partition is stored: the job that follows the jobs of its partitions.
    /// Fails with [`Error::NotReady`] naming the first missing partition. Doing it again does
    /// nothing more.
    pub fn seal_node<P: Params, R: DagReturn>(&self, dag: &Dag<P, R>, params: P, node: &str) -> Result<(), Error> {
        self.job(dag.graph(), params.into_values(), node, Action::Seal).map(drop)
    }

    /// One job on `graph` with parameters `values`: `action` on the node at `path`.
    pub(crate) fn job(&self, graph: &Graph, values: Vec<AnyValue>, path: &str, action: Action) -> Result<Done, Error> {
        let (nested, node) = parse_path(graph.name(), path)?;
        let root = NodePath::root(graph.name());
        let plan = Plan::of(graph);
        let (store, inputs) = self.open(graph, &values)?;
        let stamps = inputs.stamps.clone();
        let target = Target { nested: &nested, node, action };
        let result =
            self.install(|| execute_job((graph, &plan), (values, inputs), &root, &store, (target, self.reuse), None));
        stamps.save();
        store.end(result.is_ok());
        result
    }

    /// What a run of `dag` with `params` would reuse of what this runner's store holds, node
    /// by node, without running anything or changing the store.
    ///
    /// ```
    /// use dagger_core::prelude::*;
    /// use dagger_core::{DiskStore, Reuse};
    ///
    /// #[task]
    /// fn double(x: u64) -> u64 { x * 2 }
    ///
    /// #[dag]
    /// fn twice(x: u64) -> u64 { double(x) }
    ///
    /// let runner = Runner::new().with_store(DiskStore::temporary().unwrap());
    /// assert_eq!(runner.dry_run(&twice::dag(), (3,)).unwrap().nodes(), [("double".to_string(), Reuse::Runs)]);
    /// ```
    pub fn dry_run<P: Params, R: DagReturn>(&self, dag: &Dag<P, R>, params: P) -> Result<DryRun, Error> {
        dry::dry_run(dag.graph(), &params.into_values(), &*self.store, (self.keys.clone(), self.stamps()))
    }

    /// The same runner, reusing what earlier runs stored (with a [`DiskStore`](crate::DiskStore))
    /// when `reuse` (the default), or computing every node again.
    pub fn with_reuse(self, reuse: bool) -> Self {
        Runner { reuse, ..self }
    }

    /// Opens the store for a run of `graph` with parameters `values`, and the fingerprints of
    /// those parameters.
    fn open(&self, graph: &Graph, values: &[AnyValue]) -> Result<(Arc<dyn Store>, Inputs), Error> {
        let stamps = self.stamps();
        let params = fingerprints::of_params(graph, values, &stamps);
        let run = fingerprints::of_run(graph, &params, self.keys.as_deref());
        let store = self
            .store
            .open_run(graph.name(), run)
            .map_err(|error| Error::StoreUnavailable { file: error.file, error: error.source })?;
        let nonce = self
            .run_id
            .unwrap_or_else(|| std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), run));
        Ok((store, Inputs { params: params.into(), nonce, keys: self.keys.clone(), stamps }))
    }

    /// The digests of input files this runner's store keeps (see [`crate::InputPath`]): none
    /// for a store that reuses nothing, whose runs need not read input files to fingerprint them.
    fn stamps(&self) -> Arc<crate::external::Stamps> {
        match self.store.stamps_file() {
            Some(file) if self.reuse => crate::external::Stamps::load(file),
            _ => crate::external::Stamps::inactive(),
        }
    }

    /// The same runner, its runs limited to the keys in `keys`: the keyed tasks
    /// (`#[task(partitioned, keyed)]`) hand over only the partitions whose keys are in the
    /// range, and everything after them runs on those (`run --keys A..B` on the command line).
    /// A backfill: with a disk store, a map finds by key the partitions an earlier run computed.
    ///
    /// ```
    /// use dagger_core::keys::KeyFilter;
    /// use dagger_core::prelude::*;
    ///
    /// #[task(partitioned, keyed)]
    /// fn days() -> Vec<(u32, u64)> {
    ///     (1..=31).map(|day| (day, u64::from(day))).collect()
    /// }
    ///
    /// #[task]
    /// fn total(values: Vec<u64>) -> u64 {
    ///     values.iter().sum()
    /// }
    ///
    /// #[dag]
    /// fn month() -> u64 {
    ///     total(days())
    /// }
    ///
    /// let first_week = Runner::new().with_keys(KeyFilter::parse("1..=7").unwrap());
    /// assert_eq!(month {}.execute_on(&first_week).unwrap(), 28);
    /// ```
    pub fn with_keys(self, keys: KeyFilter) -> Self {
        Runner { keys: Some(Arc::new(keys)), ..self }
    }

    /// The same runner, for the processes of one run: the jobs of a cluster run, each running
    /// some nodes alone, pass the same `id`. A task that is not a pure function of its inputs
    /// (`#[task(cache = false)]`) runs again in each run, and its output is one run's: jobs
    /// with the same id share it, jobs with another id do not reuse it. By default, each
    /// [`run`](Self::run) is a run of its own.
    pub fn with_run_id(self, id: &str) -> Self {
        let id = crate::fingerprint::Hasher::new("run id").text(id).finish();
        Runner { run_id: Some(id.low_u64()), ..self }
    }

    /// The same runner, showing a progress bar (nodes and partitions done) while a DAG runs,
    /// if `show` and standard error is a terminal. On by default.
    pub fn with_progress(self, show: bool) -> Self {
        Runner { progress: show, ..self }
    }

    /// Runs `dag` with `params` and returns its output.
    ///
    /// Every run is a `tracing` span named `dag` (field `path`), with a span `node` (field
    /// `node`) per node outside maps, a span `map` (fields `source`, `nodes`, `first`,
    /// `partitions`) per job of a map, and `partition` (fields `node`, `partition`, at debug
    /// level) per run of a partitioned node: plug in any subscriber to see them, with their
    /// durations.
    pub fn run<P: Params, R: DagReturn>(&self, dag: &Dag<P, R>, params: P) -> Result<R::Run, Error> {
        let graph = dag.graph();
        let output = self.run_values(graph, params.into_values())?;
        R::from_output(output)
            .map_err(|e| Error::Internal { path: NodePath::root(graph.name()), message: e.to_string() })
    }

    /// Runs `graph` with parameters `values` and returns its output.
    pub(crate) fn run_values(&self, graph: &Graph, values: Vec<AnyValue>) -> Result<Option<DagValue>, Error> {
        let path = NodePath::root(graph.name());
        let plan = Plan::of(graph);
        let (store, inputs) = self.open(graph, &values)?;
        let stamps = inputs.stamps.clone();
        let progress = if self.progress { Progress::on_terminal(graph.name(), work_nodes(graph)) } else { None };
        let top = Top { progress: progress.as_ref(), span: tracing::Span::current(), reuse: self.reuse, alone: false };
        let output = self.install(|| execute(graph, &plan, (values, inputs), &path, &store, &top));
        if let Some(progress) = &progress {
            progress.finish();
        }
        stamps.save();
        store.end(output.is_ok());
        output
    }

    /// Runs `work` on this runner's pool.
    fn install<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        match &self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }
}

/// The nodes of `graph` that are work of their own for the progress bar: tasks and nested DAGs
/// outside maps (a map's work is its partitions; fields and tuples are not work).
fn work_nodes(graph: &Graph) -> usize {
    graph.nodes.iter().filter(|node| node.map.is_none() && !matches!(node.work, Work::Derived(_))).count()
}

impl<P: Params, R: DagReturn> Dag<P, R> {
    /// Runs the DAG on the default [`Runner`] (rayon's global pool, values in memory).
    pub fn run(&self, params: P) -> Result<R::Run, Error> {
        Runner::default().run(self, params)
    }
}
