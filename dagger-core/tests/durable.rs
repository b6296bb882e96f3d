//! What a disk store keeps between runs, and what a run makes of it: every output records
//! what produced it; a run reuses what its own inputs and code would produce and recomputes
//! the rest; runs that would write other values to the same outputs cannot share a folder;
//! nothing a store finds is trusted that it did not write itself. (Runs killed with SIGKILL
//! and processes side by side are in `examples/tests/resume.rs`.)

use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use dagger_core::prelude::*;
use dagger_core::{DiskStore, Reuse};

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
