//! The dagger peer of `../shared/peers/run.sh`:
//!
//! ```text
//! cargo build --release --example peers
//! target/release/examples/peers w1 N | w2 N [WORDS] | w2-stream N [WORDS]
//! ```
//!
//! Prints `RESULT <compact JSON>` and `RUN_S <seconds>` (the pipeline alone, rayon's pool
//! started before the clock, as in `rust-baseline`).

use std::process::ExitCode;
use std::time::Instant;

use dagger_examples::peers::{w1, w2, w2_stream};

const USAGE: &str = "usage: peers w1 N | peers w2 N [WORDS] | peers w2-stream N [WORDS]";

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
            top.map(|top| {
                let items: Vec<String> = top.iter().map(|(w, c)| format!("[\"{w}\",{c}]")).collect();
                format!("[{}]", items.join(","))
            })
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
