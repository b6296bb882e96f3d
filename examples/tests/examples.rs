//! The examples compute the values the original documents.

use dagger_examples::composition::{composite_map_reduce, dataset_pipeline, transform_dataset};
use dagger_examples::quick_start::{quick_start, raise_number};
use dagger_examples::word_count::{word_count, CORPUS};

#[test]
fn quick_start_prints_91() {
    assert_eq!(quick_start::default().execute().unwrap(), 91);
    assert_eq!(quick_start::run(2).unwrap(), 91);
    assert_eq!(quick_start::run(1).unwrap(), 21);
    // Tasks stay plain functions.
    assert_eq!(raise_number(3, 3), 27);
}

#[test]
fn word_count_merges_partition_counts_with_broadcast_stop_words() {
    let stop_words = vec!["the".to_string(), "on".to_string(), "and".to_string()];
    let top = word_count::run(CORPUS.to_string(), stop_words, 3).unwrap();
    assert_eq!(top, [("cat".to_string(), 4), ("dog".to_string(), 4), ("mat".to_string(), 3)]);
    let graph = word_count::dag();
    let count_node = graph.graph().nodes().into_iter().find(|n| n.name == "count_words").unwrap();
    assert!(count_node.partitioned);
}

#[test]
fn dag_composition_gives_the_documented_dataset() {
    assert_eq!(
        dataset_pipeline::run().unwrap(),
        "original dataset, with field a encoded, with fields b and c aggregated, \
         with moving average for d calculated using 3 windows"
    );
    assert_eq!(
        transform_dataset::run("x".into()).unwrap(),
        "x, with field a encoded, with fields b and c aggregated, with moving average for d calculated using 3 windows"
    );
}

#[test]
fn composite_map_reduce_gives_20() {
    assert_eq!(composite_map_reduce::default().execute().unwrap(), 20);
    assert_eq!(composite_map_reduce::run(2, 3).unwrap(), 1 + 9);
}

#[test]
fn every_example_gives_the_same_result_with_outputs_on_disk() {
    use dagger_core::{DiskStore, Runner};
    let disk = Runner::new().with_store(DiskStore::temporary().unwrap());
    assert_eq!(quick_start::default().execute_on(&disk).unwrap(), 91);
    let stop_words = vec!["the".to_string(), "on".to_string(), "and".to_string()];
    assert_eq!(
        word_count { corpus: CORPUS.to_string(), stop_words: stop_words.clone(), top: 3 }.execute_on(&disk).unwrap(),
        word_count::run(CORPUS.to_string(), stop_words, 3).unwrap()
    );
    assert_eq!(dataset_pipeline {}.execute_on(&disk).unwrap(), dataset_pipeline::run().unwrap());
    assert_eq!(composite_map_reduce::default().execute_on(&disk).unwrap(), 20);
}

/// Daily sales with a trailing 7-day window, backfilled one week at a time: the week's run
/// computes that week's days only, and the full run then finds them by key.
#[test]
fn the_weekly_trend_is_backfilled_one_week_at_a_time() {
    use dagger_core::keys::KeyFilter;
    use dagger_core::{DiskStore, Runner};
    use dagger_examples::daily_sales::weekly_trend;
    use jiff::civil::date;

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("weekly-backfill");
    let _ = std::fs::remove_dir_all(&dir);
    let trend = || weekly_trend { from: date(2024, 2, 1), to: date(2024, 3, 10), report_from: date(2024, 2, 26) };
    let week =
        Runner::new().with_store(DiskStore::new(&dir)).with_keys(KeyFilter::parse("2024-02-26..2024-03-04").unwrap());
    let backfilled = trend().execute_on(&week).unwrap();
    assert_eq!(backfilled.len(), 7, "the week's days");
    let listing = std::fs::read(dir.join("weekly_trend/day_total/output/partitions.json")).unwrap();
    let listing = &listing[..listing.len() - 29]; // without the digest line every stored file ends with
    let files: Vec<String> = serde_json::from_slice(listing).unwrap();
    assert_eq!(files.iter().map(|file| file_len(file)).sum::<usize>(), 7, "7 days computed: {files:?}");
    let everything = trend().execute_on(&Runner::new().with_store(DiskStore::new(&dir))).unwrap();
    assert_eq!(everything, trend().execute().unwrap());
    // Within the backfill, a window holds the week's days only: the week's last day has its
    // whole window in the week, the first day's window is that day alone.
    assert_eq!(backfilled[6], everything[6]);
    assert_ne!(backfilled[0], everything[0]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The partitions a store file holds: `3` one, `0-1023` 1024.
fn file_len(name: &str) -> usize {
    match name.split_once('-') {
        Some((a, b)) => b.parse::<usize>().unwrap() - a.parse::<usize>().unwrap() + 1,
        None => 1,
    }
}

/// A dynamic key set that grows between two runs: the second computes the new key only.
#[test]
fn a_grown_daily_set_computes_the_new_day_only() {
    use dagger_core::{DiskStore, Runner};
    use dagger_examples::incremental::{daily_set, COMPUTED, WORK};
    use std::sync::atomic::Ordering::SeqCst;

    WORK.store(0, SeqCst);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("grown-set");
    let _ = std::fs::remove_dir_all(&dir);
    let runner = Runner::new().with_store(DiskStore::new(&dir));
    assert_eq!(daily_set { count: 365 }.execute_on(&runner).unwrap(), 365 * 366);
    assert_eq!(COMPUTED.swap(0, SeqCst), 365);
    assert_eq!(daily_set { count: 366 }.execute_on(&runner).unwrap(), 366 * 367);
    assert_eq!(COMPUTED.swap(0, SeqCst), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every file under `dir` (but the run's holder), with when it was last written and which file it is.
#[cfg(unix)]
fn files_and_times(
    dir: &std::path::Path,
) -> std::collections::BTreeMap<std::path::PathBuf, (std::time::SystemTime, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut found = std::collections::BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                folders.push(path);
            } else if path.file_name().unwrap() != ".run" {
                found.insert(path, (meta.modified().unwrap(), meta.ino()));
            }
        }
    }
    found
}

/// A year of daily files through parse, stats, a window, a join and a shuffle: a rerun with
/// nothing changed computes and writes nothing; a day more computes that day; a day changed
/// computes it and the weeks it is in; what is found again is the same file, not a copy.
#[cfg(unix)]
#[test]
fn a_year_of_daily_files_reruns_only_what_changed() {
    use dagger_core::prelude::*;
    use dagger_examples::flights::{flights, runs, write_days};
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("examples-flights");
    let _ = std::fs::remove_dir_all(&dir);
    let (data, store) = (dir.join("data"), dir.join("store"));
    write_days(&data, 60, 40).unwrap();
    let runner = Runner::new().with_store(DiskStore::new(&store)).with_progress(false);
    // Each run on the store, with how many times each task ran; then the same in memory.
    let run = || {
        let _ = runs();
        let value = flights { data: InputPath::new(&data) }.execute_on(&runner).unwrap();
        let ran = runs();
        assert_eq!(value, flights::run(InputPath::new(&data)).unwrap());
        (value, ran)
    };
    let (first, ran) = run();
    // daily_files parse daily_stats week compare day_carriers carrier_totals report
    assert_eq!(ran, [1, 60, 60, 60, 60, 60, 8, 1]);
    let before = files_and_times(&store);
    assert_eq!(run(), (first, [0; 8]), "nothing changed: nothing runs");
    assert_eq!(files_and_times(&store), before, "and no file is written again");

    // One day more: that day, through every map; the shuffle's partitions all get its flights.
    write_days(&data, 61, 40).unwrap();
    let (grown, ran) = run();
    assert_eq!((grown.days, ran), (61, [1, 1, 1, 1, 1, 1, 8, 1]));
    // The parsed days found again are the files of the first run, linked, not rewritten.
    let parsed: Vec<_> = before.iter().filter(|(path, _)| path.to_string_lossy().contains("/parse/output/")).collect();
    let after = files_and_times(&store);
    let inodes: std::collections::HashSet<u64> = after.values().map(|(_, inode)| *inode).collect();
    let kept = parsed.iter().filter(|(path, (_, inode))| !path.ends_with("partitions.json") && inodes.contains(inode));
    assert!(kept.count() > 0, "{parsed:?}");

    // One day's file changed: that day, and the 7 weeks it is in.
    let day = data.join("2024-01-20.csv");
    let text = std::fs::read_to_string(&day).unwrap();
    std::fs::write(&day, text.replacen(",-", ",9", 1)).unwrap();
    let (changed, ran) = run();
    assert_ne!(changed, grown);
    assert_eq!(ran, [1, 1, 1, 7, 7, 1, 8, 1]);
    std::fs::remove_dir_all(&dir).unwrap();
}
