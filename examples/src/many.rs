//! W4, many small partitions on disk: `n` partitions of one `u64` through a map and a fan-in,
//! with a disk store; and the baseline it is measured against, a plain program that writes and
//! reads the same files with the same durability.
//!
//! For the resume benchmark (W5) and the kill test, the map can be slowed down and can record
//! each partition it computes in a side channel, neither of which is part of the DAG (they do
//! not change its fingerprints): the environment variables `DAGGER_W4_DELAY_US` (a pause per
//! partition, in microseconds) and `DAGGER_W4_LOG` (a file that gets one line per partition
//! computed).

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Write};
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use dagger_core::prelude::*;

/// The numbers `0..n`, one per partition.
#[task(partitioned)]
pub fn ids(n: u64) -> Vec<u64> {
    (0..n).collect()
}

/// One partition's work.
#[task]
pub fn square(x: u64) -> u64 {
    side_channel(x);
    x * x
}

/// The fan-in.
#[task]
pub fn sum_all(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

/// W4.
#[dag]
pub fn many(n: u64) -> u64 {
    sum_all(ids(n).map(|x| square(x)))
}

/// What the map does besides its work, when asked (see the module's documentation).
fn side_channel(x: u64) {
    static DELAY: OnceLock<Option<Duration>> = OnceLock::new();
    static LOG: OnceLock<Option<Mutex<File>>> = OnceLock::new();
    let delay = DELAY.get_or_init(|| {
        std::env::var("DAGGER_W4_DELAY_US").ok().and_then(|us| us.parse().ok()).map(Duration::from_micros)
    });
    if let Some(delay) = delay {
        std::thread::sleep(*delay);
    }
    let log = LOG.get_or_init(|| {
        let path = std::env::var_os("DAGGER_W4_LOG")?;
        OpenOptions::new().create(true).append(true).open(path).ok().map(Mutex::new)
    });
    if let Some(log) = log {
        let mut file = log.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(file, "{x}");
    }
}

/// The same work written by hand, with the files and durability the disk store has: the
/// source's partitions in files of 1, 2, 4, ... 1024 (as it hands them over), each file
/// written under a temporary name and renamed, the files synced and then listed; the map reads
/// each file, writes its results the same way; the fan-in reads them all.
pub fn many_by_hand(dir: &Path, n: u64) -> std::io::Result<u64> {
    let source = dir.join("ids");
    let squares = dir.join("squares");
    let mut ranges = Vec::new();
    let (mut start, mut len) = (0, 1);
    while start < n {
        let end = (start + len).min(n);
        ranges.push(start..end);
        start = end;
        len = (len * 2).min(1024);
    }
    for range in &ranges {
        write_file(&source, range, &range.clone().collect::<Vec<u64>>())?;
    }
    seal(&source, &ranges)?;
    for range in &ranges {
        let values = read_file(&source, range)?;
        write_file(&squares, range, &values.iter().map(|x| x * x).collect::<Vec<u64>>())?;
    }
    seal(&squares, &ranges)?;
    let mut total = 0;
    for range in &ranges {
        total += read_file(&squares, range)?.iter().sum::<u64>();
    }
    Ok(total)
}

fn name(range: &std::ops::Range<u64>) -> String {
    if range.end - range.start == 1 {
        range.start.to_string()
    } else {
        format!("{}-{}", range.start, range.end - 1)
    }
}

fn write_file(dir: &Path, range: &std::ops::Range<u64>, values: &[u64]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".{}.tmp", name(range)));
    let mut file = std::io::BufWriter::new(File::create(&temporary)?);
    if values.len() == 1 {
        serde_json::to_writer(&mut file, &values[0])?;
    } else {
        serde_json::to_writer(&mut file, values)?;
    }
    file.flush()?;
    drop(file);
    fs::rename(temporary, dir.join(name(range)))
}

fn read_file(dir: &Path, range: &std::ops::Range<u64>) -> std::io::Result<Vec<u64>> {
    let reader = BufReader::new(File::open(dir.join(name(range)))?);
    Ok(if range.end - range.start == 1 {
        vec![serde_json::from_reader(reader)?]
    } else {
        serde_json::from_reader(reader)?
    })
}

/// Syncs the files and their folder, then writes the listing, synced.
fn seal(dir: &Path, ranges: &[std::ops::Range<u64>]) -> std::io::Result<()> {
    for range in ranges {
        File::open(dir.join(name(range)))?.sync_data()?;
    }
    File::open(dir)?.sync_all()?;
    let names: Vec<String> = ranges.iter().map(name).collect();
    let temporary = dir.join(".partitions.json.tmp");
    let mut file = File::create(&temporary)?;
    serde_json::to_writer(&mut file, &names)?;
    file.sync_data()?;
    fs::rename(temporary, dir.join("partitions.json"))
}
