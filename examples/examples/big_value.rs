//! One big whole value through a disk store: a task returns `MB` megabytes (as JSON) of rows,
//! the store writes them, and the next task reads them back. What it costs in time and memory,
//! in JSON (the default) and in the binary format (postcard).
//!
//! ```text
//! cargo build --release --example big_value
//! target/release/examples/big_value json|binary|serde-json MB
//! ```
//!
//! `serde-json` is the floor for JSON: the same rows written by `serde_json` straight to a
//! buffered file (synced, as the store syncs a whole output), and read back whole.
//!
//! Runs the two nodes as two jobs on one store, and prints `RESULT` (the rows read back),
//! `MAKE_S` (making the value, in memory), `WRITE_S` (the first job, less `MAKE_S`: the value
//! written), `READ_S` (the second job: the value read back and counted), `RUN_S` (`WRITE_S` and
//! `READ_S`), `TOTAL_S` (`MAKE_S` and `RUN_S`: the whole pipeline) and `PEAK_RSS_MB` (from
//! `/proc/self/status`).

use std::process::ExitCode;
use std::time::Instant;

use dagger_core::prelude::*;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Row {
    id: u64,
    name: String,
    score: f64,
}

/// About 40 bytes of JSON a row: `{"id":1234567,"name":"row-1234567","score":0.5}`.
fn rows(mb: u64) -> Vec<Row> {
    let n = mb * 1024 * 1024 / 48;
    (0..n).map(|id| Row { id, name: format!("row-{id}"), score: id as f64 / 7.0 }).collect()
}

#[task]
fn rows_json(mb: u64) -> Vec<Row> {
    rows(mb)
}

#[task(format = Binary)]
fn rows_binary(mb: u64) -> Vec<Row> {
    rows(mb)
}

#[task]
fn count(rows: &[Row]) -> u64 {
    rows.len() as u64
}

#[dag]
fn json(mb: u64) -> u64 {
    count(rows_json(mb))
}

#[dag]
fn binary(mb: u64) -> u64 {
    count(rows_binary(mb))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(format), Some(Ok(mb))) = (args.first(), args.get(1).map(|a| a.parse::<u64>())) else {
        eprintln!("usage: big_value json|binary|serde-json MB");
        return ExitCode::from(2);
    };
    let store = match DiskStore::temporary() {
        Ok(store) => store,
        Err(error) => {
            eprintln!("cannot create a temporary folder: {error}");
            return ExitCode::FAILURE;
        }
    };
    let dir = store.root().to_path_buf();
    if format == "serde-json" {
        return plain_json(mb, &dir);
    }
    let runner = Runner::new().with_store(DiskStore::new(dir.join("jobs"))).with_progress(false);
    let t0 = Instant::now();
    drop(rows(mb));
    let make = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let (producer, dag) = match format.as_str() {
        "json" => ("rows_json", json::dag()),
        "binary" => ("rows_binary", binary::dag()),
        _ => {
            eprintln!("usage: big_value json|binary MB");
            return ExitCode::from(2);
        }
    };
    let jobs = runner.run_node(&dag, (mb,), producer, None).and_then(|()| {
        let written = t1.elapsed().as_secs_f64();
        let t2 = Instant::now();
        runner.run_node(&dag, (mb,), "count", None)?;
        let read = t2.elapsed().as_secs_f64();
        Ok((written, read, runner.run(&dag, (mb,))?))
    });
    let _ = std::fs::remove_dir_all(&dir);
    match jobs {
        Ok((written, read, rows)) => {
            println!("RESULT {rows}");
            println!("MAKE_S {make:.3}");
            println!("WRITE_S {:.3}", written - make);
            println!("READ_S {read:.3}");
            println!("RUN_S {:.3}", written - make + read);
            println!("TOTAL_S {:.3}", written + read);
            println!("PEAK_RSS_MB {}", peak_rss_mb().map_or("unknown".to_string(), |mb| mb.to_string()));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// The rows written and read by `serde_json` alone.
fn plain_json(mb: u64, dir: &std::path::Path) -> ExitCode {
    let file = dir.join("rows.json");
    let t0 = Instant::now();
    let value = rows(mb);
    let make = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let written = std::fs::File::create(&file).and_then(|handle| {
        let mut writer = std::io::BufWriter::with_capacity(1 << 16, handle);
        serde_json::to_writer(&mut writer, &value)?;
        writer.into_inner().map_err(|e| e.into_error())?.sync_data()
    });
    drop(value);
    let write = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let read = std::fs::read(&file).and_then(|bytes| Ok(serde_json::from_slice::<Vec<Row>>(&bytes)?.len()));
    let read_s = t2.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(dir);
    match written.and(read) {
        Ok(rows) => {
            println!("RESULT {rows}");
            println!("MAKE_S {make:.3}");
            println!("WRITE_S {write:.3}");
            println!("READ_S {read_s:.3}");
            println!("RUN_S {:.3}", write + read_s);
            println!("TOTAL_S {:.3}", make + write + read_s);
            println!("PEAK_RSS_MB {}", peak_rss_mb().map_or("unknown".to_string(), |mb| mb.to_string()));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}
