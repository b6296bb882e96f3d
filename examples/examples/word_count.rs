//! `cargo run --example word_count`: the most frequent words of a small corpus, counted per
//! partition with broadcast inputs, then merged. With arguments, the command line of
//! `dagger_core::cli`: `-- run -p top=2 -p 'stop_words=["the"]'`.

use std::process::ExitCode;

use dagger_core::cli::Cli;
use dagger_examples::word_count::{word_count, CORPUS};

fn main() -> ExitCode {
    if std::env::args_os().len() > 1 {
        return Cli::new(word_count::dag()).run();
    }
    let stop_words = vec!["the".to_string(), "on".to_string(), "and".to_string()];
    match word_count::run(CORPUS.to_string(), stop_words, 3) {
        Ok(top) => {
            for (word, count) in top {
                println!("{word} {count}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
