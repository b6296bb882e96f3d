//! Both stores give the same results; the disk store's layout, atomic writes and errors. (What
//! a disk store keeps between runs is in `durable.rs`.)

use std::fs;
use std::path::{Path, PathBuf};

use dagger_core::prelude::*;
use dagger_core::{Binary, DiskStore};

mod common;
use common::{double, numbers, scratch, stored, stored_text, total};

#[task(format = Binary)]
fn label(x: u64) -> String {
    format!("#{x}")
}

#[task]
fn join(labels: &[String], sum: u64) -> String {
    format!("{} = {sum}", labels.join("+"))
}

#[dag]
fn pipeline(n: u64) -> String {
    let numbers = numbers(n);
    let doubled = numbers.map(|x| double(x));
    let labels = doubled.map(|x| label(x));
    join(labels, total(doubled))
}

#[task(partitioned)]
fn chunks(n: u64) -> Vec<u64> {
    (1..=n).collect()
}

#[dag]
fn per_chunk(limit: u64) -> u64 {
    total(numbers(limit).map(|x| double(x)))
}

#[dag]
fn nested(n: u64) -> u64 {
    total(chunks(n).map(|c| per_chunk(c)))
}

#[test]
fn memory_and_disk_stores_give_the_same_results() {
    let dir = scratch("same-results");
    let disk = Runner::new().with_store(DiskStore::new(&dir));
    for n in [0, 1, 12] {
        let in_memory = pipeline::run(n).unwrap();
        assert_eq!(pipeline { n }.execute_on(&disk).unwrap(), in_memory);
    }
    assert_eq!(pipeline::run(3).unwrap(), "#0+#2+#4 = 6");
    assert_eq!(nested { n: 3 }.execute_on(&disk).unwrap(), nested::run(3).unwrap());
}

/// The names of the files of a partitioned output, from its listing.
fn listing(output: &Path) -> Vec<String> {
    serde_json::from_slice(&stored(&output.join("partitions.json"))).unwrap()
}

#[test]
fn a_partitioned_output_is_a_folder_of_partition_files_and_a_listing() {
    let dir = scratch("layout");
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    pipeline { n: 12 }.execute_on(&runner).unwrap();

    // The partitions a task hands over together share a file, named after the first and the
    // last: `numbers` hands over 1, 2, 4, then the 5 left.
    let numbers = dir.join("pipeline/numbers/output");
    assert_eq!(listing(&numbers), ["0", "1-2", "3-6", "7-11"]);
    // JSON by default: a file of one partition holds its value, a file of several their list,
    // then the digest of those bytes, as a line of JSON (XXH3, 64 bits).
    assert_eq!(stored_text(&numbers.join("0")), "0");
    let digest = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(b"[3,4,5,6]"));
    assert_eq!(fs::read_to_string(numbers.join("3-6")).unwrap(), format!("[3,4,5,6]\n{{\"xxh3\":\"{digest}\"}}\n"));
    // A map writes the results of each of its jobs together, under the same names.
    assert_eq!(listing(&dir.join("pipeline/double/output")), ["0", "1-2", "3-6", "7-11"]);
    // A task may choose another format: `label` writes postcard, not JSON.
    let label = stored(&dir.join("pipeline/label/output/1-2"));
    assert_eq!(label, b"\x02\x02#2\x02#4");
    // A whole output is one file, next to what produced it.
    assert_eq!(stored_text(&dir.join("pipeline/total/output")), "132");
    assert_eq!(fs::read_to_string(dir.join("pipeline/total/fingerprint")).unwrap().len(), 32);
    // Every file was renamed into place: no temporary file is left.
    assert!(files_under(&dir).iter().all(|f| !f.to_string_lossy().ends_with(".tmp")));
}

#[test]
fn a_nested_dag_run_per_partition_writes_under_its_partition() {
    let dir = scratch("nested-layout");
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    // Chunks 1, 2, 3 double and sum 0..1, 0..2, 0..3.
    assert_eq!(nested { n: 3 }.execute_on(&runner).unwrap(), 2 * (1 + 3));
    let total = dir.join("nested/per_chunk/instances/2/total/output");
    assert_eq!(stored_text(&total), "6");
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Damages the file that holds partition 1 of `numbers` of DAG `dag` (partitions 1 and 2),
/// once it is complete, before a fan-in reads it.
#[task]
fn damage(all: &[u64], dir: String, dag: &str, how: String) -> u64 {
    let file = Path::new(&dir).join(dag).join("numbers/output/1-2");
    match how.as_str() {
        "corrupt" => fs::write(file, b"{not json").unwrap(),
        _ => fs::remove_file(file).unwrap(),
    }
    all.len() as u64
}

#[task]
fn after(xs: Vec<u64>, _count: u64) -> u64 {
    xs.iter().sum()
}

#[dag]
fn damaged(dir: String, how: String) -> u64 {
    let numbers = numbers(3);
    let count = damage(numbers, dir, "damaged", how);
    after(numbers, count)
}

#[test]
fn a_corrupt_partition_names_the_node_the_partition_and_the_file() {
    let dir = scratch("corrupt");
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    let dir_string = dir.to_string_lossy().into_owned();
    let error = damaged { dir: dir_string.clone(), how: "corrupt".into() }.execute_on(&runner).unwrap_err();
    let file = dir.join("damaged/numbers/output/1-2");
    match &error {
        Error::Store { path, partition, file: Some(f), writing: false, .. } => {
            assert_eq!(path.to_string(), "damaged/numbers");
            assert_eq!(*partition, Some(1));
            assert_eq!(f, &file);
        }
        other => panic!("unexpected error: {other}"),
    }
    let message = error.to_string();
    assert!(message.starts_with("cannot read the output of `damaged/numbers` on partition 1 (file `"), "{message}");
    assert!(message.contains("the file is not what was stored"), "{message}");

    let hint = format!("; delete `{}` to compute this output again", dir.join("damaged/numbers").display());
    assert!(message.ends_with(&hint), "{message}");

    let error = damaged { dir: dir_string, how: "delete".into() }.execute_on(&runner).unwrap_err();
    assert!(matches!(&error, Error::Store { partition: Some(1), writing: false, .. }), "{error}");
}

#[test]
fn deleting_the_folder_a_read_error_names_computes_the_output_again() {
    let dir = scratch("follow-the-hint");
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    assert_eq!(pipeline { n: 12 }.execute_on(&runner).unwrap(), pipeline::run(12).unwrap());
    // A partition of `double` is damaged after the run, and `total` must read it again.
    fs::write(dir.join("pipeline/double/output/3-6"), b"[6,8,").unwrap();
    fs::remove_dir_all(dir.join("pipeline/total")).unwrap();
    let message = pipeline { n: 12 }.execute_on(&runner).unwrap_err().to_string();
    let folder = dir.join("pipeline/double");
    assert!(message.ends_with(&format!("; delete `{}` to compute this output again", folder.display())), "{message}");
    fs::remove_dir_all(folder).unwrap();
    assert_eq!(pipeline { n: 12 }.execute_on(&runner).unwrap(), pipeline::run(12).unwrap());
}

#[task]
fn fails_on_two(x: u64) -> Result<u64, String> {
    if x == 2 {
        return Err("two".into());
    }
    Ok(x)
}

#[dag]
fn fails(n: u64) -> u64 {
    total(numbers(n).map(|x| fails_on_two(x)))
}

#[test]
fn a_temporary_store_gives_each_run_a_folder_removed_after_a_success_only() {
    let store = DiskStore::temporary().unwrap();
    let root = store.root().to_path_buf();
    let runner = Runner::new().with_store(store);
    assert_eq!(pipeline { n: 2 }.execute_on(&runner).unwrap(), "#0+#2 = 2");
    assert_eq!(fs::read_dir(&root).unwrap().count(), 0, "the run's folder is gone");
    assert!(fails { n: 3 }.execute_on(&runner).is_err());
    let kept: Vec<_> = fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(kept.len(), 1, "the failed run's folder stays, to look at");
    assert!(kept[0].join("fails/numbers/output/partitions.json").exists());
    drop(runner);
    assert!(root.exists(), "a folder with a failed run in it stays");
    fs::remove_dir_all(&root).unwrap();

    let store = DiskStore::temporary().unwrap();
    let root = store.root().to_path_buf();
    assert_eq!(pipeline { n: 2 }.execute_on(&Runner::new().with_store(store)).unwrap(), "#0+#2 = 2");
    assert!(!root.exists(), "an empty temporary folder goes with its store");
}

#[test]
fn runs_side_by_side_on_one_temporary_store_each_have_their_folder() {
    let runner = Runner::new().with_store(DiskStore::temporary().unwrap()).with_progress(false);
    std::thread::scope(|threads| {
        let runs: Vec<_> = (0..4u64)
            .map(|n| {
                threads.spawn({
                    let runner = &runner;
                    move || (n, pipeline { n: 40 + n }.execute_on(runner))
                })
            })
            .collect();
        for run in runs {
            let (n, result) = run.join().unwrap();
            assert_eq!(result.unwrap(), pipeline::run(40 + n).unwrap());
        }
    });
}

/// Counts the values alive, to check how many partitions a fan-in holds at once.
static LIVE: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// The tests that count `LIVE` run one at a time.
static COUNTING: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(from = "u64", into = "u64")]
struct Counted(u64);

impl From<u64> for Counted {
    fn from(value: u64) -> Self {
        LIVE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Counted(value)
    }
}

impl From<Counted> for u64 {
    fn from(counted: Counted) -> u64 {
        counted.0
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        Counted::from(self.0)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Partitions that take 2 ms each to make: big ones, for the store, which writes them one by
/// one (it writes together what a task hands over within about a millisecond).
#[task(partitioned)]
fn counted(n: u64) -> impl Iterator<Item = Counted> {
    (0..n).map(|x| {
        std::thread::sleep(std::time::Duration::from_millis(2));
        Counted::from(x)
    })
}

/// Returns the sum and the most values alive at any step of the iteration.
#[task]
fn streaming_sum(parts: Partitions<Counted>) -> (u64, i64) {
    let mut sum = 0;
    let mut most_alive = 0;
    for part in parts {
        most_alive = most_alive.max(LIVE.load(std::sync::atomic::Ordering::SeqCst));
        sum += part.0;
    }
    (sum, most_alive)
}

#[dag]
fn streamed(n: u64) -> (u64, i64) {
    streaming_sum(counted(n))
}

#[test]
fn a_lazy_fan_in_holds_one_partition_at_a_time_on_disk() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let runner = Runner::new().with_store(DiskStore::new(scratch("lazy-fan-in")));
    let (sum, most_alive) = streamed { n: 100 }.execute_on(&runner).unwrap();
    assert_eq!(sum, 99 * 100 / 2);
    assert_eq!(most_alive, 1);
    assert_eq!(streamed::run(100).unwrap().0, sum, "the in-memory store gives the same sum");
}

#[task]
fn lazy_total(parts: Partitions<u64>, _count: u64) -> u64 {
    parts.sum()
}

#[dag]
fn damaged_lazily(dir: String) -> u64 {
    let numbers = numbers(3);
    let count = damage(numbers, dir, "damaged_lazily", "corrupt");
    lazy_total(numbers, count)
}

#[test]
fn a_lazy_fan_in_that_meets_a_corrupt_partition_fails_the_run() {
    let dir = scratch("corrupt-lazily");
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    let error = damaged_lazily { dir: dir.to_string_lossy().into_owned() }.execute_on(&runner).unwrap_err();
    assert!(matches!(&error, Error::Store { partition: Some(1), writing: false, .. }), "{error}");
    assert_eq!(error.path().unwrap().to_string(), "damaged_lazily/numbers");
}

#[test]
fn a_node_runs_alone_from_the_outputs_of_the_nodes_it_reads() {
    let dir = scratch("run-node");
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    assert_eq!(pipeline { n: 3 }.execute_on(&runner).unwrap(), "#0+#2+#4 = 6");
    let read = |path: &str| fs::read(dir.join("pipeline").join(path)).unwrap();
    let total = read("total/output");

    // Remove what `label` (once per partition) and `total` wrote, and run them alone again.
    fs::remove_dir_all(dir.join("pipeline/label")).unwrap();
    fs::remove_dir_all(dir.join("pipeline/total")).unwrap();
    let dag = pipeline::dag();
    runner.run_node(&dag, (3,), "label", Some(2)).unwrap();
    runner.run_node(&dag, (3,), "total", None).unwrap();
    // One partition alone is a file of its own: "#4" in postcard.
    assert_eq!(stored(&dir.join("pipeline/label/output/2")), b"\x02#4");
    assert_eq!(read("total/output"), total);
    assert!(!dir.join("pipeline/label/output/0").exists(), "only the partition asked for runs");

    // A node whose inputs are not complete in the store says so.
    let error = runner.run_node(&dag, (3,), "join", None).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the output of `pipeline/label` is not ready: partition 0 of 3 is missing (file `{}`): run the missing \
             partitions of `pipeline/label` first",
            dir.join("pipeline/label/output/0").display()
        )
    );
    // A seal counts the partitions of the map's source, through chained maps.
    fs::remove_dir_all(dir.join("pipeline/numbers")).unwrap();
    fs::remove_file(dir.join("pipeline/double/output/partitions.json")).unwrap();
    let error = runner.seal_node(&dag, (3,), "label").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the output of `pipeline/numbers` is not ready: it is not in the store: run it first"
    );
    assert!(matches!(error, Error::NotReady { .. }));
    let error = runner.run_node(&dag, (3,), "label", None).unwrap_err();
    assert!(error.to_string().contains("runs once per partition: give the partition to run"), "{error}");
    let error = runner.run_node(&dag, (3,), "nope", None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot run `pipeline/nope` alone: DAG `pipeline` has no node named `nope`; its nodes are: numbers, double, label, total, join"
    );
}

#[test]
fn a_node_inside_a_nested_dag_runs_alone() {
    let dir = scratch("run-nested-node");
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    assert_eq!(nested { n: 3 }.execute_on(&runner).unwrap(), 8);
    let instance = dir.join("nested/per_chunk/instances/2");
    let total = instance.join("total/output");
    let total_bytes = fs::read(&total).unwrap();
    fs::remove_dir_all(instance.join("total")).unwrap();
    fs::remove_dir_all(instance.join("double")).unwrap();
    fs::remove_dir_all(dir.join("nested/per_chunk/output")).unwrap();

    let dag = nested::dag();
    // `per_chunk` runs once per partition of `chunks`: its run on partition 2 is `per_chunk[2]`,
    // whose `numbers` has 3 partitions.
    runner.run_node(&dag, (3,), "per_chunk[2]/double", Some(1)).unwrap();
    let error = runner.run_node(&dag, (3,), "per_chunk[2]/total", None).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the output of `nested/per_chunk[2]/double` is not ready: partition 0 of 3 is missing (file `{}`): run \
             the missing partitions of `nested/per_chunk[2]/double` first",
            instance.join("double/output/0").display()
        )
    );
    runner.run_partitions(&dag, (3,), "per_chunk[2]/double", 0..3).unwrap();
    runner.run_node(&dag, (3,), "per_chunk[2]/total", None).unwrap();
    let doubled_1 = instance.join("double/output/1");
    assert_eq!(stored_text(&doubled_1), "2", "one partition alone is a file of its own");
    assert_eq!(listing(&instance.join("double/output")), ["0", "1", "2"], "sealed as `total` read it");
    assert_eq!(fs::read(&total).unwrap(), total_bytes);
    // `total` is the nested DAG's output: its job also stored it as partition 2 of `per_chunk`.
    assert_eq!(fs::read(dir.join("nested/per_chunk/output/2")).unwrap(), total_bytes);

    let error = runner.run_node(&dag, (3,), "per_chunk/total", None).unwrap_err();
    assert!(error.to_string().contains("runs once per partition: give the partition to run"), "{error}");
    let error = runner.run_node(&dag, (3,), "chunks/total", None).unwrap_err();
    assert!(error.to_string().contains("is a task, not a nested DAG"), "{error}");
}

#[test]
fn a_job_inside_a_nested_dag_reads_only_what_its_node_reads() {
    let dir = scratch("lazy-nested-job");
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    assert_eq!(nested { n: 3 }.execute_on(&runner).unwrap(), 8);
    // `per_chunk[2]` reads its `limit` from partition 2 of `chunks`, which only its `numbers`
    // reads: without `chunks` in the store, `double` still runs.
    fs::remove_dir_all(dir.join("nested/chunks")).unwrap();
    fs::remove_dir_all(dir.join("nested/per_chunk/instances/2/double")).unwrap();
    let dag = nested::dag();
    runner.run_node(&dag, (3,), "per_chunk[2]/double", Some(1)).unwrap();
    assert_eq!(stored_text(&dir.join("nested/per_chunk/instances/2/double/output/1")), "2");
    let error = runner.run_node(&dag, (3,), "per_chunk[2]/numbers", None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the output of `nested/chunks` is not ready: it is not in the store: run `nested/chunks` first, with a \
         `DiskStore`"
    );
}

/// Passes a partition through, noting the most values alive while it runs.
#[task]
fn note_alive(part: Counted) -> Counted {
    MOST_ALIVE_IN_MAP.fetch_max(LIVE.load(std::sync::atomic::Ordering::SeqCst), std::sync::atomic::Ordering::SeqCst);
    part
}

static MOST_ALIVE_IN_MAP: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

#[dag]
fn streamed_through_a_map(n: u64) -> (u64, i64) {
    streaming_sum(counted(n).map(|part| note_alive(part)))
}

#[test]
fn with_a_disk_store_a_producer_and_its_map_hold_a_bounded_number_of_partitions() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let threads = 2;
    let runner = Runner::with_threads(threads).unwrap().with_store(DiskStore::new(scratch("bounded-producer")));
    let (sum, _) = streamed_through_a_map { n: 150 }.execute_on(&runner).unwrap();
    assert_eq!(sum, 149 * 150 / 2);
    // The partition being produced, and one per thread running the map (its input and output).
    let most = MOST_ALIVE_IN_MAP.load(std::sync::atomic::Ordering::SeqCst);
    assert!(most <= 1 + 2 * threads as i64, "{most} partitions alive at once");
}

#[test]
fn a_store_that_cannot_write_fails_the_run_with_the_node_and_file() {
    let dir = scratch("unwritable");
    fs::create_dir_all(&dir).unwrap();
    // A file where the store needs a folder: creating the folder fails, even for root.
    let blocker = dir.join("blocker");
    fs::write(&blocker, b"not a folder").unwrap();
    let runner = Runner::new().with_store(DiskStore::new(blocker.join("outputs")));
    let error = pipeline { n: 2 }.execute_on(&runner).unwrap_err();
    match &error {
        Error::StoreUnavailable { file: Some(file), .. } => assert!(file.starts_with(&blocker), "{}", file.display()),
        other => panic!("unexpected error: {other}"),
    }
    assert!(error.to_string().starts_with("cannot use the store at `"), "{error}");

    // The folder exists, but a node's cannot be made.
    let root = dir.join("root");
    fs::create_dir_all(root.join("pipeline")).unwrap();
    fs::write(root.join("pipeline/numbers"), b"not a folder").unwrap();
    let error = pipeline { n: 2 }.execute_on(&Runner::new().with_store(DiskStore::new(&root))).unwrap_err();
    match &error {
        Error::Store { path, writing: true, file: Some(file), .. } => {
            assert_eq!(path.to_string(), "pipeline/numbers");
            assert!(file.starts_with(root.join("pipeline/numbers")), "{}", file.display());
        }
        other => panic!("unexpected error: {other}"),
    }
    assert!(error.to_string().starts_with("cannot write the output of `pipeline/numbers` (file `"), "{error}");
}
