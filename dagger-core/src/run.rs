//! The in-process runtime: runs a graph on rayon, driven by dependencies.
//!
//! A node starts as soon as the nodes it reads from are done (no level-by-level barriers); the
//! runs of a partitioned node are a parallel iterator over its partitions, which rayon splits
//! adaptively. Nested DAGs run as a nested scope inside the same pool. Every task runs under
//! `catch_unwind`: the first failure is recorded with the node's path and partition, no new node
//! or partition starts after it, and the run returns it as an [`Error`].

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use crate::builder::{Dag, Params};
use crate::callable::DagReturn;
use crate::error::{Error, NodePath};
use crate::graph::{AnyValue, Body, Graph, How, Inputs, NodeSpec, Produced};
use crate::handle::{Port, Source};

/// Runs DAGs in this process, on a rayon thread pool.
///
/// ```
/// use dagger_core::Runner;
/// let runner = Runner::with_threads(2).unwrap();
/// # let _ = runner;
/// ```
#[derive(Clone, Default)]
pub struct Runner {
    pool: Option<Arc<rayon::ThreadPool>>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field(
                "threads",
                &self
                    .pool
                    .as_ref()
                    .map_or_else(rayon::current_num_threads, |p| p.current_num_threads()),
            )
            .finish()
    }
}

impl Runner {
    /// A runner on rayon's global thread pool.
    pub fn new() -> Self {
        Runner::default()
    }

    /// A runner on a pool of its own with `threads` threads.
    pub fn with_threads(threads: usize) -> Result<Self, Error> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        Ok(Runner {
            pool: Some(Arc::new(pool)),
        })
    }

    /// A runner on a pool the caller already has.
    pub fn with_pool(pool: Arc<rayon::ThreadPool>) -> Self {
        Runner { pool: Some(pool) }
    }

    /// Runs `dag` with `params` and returns its output.
    pub fn run<P: Params, R: DagReturn>(
        &self,
        dag: &Dag<P, R>,
        params: P,
    ) -> Result<R::Run, Error> {
        let graph = dag.graph_arc();
        let path = NodePath::root(graph.name());
        let values = params.into_values();
        let output = match &self.pool {
            Some(pool) => pool.install(|| execute(graph, values, &path)),
            None => execute(graph, values, &path),
        }?;
        R::from_output(output).map_err(|e| Error::Internal {
            path,
            message: e.to_string(),
        })
    }
}

/// A node's output once computed.
#[doc(hidden)]
#[derive(Clone)]
pub enum Slot {
    One(AnyValue),
    Parts(Arc<Vec<AnyValue>>),
}

/// The run stopped: the reason is already recorded in `Run::failure`.
struct Stopped;

struct Run<'g> {
    graph: &'g Graph,
    params: Vec<AnyValue>,
    path: &'g NodePath,
    slots: Vec<OnceLock<Slot>>,
    pending: Vec<AtomicU32>,
    cancelled: AtomicBool,
    failure: Mutex<Option<Error>>,
}

/// Runs one graph to completion and returns the slot of its output (`None` for `()`).
pub(crate) fn execute(
    graph: &Graph,
    params: Vec<AnyValue>,
    path: &NodePath,
) -> Result<Option<Slot>, Error> {
    let run = Run {
        graph,
        params,
        path,
        slots: (0..graph.nodes.len()).map(|_| OnceLock::new()).collect(),
        pending: graph
            .dependencies
            .iter()
            .map(|&d| AtomicU32::new(d))
            .collect(),
        cancelled: AtomicBool::new(false),
        failure: Mutex::new(None),
    };
    rayon::in_place_scope(|scope| {
        for (node, &deps) in graph.dependencies.iter().enumerate() {
            if deps == 0 {
                let run = &run;
                scope.spawn(move |scope| run.node(scope, node));
            }
        }
    });
    if run.cancelled.load(Ordering::Relaxed) {
        return Err(run.take_failure());
    }
    match graph.output {
        None => Ok(None),
        Some(port) => match port.source {
            Source::Node(_) => run
                .slot(port)
                .cloned()
                .map(Some)
                .map_err(|_| run.take_failure()),
            _ => run
                .whole(port)
                .map(|v| Some(Slot::One(v)))
                .map_err(|_| run.take_failure()),
        },
    }
}

impl<'g> Run<'g> {
    fn node<'s>(&'s self, scope: &rayon::Scope<'s>, node: usize) {
        if self.cancelled.load(Ordering::Relaxed) {
            return;
        }
        let Ok(slot) = self.run_node(node) else {
            return;
        };
        let _ = self.slots[node].set(slot);
        for &next in &self.graph.dependents[node] {
            if self.pending[next as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                scope.spawn(move |scope| self.node(scope, next as usize));
            }
        }
    }

    fn run_node(&self, index: usize) -> Result<Slot, Stopped> {
        let node = &self.graph.nodes[index];
        let Some(source) = node.partitioned_by else {
            let inputs = self.gather(node, None)?;
            return Ok(match self.invoke(node, inputs, None)? {
                Produced::One(value) => Slot::One(value),
                Produced::Parts(parts) => Slot::Parts(Arc::new(parts)),
            });
        };
        let count = self.parts(source)?.len();
        let outputs = (0..count)
            .into_par_iter()
            .map(|partition| {
                if self.cancelled.load(Ordering::Relaxed) {
                    return Err(Stopped);
                }
                let inputs = self.gather(node, Some(partition))?;
                match self.invoke(node, inputs, Some(partition))? {
                    Produced::One(value) => Ok(value),
                    Produced::Parts(_) => {
                        Err(self.internal(node, "a partitioned node produced partitions"))
                    }
                }
            })
            // An indexed collect (rayon writes each result in place); after a failure, the other
            // runs return at once on the cancelled flag.
            .collect::<Vec<Result<AnyValue, Stopped>>>();
        let outputs = outputs.into_iter().collect::<Result<Vec<_>, Stopped>>()?;
        Ok(Slot::Parts(Arc::new(outputs)))
    }

    fn gather(&self, node: &NodeSpec, partition: Option<usize>) -> Result<Inputs, Stopped> {
        node.inputs
            .iter()
            .map(|edge| match (edge.how, partition) {
                (How::Whole, _) => self.whole(edge.port),
                (How::Split(_), Some(p)) => match self.parts(edge.port)?.get(p) {
                    Some(value) => Ok(value.clone()),
                    None => Err(self.internal(node, "partitions of one map differ in number")),
                },
                (How::Split(_), None) => Err(self.internal(node, "a partition read outside a map")),
                (How::Collect(collect), _) => {
                    collect(self.parts(edge.port)?).map_err(|e| self.internal(node, &e.to_string()))
                }
            })
            .collect()
    }

    fn invoke(
        &self,
        node: &NodeSpec,
        inputs: Inputs,
        partition: Option<usize>,
    ) -> Result<Produced, Stopped> {
        match &node.body {
            Body::Task(task) => match catch_unwind(AssertUnwindSafe(|| task(inputs))) {
                Ok(Ok(produced)) => Ok(produced),
                // The path is built only on failure: this is the hot path of every partition.
                Ok(Err(source)) => {
                    let path = self.path.child(&node.name, None);
                    Err(self.fail(Error::TaskFailed { path, partition, source }))
                }
                Err(payload) => {
                    let path = self.path.child(&node.name, None);
                    let message = panic_message(payload.as_ref());
                    Err(self.fail(Error::TaskPanicked { path, partition, message }))
                }
            },
            Body::Dag(graph) => {
                let path = self.path.child(&node.name, partition);
                match execute(graph, inputs.collect(), &path) {
                    Ok(Some(Slot::One(value))) => Ok(Produced::One(value)),
                    Ok(Some(Slot::Parts(parts))) => Ok(Produced::Parts(
                        Arc::try_unwrap(parts).unwrap_or_else(|shared| (*shared).clone()),
                    )),
                    Ok(None) => Ok(Produced::One(Arc::new(()))),
                    Err(error) => Err(self.fail(error)),
                }
            }
        }
    }

    fn slot(&self, port: Port) -> Result<&Slot, Stopped> {
        match port.source {
            Source::Node(n) => self.slots[n as usize].get().ok_or(Stopped),
            _ => Err(Stopped),
        }
    }

    fn whole(&self, port: Port) -> Result<AnyValue, Stopped> {
        match port.source {
            Source::Param(i) => Ok(self.params[i as usize].clone()),
            Source::Const(i) => Ok(self.graph.consts[i as usize].clone()),
            Source::Node(_) => match self.slot(port)? {
                Slot::One(value) => Ok(value.clone()),
                Slot::Parts(_) => Err(self.fail(Error::Internal {
                    path: self.path.clone(),
                    message: "a partitioned output was read as one value".into(),
                })),
            },
        }
    }

    fn parts(&self, port: Port) -> Result<&Arc<Vec<AnyValue>>, Stopped> {
        match self.slot(port) {
            Ok(Slot::Parts(parts)) => Ok(parts),
            _ => Err(self.fail(Error::Internal {
                path: self.path.clone(),
                message: "a whole value was read as partitions".into(),
            })),
        }
    }

    fn internal(&self, node: &NodeSpec, message: &str) -> Stopped {
        self.fail(Error::Internal {
            path: self.path.child(&node.name, None),
            message: message.to_string(),
        })
    }

    fn fail(&self, error: Error) -> Stopped {
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        failure.get_or_insert(error);
        self.cancelled.store(true, Ordering::Relaxed);
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

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}
