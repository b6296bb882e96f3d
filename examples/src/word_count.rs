//! Map-reduce with broadcast inputs: count words in partitions of text, skipping stop words
//! (a DAG parameter) and words shorter than a length computed by a node, then merge the counts
//! and keep the most frequent words.

use std::collections::BTreeMap;

use dagger_core::prelude::*;

/// Splits a corpus into partitions of `lines_per_chunk` lines.
#[task(partitioned)]
pub fn split_lines(corpus: String, lines_per_chunk: usize) -> Vec<String> {
    let lines: Vec<&str> = corpus.lines().collect();
    lines.chunks(lines_per_chunk.max(1)).map(|chunk| chunk.join("\n")).collect()
}

/// The shortest word worth counting: a whole value computed once and broadcast to every map.
#[task]
pub fn minimum_length(stop_words: &[String]) -> usize {
    stop_words.iter().map(String::len).min().unwrap_or(1)
}

/// Counts the words of one partition.
#[task]
pub fn count_words(chunk: &str, stop_words: &[String], min_len: &usize) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for word in chunk.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let word = word.to_lowercase();
        if word.len() >= *min_len && !stop_words.contains(&word) {
            *counts.entry(word).or_insert(0) += 1;
        }
    }
    counts
}

/// Merges the counts of every partition and keeps the `top` most frequent words.
#[task]
pub fn merge_top(counts: Vec<BTreeMap<String, u64>>, top: usize) -> Vec<(String, u64)> {
    let mut total: BTreeMap<String, u64> = BTreeMap::new();
    for partition in counts {
        for (word, n) in partition {
            *total.entry(word).or_insert(0) += n;
        }
    }
    let mut ranked: Vec<(String, u64)> = total.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(top);
    ranked
}

#[dag]
pub fn word_count(
    #[default(CORPUS.to_string())] corpus: String,
    #[default(vec!["the".to_string(), "on".to_string(), "and".to_string()])] stop_words: Vec<String>,
    #[default(3)] top: usize,
) -> Vec<(String, u64)> {
    let chunks = split_lines(corpus, 2);
    let min_len = minimum_length(stop_words);
    let counts = chunks.map(|chunk| count_words(chunk, stop_words, min_len));
    merge_top(counts, top)
}

/// A small corpus for the example and its test.
pub const CORPUS: &str = "the cat sat on the mat
the dog sat on the log
a cat and a dog met on a mat
the cat ran and the dog ran
no cat no dog no mat";
