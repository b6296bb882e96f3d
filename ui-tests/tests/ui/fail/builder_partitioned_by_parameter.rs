// The rules hold for the builder API too: it uses the same traits as the macros.
use dagger_core::prelude::*;

#[task]
fn greet(country: String) -> String {
    format!("hello, {country}")
}

#[task]
fn join_lines(lines: Vec<String>) -> String {
    lines.join("\n")
}

fn main() {
    let _dag: Dag<(Vec<String>,), String> = Dag::build("greetings", ["countries"], |b, (countries,)| {
        let greeted = b.map(countries, |m, country| m.call::<greet, _>((country,)));
        b.call::<join_lines, _>((greeted,))
    })
    .unwrap();
}
