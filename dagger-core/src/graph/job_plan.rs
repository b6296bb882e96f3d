//! The jobs of a cluster run, one plan for every engine (Argo Workflows, SLURM): which node
//! each job runs, which jobs it waits for, and what it reads and writes in the store.
//!
//! - A **scope** is the root DAG, or a nested DAG's definition (used by one node or several,
//!   run once or once per partition): each engine runs a scope's jobs for each of its runs.
//! - A **job** is a task, a value derived from several outputs, or a nested DAG run as one job;
//!   a value derived from one node alone is computed by that node's job (see `jobs.rs`). A job
//!   in a map runs once per partition of the map's root source (`per_partition_of`); a map's
//!   **seal** lists its outputs once all its partitions are stored. A nested DAG node whose
//!   output is one value one job stores is a `dag` job: its scope's jobs run in its place, and
//!   the job that stores the nested output also stores it where the parent reads it (`tee`).
//!   Any other nested DAG node runs as one job of its own, the nested DAG in process.
//! - `reads` and `writes` are paths in a [`DiskStore`](crate::DiskStore) folder, with
//!   placeholders: `{s}` the folder of the scope's run, `{p}` the job's partition,
//!   `{arg:NAME}` what the nested DAG's parameter `NAME` is read from (the `dag` job's `args`),
//!   `{tee}` where the scope's output goes in its parent (the `dag` job's `tee`). A node's
//!   output is `NODE/output` (a file, or a folder that stands for every file in it), and what
//!   produced it `NODE/fingerprint`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::explain::short_type;
use super::{Graph, How, NodeSpec, Source, Work};
use crate::fingerprint::Fingerprint;

/// The jobs of a cluster run of a DAG: see [`Graph::plan`].
#[derive(Clone, Debug, Serialize)]
pub struct JobPlan {
    pub(crate) dag: String,
    pub(crate) fingerprint: String,
    pub(crate) params: Vec<PlanParam>,
    /// The node whose output is the DAG's output, if a node's (not a parameter's or a
    /// constant's): where the result of a run is, `DAG/NODE/output`.
    pub(crate) output: Option<String>,
    /// The distinct option sets of the jobs; 0 is none.
    pub(crate) option_sets: Vec<BTreeMap<String, String>>,
    /// The root DAG first, then the nested DAGs' definitions, depth first.
    pub(crate) scopes: Vec<PlanScope>,
}

/// A parameter of the root DAG.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PlanParam {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) type_name: String,
    /// JSON.
    pub(crate) default: Option<String>,
}

/// The jobs of one DAG definition.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PlanScope {
    pub(crate) id: String,
    pub(crate) dag: String,
    pub(crate) params: Vec<String>,
    pub(crate) jobs: Vec<PlanJob>,
}

/// What a job runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum JobKind {
    /// `node PATH`: one value.
    Task,
    /// `node PATH --write-count FILE`: a partitioned output.
    Source,
    /// `node PATH --partition P`, for each partition of `per_partition_of`.
    Map,
    /// `seal PATH`: lists the outputs of PATH's map.
    Seal,
    /// `node PATH`: a value derived from several outputs.
    Derived,
    /// The jobs of scope `scope`, once or for each partition of `per_partition_of`.
    Dag,
}

/// One job of a scope.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PlanJob {
    /// Unique in its scope: the node's name, `NODE.seal` for a seal.
    pub(crate) id: String,
    /// The node it runs (its path inside the scope's run).
    pub(crate) node: String,
    pub(crate) kind: JobKind,
    /// The job whose partitions this one runs once per: the job that stores the output
    /// `partitions_of`, whose number of partitions it writes (`--write-count`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) per_partition_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) partitions_of: Option<String>,
    /// A job that runs once per partition too, whose partition `p` this one's partition `p`
    /// waits for (a chain of maps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) after_each: Option<String>,
    /// Jobs that must be complete (every partition of them) before this one starts.
    pub(crate) after: Vec<String>,
    pub(crate) reads: Vec<String>,
    pub(crate) writes: Vec<String>,
    /// Index in [`JobPlan::option_sets`].
    pub(crate) options: usize,
    /// For a `dag` job: the scope it runs, the path of its nodes' jobs (`inner[{p}]`), its
    /// folder in the store, where each of its parameters is read from, and where its output
    /// goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) folder: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) args: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) tee: Vec<String>,
}

impl Graph {
    /// The jobs a cluster runs for this DAG, one plan for every engine: each job runs one node
    /// of the DAG (a process of the program, `node PATH`) and says which jobs it waits for and
    /// what it reads and writes in a [`DiskStore`](crate::DiskStore) folder. The command line
    /// prints it (`plan --json`).
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
    /// let plan = squares::dag().graph().plan().to_string();
    /// assert!(plan.contains("square.seal  seal of square, after numbers, square"), "{plan}");
    /// ```
    pub fn plan(&self) -> JobPlan {
        let mut builder = Builder { option_sets: vec![BTreeMap::new()], scopes: Vec::new(), seen: Vec::new() };
        builder.scope(self, false);
        JobPlan {
            dag: self.name.clone(),
            fingerprint: self.fingerprint().to_hex(),
            params: self
                .params
                .iter()
                .enumerate()
                .map(|(i, p)| PlanParam {
                    name: p.name.clone(),
                    type_name: short_type(p.type_name),
                    default: self.param_default_json(i),
                })
                .collect(),
            output: match self.output {
                Some(super::Port { source: Source::Node(n), .. }) => Some(self.nodes[n as usize].name.clone()),
                _ => None,
            },
            option_sets: builder.option_sets,
            scopes: builder.scopes,
        }
    }
}

impl JobPlan {
    /// The options of option set `index` as typed values, for the engines. An error is a bug of
    /// ours: `#[task]` checked every value when it compiled.
    pub(crate) fn options(&self, index: usize) -> Result<super::TaskOptions, super::InvalidOption> {
        let pairs: Vec<(&str, &str)> = self.option_sets[index].iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        super::TaskOptions::parse(&pairs)
    }

    /// The plan as JSON, for programs.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
    }
}

struct Builder {
    option_sets: Vec<BTreeMap<String, String>>,
    scopes: Vec<PlanScope>,
    /// The scopes made, by the fingerprint of their DAG's definition.
    seen: Vec<(Fingerprint, String)>,
}

impl Builder {
    /// The scope of `graph` (made once per definition); returns its id.
    fn scope(&mut self, graph: &Graph, nested: bool) -> String {
        let fingerprint = graph.fingerprint();
        if let Some((_, id)) = self.seen.iter().find(|(f, _)| *f == fingerprint) {
            return id.clone();
        }
        let taken = |id: &str| self.scopes.iter().any(|scope| scope.id == id);
        let mut id = graph.name.clone();
        for n in 2.. {
            if !taken(&id) {
                break;
            }
            id = format!("{}-{n}", graph.name);
        }
        self.seen.push((fingerprint, id.clone()));
        let index = self.scopes.len();
        let params = graph.params.iter().map(|p| p.name.clone()).collect();
        self.scopes.push(PlanScope { id: id.clone(), dag: graph.name.clone(), params, jobs: Vec::new() });
        let jobs = self.jobs(graph, nested);
        self.scopes[index].jobs = jobs;
        id
    }

    fn jobs(&mut self, graph: &Graph, nested: bool) -> Vec<PlanJob> {
        let mut jobs = Vec::new();
        for (index, spec) in graph.nodes.iter().enumerate() {
            if !graph.is_job(index) {
                continue;
            }
            jobs.push(self.job(graph, index, nested));
            if let Some(map) = spec.map {
                let map_jobs: Vec<usize> =
                    graph.maps[map as usize].nodes.iter().map(|&n| n as usize).filter(|&n| graph.is_job(n)).collect();
                if map_jobs.last() == Some(&index) {
                    jobs.push(seal_job(graph, map as usize, &map_jobs));
                }
            }
        }
        jobs
    }

    /// The job of node `index`.
    fn job(&mut self, graph: &Graph, index: usize, nested: bool) -> PlanJob {
        let spec = &graph.nodes[index];
        let options: BTreeMap<String, String> =
            spec.options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let options = match self.option_sets.iter().position(|set| *set == options) {
            Some(i) => i,
            None => {
                self.option_sets.push(options);
                self.option_sets.len() - 1
            }
        };
        let source = spec.map.map(|map| graph.root_source(map as usize));
        let per_partition_of = source.map(|source| graph.nodes[graph.job_of(source)].name.clone());
        let partitions_of = source.map(|source| graph.nodes[source].name.clone());
        let (after, after_each) = waits(graph, spec);
        let mut job = PlanJob {
            id: spec.name.clone(),
            node: spec.name.clone(),
            kind: JobKind::Task,
            per_partition_of,
            partitions_of,
            after_each,
            after,
            reads: spec.inputs.iter().flat_map(|edge| reads(graph, edge, nested)).collect(),
            writes: Vec::new(),
            options,
            scope: None,
            path: None,
            folder: None,
            args: BTreeMap::new(),
            tee: Vec::new(),
        };
        let here = writes(graph, index);
        match &spec.work {
            Work::Dag(inner) if expands(inner) => {
                job.kind = JobKind::Dag;
                job.scope = Some(self.scope(inner, true));
                let partition = if spec.map.is_some() { "[{p}]" } else { "" };
                job.path = Some(format!("{}{partition}", spec.name));
                job.folder = Some(match spec.map {
                    Some(_) => format!("{{s}}/{}/instances/{{p}}", spec.name),
                    None => format!("{{s}}/{}/nodes", spec.name),
                });
                job.args = args(graph, spec, inner, nested);
                job.tee = here;
                job.options = 0;
            }
            work => {
                job.kind = match (spec.map, spec.splits_output || produces_parts(work), work) {
                    (Some(_), _, _) => JobKind::Map,
                    (None, true, _) => JobKind::Source,
                    (None, false, Work::Derived(_)) => JobKind::Derived,
                    (None, false, _) => JobKind::Task,
                };
                job.writes = here;
            }
        }
        if graph.derived_with(index).into_iter().chain([index]).any(|n| is_output(graph, n)) && nested {
            let list = if job.kind == JobKind::Dag { &mut job.tee } else { &mut job.writes };
            list.push("{tee}".to_string());
        }
        job
    }
}

/// Whether a nested DAG runs as the jobs of its scope: its output is one value, stored by one
/// job of its own (otherwise the nested DAG runs in process, as one job).
fn expands(inner: &Graph) -> bool {
    let Some(super::Port { source: Source::Node(out), .. }) = inner.output else { return false };
    let spec = &inner.nodes[out as usize];
    spec.map.is_none() && !spec.splits_output && !produces_parts(&spec.work)
}

/// Whether a node's work produces a partitioned output without the node saying so: a nested
/// DAG that returns one.
fn produces_parts(work: &Work) -> bool {
    match work {
        Work::Dag(inner) => match inner.output {
            Some(super::Port { source: Source::Node(out), .. }) => {
                let spec = &inner.nodes[out as usize];
                spec.map.is_some() || spec.splits_output || produces_parts(&spec.work)
            }
            _ => false,
        },
        Work::Task(..) | Work::Derived(_) => false,
    }
}

fn is_output(graph: &Graph, node: usize) -> bool {
    matches!(graph.output, Some(super::Port { source: Source::Node(n), .. }) if n as usize == node)
}

/// The id of the seal of map `map`.
fn seal_id(graph: &Graph, map: usize) -> String {
    let first = graph.maps[map].nodes.iter().map(|&n| n as usize).find(|&n| graph.is_job(n)).unwrap_or(0);
    format!("{}.seal", graph.nodes[first].name)
}

/// The jobs `spec`'s job waits for: whole, and partition by partition.
fn waits(graph: &Graph, spec: &NodeSpec) -> (Vec<String>, Option<String>) {
    let mut after = Vec::new();
    let mut after_each = None;
    for edge in &spec.inputs {
        let Source::Node(n) = edge.port.source else { continue };
        let source = &graph.nodes[n as usize];
        let job = graph.nodes[graph.job_of(n as usize)].name.clone();
        let wait = match (edge.how, source.map) {
            (How::Collect(_), Some(map)) => seal_id(graph, map as usize),
            (How::Split(_), Some(_)) => {
                after_each = Some(job);
                continue;
            }
            _ => job,
        };
        if !after.contains(&wait) {
            after.push(wait);
        }
    }
    (after, after_each)
}

/// The store paths one input reads, in a scope (`nested` or the root DAG's).
fn reads(graph: &Graph, edge: &super::Edge, nested: bool) -> Vec<String> {
    let name = |n: u32| &graph.nodes[n as usize].name;
    match (edge.port.source, edge.how) {
        (Source::Param(i), _) if nested => vec![format!("{{arg:{}}}", graph.params[i as usize].name)],
        (Source::Param(_) | Source::Const(_), _) => Vec::new(),
        (Source::Node(n), How::Whole) => {
            vec![format!("{{s}}/{}/output", name(n)), format!("{{s}}/{}/fingerprint", name(n))]
        }
        (Source::Node(n), How::Split(_)) => {
            let mut paths = vec![format!("{{s}}/{}/output/{{p}}", name(n)), format!("{{s}}/{}/fingerprint", name(n))];
            paths.extend(keys(graph, n as usize));
            paths
        }
        (Source::Node(n), How::Collect(_)) => {
            let mut paths = vec![format!("{{s}}/{}/output", name(n)), format!("{{s}}/{}/fingerprint", name(n))];
            if let Some(map) = graph.nodes[n as usize].map {
                let source = &graph.nodes[graph.root_source(map as usize)].name;
                paths.push(format!("{{s}}/{source}/output/partitions.json"));
                paths.push(format!("{{s}}/{source}/fingerprint"));
                paths.extend(keys(graph, n as usize));
            }
            paths
        }
    }
}

/// The file of the keys of `node`'s partitions, when they are keyed: what a job that reads
/// them needs besides the partitions (a fan-in by key, errors that name the key).
fn keys(graph: &Graph, node: usize) -> Option<String> {
    let source = &graph.nodes[graph.key_source(node)];
    source.keyed().then(|| format!("{{s}}/{}/output/keys.json", source.name))
}

/// What the job of node `index` writes: its node's output and those of the values derived
/// with it, each partition's for a job that runs once per partition.
fn writes(graph: &Graph, index: usize) -> Vec<String> {
    let mut paths = Vec::new();
    for node in [index].into_iter().chain(graph.derived_with(index)) {
        let name = &graph.nodes[node].name;
        match graph.nodes[node].map {
            Some(_) => {
                paths.push(format!("{{s}}/{name}/output/{{p}}"));
                paths.push(format!("{{s}}/{name}/fingerprint"));
            }
            None => {
                paths.push(format!("{{s}}/{name}/output"));
                paths.push(format!("{{s}}/{name}/fingerprint"));
            }
        }
    }
    paths
}

/// Where the arguments of the nested DAG `spec` (of definition `inner`) are read from, by
/// parameter: nothing for those the program has (parameters of the root DAG, constants).
fn args(graph: &Graph, spec: &NodeSpec, inner: &Graph, nested: bool) -> BTreeMap<String, Vec<String>> {
    inner
        .params
        .iter()
        .zip(&spec.inputs)
        .map(|(param, edge)| (param.name.clone(), reads(graph, edge, nested)))
        .collect()
}

/// The seal of map `map`, whose jobs are `jobs`.
fn seal_job(graph: &Graph, map: usize, jobs: &[usize]) -> PlanJob {
    let nodes: Vec<&str> = graph.maps[map].nodes.iter().map(|&n| graph.nodes[n as usize].name.as_str()).collect();
    let source = &graph.nodes[graph.root_source(map)].name;
    let mut reads = vec![format!("{{s}}/{source}/output/partitions.json"), format!("{{s}}/{source}/fingerprint")];
    reads.extend(nodes.iter().map(|name| format!("{{s}}/{name}/output")));
    PlanJob {
        id: seal_id(graph, map),
        node: graph.nodes[jobs[0]].name.clone(),
        kind: JobKind::Seal,
        per_partition_of: None,
        partitions_of: None,
        after_each: None,
        // The source's job too: with zero partitions, the map has no job to wait for.
        after: [graph.job_of(graph.root_source(map))]
            .into_iter()
            .chain(jobs.iter().copied())
            .map(|n| graph.nodes[n].name.clone())
            .collect(),
        reads,
        writes: nodes
            .iter()
            .flat_map(|name| [format!("{{s}}/{name}/output/partitions.json"), format!("{{s}}/{name}/fingerprint")])
            .collect(),
        options: 0,
        scope: None,
        path: None,
        folder: None,
        args: BTreeMap::new(),
        tee: Vec::new(),
    }
}

impl fmt::Display for JobPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let jobs: usize = self.scopes.iter().map(|scope| scope.jobs.len()).sum();
        writeln!(f, "jobs of DAG {} (fingerprint {}): {jobs}", self.dag, self.fingerprint)?;
        for scope in &self.scopes {
            writeln!(f, "scope {} ({})", scope.id, scope.dag)?;
            let width = scope.jobs.iter().map(|job| job.id.len()).max().unwrap_or(0);
            for job in &scope.jobs {
                let what = match (job.kind, &job.partitions_of) {
                    (JobKind::Seal, _) => format!("seal of {}", job.node),
                    (JobKind::Dag, Some(source)) => {
                        format!("dag {} once per partition of {source}", job.scope.as_deref().unwrap_or(""))
                    }
                    (JobKind::Dag, None) => format!("dag {}", job.scope.as_deref().unwrap_or("")),
                    (kind, Some(source)) => format!("{kind:?} once per partition of {source}").to_lowercase(),
                    (kind, None) => format!("{kind:?}").to_lowercase(),
                };
                let mut after = job.after.clone();
                after.extend(job.after_each.iter().map(|each| format!("{each} (partition by partition)")));
                let after = if after.is_empty() { String::new() } else { format!(", after {}", after.join(", ")) };
                writeln!(f, "  {:width$}  {what}{after}", job.id)?;
            }
        }
        Ok(())
    }
}
