//! A year of flights, one CSV file a day in a folder: the kind of pipeline the disk store's
//! reruns are measured on. Each day's file is parsed and summed up; each day is compared with
//! the trailing week (a window, then a join by day); each day's flights are summed up per
//! carrier, shuffled by carrier (so that each carrier's days meet in one partition) and added
//! up over the year; a report puts both together.
//!
//! ```text
//! daily_files(data) ── parse ─┬─ daily_stats ─┬──────────────────── join ── compare ─┐
//!  (keyed by day)             │               └─ window(6) ── week ──┘               ├─ report
//!                             └─ day_carriers ── shuffle(carrier) ── carrier_totals ─┘
//! ```
//!
//! The data is read through an [`InputPath`]: a day whose file changes is computed again, and
//! so is a day added to the folder, while the others are found by key. Every task counts its
//! runs ([`RUNS`]), for the tests and the benchmark (`examples/yearly.rs`) to see what a run
//! computed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use dagger_core::prelude::*;
use jiff::civil::Date;

/// One flight: who flew it, where, how late it arrived and how far it went.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Flight {
    pub carrier: String,
    pub origin: String,
    pub delay_minutes: i64,
    pub distance: u64,
}

/// What a day (or a week) adds up to.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub flights: u64,
    /// Flights more than 15 minutes late.
    pub delayed: u64,
    pub delay_minutes: i64,
}

impl Stats {
    fn add(&mut self, other: &Stats) {
        self.flights += other.flights;
        self.delayed += other.delayed;
        self.delay_minutes += other.delay_minutes;
    }

    /// The share of flights delayed, in thousandths.
    fn delayed_per_mille(&self) -> u64 {
        (self.delayed * 1000).checked_div(self.flights).unwrap_or(0)
    }
}

/// One day against its trailing week.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DayReport {
    pub flights: u64,
    pub delayed_per_mille: u64,
    pub week_delayed_per_mille: u64,
}

/// What one carrier's flights add up to, over the year.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CarrierStats {
    pub flights: u64,
    pub delayed: u64,
    pub distance: u64,
}

/// The report of the year.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub days: usize,
    pub flights: u64,
    /// The day whose share of delayed flights was furthest above its trailing week's.
    pub worst_day: Option<Date>,
    /// Each carrier, by name.
    pub carriers: BTreeMap<String, CarrierStats>,
}

/// How many times each task ran, by task: `RUNS[task as usize]`.
pub static RUNS: [AtomicUsize; 8] = [const { AtomicUsize::new(0) }; 8];

/// The tasks, as `RUNS` counts them.
#[derive(Clone, Copy, Debug)]
pub enum Task {
    DailyFiles,
    Parse,
    DailyStats,
    Week,
    Compare,
    DayCarriers,
    CarrierTotals,
    Report,
}

/// The runs of each task since the last call, in `Task` order.
pub fn runs() -> [usize; 8] {
    std::array::from_fn(|i| RUNS[i].swap(0, Ordering::SeqCst))
}

fn ran(task: Task) {
    RUNS[task as usize].fetch_add(1, Ordering::SeqCst);
}

/// The days of the data, keyed by day: the files `YYYY-MM-DD.csv` of the folder, in order.
#[task(partitioned, keyed)]
pub fn daily_files(data: InputPath) -> Result<Vec<(Date, InputPath)>, String> {
    ran(Task::DailyFiles);
    let entries = std::fs::read_dir(&data).map_err(|e| format!("{data}: {e}"))?;
    let mut days = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{data}: {e}"))?.path();
        let Some(day) = path.file_name().and_then(|name| name.to_str()?.strip_suffix(".csv")) else { continue };
        let day: Date = day.parse().map_err(|e| format!("{}: not a day's file: {e}", path.display()))?;
        days.push((day, InputPath::new(path)));
    }
    days.sort_by_key(|(day, _)| *day);
    Ok(days)
}

/// The flights of one day's file: `carrier,origin,delay_minutes,distance` lines, after a header.
#[task]
pub fn parse(file: InputPath) -> Result<Vec<Flight>, String> {
    ran(Task::Parse);
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
    let mut flights = Vec::new();
    for (number, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let [carrier, origin, delay, distance] = fields[..] else {
            return Err(format!("{file}:{}: not 4 fields: `{line}`", number + 1));
        };
        let number = |text: &str| format!("{file}:{}: `{text}` is not a number", number + 1);
        flights.push(Flight {
            carrier: carrier.to_string(),
            origin: origin.to_string(),
            delay_minutes: delay.parse().map_err(|_| number(delay))?,
            distance: distance.parse().map_err(|_| number(distance))?,
        });
    }
    Ok(flights)
}

/// What one day's flights add up to.
#[task]
pub fn daily_stats(flights: &[Flight]) -> Stats {
    ran(Task::DailyStats);
    let delayed = flights.iter().filter(|f| f.delay_minutes > 15).count() as u64;
    Stats { flights: flights.len() as u64, delayed, delay_minutes: flights.iter().map(|f| f.delay_minutes).sum() }
}

/// A day and the six before it, added up.
#[task]
pub fn week(days: Vec<(Date, Stats)>) -> Stats {
    ran(Task::Week);
    let mut week = Stats::default();
    days.iter().for_each(|(_, day)| week.add(day));
    week
}

/// A day against its trailing week.
#[task]
pub fn compare(day_and_week: (Stats, Stats)) -> DayReport {
    ran(Task::Compare);
    let (day, week) = day_and_week;
    DayReport {
        flights: day.flights,
        delayed_per_mille: day.delayed_per_mille(),
        week_delayed_per_mille: week.delayed_per_mille(),
    }
}

/// What one day's flights add up to, carrier by carrier.
#[task]
pub fn day_carriers(flights: &[Flight]) -> Vec<(String, CarrierStats)> {
    ran(Task::DayCarriers);
    let mut carriers: BTreeMap<&str, CarrierStats> = BTreeMap::new();
    for flight in flights {
        let stats = carriers.entry(&flight.carrier).or_default();
        stats.flights += 1;
        stats.delayed += u64::from(flight.delay_minutes > 15);
        stats.distance += flight.distance;
    }
    carriers.into_iter().map(|(carrier, stats)| (carrier.to_string(), stats)).collect()
}

/// The carriers of one shuffled partition over the year: every day of each of them is in it.
#[task]
pub fn carrier_totals(days: Vec<(String, CarrierStats)>) -> BTreeMap<String, CarrierStats> {
    ran(Task::CarrierTotals);
    let mut carriers: BTreeMap<String, CarrierStats> = BTreeMap::new();
    for (carrier, day) in days {
        let total = carriers.entry(carrier).or_default();
        total.flights += day.flights;
        total.delayed += day.delayed;
        total.distance += day.distance;
    }
    carriers
}

/// The year: every day against its week, and every carrier.
#[task]
pub fn report(days: BTreeMap<Date, DayReport>, carriers: Vec<BTreeMap<String, CarrierStats>>) -> Report {
    ran(Task::Report);
    let above = |day: &DayReport| day.delayed_per_mille as i64 - day.week_delayed_per_mille as i64;
    let worst_day = days.iter().max_by_key(|(day, report)| (above(report), std::cmp::Reverse(**day))).map(|(d, _)| *d);
    Report {
        days: days.len(),
        flights: days.values().map(|day| day.flights).sum(),
        worst_day,
        carriers: carriers.into_iter().flatten().collect(),
    }
}

/// The pipeline over the daily files of `data`, the flights shuffled into `buckets`.
#[dag]
pub fn flights(data: InputPath) -> Report {
    let parsed = daily_files(data).map(|file| parse(file));
    let stats = parsed.map(|flights| daily_stats(flights));
    let weeks = stats.window(6);
    let weekly = weeks.map(|days| week(days));
    let compared = stats.join(weekly).map(|pair| compare(pair));
    let by_carrier =
        parsed.map(|flights| day_carriers(flights)).shuffle(8, |(carrier, _): &(String, CarrierStats)| carrier.clone());
    let carriers = by_carrier.map(|days| carrier_totals(days));
    report(compared, carriers)
}

/// The carriers the made-up data flies.
const CARRIERS: [&str; 12] = ["AA", "AS", "B6", "DL", "F9", "G4", "HA", "MQ", "NK", "OO", "UA", "WN"];
const AIRPORTS: [&str; 10] = ["ATL", "DEN", "DFW", "JFK", "LAX", "ORD", "PHX", "SEA", "SFO", "BOS"];

/// The file of day `day` (the `n`th of the data), `flights` flights made up from its number, so
/// that every run and every machine sees the same.
pub fn day_file(day: Date, n: u64, flights: u64) -> String {
    let mut text = String::from("carrier,origin,delay_minutes,distance\n");
    let mut seed = n.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(day.day() as u64);
    for _ in 0..flights {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let pick = (seed >> 33) as usize;
        let delay = (seed >> 20) % 120;
        let _ = writeln!(
            text,
            "{},{},{},{}",
            CARRIERS[pick % CARRIERS.len()],
            AIRPORTS[(pick / 12) % AIRPORTS.len()],
            delay as i64 - 20,
            200 + (seed >> 40) % 2500
        );
    }
    text
}

/// Writes the files of `days` days from 2024-01-01 into `data`, `flights` flights each, each
/// last modified the day after its own, as a day's data is written once the day is over (the
/// days already there are left as they are).
pub fn write_days(data: &Path, days: u64, flights: u64) -> std::io::Result<()> {
    std::fs::create_dir_all(data)?;
    let first = jiff::civil::date(2024, 1, 1);
    for n in 0..days {
        let day = first.checked_add(jiff::Span::new().days(n as i64)).map_err(std::io::Error::other)?;
        let file = data.join(format!("{day}.csv"));
        if !file.exists() {
            std::fs::write(&file, day_file(day, n, flights))?;
            let written = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_704_153_600 + 86_400 * n);
            std::fs::File::options().write(true).open(&file)?.set_modified(written)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_is_what_the_tasks_give_as_functions() {
        let data = std::env::temp_dir().join(format!("dagger-flights-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        write_days(&data, 20, 50).unwrap();
        let files = daily_files(InputPath::new(&data)).unwrap();
        let parsed: Vec<(Date, Vec<Flight>)> = files.into_iter().map(|(d, f)| (d, parse(f).unwrap())).collect();
        let stats: Vec<Stats> = parsed.iter().map(|(_, flights)| daily_stats(flights)).collect();
        let days: BTreeMap<Date, DayReport> = (0..parsed.len())
            .map(|i| {
                let window: Vec<(Date, Stats)> =
                    (i.saturating_sub(6)..=i).map(|j| (parsed[j].0, stats[j].clone())).collect();
                (parsed[i].0, compare((stats[i].clone(), week(window))))
            })
            .collect();
        let all: Vec<(String, CarrierStats)> = parsed.iter().flat_map(|(_, flights)| day_carriers(flights)).collect();
        let expected = report(days, vec![carrier_totals(all)]);
        assert_eq!(expected.days, 20);
        assert_eq!(expected.flights, 1000);
        assert_eq!(flights::run(InputPath::new(&data)).unwrap(), expected);
        std::fs::remove_dir_all(&data).unwrap();
    }
}
