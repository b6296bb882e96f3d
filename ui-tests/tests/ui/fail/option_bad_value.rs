// Each value is refused at the value, with the rule and a valid example: one error each. The
// same values are refused by dagger-core's parser (`REFUSED` in `src/graph/options.rs`).
use dagger_core::prelude::*;

#[task(options(
    cpu = "0",
    memory = "8 GB",
    gpu = "-1",
    gpu_resource = "",
    timeout = "soon",
    retries = 101,
    image = "",
    slurm_partition = " ",
    argo_container = "[1]",
    argo_template = "{",
    argo_task = r#"{"continueOn": {"failed": true}}"#,
))]
fn every_key(x: u64) -> u64 {
    x
}

#[task(options(cpu = "1.5m", memory = "0", gpu = 1.5, timeout = 0, retries = -1))]
fn zero_and_fractions(x: u64) -> u64 {
    x
}

#[task(options(cpu = "two", memory = "8gb", timeout = "1h30m"))]
fn words_and_units(x: u64) -> u64 {
    x
}

#[task(options(memory = "100000Ei"))]
fn more_bytes_than_fit(x: u64) -> u64 {
    x
}

fn main() {}
