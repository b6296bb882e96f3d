//! The workloads of the side-by-side benchmark in `../shared/peers/` (W1 overhead, W2 word
//! count), written as dagger DAGs. The text generator mirrors `rust-baseline/src/main.rs` and
//! `py_peers.py` exactly, so that the runner can check that every peer agrees.

use std::collections::HashMap;

use dagger_core::prelude::*;

const SEED: u64 = 42;
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
const LCG_A: u64 = 6_364_136_223_846_793_005;
const LCG_C: u64 = 1_442_695_040_888_963_407;

/// The 1000-word vocabulary of the generator.
pub fn vocab() -> Vec<String> {
    let syllables: Vec<String> =
        "bcdfghjklmnprstvz".chars().flat_map(|c| "aeiou".chars().map(move |v| format!("{c}{v}"))).collect();
    (0..1000)
        .map(|i| {
            let mut word = format!("{}{}", syllables[i % 85], syllables[(i / 85) % 85]);
            if i % 3 == 0 {
                word.push_str(&syllables[(i * 37) % 85]);
            }
            word
        })
        .collect()
}

/// The deterministic text of partition `p`: `words` words from the vocabulary (skewed).
pub fn gen_partition(p: u64, words: usize, vocab: &[String]) -> String {
    let mut x = SEED ^ (p + 1).wrapping_mul(GOLDEN);
    let mut out = String::with_capacity(words * 6);
    for k in 0..words {
        x = x.wrapping_mul(LCG_A).wrapping_add(LCG_C);
        let r = x >> 32;
        let idx = ((r % 1000) * ((r / 1000) % 1000) / 1000) as usize;
        if k > 0 {
            out.push(' ');
        }
        out.push_str(&vocab[idx]);
    }
    out
}

/// W1 source: the integers `0..n`, one per partition.
#[task(partitioned)]
pub fn w1_source(n: u64) -> Vec<u64> {
    (0..n).collect()
}

/// W1 map: one multiplication per partition.
#[task]
pub fn w1_map(x: u64) -> u64 {
    x * 2
}

/// W1 reduce.
#[task]
pub fn w1_reduce(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

/// W1: `n*(n-1)`.
#[dag]
pub fn w1(n: u64) -> u64 {
    let doubled = w1_source(n).map(|x| w1_map(x));
    w1_reduce(doubled)
}

/// W2 source: `n` partitions of generated text.
#[task(partitioned)]
pub fn w2_source(n: u64, words: usize) -> Vec<String> {
    let vocab = vocab();
    (0..n).map(|p| gen_partition(p, words, &vocab)).collect()
}

/// W2 map: the word counts of one partition.
#[task]
pub fn w2_map(text: &str) -> HashMap<String, u64> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for word in text.split_ascii_whitespace() {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts.into_iter().map(|(w, c)| (w.to_string(), c)).collect()
}

/// W2 reduce: merge the counts, keep the ten most frequent words (ties by word).
#[task]
pub fn w2_reduce(counts: &[HashMap<String, u64>]) -> Vec<(String, u64)> {
    let mut total: HashMap<&str, u64> = HashMap::new();
    for partition in counts {
        for (word, count) in partition {
            *total.entry(word).or_insert(0) += count;
        }
    }
    let mut top: Vec<(&str, u64)> = total.into_iter().collect();
    top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    top.into_iter().take(10).map(|(w, c)| (w.to_string(), c)).collect()
}

/// W2: the top ten words of `n` partitions of `words` words each.
#[dag]
pub fn w2(n: u64, words: usize) -> Vec<(String, u64)> {
    let counts = w2_source(n, words).map(|text| w2_map(text));
    w2_reduce(counts)
}

/// W2 with a streaming source: the same partitions, generated one at a time, so that counting
/// starts on the first partitions while the next ones are generated.
#[task(partitioned)]
pub fn w2_stream_source(n: u64, words: usize) -> impl Iterator<Item = String> {
    let vocab = vocab();
    (0..n).map(move |p| gen_partition(p, words, &vocab))
}

/// W2 over a streaming source.
#[dag]
pub fn w2_stream(n: u64, words: usize) -> Vec<(String, u64)> {
    let counts = w2_stream_source(n, words).map(|text| w2_map(text));
    w2_reduce(counts)
}

/// W3 source: `n` partitions of `len` numbers each (8 bytes apiece in memory), produced one at a
/// time.
#[task(partitioned, format = dagger_core::Binary)]
pub fn w3_source(n: u64, len: u64) -> impl Iterator<Item = Vec<u64>> {
    (0..n).map(move |p| (0..len).map(|i| (p + i) % 1000).collect())
}

/// W3 map: a new partition of the same size.
#[task(format = dagger_core::Binary)]
pub fn w3_map(part: Vec<u64>) -> Vec<u64> {
    part.into_iter().map(|x| x * 2).collect()
}

/// W3 streaming reduce: one partition in memory at a time.
#[task]
pub fn w3_reduce(parts: Partitions<Vec<u64>>) -> u64 {
    parts.map(|part| part.iter().sum::<u64>()).sum()
}

/// W3: a map and a streaming reduce over partitions that together exceed what memory should hold.
#[dag]
pub fn w3(n: u64, len: u64) -> u64 {
    let doubled = w3_source(n, len).map(|part| w3_map(part));
    w3_reduce(doubled)
}

/// W6 map: the word counts of one partition, as `(word, count)` pairs to shuffle.
#[task]
pub fn w6_map(text: &str) -> Vec<(String, u64)> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for word in text.split_ascii_whitespace() {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts.into_iter().map(|(w, c)| (w.to_string(), c)).collect()
}

/// W6 reduce side: the totals of the words of one shuffled partition.
#[task]
pub fn w6_sum(counts: Vec<(String, u64)>) -> Vec<(String, u64)> {
    let mut total: HashMap<String, u64> = HashMap::new();
    for (word, count) in counts {
        *total.entry(word).or_insert(0) += count;
    }
    total.into_iter().collect()
}

/// W6 top: the ten most frequent words of all shuffled partitions (ties by word).
#[task]
pub fn w6_top(totals: Vec<Vec<(String, u64)>>) -> Vec<(String, u64)> {
    let mut top: Vec<(String, u64)> = totals.into_iter().flatten().collect();
    top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(10);
    top
}

/// W6, the shuffle word count: count the words of each partition (generated one at a time, as
/// rayon's program does), shuffle the counts by word into 16 partitions, sum per word, take
/// the top ten.
#[dag]
pub fn w6(n: u64, words: usize) -> Vec<(String, u64)> {
    let counts = w2_stream_source(n, words).map(|text| w6_map(text));
    let by_word = counts.shuffle(16, |(word, _): &(String, u64)| word.clone());
    let totals = by_word.map(|words| w6_sum(words));
    w6_top(totals)
}

/// W6 written with rayon alone, the speed limit: the same counts, the same 16 buckets by the
/// same hash of the word, the same sums and top ten.
pub fn w6_rayon(n: u64, words: usize) -> Vec<(String, u64)> {
    use rayon::prelude::*;
    use std::hash::{Hash, Hasher};
    let vocab = vocab();
    let bucket = |word: &String| {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        word.hash(&mut hasher);
        (hasher.finish() % 16) as usize
    };
    let split: Vec<Vec<Vec<(String, u64)>>> = (0..n)
        .into_par_iter()
        .map(|p| {
            let mut buckets = vec![Vec::new(); 16];
            for item in w6_map(&gen_partition(p, words, &vocab)) {
                buckets[bucket(&item.0)].push(item);
            }
            buckets
        })
        .collect();
    let mut by_bucket: Vec<Vec<(String, u64)>> = vec![Vec::new(); 16];
    for buckets in split {
        for (j, bucket) in buckets.into_iter().enumerate() {
            by_bucket[j].extend(bucket);
        }
    }
    let totals: Vec<Vec<(String, u64)>> = by_bucket.into_par_iter().map(w6_sum).collect();
    w6_top(totals)
}
