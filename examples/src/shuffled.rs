//! A keyed word count with a shuffle: documents keyed by name, the words of each counted (the
//! map keeps the names, so a failure names the document), the counts shuffled by word into 4
//! partitions, so that each word's counts meet in one partition, summed there, and the most
//! frequent words kept.

use std::collections::BTreeMap;

use dagger_core::prelude::*;

/// The documents, keyed by name: made up, `count` of them.
#[task(partitioned, keyed)]
pub fn documents(count: usize) -> BTreeMap<String, String> {
    let words = ["data", "pipeline", "partition", "key", "shuffle", "rust", "task", "map"];
    (0..count)
        .map(|d| {
            let text: Vec<&str> = (0..20 + d).map(|i| words[(i * (d + 3) + d) % words.len()]).collect();
            (format!("doc-{d:03}"), text.join(" "))
        })
        .collect()
}

/// The counts of the words of one document.
#[task]
pub fn document_counts(text: &str) -> Vec<(String, u64)> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    text.split_whitespace().for_each(|word| *counts.entry(word).or_default() += 1);
    counts.into_iter().map(|(word, count)| (word.to_string(), count)).collect()
}

/// The totals of the words of one shuffled partition: every count of these words is here.
#[task]
pub fn word_totals(counts: Vec<(String, u64)>) -> BTreeMap<String, u64> {
    let mut totals = BTreeMap::new();
    counts.into_iter().for_each(|(word, count)| *totals.entry(word).or_default() += count);
    totals
}

/// The `top` most frequent words (ties by word).
#[task]
pub fn most_frequent(totals: Vec<BTreeMap<String, u64>>, top: usize) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = totals.into_iter().flatten().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(top);
    all
}

/// Words counted per document, shuffled by word, summed.
#[dag]
pub fn shuffled_words(#[default(12)] count: usize, #[default(3)] top: usize) -> Vec<(String, u64)> {
    let counts = documents(count).map(|text| document_counts(text));
    let by_word = counts.shuffle(4, |(word, _): &(String, u64)| word.clone());
    let totals = by_word.map(|words| word_totals(words));
    most_frequent(totals, top)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shuffle_gives_the_totals_of_a_plain_count() {
        let mut totals: BTreeMap<String, u64> = BTreeMap::new();
        for (_, text) in documents(12) {
            for (word, count) in document_counts(&text) {
                *totals.entry(word).or_default() += count;
            }
        }
        assert_eq!(shuffled_words::run(12, 8).unwrap(), most_frequent(vec![totals], 8));
    }
}
