// Rule 1: a node is partitioned by at most one input. A map inside a map would partition
// `recommend` both by cohort and by category.
use dagger_core::prelude::*;

#[task(partitioned)]
fn cohorts() -> Vec<String> {
    vec!["new".into(), "loyal".into()]
}

#[task(partitioned)]
fn categories() -> Vec<String> {
    vec!["books".into(), "games".into()]
}

#[task]
fn recommend(cohort: String, category: String) -> String {
    format!("{category} for {cohort}")
}

#[task]
fn join_lines(lines: Vec<String>) -> String {
    lines.join("\n")
}

#[dag]
fn recommendations() -> String {
    let cohorts = cohorts();
    let categories = categories();
    let per_cohort = cohorts.map(|cohort| {
        let per_category = categories.map(|category| recommend(cohort, category));
        join_lines(per_category)
    });
    join_lines(per_cohort)
}

fn main() {}
