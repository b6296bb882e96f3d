//! What a disk store keeps between runs, and what a run makes of it: every output records
//! what produced it; a run reuses what its own inputs and code would produce and recomputes
//! the rest; runs that would write other values to the same outputs cannot share a folder;
//! nothing a store finds is trusted that it did not write itself. (Runs killed with SIGKILL
//! and processes side by side are in `examples/tests/resume.rs`.)

use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use dagger_core::prelude::*;
use dagger_core::{DiskStore, InputPath, Reuse};

mod common;
use common::{numbers, scratch, store_bytes, total};

static CALLS: [AtomicUsize; 4] = [AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0)];

/// The tests that count calls run one at a time.
static COUNTING: Mutex<()> = Mutex::new(());

fn calls() -> [usize; 4] {
    std::array::from_fn(|i| CALLS[i].swap(0, Ordering::SeqCst))
}

#[task]
fn left(a: u64) -> u64 {
    CALLS[0].fetch_add(1, Ordering::SeqCst);
    a + 1
}

#[task]
fn right(b: u64) -> u64 {
    CALLS[1].fetch_add(1, Ordering::SeqCst);
    b * 10
}

#[task]
fn counted_double(x: u64) -> u64 {
    CALLS[2].fetch_add(1, Ordering::SeqCst);
    x * 2
}

#[task]
fn combine(l: u64, r: u64, doubled: Vec<u64>) -> u64 {
    CALLS[3].fetch_add(1, Ordering::SeqCst);
    l + r + doubled.iter().sum::<u64>()
}

#[dag]
fn incremental(a: u64, b: u64, n: u64) -> u64 {
    combine(left(a), right(b), numbers(n).map(|x| counted_double(x)))
}

#[test]
fn a_run_reuses_what_it_would_compute_and_recomputes_what_a_change_reaches() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let runner = Runner::new().with_store(DiskStore::new(scratch("durable-incremental"))).with_progress(false);
    let expected = |a: u64, b: u64, n: u64| a + 1 + b * 10 + n * (n - 1);
    let _ = calls();
    assert_eq!(incremental { a: 1, b: 2, n: 100 }.execute_on(&runner).unwrap(), expected(1, 2, 100));
    assert_eq!(calls(), [1, 1, 100, 1]);
    // Again: nothing runs.
    assert_eq!(incremental { a: 1, b: 2, n: 100 }.execute_on(&runner).unwrap(), expected(1, 2, 100));
    assert_eq!(calls(), [0, 0, 0, 0]);
    // One parameter changes: only what depends on it runs.
    assert_eq!(incremental { a: 1, b: 3, n: 100 }.execute_on(&runner).unwrap(), expected(1, 3, 100));
    assert_eq!(calls(), [0, 1, 0, 1]);
    assert_eq!(incremental { a: 1, b: 3, n: 60 }.execute_on(&runner).unwrap(), expected(1, 3, 60));
    assert_eq!(calls(), [0, 0, 60, 1]);
    // A dry run says what a run would reuse.
    let dry = runner.dry_run(&incremental::dag(), (5, 3, 60)).unwrap();
    assert_eq!(
        dry.nodes(),
        [
            ("left".to_string(), Reuse::Runs),
            ("right".to_string(), Reuse::Whole),
            ("numbers".to_string(), Reuse::Partitions { count: 60 }),
            ("counted_double".to_string(), Reuse::Partitions { count: 60 }),
            ("combine".to_string(), Reuse::Runs),
        ]
    );
    assert!(dry.to_string().starts_with("DAG incremental: 3 of 5 nodes reused\n  left            runs\n"), "{dry}");
    // A run may ask for no reuse.
    let fresh = runner.clone().with_reuse(false);
    assert_eq!(incremental { a: 1, b: 3, n: 60 }.execute_on(&fresh).unwrap(), expected(1, 3, 60));
    assert_eq!(calls(), [1, 1, 60, 1]);
}

#[dag]
fn counted(n: u64) -> u64 {
    total(numbers(n))
}

#[test]
fn a_smaller_output_replaces_a_larger_one_whole() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch("durable-smaller");
    let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
    assert_eq!(counted { n: 40 }.execute_on(&runner).unwrap(), 780);
    assert_eq!(counted { n: 4 }.execute_on(&runner).unwrap(), 6);
    let output = dir.join("counted/numbers/output");
    let mut names: Vec<String> =
        fs::read_dir(&output).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["0", "1-2", "3", "partitions.json"], "no partition of the earlier, larger output is left");
    // A partition out of range says how many there are.
    let error = runner.run_node(&incremental::dag(), (1, 2, 4), "counted_double", Some(9)).unwrap_err();
    assert!(error.to_string().contains("not in the store"), "{error}");
    incremental { a: 1, b: 2, n: 4 }.execute_on(&runner).unwrap();
    let error = runner.run_node(&incremental::dag(), (1, 2, 4), "counted_double", Some(9)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot run `incremental/counted_double` alone: its input `numbers` has 4 partitions: there is no partition 9"
    );
}

#[test]
fn a_corrupt_listing_is_an_error_naming_the_file_not_a_count() {
    let dir = scratch("durable-listing");
    let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
    assert_eq!(counted { n: 3 }.execute_on(&runner).unwrap(), 3);
    let listing = dir.join("counted/numbers/output/partitions.json");
    store_bytes(&listing, br#"["../../../tmp/evil", "/etc/passwd"]"#);
    let error = counted { n: 3 }.execute_on(&runner).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("corrupt listing: entry 0, \"../../../tmp/evil\", is not the name of a partition file"),
        "{message}"
    );
    assert!(message.contains(&listing.display().to_string()), "{message}");
    // It was read, on the way to writing: the message says so, and what to delete.
    assert!(message.starts_with("cannot read the output of `counted/numbers`"), "{message}");
    let folder = dir.join("counted/numbers");
    assert!(message.ends_with(&format!("; delete `{}` to compute this output again", folder.display())), "{message}");
    // A run that reuses nothing replaces it.
    assert_eq!(counted { n: 3 }.execute_on(&runner.clone().with_reuse(false)).unwrap(), 3);
    assert_eq!(counted { n: 3 }.execute_on(&runner).unwrap(), 3);
}

#[test]
fn temporary_files_that_dead_writers_left_are_removed_by_the_next_run() {
    let dir = scratch("durable-leftovers");
    let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
    assert_eq!(counted { n: 3 }.execute_on(&runner).unwrap(), 3);
    let leftovers = [
        dir.join("counted/numbers/output/.1-2.4242-00000000deadbeef.tmp"),
        dir.join("counted/total/.output.4242-1.tmp"),
    ];
    for leftover in &leftovers {
        fs::write(leftover, b"half").unwrap();
    }
    assert_eq!(counted { n: 3 }.execute_on(&runner).unwrap(), 3);
    assert!(leftovers.iter().all(|leftover| !leftover.exists()));
}

#[task]
fn output(x: u64) -> u64 {
    x + 1
}

#[dag]
fn inner(x: u64) -> u64 {
    output(x)
}

#[dag]
fn outer(n: u64) -> u64 {
    total(numbers(n).map(|x| inner(x)))
}

#[test]
fn a_node_named_output_inside_a_nested_dag_has_a_path_of_its_own() {
    let runner = Runner::new().with_store(DiskStore::new(scratch("durable-collision"))).with_progress(false);
    assert_eq!(outer { n: 4 }.execute_on(&runner).unwrap(), outer::run(4).unwrap());
    assert_eq!(outer::run(4).unwrap(), 10);
}

#[task]
fn slow(x: u64) -> u64 {
    std::thread::sleep(std::time::Duration::from_millis(300));
    x
}

#[dag]
fn slowly(x: u64) -> u64 {
    slow(x)
}

#[test]
fn runs_with_other_parameters_cannot_share_a_folder_and_runs_with_the_same_can() {
    let dir = scratch("durable-side-by-side");
    let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
    std::thread::scope(|threads| {
        let first = threads.spawn(|| slowly { x: 1 }.execute_on(&runner));
        std::thread::sleep(std::time::Duration::from_millis(100));
        let other = slowly { x: 2 }.execute_on(&runner).unwrap_err();
        let message = other.to_string();
        assert!(message.starts_with("cannot use the store at `"), "{message}");
        assert!(message.contains("in use by another run of this DAG with other parameters or code"), "{message}");
        assert!(message.contains(&format!("process {}", std::process::id())), "{message}");
        let same = slowly { x: 1 }.execute_on(&runner);
        assert_eq!(first.join().unwrap().unwrap(), 1);
        assert_eq!(same.unwrap(), 1);
    });
    // Once the first is over, another may run there.
    assert_eq!(slowly { x: 2 }.execute_on(&runner).unwrap(), 2);
}

/// The same task twice, edited in between: `#[task]` hashes a function's code into its version.
mod before {
    use dagger_core::prelude::*;

    #[task(name = "step")]
    pub fn step(x: u64) -> u64 {
        crate::CALLS[0].fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        x + 1
    }
}

mod after {
    use dagger_core::prelude::*;

    #[task(name = "step")]
    pub fn step(x: u64) -> u64 {
        crate::CALLS[0].fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        x + 2
    }
}

#[task]
fn finish(x: u64) -> u64 {
    CALLS[1].fetch_add(1, Ordering::SeqCst);
    x * 100
}

#[task]
fn start(x: u64) -> u64 {
    CALLS[2].fetch_add(1, Ordering::SeqCst);
    x
}

/// The DAG `edited`, with `step` as it was (`before`) or as it is (`after`).
macro_rules! edited {
    ($step:ty) => {
        Dag::<(u64,), u64>::build("edited", ["x"], |b, (x,)| {
            let started = b.call::<start, _>((x,));
            let stepped = b.call::<$step, _>((started,));
            b.call::<finish, _>((stepped,))
        })
        .unwrap()
    };
}

#[test]
fn editing_a_task_reruns_it_and_what_follows_it() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let runner = Runner::new().with_store(DiskStore::new(scratch("durable-edited"))).with_progress(false);
    assert_ne!(edited!(before::step).graph().fingerprint(), edited!(after::step).graph().fingerprint());
    let _ = calls();
    assert_eq!(edited!(before::step).run_on(&runner, (5,)), 600);
    assert_eq!(calls(), [1, 1, 1, 0]);
    assert_eq!(edited!(before::step).run_on(&runner, (5,)), 600);
    assert_eq!(calls(), [0, 0, 0, 0]);
    // `step` edited: it runs again, and `finish` after it; `start` does not.
    assert_eq!(edited!(after::step).run_on(&runner, (5,)), 700);
    assert_eq!(calls(), [1, 1, 0, 0]);
}

trait RunOn {
    fn run_on(&self, runner: &Runner, params: (u64,)) -> u64;
}

impl RunOn for Dag<(u64,), u64> {
    fn run_on(&self, runner: &Runner, params: (u64,)) -> u64 {
        runner.run(self, params).unwrap()
    }
}

static CLOCK: AtomicUsize = AtomicUsize::new(0);

/// Not a pure function of its inputs: its output may never be reused.
#[task(cache = false)]
fn tick(step: u64) -> u64 {
    CLOCK.fetch_add(1, Ordering::SeqCst) as u64 * step
}

#[dag]
fn ticking(step: u64) -> u64 {
    finish(tick(step))
}

#[test]
fn a_task_that_is_not_pure_runs_every_time_and_so_does_what_follows_it() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let runner = Runner::new().with_store(DiskStore::new(scratch("durable-impure"))).with_progress(false);
    let _ = calls();
    let first = ticking { step: 1 }.execute_on(&runner).unwrap();
    let second = ticking { step: 1 }.execute_on(&runner).unwrap();
    assert_eq!(second, first + 100);
    assert_eq!(calls()[1], 2, "`finish` ran twice");
    let dry = runner.dry_run(&ticking::dag(), (1,)).unwrap();
    assert_eq!(dry.nodes()[0], ("tick".to_string(), Reuse::Runs));
}

#[test]
fn a_stored_file_changed_by_hand_is_reported_corrupt_and_never_used() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch("durable-checked");
    let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
    assert_eq!(counted { n: 12 }.execute_on(&runner).unwrap(), 66);
    // Another value in place of a whole output: the run says so, and what to delete.
    let output = dir.join("counted/total/output");
    fs::write(&output, "266").unwrap();
    let message = counted { n: 12 }.execute_on(&runner).unwrap_err().to_string();
    assert!(message.starts_with("cannot read the output of `counted/total` (file `"), "{message}");
    assert!(message.contains("the file is not what was stored"), "{message}");
    let folder = dir.join("counted/total");
    assert!(message.ends_with(&format!("; delete `{}` to compute this output again", folder.display())), "{message}");
    fs::remove_dir_all(&folder).unwrap();
    assert_eq!(counted { n: 12 }.execute_on(&runner).unwrap(), 66);
    // One digit changed in a partition file, its last line left as it was.
    fs::remove_dir_all(&folder).unwrap();
    let part = dir.join("counted/numbers/output/3-6");
    let text = fs::read_to_string(&part).unwrap();
    assert!(text.starts_with("[3,4,5,6]\n"), "{text}");
    fs::write(&part, text.replacen('4', "5", 1)).unwrap();
    let message = counted { n: 12 }.execute_on(&runner).unwrap_err().to_string();
    assert!(message.contains("on partition 3 (file `"), "{message}");
    assert!(message.contains("its bytes have the digest"), "{message}");
    fs::remove_dir_all(dir.join("counted/numbers")).unwrap();
    assert_eq!(counted { n: 12 }.execute_on(&runner).unwrap(), 66);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_in_the_store_is_refused_never_followed() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch("durable-links");
    let outside = scratch("durable-links-outside");
    fs::create_dir_all(&outside).unwrap();
    let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
    assert_eq!(counted { n: 12 }.execute_on(&runner).unwrap(), 66);
    let link = |target: &std::path::Path, at: &std::path::Path| {
        if at.is_dir() {
            fs::remove_dir_all(at).unwrap();
        } else {
            fs::remove_file(at).unwrap();
        }
        std::os::unix::fs::symlink(target, at).unwrap();
    };
    // A whole output, a partition file, a map's folder of partitions: each a link to a copy
    // outside the store (with the digest a store would write), and each refused.
    let whole = dir.join("counted/total/output");
    store_bytes(&outside.join("total"), b"266");
    link(&outside.join("total"), &whole);
    let message = counted { n: 12 }.execute_on(&runner).unwrap_err().to_string();
    assert!(message.contains("is a symbolic link: a store reads only its own files"), "{message}");
    fs::remove_dir_all(dir.join("counted/total")).unwrap();

    let part = dir.join("counted/numbers/output/3-6");
    store_bytes(&outside.join("part"), b"[3,4,5,7]");
    link(&outside.join("part"), &part);
    let message = counted { n: 12 }.execute_on(&runner).unwrap_err().to_string();
    assert!(message.contains("is a symbolic link"), "{message}");
    fs::remove_dir_all(dir.join("counted")).unwrap();

    assert_eq!(incremental { a: 1, b: 2, n: 4 }.execute_on(&runner).unwrap(), 2 + 20 + 12);
    let folder = dir.join("incremental/counted_double/output");
    let copy = outside.join("counted_double");
    fs::rename(&folder, &copy).unwrap();
    std::os::unix::fs::symlink(&copy, &folder).unwrap();
    let message = incremental { a: 1, b: 3, n: 4 }.execute_on(&runner).unwrap_err().to_string();
    assert!(message.contains("counted_double/output` is a symbolic link"), "{message}");
    assert!(copy.join("partitions.json").exists(), "what the link points at is left alone");
}

#[test]
fn a_fingerprint_file_of_random_bytes_is_stale_and_its_output_computed_again() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch("durable-stale");
    let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
    let _ = calls();
    assert_eq!(incremental { a: 1, b: 2, n: 4 }.execute_on(&runner).unwrap(), 34);
    assert_eq!(calls(), [1, 1, 4, 1]);
    fs::write(dir.join("incremental/left/fingerprint"), [0xff, 0x00, 0x9c, 0xfe, 0x10]).unwrap();
    let edited = fs::read_to_string(dir.join("incremental/right/fingerprint")).unwrap().replacen('0', "1", 1);
    fs::write(dir.join("incremental/right/fingerprint"), edited).unwrap();
    assert_eq!(incremental { a: 1, b: 2, n: 4 }.execute_on(&runner).unwrap(), 34);
    // Both computed again; what reads them is reused: their fingerprints are what they were.
    assert_eq!(calls(), [1, 1, 0, 0]);
}

/// The files under `dir`, with when each was last written, and which file it is.
fn files_and_times(dir: &std::path::Path) -> Vec<(std::path::PathBuf, std::time::SystemTime, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                folders.push(path);
            } else if path.file_name().unwrap() != ".run" {
                found.push((path, meta.modified().unwrap(), meta.ino()));
            }
        }
    }
    found.sort();
    found
}

#[cfg(unix)]
#[test]
fn a_rerun_with_nothing_to_compute_rewrites_nothing() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch("durable-untouched");
    let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
    let _ = calls();
    assert_eq!(incremental { a: 1, b: 2, n: 300 }.execute_on(&runner).unwrap(), incremental_value(1, 2, 300));
    let before = files_and_times(&dir);
    assert_eq!(incremental { a: 1, b: 2, n: 300 }.execute_on(&runner).unwrap(), incremental_value(1, 2, 300));
    assert_eq!(calls(), [1, 1, 300, 1]);
    assert_eq!(files_and_times(&dir), before, "no file written again, none added or removed");
}

/// What `incremental` computes.
fn incremental_value(a: u64, b: u64, n: u64) -> u64 {
    (a + 1) + b * 10 + (0..n).map(|x| x * 2).sum::<u64>()
}

#[test]
fn a_resumed_map_computes_no_partition_an_earlier_run_stored_wherever_its_file_starts() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch("durable-crossing");
    let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
    let _ = calls();
    assert_eq!(incremental { a: 1, b: 2, n: 7 }.execute_on(&runner).unwrap(), incremental_value(1, 2, 7));
    assert_eq!(calls(), [1, 1, 7, 1]);
    // As a run killed half way might have left it, its files cut by its own timing: no
    // listing, `0-2` and `3-5` where the source (reused) hands over 0, 1-2 and 3-6.
    let output = dir.join("incremental/counted_double/output");
    for name in ["partitions.json", "0", "1-2", "3-6"] {
        fs::remove_file(output.join(name)).unwrap();
    }
    store_bytes(&output.join("0-2"), b"[0,2,4]");
    store_bytes(&output.join("3-5"), b"[6,8,10]");
    fs::remove_dir_all(dir.join("incremental/combine")).unwrap();
    assert_eq!(incremental { a: 1, b: 2, n: 7 }.execute_on(&runner).unwrap(), incremental_value(1, 2, 7));
    assert_eq!(calls(), [0, 0, 1, 1], "partition 6 only is computed again");
    let mut names: Vec<String> =
        fs::read_dir(&output).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["0", "1-2", "3-5", "6", "partitions.json"], "the files crossing a job's range were split");
}

static LINES_READ: AtomicUsize = AtomicUsize::new(0);

/// The rows of a CSV file, as a task that takes a path and opens it.
#[task]
fn row_count(csv: InputPath) -> Result<u64, std::io::Error> {
    LINES_READ.fetch_add(1, Ordering::SeqCst);
    Ok(fs::read_to_string(&csv)?.lines().count() as u64)
}

#[dag]
fn rows(csv: InputPath) -> u64 {
    row_count(csv)
}

#[test]
fn a_rerun_sees_a_changed_input_file_and_reuses_an_unchanged_one() {
    let dir = scratch("durable-input-file");
    fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("flights.csv");
    fs::write(&csv, "a\n".repeat(150_000)).unwrap();
    let runner = Runner::new().with_store(DiskStore::new(dir.join("store"))).with_progress(false);
    let run = || rows { csv: InputPath::new(&csv) }.execute_on(&runner).unwrap();
    LINES_READ.store(0, Ordering::SeqCst);
    assert_eq!(run(), 150_000);
    assert_eq!(run(), 150_000);
    assert_eq!(LINES_READ.swap(0, Ordering::SeqCst), 1, "an unchanged file: reused");
    // 50,000 lines cut from the file: the path is the same, the file is not.
    fs::write(&csv, "a\n".repeat(100_000)).unwrap();
    assert_eq!(run(), 100_000);
    // Same size, one byte changed: the digest of its bytes tells.
    fs::write(&csv, format!("b\n{}", "a\n".repeat(99_999))).unwrap();
    assert_eq!(run(), 100_000);
    assert_eq!(LINES_READ.swap(0, Ordering::SeqCst), 2);
    // The dry run sees it too.
    fs::write(&csv, "a\n").unwrap();
    let dry = runner.dry_run(&rows::dag(), (InputPath::new(&csv),)).unwrap();
    assert_eq!(dry.nodes(), [("row_count".to_string(), Reuse::Runs)]);
}

static FILES_COUNTED: AtomicUsize = AtomicUsize::new(0);

/// The files of a folder, one partition each, keyed by name.
#[task(partitioned, keyed)]
fn files_in(folder: InputPath) -> Result<Vec<(String, InputPath)>, std::io::Error> {
    let mut files = Vec::new();
    for entry in fs::read_dir(&folder)? {
        let entry = entry?;
        files.push((entry.file_name().to_string_lossy().into_owned(), InputPath::new(entry.path())));
    }
    files.sort();
    Ok(files)
}

#[task]
fn lines_of(file: InputPath) -> Result<u64, std::io::Error> {
    FILES_COUNTED.fetch_add(1, Ordering::SeqCst);
    Ok(fs::read_to_string(&file)?.lines().count() as u64)
}

#[dag]
fn folder_lines(folder: InputPath) -> u64 {
    total(files_in(folder).map(|file| lines_of(file)))
}

#[test]
fn a_folder_of_inputs_recomputes_the_partitions_of_the_files_that_changed_only() {
    let dir = scratch("durable-input-folder");
    let data = dir.join("data");
    fs::create_dir_all(&data).unwrap();
    for day in 1..=30 {
        fs::write(data.join(format!("2024-01-{day:02}.csv")), "row\n".repeat(day)).unwrap();
    }
    let runner = Runner::new().with_store(DiskStore::new(dir.join("store"))).with_progress(false);
    let run = || folder_lines { folder: InputPath::new(&data) }.execute_on(&runner).unwrap();
    FILES_COUNTED.store(0, Ordering::SeqCst);
    assert_eq!(run(), (1..=30).sum::<u64>());
    assert_eq!(run(), (1..=30).sum::<u64>());
    assert_eq!(FILES_COUNTED.swap(0, Ordering::SeqCst), 30, "nothing changed: nothing counted again");
    // One file edited, one added: those two are counted, the 29 others found by key.
    fs::write(data.join("2024-01-07.csv"), "row\n").unwrap();
    fs::write(data.join("2024-01-31.csv"), "row\n".repeat(31)).unwrap();
    assert_eq!(run(), (1..=31).sum::<u64>() - 6);
    assert_eq!(FILES_COUNTED.swap(0, Ordering::SeqCst), 2);
}

static SOURCE_RUNS: AtomicUsize = AtomicUsize::new(0);

/// `0..n`, one number per partition; refuses `n` over 1000 before handing over any.
#[task(partitioned)]
fn checked_numbers(n: u64) -> Result<Vec<u64>, String> {
    SOURCE_RUNS.fetch_add(1, Ordering::SeqCst);
    match n {
        0..=1000 => Ok((0..n).collect()),
        _ => Err(format!("{n} numbers are too many")),
    }
}

#[dag]
fn checked(n: u64) -> u64 {
    total(checked_numbers(n).map(|x| counted_double(x)))
}

#[test]
fn a_run_that_fails_before_writing_leaves_what_an_earlier_run_stored() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let runner = Runner::new().with_store(DiskStore::new(scratch("durable-failed-early"))).with_progress(false);
    let _ = calls();
    SOURCE_RUNS.store(0, Ordering::SeqCst);
    assert_eq!(checked { n: 100 }.execute_on(&runner).unwrap(), 9900);
    // A parameter the source refuses: the run failed before writing, so that what the
    // earlier run stored is left (a run that writes an output replaces it: one per node).
    let error = checked { n: 5000 }.execute_on(&runner).unwrap_err().to_string();
    assert!(error.contains("5000 numbers are too many"), "{error}");
    assert_eq!(calls()[2], 100, "the map ran once, in the first run");
    SOURCE_RUNS.store(0, Ordering::SeqCst);
    assert_eq!(checked { n: 100 }.execute_on(&runner).unwrap(), 9900);
    assert_eq!((SOURCE_RUNS.load(Ordering::SeqCst), calls()), (0, [0; 4]), "everything is reused");
}
