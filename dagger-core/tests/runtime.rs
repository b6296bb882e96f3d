//! Behaviour of the in-process runtime: values, partitions, failures, scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use dagger_core::prelude::*;
use dagger_core::{EdgeKind, Origin, Partitions};

mod common;
use common::{double, numbers, total};

#[task]
fn in_order(xs: Vec<u64>) -> Vec<u64> {
    xs
}

#[dag]
fn doubled_in_order(n: u64) -> Vec<u64> {
    let doubled = numbers(n).map(|x| double(x));
    in_order(doubled)
}

#[test]
fn partitions_are_collected_in_partition_order() {
    let expected: Vec<u64> = (0..5000).map(|x| x * 2).collect();
    assert_eq!(doubled_in_order::run(5000).unwrap(), expected);
}

#[task]
fn pair(a: u64, b: u64) -> (u64, u64) {
    (a, b)
}

#[dag]
fn two_consumers(n: u64) -> (u64, u64) {
    let numbers = numbers(n);
    let doubled = numbers.map(|x| double(x));
    let again = numbers.map(|x| double(x));
    let first = total(doubled);
    let second = total(again);
    let raw = total(numbers);
    let both = pair(first, second);
    pair(total(numbers), raw);
    both
}

#[test]
fn partitioned_output_feeds_two_consumers() {
    // The original gave the second consumer nothing (its partitions were a one-shot iterator).
    assert_eq!(two_consumers::run(4).unwrap(), (12, 12));
}

static ZERO_MAP_CALLS: AtomicUsize = AtomicUsize::new(0);

#[task]
fn counted_double(x: u64) -> u64 {
    ZERO_MAP_CALLS.fetch_add(1, Ordering::SeqCst);
    x * 2
}

#[task]
fn length(xs: Vec<u64>) -> usize {
    xs.len()
}

#[dag]
fn zero_partitions() -> usize {
    let doubled = numbers(0).map(|x| counted_double(x));
    length(doubled)
}

#[test]
fn zero_partitions_run_the_map_zero_times_and_fan_in_an_empty_vec() {
    assert_eq!(zero_partitions::run().unwrap(), 0);
    assert_eq!(ZERO_MAP_CALLS.load(Ordering::SeqCst), 0);
}

#[task]
fn explode_on_three(x: u64) -> u64 {
    if x == 3 {
        panic!("cannot handle {x}");
    }
    x
}

#[dag]
fn panicking(n: u64) -> u64 {
    total(numbers(n).map(|x| explode_on_three(x)))
}

#[test]
fn a_panic_in_a_map_names_the_node_and_the_partition() {
    let error = panicking::run(6).unwrap_err();
    match &error {
        Error::TaskPanicked { path, partition, message, .. } => {
            assert_eq!(path.to_string(), "panicking/explode_on_three");
            assert_eq!(*partition, Some(3));
            assert_eq!(message, "cannot handle 3");
        }
        other => panic!("unexpected error: {other}"),
    }
    assert_eq!(error.to_string(), "task `panicking/explode_on_three` panicked on partition 3: cannot handle 3");
    // The process keeps going, and the DAG can run again.
    assert_eq!(panicking::run(3).unwrap(), 3);
}

#[derive(Debug, PartialEq)]
struct Odd(u64);

impl std::fmt::Display for Odd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is odd", self.0)
    }
}

impl std::error::Error for Odd {}

#[task]
fn only_even(x: u64) -> Result<u64, Odd> {
    if x % 2 == 1 {
        Err(Odd(x))
    } else {
        Ok(x)
    }
}

static AFTER_FAILURE: AtomicUsize = AtomicUsize::new(0);

#[task]
fn never_runs(x: u64) -> u64 {
    AFTER_FAILURE.fetch_add(1, Ordering::SeqCst);
    x
}

#[dag]
fn failing(n: u64) -> u64 {
    let checked = total(numbers(n).map(|x| only_even(x)));
    never_runs(checked)
}

#[test]
fn an_err_in_a_map_stops_the_run_with_the_task_error_in_it() {
    let error = failing::run(2).unwrap_err();
    assert_eq!(error.partition(), Some(1));
    assert_eq!(error.path().unwrap().to_string(), "failing/only_even");
    let Error::TaskFailed { error: task_error, .. } = &error else { panic!("{error:?}") };
    assert_eq!(task_error.downcast_ref::<Odd>(), Some(&Odd(1)));
    // The message shows the task's error, so the chain below it starts at that error's cause.
    assert!(std::error::Error::source(&error).is_none());
    assert_eq!(error.to_string(), "task `failing/only_even` failed on partition 1: 1 is odd");
    assert_eq!(AFTER_FAILURE.load(Ordering::SeqCst), 0, "no node downstream of a failure starts");
}

#[derive(Debug)]
struct Unreadable {
    file: String,
    cause: std::num::ParseIntError,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: not a number", self.file)
    }
}

impl std::error::Error for Unreadable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

#[task]
fn read_count(x: u64) -> Result<u64, Unreadable> {
    "twelve".parse::<u64>().map_err(|cause| Unreadable { file: format!("app-{x:03}.log"), cause })
}

#[dag]
fn counting(x: u64) -> u64 {
    read_count(x)
}

#[test]
fn a_report_of_the_error_shows_each_cause_once() {
    let error = counting::run(2).unwrap_err();
    assert_eq!(error.to_string(), "task `counting/read_count` failed: app-002.log: not a number");
    let source = std::error::Error::source(&error).unwrap();
    assert_eq!(source.to_string(), "invalid digit found in string");
    // What `main() -> Result<(), Error>` prints.
    let report = format!("{error:?}");
    assert_eq!(
        report,
        "task `counting/read_count` failed: app-002.log: not a number\n\nCaused by:\n    invalid digit found in string"
    );
    assert!(format!("{error:#?}").starts_with("TaskFailed {"));
}

#[task(partitioned)]
fn chunks() -> Vec<u64> {
    vec![2, 4, 5]
}

#[dag]
fn inner(n: u64) -> u64 {
    let checked = only_even(n);
    double(checked)
}

#[dag]
fn outer() -> u64 {
    total(chunks().map(|c| inner(c)))
}

#[test]
fn a_failure_in_a_nested_dag_names_its_whole_path() {
    let error = outer::run().unwrap_err();
    assert_eq!(error.path().unwrap().to_string(), "outer/inner[2]/only_even");
    assert_eq!(error.partition(), None);
    assert_eq!(error.to_string(), "task `outer/inner[2]/only_even` failed: 5 is odd");
}

// `slow` waits until `late` has run. `late` sits after `quick` in the graph, so an executor
// that runs level by level would start it only after `slow` finished: a deadlock, turned into
// a failure by the timeout. A dependency-driven one starts `late` as soon as `quick` is done.
static SIGNAL: Mutex<Option<mpsc::Sender<()>>> = Mutex::new(None);
static WAIT: Mutex<Option<mpsc::Receiver<()>>> = Mutex::new(None);

#[task]
fn slow(x: u64) -> Result<u64, String> {
    let receiver = WAIT.lock().unwrap().take().ok_or("no receiver")?;
    receiver.recv_timeout(Duration::from_secs(20)).map_err(|_| "`late` never ran while `slow` ran".to_string())?;
    Ok(x)
}

#[task]
fn quick(x: u64) -> u64 {
    x + 1
}

#[task]
fn late(x: u64) -> u64 {
    if let Some(sender) = SIGNAL.lock().unwrap().take() {
        let _ = sender.send(());
    }
    x + 1
}

#[task]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[dag]
fn skewed(x: u64) -> u64 {
    let a = slow(x);
    let b = late(quick(x));
    add(a, b)
}

#[test]
fn a_node_starts_when_its_inputs_are_ready_not_when_its_level_is() {
    let (sender, receiver) = mpsc::channel();
    *SIGNAL.lock().unwrap() = Some(sender);
    *WAIT.lock().unwrap() = Some(receiver);
    let runner = Runner::with_threads(3).unwrap();
    assert_eq!(skewed { x: 1 }.execute_on(&runner).unwrap(), 4);
}

#[dag]
fn repeated(x: u64) -> u64 {
    let a = double(x);
    let b = double(a);
    let c = add(a, b);
    double(c)
}

#[test]
fn a_task_called_several_times_gets_numbered_names() {
    let graph = repeated::dag();
    let names: Vec<String> = graph.graph().nodes().into_iter().map(|n| n.name).collect();
    assert_eq!(names, ["double-1", "double-2", "add", "double-3"]);
    assert_eq!(repeated::run(1).unwrap(), 12);
}

#[dag]
fn shape(n: u64) -> u64 {
    let parts = numbers(n);
    let doubled = parts.map(|x| double(x));
    total(doubled)
}

#[test]
fn the_graph_lists_nodes_edges_and_partitioning() {
    let dag = shape::dag();
    let graph = dag.graph();
    assert_eq!(graph.name(), "shape");
    assert_eq!(graph.params().collect::<Vec<_>>(), [("n", "u64")]);
    let nodes = graph.nodes();
    let summary: Vec<(&str, bool, bool)> =
        nodes.iter().map(|n| (n.name.as_str(), n.partitioned, n.output_partitioned)).collect();
    assert_eq!(summary, [("numbers", false, true), ("double", true, true), ("total", false, false)]);
    let edges: Vec<(Origin, String, EdgeKind)> = graph.edges().into_iter().map(|e| (e.from, e.to, e.kind)).collect();
    assert_eq!(
        edges,
        [
            (Origin::Param("n".into()), "numbers".into(), EdgeKind::Whole),
            (Origin::Node("numbers".into()), "double".into(), EdgeKind::PartitionedBy),
            (Origin::Node("double".into()), "total".into(), EdgeKind::Collect),
        ]
    );
    assert_eq!(graph.output(), Some(Origin::Node("total".into())));
    let dot = graph.to_dot();
    assert!(dot.starts_with("digraph \"shape\" {"), "{dot}");
    assert!(dot.contains("\"shape/double\" [label=\"double\", peripheries=2];"), "{dot}");
    assert!(dot.contains("\"shape/numbers\" -> \"shape/double\" [style=bold, label=\"per partition\"];"), "{dot}");
    assert!(dot.contains("\"shape/double\" -> \"shape/total\" [style=dashed, label=\"all partitions\"];"), "{dot}");
}

#[test]
fn nested_dags_appear_in_the_graph() {
    let dag = outer::dag();
    let graph = dag.graph();
    let inner_node = graph.nodes().into_iter().find(|n| n.name == "inner").unwrap();
    assert!(inner_node.kind == dagger_core::NodeKind::Dag && inner_node.partitioned);
    let nested = graph.nested("inner").unwrap();
    let names: Vec<String> = nested.nodes().into_iter().map(|n| n.name).collect();
    assert_eq!(names, ["only_even", "double"]);
    assert!(graph.to_dot().contains("subgraph \"cluster_outer/inner\""));
}

#[test]
fn a_runner_on_its_own_pool_gives_the_same_results() {
    let runner = Runner::with_threads(1).unwrap();
    assert_eq!(shape { n: 10 }.execute_on(&runner).unwrap(), 90);
    assert_eq!(shape::run(10).unwrap(), 90);
}

#[test]
fn a_dag_runs_concurrently_from_several_threads() {
    let handles: Vec<_> = (0..4).map(|i| std::thread::spawn(move || shape::run(i * 10).unwrap())).collect();
    let results: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results, [0, 90, 380, 870]);
}

#[task(partitioned)]
fn squares_up_to(n: u64) -> impl Iterator<Item = u64> {
    (0..n).map(|x| x * x)
}

#[dag]
fn from_iterator(n: u64) -> u64 {
    total(squares_up_to(n).map(|x| double(x)))
}

#[test]
fn a_partitioned_task_can_return_an_iterator() {
    assert_eq!(from_iterator::run(4).unwrap(), 2 * (1 + 4 + 9));
}

// The source waits, before producing partition 1, until partition 0 has been mapped: only a
// runtime that maps partitions while their source still produces gets past it.
static MAPPED_FIRST: Mutex<Option<mpsc::Sender<()>>> = Mutex::new(None);
static SOURCE_WAITS: Mutex<Option<mpsc::Receiver<()>>> = Mutex::new(None);

#[task(partitioned)]
fn patient_source(n: u64) -> impl Iterator<Item = u64> {
    let receiver = SOURCE_WAITS.lock().unwrap().take();
    (0..n).inspect(move |&x| {
        if x == 1 {
            let signal = receiver.as_ref().map(|r| r.recv_timeout(Duration::from_secs(20)));
            assert!(matches!(signal, Some(Ok(()))), "partition 0 was not mapped while the source produced partition 1");
        }
    })
}

#[task]
fn report_first(x: u64) -> u64 {
    if x == 0 {
        if let Some(sender) = MAPPED_FIRST.lock().unwrap().take() {
            let _ = sender.send(());
        }
    }
    x + 1
}

#[dag]
fn pipelined(n: u64) -> u64 {
    total(patient_source(n).map(|x| report_first(x)))
}

#[test]
fn maps_start_while_the_source_still_produces_partitions() {
    let (sender, receiver) = mpsc::channel();
    *MAPPED_FIRST.lock().unwrap() = Some(sender);
    *SOURCE_WAITS.lock().unwrap() = Some(receiver);
    let runner = Runner::with_threads(3).unwrap();
    assert_eq!(pipelined { n: 4 }.execute_on(&runner).unwrap(), 1 + 2 + 3 + 4);
}

// A slow source: each partition takes 10 ms to produce. Its partitions are announced as they
// come (batches only grow while they are quick to produce), so each is mapped a few
// partitions after it was produced at most; batches that doubled regardless would make
// partition 16 wait for partition 30.
static PRODUCED: AtomicUsize = AtomicUsize::new(0);
static LAGS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

#[task(partitioned)]
fn slow_source(n: u64) -> impl Iterator<Item = u64> {
    (0..n).inspect(|_| {
        std::thread::sleep(Duration::from_millis(10));
        PRODUCED.fetch_add(1, Ordering::SeqCst);
    })
}

#[task]
fn record_lag(x: u64) -> u64 {
    LAGS.lock().unwrap().push(PRODUCED.load(Ordering::SeqCst) - x as usize - 1);
    x
}

#[dag]
fn slowly(n: u64) -> u64 {
    total(slow_source(n).map(|x| record_lag(x)))
}

#[test]
fn partitions_of_a_slow_source_are_mapped_as_they_come() {
    let runner = Runner::with_threads(2).unwrap();
    assert_eq!(slowly { n: 32 }.execute_on(&runner).unwrap(), (0..32).sum::<u64>());
    let lags = LAGS.lock().unwrap();
    assert_eq!(lags.len(), 32);
    let worst = lags.iter().max().copied().unwrap_or_default();
    assert!(worst <= 8, "a partition was mapped {worst} partitions after it was produced: {lags:?}");
}

// Step 1 of partition 1 waits until step 2 (a second map, over the first one's output) has run
// on partition 0: only a runtime without a barrier between chained maps gets past it.
static STEP_TWO_DONE: Mutex<Option<mpsc::Sender<()>>> = Mutex::new(None);
static STEP_ONE_WAITS: Mutex<Option<mpsc::Receiver<()>>> = Mutex::new(None);

#[task]
fn step_one(x: u64) -> Result<u64, String> {
    if x == 1 {
        let receiver = STEP_ONE_WAITS.lock().unwrap().take().ok_or("no receiver")?;
        receiver.recv_timeout(Duration::from_secs(20)).map_err(|_| "step two did not run on partition 0 first")?;
    }
    Ok(x * 10)
}

#[task]
fn step_two(x: u64) -> u64 {
    if x == 0 {
        if let Some(sender) = STEP_TWO_DONE.lock().unwrap().take() {
            let _ = sender.send(());
        }
    }
    x + 1
}

#[dag]
fn two_steps(n: u64) -> u64 {
    let first = numbers(n).map(|x| step_one(x));
    let second = first.map(|x| step_two(x));
    total(second)
}

#[test]
fn chained_maps_have_no_barrier_between_them() {
    let (sender, receiver) = mpsc::channel();
    *STEP_TWO_DONE.lock().unwrap() = Some(sender);
    *STEP_ONE_WAITS.lock().unwrap() = Some(receiver);
    let runner = Runner::with_threads(3).unwrap();
    assert_eq!(two_steps { n: 3 }.execute_on(&runner).unwrap(), 1 + 11 + 21);
}

#[test]
fn explain_prints_a_text_plan_with_nesting() {
    let plan = outer::dag().graph().explain();
    let expected = "\
DAG outer() -> total
  chunks  task, partitioned output (u64 per partition)
  inner   DAG, once per partition of chunks (u64 per partition)
          <- partition of chunks
    DAG inner(n: u64) -> double
      only_even  task (u64)
                 <- parameter n
      double     task (u64)
                 <- only_even
  total   task (u64)
          <- every partition of inner
";
    assert_eq!(plan, expected);
}

#[test]
fn progress_can_be_switched_off_and_does_not_change_results() {
    let quiet = Runner::new().with_progress(false);
    let shown = Runner::new().with_progress(true);
    assert_eq!(shape { n: 10 }.execute_on(&quiet).unwrap(), 90);
    // Tests do not run on a terminal: the bar stays hidden, the result is the same.
    assert_eq!(shape { n: 10 }.execute_on(&shown).unwrap(), 90);
}

static CLONES: AtomicUsize = AtomicUsize::new(0);

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Tracked(u64);

impl Clone for Tracked {
    fn clone(&self) -> Self {
        CLONES.fetch_add(1, Ordering::SeqCst);
        Tracked(self.0)
    }
}

#[task(partitioned)]
fn tracked(n: u64) -> Vec<Tracked> {
    (0..n).map(Tracked).collect()
}

#[task]
fn bump(t: Tracked) -> Tracked {
    Tracked(t.0 + 1)
}

#[task]
fn unwrap_all(ts: Vec<Tracked>) -> Vec<u64> {
    ts.into_iter().map(|t| t.0).collect()
}

#[dag]
fn moved(n: u64) -> Vec<u64> {
    unwrap_all(tracked(n).map(|t| bump(t)))
}

#[dag]
fn moved_through_a_chain(n: u64) -> Vec<u64> {
    let bumped = tracked(n).map(|t| {
        let once = bump(t);
        bump(once)
    });
    unwrap_all(bumped)
}

#[test]
fn a_value_read_by_its_only_consumer_is_moved_not_copied() {
    assert_eq!(moved::run(100).unwrap(), (1..=100).collect::<Vec<_>>());
    assert_eq!(moved_through_a_chain::run(3000).unwrap(), (2..3002).collect::<Vec<_>>());
    let disk = Runner::new().with_store(dagger_core::DiskStore::temporary().unwrap());
    assert_eq!(moved_through_a_chain { n: 10 }.execute_on(&disk).unwrap(), (2..12).collect::<Vec<_>>());
    assert_eq!(CLONES.load(Ordering::SeqCst), 0);
}

#[task(name = "train-model", options(cpu = "4", memory = "8.5Gi", retries = 5, gpu = 1))]
fn train(x: u64) -> u64 {
    x + 1
}

#[dag]
fn with_options(x: u64) -> u64 {
    let once = train(x);
    train(once)
}

#[test]
fn task_options_name_the_node_and_carry_runtime_settings() {
    let dag = with_options::dag();
    let nodes = dag.graph().nodes();
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["train-model-1", "train-model-2"]);
    let options: Vec<(&str, &str)> = nodes[0].options.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(options, [("cpu", "4"), ("memory", "8.5Gi"), ("retries", "5"), ("gpu", "1")]);
    assert!(dag.graph().explain().contains("train-model-1  task (u64) [cpu=4, memory=8.5Gi, retries=5, gpu=1]"));
    assert_eq!(with_options::run(1).unwrap(), 3);
    // The function keeps its own name.
    assert_eq!(train(1), 2);
}

static EXECUTED: AtomicUsize = AtomicUsize::new(0);
static GATED_PRODUCED: AtomicUsize = AtomicUsize::new(0);
static FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[task]
fn fail_on_ten(x: u64) -> Result<u64, String> {
    EXECUTED.fetch_add(1, Ordering::SeqCst);
    if x == 10 {
        FAILED.store(true, Ordering::SeqCst);
        Err("ten".to_string())
    } else {
        Ok(x)
    }
}

/// `0..n`, produced lazily; at 100 (well after the batch that holds 10 is handed over), it
/// waits for the map to fail, so that what follows does not depend on how busy the machine is.
#[task(partitioned)]
fn gated(n: u64) -> impl Iterator<Item = u64> {
    (0..n).inspect(|&x| {
        GATED_PRODUCED.fetch_add(1, Ordering::SeqCst);
        let start = std::time::Instant::now();
        while x == 100 && !FAILED.load(Ordering::SeqCst) && start.elapsed().as_secs() < 30 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    })
}

#[dag]
fn stops_early(n: u64) -> u64 {
    total(gated(n).map(|x| fail_on_ten(x)))
}

#[test]
fn after_a_failure_no_new_partition_starts() {
    let error = stops_early::run(200_000).unwrap_err();
    assert_eq!(error.partition(), Some(10));
    // Once the map failed, the source stops at its next batch (at most 1024 partitions more),
    // and no partition handed over after the failure runs.
    let (produced, executed) = (GATED_PRODUCED.load(Ordering::SeqCst), EXECUTED.load(Ordering::SeqCst));
    assert!(produced <= 101 + 1024, "the source produced {produced} partitions, of 200000");
    assert!(executed <= 100, "{executed} partitions ran, of the 100 handed over before the failure");
}

// In memory, the tasks of a map run over each batch of partitions at once; with the disk
// store, one partition at a time. Failures name the node and the partition either way.

#[dag]
fn chain_fails(n: u64) -> u64 {
    let doubled = numbers(n).map(|x| {
        let even = only_even(x);
        double(even)
    });
    total(doubled)
}

#[dag]
fn chain_panics(n: u64) -> u64 {
    let doubled = numbers(n).map(|x| {
        let kept = explode_on_three(x);
        double(kept)
    });
    total(doubled)
}

#[test]
fn a_failure_in_a_chain_of_tasks_names_the_node_and_the_partition() {
    // In memory, the chain runs over batches of partitions; on disk, one partition at a time.
    let store = dagger_core::DiskStore::temporary().unwrap();
    let folder = store.root().to_path_buf();
    let memory = Runner::new();
    let disk = Runner::new().with_store(store);
    for runner in [&memory, &disk] {
        let error = chain_fails { n: 2 }.execute_on(runner).unwrap_err();
        assert_eq!(error.to_string(), "task `chain_fails/only_even` failed on partition 1: 1 is odd");
        let error = chain_panics { n: 6 }.execute_on(runner).unwrap_err();
        assert_eq!(error.to_string(), "task `chain_panics/explode_on_three` panicked on partition 3: cannot handle 3");
    }
    // A temporary store is kept after a failed run, to look at.
    std::fs::remove_dir_all(folder).unwrap();
}

#[task]
fn lazily_in_order(parts: Partitions<u64>) -> Vec<u64> {
    parts.collect()
}

#[dag]
fn lazy_in_memory(n: u64) -> Vec<u64> {
    lazily_in_order(numbers(n).map(|x| double(x)))
}

#[test]
fn a_lazy_fan_in_reads_batches_of_partitions_in_order() {
    // 5000 partitions are handed over in batches of 1, 2, 4, ... 1024.
    let expected: Vec<u64> = (0..5000).map(|x| x * 2).collect();
    assert_eq!(lazy_in_memory::run(5000).unwrap(), expected);
}

#[task(partitioned)]
fn rows(n: u64) -> Vec<Vec<u64>> {
    (0..n).map(|i| (0..i).collect()).collect()
}

#[task]
fn row_sum(row: &[u64], scale: &u64, offset: u64) -> u64 {
    row.iter().sum::<u64>() * scale + offset
}

#[dag]
fn borrowed(n: u64, scale: u64) -> Vec<u64> {
    in_order(rows(n).map(|row| row_sum(row, scale, 1)))
}

#[test]
fn a_task_borrowing_its_partition_runs_over_batches_with_whole_inputs() {
    let expected: Vec<u64> = (0..300u64).map(|i| i * i.saturating_sub(1) / 2 * 3 + 1).collect();
    assert_eq!(borrowed::run(300, 3).unwrap(), expected);
    let disk = Runner::new().with_store(dagger_core::DiskStore::temporary().unwrap());
    assert_eq!(borrowed { n: 20, scale: 3 }.execute_on(&disk).unwrap(), expected[..20]);
}
