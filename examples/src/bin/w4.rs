//! W4 and W5: many small partitions on disk, and resuming a run that was killed.
//!
//! ```text
//! cargo build --release --bin w4
//! target/release/w4 dagger DIR N        # the DAG `many` on a DiskStore in DIR
//! target/release/w4 by-hand DIR N       # the same files, written by a plain program
//! target/release/w4 daily DIR N         # a daily set of N days (`dagger_examples::incremental`)
//! ```
//!
//! Prints `RESULT` and `RUN_S`. A second `dagger` run on the same folder reuses what the first
//! stored; `DAGGER_W4_DELAY_US` and `DAGGER_W4_LOG` slow the map down and record each partition
//! it computes (see `dagger_examples::many`); `DAGGER_DAILY_WORK_US` and `DAGGER_DAILY_LOG` do
//! the same for the daily set (see `dagger_examples::incremental`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use dagger_core::{DiskStore, Runner};
use dagger_examples::incremental::daily_set;
use dagger_examples::many::{many, many_by_hand};

const USAGE: &str = "usage: w4 dagger|by-hand|daily DIR N";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(engine), Some(dir), Some(Ok(n))) = (args.first(), args.get(1), args.get(2).map(|n| n.parse::<u64>()))
    else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    let t0 = Instant::now();
    let result = match engine.as_str() {
        "dagger" => {
            let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
            (many { n }).execute_on(&runner).map_err(|e| e.to_string())
        }
        "by-hand" => many_by_hand(&dir, n).map_err(|e| e.to_string()),
        "daily" => {
            let runner = Runner::new().with_store(DiskStore::new(&dir)).with_progress(false);
            (daily_set { count: n as u32 }).execute_on(&runner).map_err(|e| e.to_string())
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(total) => {
            println!("RESULT {total}");
            println!("RUN_S {:.3}", t0.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
