//! The job plans (`plan --json`): a golden file for every example DAG, and the invariants that
//! let an engine run the jobs in the order the plan gives, checked on every example and on a
//! few hundred DAGs of random shapes built with the builder API.
//!
//! The invariants, once every job is expanded (each partition of a map a job; each run of a
//! nested DAG its scope's jobs, with placeholders filled in):
//! - every path a job reads is written by jobs it waits for (through `after`, `after_each`, and
//!   the `after` of the nested DAG job it runs in; for a fingerprint, which every job of a map
//!   writes alike, by one of them), and nothing it reads is left unwritten;
//! - no two jobs write the same path, but for the `fingerprint` of an output written by each of
//!   its partitions' jobs (the same bytes);
//! - no placeholder is left.
//!
//! `DAGGER_BLESS=1 cargo test -p dagger-examples --test plans` rewrites the golden files; read
//! the diff before committing it.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use common::example_dags;
use dagger_core::prelude::*;
use dagger_core::{Dag, MapBuilder};
use serde_json::Value as JsonValue;

const PIPELINES: &str = env!("CARGO_BIN_EXE_pipelines");

/// One job, expanded: its name, what it reads and writes, and the jobs it waits for.
struct Expanded {
    name: String,
    reads: Vec<String>,
    writes: Vec<String>,
    waits: BTreeSet<usize>,
}

/// Where a scope's run is: its folder, the paths its parameters are read from, where its
/// output goes, and the jobs every job of it waits for.
#[derive(Clone)]
struct Instance {
    prefix: String,
    folder: String,
    args: BTreeMap<String, Vec<String>>,
    tee: Vec<String>,
    waits: BTreeSet<usize>,
}

struct Expander<'a> {
    plan: &'a JsonValue,
    /// Partitions of every partitioned output.
    partitions: usize,
    jobs: Vec<Expanded>,
}

impl Expander<'_> {
    fn scope(&self, id: &str) -> &JsonValue {
        self.plan["scopes"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()
    }

    /// The paths `template` stands for in `instance`, on partition `p`.
    fn fill(&self, template: &str, instance: &Instance, p: Option<usize>) -> Vec<String> {
        if let Some(name) = template.strip_prefix("{arg:").and_then(|rest| rest.strip_suffix('}')) {
            return instance.args.get(name).cloned().unwrap_or_else(|| panic!("no argument {name}"));
        }
        if template == "{tee}" {
            return instance.tee.clone();
        }
        let mut path = template.replace("{s}", &instance.folder);
        if let Some(p) = p {
            path = path.replace("{p}", &p.to_string());
        }
        assert!(!path.contains('{'), "a placeholder is left in {path} (from {template})");
        vec![path]
    }

    fn fill_all(&self, templates: &JsonValue, instance: &Instance, p: Option<usize>) -> Vec<String> {
        templates.as_array().unwrap().iter().flat_map(|t| self.fill(t.as_str().unwrap(), instance, p)).collect()
    }

    /// Expands the jobs of one run of `scope`; returns, for each job id, the expanded jobs of
    /// each of its partitions (one group for a job that does not run per partition), so that
    /// the jobs after it can wait for them.
    fn run(&mut self, scope_id: &str, instance: &Instance) -> HashMap<String, Vec<Vec<usize>>> {
        let scope = self.scope(scope_id).clone();
        let mut by_id: HashMap<String, Vec<Vec<usize>>> = HashMap::new();
        for job in scope["jobs"].as_array().unwrap() {
            let id = job["id"].as_str().unwrap().to_string();
            let mut waits = instance.waits.clone();
            let all = |of: &str| -> Vec<usize> {
                by_id.get(of).unwrap_or_else(|| panic!("{id} waits for {of}, not before it")).concat()
            };
            for after in job["after"].as_array().unwrap() {
                waits.extend(all(after.as_str().unwrap()));
            }
            let partitions: Vec<Option<usize>> = match job["per_partition_of"].as_str() {
                Some(of) => {
                    waits.extend(all(of));
                    (0..self.partitions).map(Some).collect()
                }
                None => vec![None],
            };
            let mut groups = Vec::new();
            for p in partitions {
                let mut waits = waits.clone();
                if let Some(each) = job["after_each"].as_str() {
                    let groups = by_id.get(each).unwrap_or_else(|| panic!("{id} waits for {each}, not before it"));
                    waits.extend(&groups[p.unwrap_or(0)]);
                }
                if job["kind"] == "dag" {
                    let path = job["path"].as_str().unwrap().replace("{p}", &format!("{}", p.unwrap_or(0)));
                    let inner = Instance {
                        prefix: format!("{}{path}/", instance.prefix),
                        folder: self.fill(job["folder"].as_str().unwrap(), instance, p).remove(0),
                        args: job["args"]
                            .as_object()
                            .map(|args| {
                                args.iter()
                                    .map(|(name, paths)| (name.clone(), self.fill_all(paths, instance, p)))
                                    .collect()
                            })
                            .unwrap_or_default(),
                        tee: self.fill_all(&job["tee"], instance, p),
                        waits,
                    };
                    let inner_jobs = self.run(job["scope"].as_str().unwrap(), &inner);
                    groups.push(inner_jobs.into_values().flatten().flatten().collect());
                    continue;
                }
                self.jobs.push(Expanded {
                    name: format!("{}{} {p:?}", instance.prefix, id),
                    reads: self.fill_all(&job["reads"], instance, p),
                    writes: self.fill_all(&job["writes"], instance, p),
                    waits,
                });
                groups.push(vec![self.jobs.len() - 1]);
            }
            by_id.insert(id, groups);
        }
        by_id
    }
}

/// Whether `a` and `b` are the same path, or one is inside the other.
fn overlap(a: &str, b: &str) -> bool {
    a == b || a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/"))
}

/// Checks the invariants of a plan, expanded with `partitions` partitions per partitioned
/// output; returns the number of jobs.
fn check(plan: &JsonValue, partitions: usize) -> usize {
    let dag = plan["dag"].as_str().unwrap();
    let mut expander = Expander { plan, partitions, jobs: Vec::new() };
    let root = Instance {
        prefix: String::new(),
        folder: dag.to_string(),
        args: BTreeMap::new(),
        tee: Vec::new(),
        waits: BTreeSet::new(),
    };
    expander.run(dag, &root);
    let jobs = &expander.jobs;
    // The jobs a job waits for, through the jobs they wait for.
    let mut before: Vec<BTreeSet<usize>> = Vec::new();
    for job in jobs {
        let mut all = job.waits.clone();
        for &w in &job.waits {
            all.extend(&before[w]);
        }
        before.push(all);
    }
    for (j, job) in jobs.iter().enumerate() {
        for read in &job.reads {
            let writers: Vec<usize> =
                (0..jobs.len()).filter(|&w| w != j && jobs[w].writes.iter().any(|x| overlap(x, read))).collect();
            assert!(
                !writers.is_empty() || read.ends_with("/output"),
                "{dag}: {} reads {read}, which no job writes",
                job.name
            );
            // An output's fingerprint is written by whichever of its jobs comes first, the same
            // bytes: one of them is enough.
            if read.ends_with("/fingerprint") {
                assert!(
                    writers.is_empty() || writers.iter().any(|w| before[j].contains(w)),
                    "{dag}: {} reads {read} without waiting for any job that writes it",
                    job.name
                );
                continue;
            }
            for w in writers {
                assert!(
                    before[j].contains(&w),
                    "{dag}: {} reads {read} without waiting for {}",
                    job.name,
                    jobs[w].name
                );
            }
        }
        for (k, other) in jobs.iter().enumerate().skip(j + 1) {
            for a in &job.writes {
                for b in &other.writes {
                    let fingerprint = a == b && a.ends_with("/fingerprint");
                    assert!(
                        fingerprint || !overlap(a, b),
                        "{dag}: {} and {} both write {a} / {b}",
                        job.name,
                        other.name
                    );
                    let _ = k;
                }
            }
        }
    }
    jobs.len()
}

#[test]
fn every_example_plan_is_its_golden_file_and_keeps_the_invariants() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/plan");
    let bless = std::env::var_os("DAGGER_BLESS").is_some();
    let dags = example_dags();
    assert!(dags.len() >= 25, "{dags:?}");
    for dag in dags {
        let output = Command::new(PIPELINES).args(["--dag", &dag, "plan", "--json"]).output().unwrap();
        assert!(output.status.success());
        let mut plan: JsonValue = serde_json::from_slice(&output.stdout).unwrap();
        for partitions in [0, 1, 3] {
            check(&plan, partitions);
        }
        if dag == "wide" {
            continue; // 450 jobs: its invariants are checked, its plan is not kept
        }
        // The fingerprint changes with the tasks' code: the golden file does not hold it.
        assert_eq!(plan["fingerprint"].as_str().unwrap().len(), 32);
        plan["fingerprint"] = JsonValue::from("(the DAG's fingerprint)");
        let text = serde_json::to_string_pretty(&plan).unwrap() + "\n";
        let file = golden.join(format!("{dag}.json"));
        if bless {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(&file, &text).unwrap();
        } else {
            let expected = std::fs::read_to_string(&file)
                .unwrap_or_else(|_| panic!("no golden file {}: run with DAGGER_BLESS=1", file.display()));
            assert_eq!(text, expected, "the plan of {dag} changed: run with DAGGER_BLESS=1 and read the diff");
        }
    }
}

// Random DAG shapes, built with the builder API.

#[task(partitioned)]
fn numbers(n: u64) -> Vec<u64> {
    (0..n % 4).collect()
}

#[task]
fn double(x: u64) -> u64 {
    x * 2
}

#[task]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[task]
fn total(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[dag]
fn inner(x: u64) -> u64 {
    total(numbers(x).map(|y| add(y, x)))
}

/// A small deterministic generator, so that each shape reproduces from its seed.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

/// A chain of tasks on each partition: doubles, sums with a broadcast value, runs the nested
/// DAG.
fn chain(m: &mut MapBuilder<'_>, x: Partition<u64>, rng: &mut Seeded, broadcast: Value<u64>) -> Partition<u64> {
    let mut y = m.call::<double, _>((x,));
    for _ in 0..rng.next(3) {
        y = match rng.next(3) {
            0 => m.call::<add, _>((y, broadcast)),
            1 => m.call::<inner, _>((y,)),
            _ => m.call::<double, _>((y,)),
        };
    }
    y
}

fn random_dag(seed: u64) -> Dag<(u64,), (u64, u64)> {
    Dag::build(&format!("random_{seed}"), ["n"], |b, (n,)| {
        let mut rng = Seeded(seed);
        let mut values = vec![b.call::<double, _>((n,))];
        let mut sources: Vec<Partitioned<u64>> = Vec::new();
        let mut mapped: Vec<PerPartition<u64>> = Vec::new();
        for _ in 0..2 + rng.next(8) {
            let value = values[rng.next(values.len())];
            match rng.next(8) {
                0 | 1 => sources.push(b.call::<numbers, _>((value,))),
                2 => values.push(b.call::<add, _>((value, values[rng.next(values.len())]))),
                3 => values.push(b.call::<inner, _>((value,))),
                4 if !mapped.is_empty() => values.push(b.call::<total, _>((mapped[rng.next(mapped.len())],))),
                5 if !sources.is_empty() => values.push(b.call::<total, _>((sources[rng.next(sources.len())],))),
                6 if !mapped.is_empty() && rng.next(2) == 0 => {
                    let over = mapped[rng.next(mapped.len())];
                    let r = &mut rng;
                    mapped.push(b.map(over, |m, x| chain(m, x, r, value)));
                }
                _ if !sources.is_empty() => {
                    let over = sources[rng.next(sources.len())];
                    let r = &mut rng;
                    mapped.push(b.map(over, |m, x| chain(m, x, r, value)));
                }
                _ => values.push(b.call::<double, _>((value,))),
            }
        }
        for over in mapped {
            values.push(b.call::<total, _>((over,)));
        }
        let first = values[rng.next(values.len())];
        b.pack((first, *values.last().unwrap()))
    })
    .unwrap()
}

/// Runs the jobs of one run of `scope` of `plan` with `runner`, in process, in plan order: the
/// partitions of a map as many as the listing of its source says.
fn run_jobs(
    runner: &Runner,
    dag: &Dag<(u64,), (u64, u64)>,
    n: u64,
    plan: &JsonValue,
    (scope, prefix, folder): (&str, &str, &Path),
) {
    let scope = plan["scopes"].as_array().unwrap().iter().find(|s| s["id"] == scope).unwrap();
    let count = |job: &JsonValue| -> usize {
        let source = job["partitions_of"].as_str().unwrap();
        let listing = std::fs::read(folder.join(source).join("output/partitions.json")).unwrap();
        let files: Vec<String> = serde_json::from_slice(common::stored(&listing)).unwrap();
        files.len()
    };
    for job in scope["jobs"].as_array().unwrap() {
        let node = format!("{prefix}{}", job["node"].as_str().unwrap());
        match job["kind"].as_str().unwrap() {
            "map" => runner.run_partitions(dag, (n,), &node, 0..count(job)).unwrap(),
            "seal" => runner.seal_node(dag, (n,), &node).unwrap(),
            "dag" => {
                let (name, inner) = (job["node"].as_str().unwrap(), job["scope"].as_str().unwrap());
                match job["per_partition_of"].as_str() {
                    Some(_) => {
                        for p in 0..count(job) {
                            let instance = folder.join(name).join("instances").join(p.to_string());
                            run_jobs(runner, dag, n, plan, (inner, &format!("{prefix}{name}[{p}]/"), &instance));
                        }
                    }
                    None => run_jobs(
                        runner,
                        dag,
                        n,
                        plan,
                        (inner, &format!("{prefix}{name}/"), &folder.join(name).join("nodes")),
                    ),
                }
            }
            _ => runner.run_node(dag, (n,), &node, None).unwrap(),
        }
    }
}

#[test]
fn random_shapes_keep_the_invariants() {
    let mut jobs = 0;
    for seed in 0..300 {
        let dag = random_dag(seed);
        let plan: JsonValue = serde_json::from_str(&dag.graph().plan().to_json()).unwrap();
        for partitions in [0, 2] {
            jobs += check(&plan, partitions);
        }
        // Run job by job, in process, the shape gives what it gives in memory.
        let n = seed % 7;
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plans").join(seed.to_string());
        let _ = std::fs::remove_dir_all(&dir);
        let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
        let root = dir.join(format!("random_{seed}"));
        run_jobs(&runner, &dag, n, &plan, (&format!("random_{seed}"), "", &root));
        assert_eq!(runner.run(&dag, (n,)).unwrap(), dag.run((n,)).unwrap(), "random_{seed}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
    assert!(jobs > 3000, "{jobs} jobs: the shapes are too small");
}
