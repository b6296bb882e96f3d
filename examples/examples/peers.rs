//! The dagger peer of `../shared/peers/run.sh`:
//!
//! ```text
//! cargo build --release --example peers
//! target/release/examples/peers w1 N | w2 N [WORDS] | w2-stream N [WORDS]
//! target/release/examples/peers w6 N [WORDS] | w6-disk N [WORDS] | w6-rayon N [WORDS]
//! ```
//!
//! W6 is the shuffle word count (counts shuffled by word into 16 partitions, summed, top ten):
//! `w6` in memory, `w6-disk` with a temporary `DiskStore`, `w6-rayon` the same with rayon alone.
//!
//! Prints `RESULT <compact JSON>` and `RUN_S <seconds>` (the pipeline alone, rayon's pool
//! started before the clock, as in `rust-baseline`).

use std::process::ExitCode;
use std::time::Instant;

use dagger_core::{DiskStore, Runner};
use dagger_examples::peers::{w1, w2, w2_stream, w6, w6_rayon};

const USAGE: &str =
    "usage: peers w1 N | peers w2 N [WORDS] | peers w2-stream N [WORDS] | peers w6 | w6-disk | w6-rayon N [WORDS]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| args.get(i).map(|s| s.parse::<u64>().map_err(|_| format!("not a number: {s}")));
    rayon::broadcast(|_| ());
    let t0 = Instant::now();
    let result = match (args.first().map(String::as_str), number(1), number(2)) {
        (Some("w1"), Some(Ok(n)), None) => w1::run(n).map(|total| total.to_string()),
        (Some(workload @ ("w2" | "w2-stream")), Some(Ok(n)), words) => {
            let words = match words {
                None => 35_000,
                Some(Ok(w)) => w as usize,
                Some(Err(e)) => return fail(&e),
            };
            let top = if workload == "w2" { w2::run(n, words) } else { w2_stream::run(n, words) };
            top.map(|top| compact(&top))
        }
        (Some(workload @ ("w6" | "w6-disk" | "w6-rayon")), Some(Ok(n)), words) => {
            let words = match words {
                None => 35_000,
                Some(Ok(w)) => w as usize,
                Some(Err(e)) => return fail(&e),
            };
            match workload {
                "w6" => w6::run(n, words).map(|top| compact(&top)),
                "w6-rayon" => Ok(compact(&w6_rayon(n, words))),
                _ => match DiskStore::temporary() {
                    Ok(store) => w6 { n, words }.execute_on(&Runner::new().with_store(store)).map(|top| compact(&top)),
                    Err(e) => return fail(&format!("cannot make a temporary store: {e}")),
                },
            }
        }
        _ => return fail(USAGE),
    };
    let elapsed = t0.elapsed().as_secs_f64();
    match result {
        Ok(result) => {
            println!("RESULT {result}");
            println!("RUN_S {elapsed:.6}");
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error.to_string()),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("{message}");
    ExitCode::from(2)
}

/// `[["word",count],...]`, as every peer prints it.
fn compact(top: &[(String, u64)]) -> String {
    let items: Vec<String> = top.iter().map(|(w, c)| format!("[\"{w}\",{c}]")).collect();
    format!("[{}]", items.join(","))
}
