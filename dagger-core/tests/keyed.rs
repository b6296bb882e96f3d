//! Keyed partitions: keys from a `#[task(partitioned, keyed)]` task, kept by maps, read by
//! fan-ins into `BTreeMap<K, T>`, named in errors, kept by the disk store across runs.

use std::collections::BTreeMap;

use dagger_core::prelude::*;

mod common;
use common::{store_bytes, stored_text};

/// The sales of each day of January 2024 up to `days`, keyed by the day.
#[task(partitioned, keyed)]
fn sales_by_day(days: u32) -> BTreeMap<String, Vec<u64>> {
    (1..=days).map(|d| (format!("2024-01-{d:02}"), (0..u64::from(d)).collect())).collect()
}

#[task]
fn total(sales: Vec<u64>) -> u64 {
    sales.iter().sum()
}

#[task]
fn report(totals: BTreeMap<String, u64>) -> String {
    totals.iter().map(|(day, total)| format!("{day}={total}")).collect::<Vec<_>>().join(",")
}

#[task]
fn sum(totals: Vec<u64>) -> u64 {
    totals.iter().sum()
}

#[dag]
fn daily(days: u32) -> String {
    let sales = sales_by_day(days);
    let totals = sales.map(|day| total(day));
    report(totals)
}

#[dag]
fn overall(days: u32) -> u64 {
    let totals = sales_by_day(days).map(|day| total(day));
    sum(totals)
}

#[task]
fn counts(sales: BTreeMap<String, Vec<u64>>) -> Vec<(String, usize)> {
    sales.into_iter().map(|(day, sales)| (day, sales.len())).collect()
}

#[dag]
fn counted(days: u32) -> Vec<(String, usize)> {
    counts(sales_by_day(days))
}

#[test]
fn a_map_keeps_its_sources_keys_and_a_fan_in_reads_them() {
    assert_eq!(daily::run(3).unwrap(), "2024-01-01=0,2024-01-02=1,2024-01-03=3");
    assert_eq!(overall::run(4).unwrap(), 10, "a Vec fan-in ignores the keys");
    let counted = counted::run(2).unwrap();
    assert_eq!(counted, [("2024-01-01".to_string(), 1), ("2024-01-02".to_string(), 2)]);
    assert_eq!(daily::run(0).unwrap(), "", "no partitions, no keys");
}

#[test]
fn the_disk_store_keeps_the_keys_for_the_next_run() {
    let dir = std::env::temp_dir().join(format!("dagger-keyed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    assert_eq!(daily { days: 3 }.execute_on(&runner).unwrap(), "2024-01-01=0,2024-01-02=1,2024-01-03=3");
    let keys_file = dir.join("daily/sales_by_day/output/keys.json");
    assert_eq!(stored_text(&keys_file), r#"["2024-01-01","2024-01-02","2024-01-03"]"#);
    // The rerun reuses the source's output, and reads its keys from the store.
    assert_eq!(daily { days: 3 }.execute_on(&runner).unwrap(), "2024-01-01=0,2024-01-02=1,2024-01-03=3");
    // A key changed in the file is a corrupt store, not a partition named wrongly.
    let text = std::fs::read_to_string(&keys_file).unwrap();
    std::fs::write(&keys_file, text.replace("01-02", "01-09")).unwrap();
    std::fs::remove_dir_all(dir.join("daily/report")).unwrap();
    let error = daily { days: 3 }.execute_on(&runner).unwrap_err().to_string();
    assert!(error.starts_with("cannot read the output of `daily/sales_by_day` (file `"), "{error}");
    assert!(error.contains("keys.json`): the file is not what was stored: its bytes have the digest"), "{error}");
    let folder = dir.join("daily/sales_by_day");
    assert!(error.ends_with(&format!("; delete `{}` to compute this output again", folder.display())), "{error}");
    // Keys that do not match the partitions are a corrupt store too, not a wrong result.
    store_bytes(&keys_file, br#"["2024-01-01"]"#);
    let error = daily { days: 3 }.execute_on(&runner).unwrap_err().to_string();
    assert!(error.contains("sales_by_day") && error.contains("3 partitions and 1 partition keys"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[task]
fn checked_total(sales: Vec<u64>) -> Result<u64, String> {
    match sales.len() {
        2 => Err("a day with two sales is suspicious".to_string()),
        _ => Ok(sales.iter().sum()),
    }
}

#[dag]
fn checked(days: u32) -> String {
    let totals = sales_by_day(days).map(|day| checked_total(day));
    report(totals)
}

#[test]
fn a_failure_names_the_partitions_key() {
    let error = checked::run(3).unwrap_err();
    assert_eq!(error.partition(), Some(1));
    assert_eq!(error.key(), Some(r#""2024-01-02""#));
    assert_eq!(
        error.to_string(),
        "task `checked/checked_total` failed on partition `2024-01-02` (1): a day with two sales is suspicious"
    );
}

#[task(partitioned, keyed)]
fn regions(names: Vec<String>) -> Vec<(String, usize)> {
    names.into_iter().map(|name| (name.to_lowercase(), name.len())).collect()
}

#[dag]
fn by_region(names: Vec<String>) -> u64 {
    sum(regions(names).map(|n| widen(n)))
}

#[task]
fn widen(n: usize) -> u64 {
    n as u64
}

#[test]
fn two_partitions_with_one_key_fail_the_task() {
    let error = by_region::run(vec!["EU".into(), "us".into(), "eu".into()]).unwrap_err().to_string();
    assert_eq!(
        error,
        "task `by_region/regions` failed: two partitions have the key `eu`: keys name partitions, one each"
    );
    assert_eq!(by_region::run(vec!["EU".into(), "apac".into()]).unwrap(), 6);
}

#[test]
fn a_node_runs_alone_on_the_partition_of_a_key() {
    let dir = std::env::temp_dir().join(format!("dagger-keyed-alone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    let dag = daily::dag();
    let params = || (3,);
    let error = runner.run_node_key(&dag, params(), "total", "2024-01-02").unwrap_err().to_string();
    assert!(error.contains("partition keys are not in the store: run `daily/sales_by_day` first"), "{error}");
    runner.run_node(&dag, params(), "sales_by_day", None).unwrap();
    runner.run_node_key(&dag, params(), "total", "2024-01-02").unwrap();
    runner.run_node_key(&dag, params(), "total", r#""2024-01-03""#).unwrap();
    let total = |p: usize| {
        let file = dir.join(format!("daily/total/output/{p}"));
        file.exists().then(|| stored_text(&file))
    };
    assert_eq!((total(0), total(1), total(2)), (None, Some("1".to_string()), Some("3".to_string())));
    let error = runner.run_node_key(&dag, params(), "total", "2024-02-01").unwrap_err().to_string();
    assert_eq!(
        error,
        "cannot run `daily/total` alone: no partition has the key `2024-02-01`; the 3 keys of `sales_by_day` are: \
         2024-01-01, 2024-01-02, 2024-01-03"
    );
    let error = runner.run_node_key(&dag, params(), "report", "2024-01-01").unwrap_err().to_string();
    assert!(error.ends_with("its partitions have no keys: give the partition's number instead"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The average of a trailing window of days' totals, with the window's first day.
#[task]
fn trailing_average(window: Vec<(String, u64)>) -> (String, u64) {
    let first = window.first().map(|(day, _)| day.clone()).unwrap_or_default();
    (first, window.iter().map(|(_, total)| total).sum::<u64>() / window.len() as u64)
}

#[task]
fn averages(by_day: BTreeMap<String, (String, u64)>) -> Vec<String> {
    by_day.iter().map(|(day, (first, average))| format!("{day}:{first}:{average}")).collect()
}

#[dag]
fn trailing(days: u32) -> Vec<String> {
    let totals = sales_by_day(days).map(|day| total(day));
    let weeks = totals.window(2);
    let averaged = weeks.map(|week| trailing_average(week));
    averages(averaged)
}

#[test]
fn a_window_holds_each_partition_and_those_before_it_by_key() {
    // Totals by day: 0, 1, 3, 6, 10.
    let expected = [
        "2024-01-01:2024-01-01:0",
        "2024-01-02:2024-01-01:0",
        "2024-01-03:2024-01-01:1",
        "2024-01-04:2024-01-02:3",
        "2024-01-05:2024-01-03:6",
    ];
    assert_eq!(trailing::run(5).unwrap(), expected);
    assert_eq!(trailing::run(0).unwrap(), Vec::<String>::new());
    let dir = std::env::temp_dir().join(format!("dagger-keyed-window-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    assert_eq!(trailing { days: 5 }.execute_on(&runner).unwrap(), expected);
    let keys = stored_text(&dir.join("trailing/weeks/output/keys.json"));
    assert!(keys.starts_with(r#"["2024-01-01","2024-01-02""#), "{keys}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[task(partitioned, keyed)]
fn unsorted() -> Vec<(u32, u64)> {
    vec![(2, 20), (1, 10)]
}

#[task]
fn count_windows(windows: Vec<Vec<(u32, u64)>>) -> usize {
    windows.len()
}

#[dag]
fn unsorted_windows() -> usize {
    count_windows(unsorted().window(1))
}

#[test]
fn a_window_over_keys_out_of_order_is_an_error() {
    let error = unsorted_windows::run().unwrap_err().to_string();
    assert!(error.contains("the partitions' keys are not in increasing order (`2` comes before `1`)"), "{error}");
}

#[dag]
fn first_days(days: u32, until: String) -> u64 {
    let selected = sales_by_day(days).select(..until);
    sum(selected.map(|day| total(day)))
}

#[dag]
fn some_days(days: u32, from: String) -> BTreeMap<String, u64> {
    let totals = sales_by_day(days).map(|day| total(day));
    by_key(totals.select(from..="2024-01-04"))
}

#[task]
fn by_key(totals: BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    totals
}

#[test]
fn a_selection_runs_and_reads_only_the_partitions_of_its_keys() {
    // Totals by day: 0, 1, 3, 6, 10.
    assert_eq!(first_days::run(5, "2024-01-03".into()).unwrap(), 1);
    assert_eq!(first_days::run(5, "2025".into()).unwrap(), 20);
    assert_eq!(first_days::run(5, "2023".into()).unwrap(), 0);
    let selected = some_days::run(5, "2024-01-02".into()).unwrap();
    assert_eq!(
        selected.into_iter().collect::<Vec<_>>(),
        [("2024-01-02".into(), 1), ("2024-01-03".into(), 3), ("2024-01-04".into(), 6)]
    );
}

static RECENT_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[task]
fn counted_total(sales: Vec<u64>) -> u64 {
    RECENT_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    sales.iter().sum()
}

#[dag]
fn pruned(days: u32, from: String) -> u64 {
    let recent = sales_by_day(days).select(from..);
    sum(recent.map(|day| counted_total(day)))
}

#[test]
fn pruning_leaves_the_other_partitions_unread() {
    let dir = std::env::temp_dir().join(format!("dagger-keyed-pruned-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    let params = || (30, "2024-01-28".to_string());
    // The source as a job: one file per partition.
    runner.run_node(&pruned::dag(), params(), "sales_by_day", None).unwrap();
    let output = dir.join("pruned/sales_by_day/output");
    for day in 0..27 {
        std::fs::write(output.join(day.to_string()), "not JSON").unwrap();
    }
    // Days 28, 29 and 30 only: the 27 corrupt files are never read, the map runs 3 times.
    let expected: u64 = (28..=30).map(|d| (0..d).sum::<u64>()).sum();
    assert_eq!(pruned { days: 30, from: "2024-01-28".into() }.execute_on(&runner).unwrap(), expected);
    assert_eq!(RECENT_RUNS.load(std::sync::atomic::Ordering::SeqCst), 3);
    // A selection that includes a corrupt partition reads it, and says so.
    let error = pruned { days: 30, from: "2024-01-27".into() }.execute_on(&runner).unwrap_err().to_string();
    assert!(error.contains("sales_by_day") && error.contains("26"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `n` partitions of 5 numbers each: `10 p .. 10 p + 5`.
#[task(partitioned)]
fn rows(n: u64) -> Vec<Vec<u64>> {
    (0..n).map(|p| (p * 10..p * 10 + 5).collect()).collect()
}

#[task]
fn batch_sum(batch: Vec<u64>) -> u64 {
    batch.iter().sum()
}

#[task]
fn sums(sums: Vec<u64>) -> Vec<u64> {
    sums
}

#[dag]
fn batched(n: u64) -> Vec<u64> {
    let batches = rows(n).into_batches(2);
    sums(batches.map(|batch| batch_sum(batch)))
}

#[dag]
fn regrouped(days: u32) -> Vec<u64> {
    sums(sales_by_day(days).into_partitions(3).map(|group| batch_sum(group)))
}

#[test]
fn items_are_regrouped_into_batches_within_partitions_or_into_a_number_of_partitions() {
    // Each partition's 5 numbers in batches of 2, 2 and 1.
    assert_eq!(batched::run(2).unwrap(), [1, 5, 4, 21, 25, 14]);
    assert_eq!(batched::run(0).unwrap(), Vec::<u64>::new());
    // Sales by day: day d has 0..d. Seven days joined into 3 partitions of 3, 2 and 2 days.
    assert_eq!(regrouped::run(7).unwrap(), [4, 16, 36]);
    // Two days cut into 3 partitions: the first day in two pieces ([0] and []), the second whole.
    assert_eq!(regrouped::run(2).unwrap(), [0, 0, 1]);
    assert_eq!(regrouped::run(0).unwrap(), [0, 0, 0], "no partitions: three empty ones");
    let dir = std::env::temp_dir().join(format!("dagger-keyed-regrouped-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    assert_eq!(regrouped { days: 7 }.execute_on(&runner).unwrap(), [4, 16, 36]);
    assert_eq!(batched { n: 2 }.execute_on(&runner).unwrap(), [1, 5, 4, 21, 25, 14]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[task(partitioned)]
fn texts(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("the cat {} the dog {} a", ["sat", "ran", "hid"][i % 3], i % 2)).collect()
}

#[task]
fn count_words(text: &str) -> Vec<(String, u64)> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    text.split_whitespace().for_each(|word| *counts.entry(word.to_string()).or_default() += 1);
    counts.into_iter().collect()
}

#[task]
fn sum_words(counts: Vec<(String, u64)>) -> Vec<(String, u64)> {
    let mut sums: BTreeMap<String, u64> = BTreeMap::new();
    counts.into_iter().for_each(|(word, count)| *sums.entry(word).or_default() += count);
    sums.into_iter().collect()
}

/// Every word's total, and whether each word was in one partition only.
#[task]
fn totals(sums: Vec<Vec<(String, u64)>>) -> (BTreeMap<String, u64>, bool) {
    let mut all = BTreeMap::new();
    let mut once = true;
    for (word, count) in sums.into_iter().flatten() {
        once &= all.insert(word, count).is_none();
    }
    (all, once)
}

#[dag]
fn shuffled_count(n: usize) -> (BTreeMap<String, u64>, bool) {
    let counts = texts(n).map(|text| count_words(text));
    let by_word = counts.shuffle(4, |(word, _): &(String, u64)| word.clone());
    totals(by_word.map(|words| sum_words(words)))
}

#[test]
fn a_shuffle_puts_every_item_of_a_key_in_one_partition() {
    let expected = |n: usize| {
        let mut all: BTreeMap<String, u64> = BTreeMap::new();
        for text in texts(n) {
            for (word, count) in count_words(&text) {
                *all.entry(word).or_default() += count;
            }
        }
        (all, true)
    };
    assert_eq!(shuffled_count::run(7).unwrap(), expected(7));
    assert_eq!(shuffled_count::run(0).unwrap(), expected(0));
    let dir = std::env::temp_dir().join(format!("dagger-keyed-shuffle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    assert_eq!(shuffled_count { n: 7 }.execute_on(&runner).unwrap(), expected(7));
    // 7 source partitions, 4 buckets each: 28 buckets, in files of the buckets handed over
    // together, not a file each.
    let buckets = dir.join("shuffled_count/by_word_buckets/output");
    let listing: Vec<String> = serde_json::from_str(&stored_text(&buckets.join("partitions.json"))).unwrap();
    let in_files: usize = listing
        .iter()
        .map(|name| {
            name.split_once('-').map_or(1, |(a, b)| b.parse::<usize>().unwrap() - a.parse::<usize>().unwrap() + 1)
        })
        .sum();
    assert_eq!(in_files, 28);
    assert!(listing.len() < 28, "{listing:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Forecasts for days from `first` to `last` of January 2024.
#[task(partitioned, keyed)]
fn forecasts(first: u32, last: u32) -> BTreeMap<String, u64> {
    (first..=last).map(|d| (format!("2024-01-{d:02}"), u64::from(d) * 2)).collect()
}

#[task]
fn error(actual: u64, forecast: u64) -> i64 {
    actual as i64 - forecast as i64
}

#[task]
fn errors(by_day: BTreeMap<String, i64>) -> Vec<(String, i64)> {
    by_day.into_iter().collect()
}

#[dag]
fn forecast_errors(days: u32, first: u32, last: u32) -> Vec<(String, i64)> {
    let totals = sales_by_day(days).map(|day| total(day));
    let both = totals.join(forecasts(first, last));
    errors(both.map(|pair| error(pair.0, pair.1)))
}

#[test]
fn a_join_pairs_the_partitions_of_one_key() {
    // Totals by day: 0, 1, 3, 6, 10; forecasts 2 d for days 3 to 9.
    let expected = [("2024-01-03", -3), ("2024-01-04", -2), ("2024-01-05", 0)];
    let expected: Vec<(String, i64)> = expected.iter().map(|(d, e)| (d.to_string(), *e)).collect();
    assert_eq!(forecast_errors::run(5, 3, 9).unwrap(), expected);
    assert_eq!(forecast_errors::run(5, 6, 9).unwrap(), Vec::new(), "no key in common");
    let dir = std::env::temp_dir().join(format!("dagger-keyed-join-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    assert_eq!(forecast_errors { days: 5, first: 3, last: 9 }.execute_on(&runner).unwrap(), expected);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_job_on_one_partition_names_its_key_when_it_fails() {
    let dir = std::env::temp_dir().join(format!("dagger-keyed-job-failure-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    runner.run_node(&checked::dag(), (3,), "sales_by_day", None).unwrap();
    let error = runner.run_node(&checked::dag(), (3,), "checked_total", Some(1)).unwrap_err();
    assert_eq!(error.key(), Some(r#""2024-01-02""#));
    assert!(error.to_string().contains("failed on partition `2024-01-02` (1)"), "{error}");
    runner.run_node(&checked::dag(), (3,), "checked_total", Some(2)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

static DAILY_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The days of a year up to `days`, keyed by day number: a set that grows.
#[task(partitioned, keyed)]
fn days_of_year(days: u32) -> Vec<(u32, u64)> {
    (1..=days).map(|day| (day, u64::from(day) * 3)).collect()
}

#[task]
fn daily_work(value: u64) -> u64 {
    DAILY_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    value + 1
}

#[task]
fn daily_total(values: BTreeMap<u32, u64>) -> u64 {
    values.values().sum()
}

#[dag]
fn year(days: u32) -> u64 {
    daily_total(days_of_year(days).map(|day| daily_work(day)))
}

#[test]
fn a_grown_key_set_computes_only_the_new_keys() {
    use std::sync::atomic::Ordering::SeqCst;
    let dir = std::env::temp_dir().join(format!("dagger-keyed-incremental-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    let expected = |days: u64| (1..=days).map(|d| d * 3 + 1).sum::<u64>();
    assert_eq!(year { days: 365 }.execute_on(&runner).unwrap(), expected(365));
    assert_eq!(DAILY_RUNS.swap(0, SeqCst), 365);
    // One more day: only its partition runs; the others are found by key.
    assert_eq!(year { days: 366 }.execute_on(&runner).unwrap(), expected(366));
    assert_eq!(DAILY_RUNS.swap(0, SeqCst), 1);
    // Fewer days: nothing runs.
    assert_eq!(year { days: 200 }.execute_on(&runner).unwrap(), expected(200));
    assert_eq!(DAILY_RUNS.swap(0, SeqCst), 0);
    // The kept output is dropped once the new one is sealed.
    assert!(!dir.join("year/daily_work/previous").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

static CHAIN_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Days keyed by number; the days from `changed_from` on have other values.
#[task(partitioned, keyed)]
fn corrected_days(days: u32, changed_from: u32) -> BTreeMap<u32, u64> {
    (1..=days).map(|day| (day, u64::from(day) + u64::from(day >= changed_from) * 1000)).collect()
}

#[task]
fn doubled(value: u64) -> u64 {
    CHAIN_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    value * 2
}

#[task]
fn plus_one(value: u64) -> u64 {
    value + 1
}

#[dag]
fn corrected(days: u32, changed_from: u32) -> u64 {
    let values = corrected_days(days, changed_from).map(|day| {
        let twice = doubled(day);
        plus_one(twice)
    });
    daily_total(values)
}

#[test]
fn changed_values_run_again_and_the_others_are_found_by_key_through_a_chain() {
    use std::sync::atomic::Ordering::SeqCst;
    let dir = std::env::temp_dir().join(format!("dagger-keyed-corrected-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    let expected = |days: u64, from: u64| (1..=days).map(|d| (d + u64::from(d >= from) * 1000) * 2 + 1).sum::<u64>();
    assert_eq!(corrected { days: 100, changed_from: 1000 }.execute_on(&runner).unwrap(), expected(100, 1000));
    assert_eq!(CHAIN_RUNS.swap(0, SeqCst), 100);
    // Days 91 to 100 have new values: they run again, with the new day 101.
    assert_eq!(corrected { days: 101, changed_from: 91 }.execute_on(&runner).unwrap(), expected(101, 91));
    assert_eq!(CHAIN_RUNS.swap(0, SeqCst), 11);
    // In memory, nothing is kept between runs.
    assert_eq!(corrected::run(101, 91).unwrap(), expected(101, 91));
    assert_eq!(CHAIN_RUNS.swap(0, SeqCst), 101);
    std::fs::remove_dir_all(&dir).unwrap();
}

static JOB_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[task]
fn job_work(value: u64) -> u64 {
    JOB_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    value + 1
}

#[dag]
fn year_as_jobs(days: u32) -> u64 {
    daily_total(days_of_year(days).map(|day| job_work(day)))
}

#[test]
fn jobs_find_partitions_by_key_too() {
    use std::sync::atomic::Ordering::SeqCst;
    let dir = std::env::temp_dir().join(format!("dagger-keyed-incremental-jobs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    let dag = year_as_jobs::dag();
    // Node by node, as a cluster runs it: the source, each partition of the map, its seal.
    let run_as_jobs = |days: u32| {
        runner.run_node(&dag, (days,), "days_of_year", None).unwrap();
        runner.run_partitions(&dag, (days,), "job_work", 0..days as usize).unwrap();
        runner.seal_node(&dag, (days,), "job_work").unwrap();
        runner.run_node(&dag, (days,), "daily_total", None).unwrap();
    };
    run_as_jobs(30);
    assert_eq!(JOB_RUNS.swap(0, SeqCst), 30);
    run_as_jobs(32);
    assert_eq!(JOB_RUNS.swap(0, SeqCst), 2, "only the two new days run");
    let expected = (1..=32u64).map(|d| d * 3 + 1).sum::<u64>();
    assert_eq!(year_as_jobs { days: 32 }.execute_on(&runner).unwrap(), expected);
    assert_eq!(JOB_RUNS.swap(0, SeqCst), 0, "the in-process run finds everything stored");
    std::fs::remove_dir_all(&dir).unwrap();
}

static DAY_WORK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static WEEK_WORK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[task]
fn day_work(value: u64) -> u64 {
    DAY_WORK.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    value * 10
}

#[task]
fn week_work(week: Vec<(u32, u64)>) -> u64 {
    WEEK_WORK.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    week.iter().map(|(_, value)| value).sum::<u64>() / week.len() as u64
}

#[dag]
fn trailing_weeks(days: u32) -> u64 {
    let totals = days_of_year(days).map(|day| day_work(day));
    let weeks = totals.window(6).map(|week| week_work(week));
    daily_total(weeks)
}

#[test]
fn a_backfill_of_one_week_computes_that_week_through_a_window() {
    use std::sync::atomic::Ordering::SeqCst;
    let dir = std::env::temp_dir().join(format!("dagger-keyed-backfill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    let expected = |days: u64| -> u64 {
        (1..=days)
            .map(|d| {
                (d.saturating_sub(6).max(1)..=d).map(|x| x * 30).sum::<u64>() / (d - d.saturating_sub(6).max(1) + 1)
            })
            .sum()
    };
    assert_eq!(trailing_weeks { days: 30 }.execute_on(&runner).unwrap(), expected(30));
    assert_eq!((DAY_WORK.swap(0, SeqCst), WEEK_WORK.swap(0, SeqCst)), (30, 30));
    // One more week: its 7 days and their 7 windows; the window node itself copies again.
    assert_eq!(trailing_weeks { days: 37 }.execute_on(&runner).unwrap(), expected(37));
    assert_eq!((DAY_WORK.swap(0, SeqCst), WEEK_WORK.swap(0, SeqCst)), (7, 7));
    std::fs::remove_dir_all(&dir).unwrap();
}

static RANGE_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[task]
fn range_work(value: u64) -> u64 {
    RANGE_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    value
}

#[dag]
fn ranged(days: u32) -> u64 {
    daily_total(days_of_year(days).map(|day| range_work(day)))
}

#[test]
fn a_run_limited_to_a_range_of_keys_computes_those_and_finds_them_later() {
    use dagger_core::keys::KeyFilter;
    use std::sync::atomic::Ordering::SeqCst;
    let dir = std::env::temp_dir().join(format!("dagger-keyed-ranged-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = || DiskStore::new(&dir);
    let sum = |days: std::ops::RangeInclusive<u64>| days.map(|d| d * 3).sum::<u64>();
    // A backfill of days 10 to 16 only.
    let week = Runner::new().with_store(store()).with_keys(KeyFilter::parse("10..=16").unwrap());
    assert_eq!(ranged { days: 100 }.execute_on(&week).unwrap(), sum(10..=16));
    assert_eq!(RANGE_RUNS.swap(0, SeqCst), 7);
    // Then every day: the week's partitions are found by key.
    let all = Runner::new().with_store(store());
    assert_eq!(ranged { days: 100 }.execute_on(&all).unwrap(), sum(1..=100));
    assert_eq!(RANGE_RUNS.swap(0, SeqCst), 93);
    // Keys that cannot be compared with the bounds fail the keyed task, saying so.
    let words = Runner::new().with_keys(KeyFilter::parse("a..").unwrap());
    let error = ranged { days: 3 }.execute_on(&words).unwrap_err().to_string();
    assert!(error.contains(r#"the key 1 cannot be compared with the bound "a" of `a..`"#), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[task]
fn listed(by_day: Vec<(String, u64)>) -> Vec<String> {
    by_day.into_iter().map(|(day, total)| format!("{day}:{total}")).collect()
}

#[task]
fn plain(totals: Vec<u64>) -> u64 {
    totals.iter().sum()
}

/// Partitions that are pairs themselves, not keyed: a `Vec` of them is a `Vec` of pairs.
#[task(partitioned)]
fn pairs(n: u64) -> Vec<(String, u64)> {
    (0..n).map(|i| (format!("p{i}"), i)).collect()
}

#[task]
fn pair_names(pairs: Vec<(String, u64)>) -> Vec<String> {
    pairs.into_iter().map(|(name, _)| name).collect()
}

#[dag]
fn as_pairs(days: u32) -> (Vec<String>, u64, Vec<String>) {
    let totals = sales_by_day(days).map(|day| total(day));
    (listed(totals), plain(totals), pair_names(pairs({ u64::from(2u8) })))
}

#[test]
fn a_vec_fan_in_takes_keyed_partitions_with_their_keys() {
    let (listed, sum, names) = as_pairs::run(3).unwrap();
    assert_eq!(listed, ["2024-01-01:0", "2024-01-02:1", "2024-01-03:3"]);
    assert_eq!(sum, 4);
    assert_eq!(names, ["p0", "p1"], "unkeyed partitions that are pairs are collected as they are");
}

static WINDOW_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[task]
fn counted_average(window: Vec<(String, u64)>) -> u64 {
    WINDOW_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    window.iter().map(|(_, total)| total).sum::<u64>() / window.len() as u64
}

#[dag]
fn windowed(days: u32) -> u64 {
    let weeks = sales_by_day(days).map(|day| total(day)).window(6);
    sum(weeks.map(|week| counted_average(week)))
}

/// Every file under `dir` but the run's holder, with when it was written and which file it is.
#[cfg(unix)]
fn files_and_times(dir: &std::path::Path) -> Vec<(std::path::PathBuf, std::time::SystemTime, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            match meta.is_dir() {
                true => folders.push(path),
                false if path.file_name().unwrap() != ".run" => {
                    found.push((path, meta.modified().unwrap(), meta.ino()))
                }
                false => {}
            }
        }
    }
    found.sort();
    found
}

#[cfg(unix)]
#[test]
fn an_unchanged_rerun_after_a_window_computes_nothing_and_rewrites_nothing() {
    use std::sync::atomic::Ordering::SeqCst;
    let dir = std::env::temp_dir().join(format!("dagger-keyed-rerun-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
    let expected = windowed::run(60).unwrap();
    WINDOW_RUNS.store(0, SeqCst);
    assert_eq!(windowed { days: 60 }.execute_on(&runner).unwrap(), expected);
    assert_eq!(WINDOW_RUNS.swap(0, SeqCst), 60);
    let before = files_and_times(&dir);
    // The window hands over one partition at a time, and its map ran over them in batches
    // (`1-2`, `3-6`, ...): the rerun finds them all, however the window's files are cut.
    assert_eq!(windowed { days: 60 }.execute_on(&runner).unwrap(), expected);
    assert_eq!(WINDOW_RUNS.swap(0, SeqCst), 0);
    assert_eq!(files_and_times(&dir), before, "no file written again, none added or removed");
    std::fs::remove_dir_all(&dir).unwrap();
}
