// A `#[default(..)]` converts like a constant argument: a string literal for a `String`
// parameter, wherever the default is used (`default()`, `with_defaults`, a call that leaves the
// parameter out).
use dagger_core::prelude::*;

#[task]
fn log_line(level: String, message: String) -> String {
    format!("[{level}] {message}")
}

#[dag]
fn logged(#[default("hello")] message: String, #[default("info")] level: String) -> String {
    log_line(level, message)
}

#[dag]
fn outer(message: String) -> String {
    logged(message = message)
}

fn main() {
    assert_eq!(logged::default().execute().unwrap(), "[info] hello");
    assert_eq!(logged::with_defaults().execute().unwrap(), "[info] hello");
    assert_eq!(logged::run("bye".into(), "warn".into()).unwrap(), "[warn] bye");
    assert_eq!(outer::run("nested".into()).unwrap(), "[info] nested");
}
