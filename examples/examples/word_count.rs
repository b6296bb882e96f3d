//! `cargo run --example word_count`: the most frequent words of a small corpus, counted per
//! partition with broadcast inputs, then merged.

use dagger_examples::word_count::{word_count, CORPUS};

fn main() -> Result<(), dagger_core::Error> {
    let stop_words = vec!["the".to_string(), "on".to_string(), "and".to_string()];
    for (word, count) in word_count::run(CORPUS.to_string(), stop_words, 3)? {
        println!("{word} {count}");
    }
    Ok(())
}
