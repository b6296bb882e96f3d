//! Reruns of a year of daily data on a disk store: the flights pipeline (`dagger_examples::
//! flights`: parse, daily stats, a 7-day window, a join, a shuffle by carrier, a report) over
//! 365 daily files, then the same run again with nothing changed, then with a 366th day added.
//! Each round starts from a new folder of data and a new store; the three runs of a round are
//! run one after the other, so that each round's ratios compare runs that saw the same load.
//!
//! ```text
//! cargo build --release --example yearly
//! target/release/examples/yearly [ROUNDS] [FLIGHTS_PER_DAY] [DIR]
//! ```
//!
//! Prints a line per round (seconds, and how many partitions each run computed: the tasks count
//! their runs), then `COLD_S`, `RERUN_S`, `GROWN_S` (medians) and `RERUN_RATIO`, `GROWN_RATIO`
//! (median and range of the per-round ratios to the cold run).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use dagger_core::prelude::*;
use dagger_examples::flights::{flights, runs, write_days};

/// One run: its time, and how many times each task ran.
fn timed(data: &Path, store: &Path) -> Result<(f64, [usize; 8]), Error> {
    let runner = Runner::new().with_store(DiskStore::new(store)).with_progress(false);
    let _ = runs();
    let t0 = Instant::now();
    flights { data: InputPath::new(data) }.execute_on(&runner)?;
    Ok((t0.elapsed().as_secs_f64(), runs()))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn spread(values: &mut [f64]) -> String {
    let m = median(values);
    format!("{m:.4} ({:.4}-{:.4})", values[0], values[values.len() - 1])
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(5);
    let per_day: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3000);
    let dir = args.get(2).map_or_else(|| std::env::temp_dir().join("dagger-yearly"), Into::into);
    let (mut cold, mut rerun, mut grown, mut rerun_ratio, mut grown_ratio) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    println!("runs: daily_files parse daily_stats week compare day_carriers carrier_totals report");
    for round in 0..rounds {
        let _ = std::fs::remove_dir_all(&dir);
        let (data, store) = (dir.join("data"), dir.join("store"));
        if let Err(error) = write_days(&data, 365, per_day) {
            eprintln!("error: cannot write the data: {error}");
            return ExitCode::FAILURE;
        }
        let outcome = (|| {
            let first = timed(&data, &store)?;
            let again = timed(&data, &store)?;
            write_days(&data, 366, per_day).map_err(|e| Error::StoreUnavailable { file: None, error: e.into() })?;
            let more = timed(&data, &store)?;
            Ok::<_, Error>((first, again, more))
        })();
        let ((c, c_runs), (r, r_runs), (g, g_runs)) = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "round {round}: cold {c:.3} s {c_runs:?}; unchanged {r:.3} s {r_runs:?}; one day more {g:.3} s {g_runs:?}"
        );
        cold.push(c);
        rerun.push(r);
        grown.push(g);
        rerun_ratio.push(r / c);
        grown_ratio.push(g / c);
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("COLD_S {:.3}", median(&mut cold));
    println!("RERUN_S {:.3}", median(&mut rerun));
    println!("GROWN_S {:.3}", median(&mut grown));
    println!("RERUN_RATIO {}", spread(&mut rerun_ratio));
    println!("GROWN_RATIO {}", spread(&mut grown_ratio));
    ExitCode::SUCCESS
}
