//! The chained-map workload: log files listed, each parsed then summarized in a chain of two
//! tasks inside one map, the summaries merged. The parsed file is large and the summary small,
//! so memory shows whether a chain holds the partitions in flight or a whole batch of them.
//! The same functions run under plain rayon (`par_iter`) for the comparison.

use dagger_core::prelude::*;
use rayon::prelude::*;

/// One line of a log file.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Record {
    pub path: String,
    pub status: u16,
    pub latency_ms: f64,
}

/// What one file, or all of them, add up to.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub lines: u64,
    pub errors: u64,
    pub total_latency_ms: f64,
    pub max_latency_ms: f64,
}

/// The log files to read: `app-000.log` to `app-{n-1}.log`.
#[task(partitioned)]
pub fn list_files(n: u64) -> Vec<String> {
    (0..n).map(|i| format!("app-{i:03}.log")).collect()
}

/// Reads and parses one file. (Its text is generated from its name, so the benchmark needs no
/// files on disk: `lines` lines of about 60 bytes.)
#[task]
pub fn parse_file(name: String, lines: u64) -> Result<Vec<Record>, String> {
    let text = generate(&name, lines);
    text.lines().map(|line| parse_line(line).ok_or_else(|| format!("{name}: malformed line `{line}`"))).collect()
}

/// The statistics of one parsed file.
#[task]
pub fn file_stats(records: Vec<Record>) -> Stats {
    let mut stats = Stats { lines: records.len() as u64, ..Stats::default() };
    for record in &records {
        stats.errors += u64::from(record.status >= 500);
        stats.total_latency_ms += record.latency_ms;
        stats.max_latency_ms = stats.max_latency_ms.max(record.latency_ms);
    }
    stats
}

/// Every file's statistics, added up.
#[task]
pub fn merge(all: Vec<Stats>) -> Stats {
    all.into_iter().fold(Stats::default(), |mut sum, stats| {
        sum.lines += stats.lines;
        sum.errors += stats.errors;
        sum.total_latency_ms += stats.total_latency_ms;
        sum.max_latency_ms = sum.max_latency_ms.max(stats.max_latency_ms);
        sum
    })
}

/// The pipeline: list, then parse and summarize each file in one map, then merge.
#[dag]
pub fn logs(files: u64, lines: u64) -> Stats {
    let stats = list_files(files).map(|file| {
        let records = parse_file(file, lines);
        file_stats(records)
    });
    merge(stats)
}

/// The same pipeline with plain rayon: the strongest baseline, each file parsed and summarized
/// by one closure.
pub fn logs_with_rayon(files: u64, lines: u64) -> Result<Stats, String> {
    let stats: Vec<Stats> = list_files(files)
        .into_par_iter()
        .map(|file| parse_file(file, lines).map(file_stats))
        .collect::<Result<_, _>>()?;
    Ok(merge(stats))
}

fn parse_line(line: &str) -> Option<Record> {
    let mut fields = line.split(' ');
    let path = fields.next()?.to_string();
    let status = fields.next()?.parse().ok()?;
    let latency_ms = fields.next()?.parse().ok()?;
    Some(Record { path, status, latency_ms })
}

/// `lines` lines of `<path> <status> <latency>`, from a generator seeded by the file's name.
fn generate(name: &str, lines: u64) -> String {
    let mut x = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let mut text = String::with_capacity(lines as usize * 64);
    for _ in 0..lines {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let r = x >> 33;
        let status = [200, 200, 200, 201, 304, 404, 500, 503][(r % 8) as usize];
        let latency = (r % 100_000) as f64 / 100.0;
        text.push_str(&format!("/api/v1/items/{}/details {status} {latency}\n", r % 10_000));
    }
    text
}
