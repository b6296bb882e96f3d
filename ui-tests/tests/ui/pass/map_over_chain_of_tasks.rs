// A map runs a chain of tasks once per partition; the last one's output is collected.
use dagger_core::prelude::*;

#[task(partitioned)]
fn words(text: String) -> Vec<String> {
    text.split(' ').map(String::from).collect()
}

#[task]
fn upper(word: String) -> String {
    word.to_uppercase()
}

#[task]
fn exclaim(word: &str, marks: usize) -> String {
    format!("{word}{}", "!".repeat(marks))
}

#[task]
fn join(words: Vec<String>) -> String {
    words.join(" ")
}

#[dag]
fn shout(text: String, marks: usize) -> String {
    let shouted = words(text).map(|word| {
        let loud = upper(word);
        exclaim(loud, marks)
    });
    join(shouted)
}

fn main() {
    assert_eq!(shout::run("hello big world".into(), 2).unwrap(), "HELLO!! BIG!! WORLD!!");
}
