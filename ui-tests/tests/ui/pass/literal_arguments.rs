// Anything that is not a DAG value is a constant of the parameter's type.
use dagger_core::prelude::*;

const GREETING: &str = "hi";

/// A plain function: in a DAG body, its call is passed as a constant when wrapped in braces.
fn default_name() -> String {
    "there".to_string()
}

#[task]
fn describe(count: u64, ratio: f64, name: String, tags: Vec<String>, flag: Option<bool>) -> String {
    format!("{count} {ratio} {name} {tags:?} {flag:?}")
}

#[task]
fn greet(greeting: String, name: &str) -> String {
    format!("{greeting}, {name}")
}

#[dag]
fn pipeline(name: String) -> String {
    let tag = "a".to_string();
    let described = describe(3, 0.5, "x", vec![tag.clone(), "b".to_string()], Some(true));
    let greeted = greet(GREETING, name);
    greet(described, { default_name() });
    greet(GREETING, String::from("you"));
    greeted
}

fn main() {
    assert_eq!(pipeline::run("Bond".into()).unwrap(), "hi, Bond");
}
