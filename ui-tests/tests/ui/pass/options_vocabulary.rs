// Every key of the task options' vocabulary, with the forms each value may take; the values
// reach `Graph::nodes()` as text: a string's content, an integer's digits. dagger-core's parser
// reads the same values (`src/graph/options.rs`).
use dagger_core::prelude::*;

#[task(options(
    cpu = "2",
    memory = "1Gi",
    gpu = 1,
    gpu_resource = "amd.com/gpu",
    timeout = "1h",
    retries = 3,
    image = "trainer:1",
    slurm_partition = "gpu",
    slurm_qos = "normal",
    slurm_account = "lab",
    slurm_constraint = "a100",
    sbatch = " --exclusive\t--nice=10 ",
    argo_container = r#"{"imagePullPolicy": "Always"}"#,
    argo_template = r#"{"nodeSelector": {"disk": "ssd"}}"#,
    argo_task = r#"{"hooks": {}}"#,
))]
fn train(x: u64) -> u64 {
    x + 1
}

#[task(options(cpu = "0.5", memory = "512Mi", gpu = "0", timeout = "90s", retries = 0))]
fn half(x: u64) -> u64 {
    x + 1
}

#[task(options(cpu = "500m", memory = "1G", timeout = "15m", retries = 100, sbatch = ""))]
fn thousandths(x: u64) -> u64 {
    x + 1
}

#[task(options(cpu = 2, memory = "1000000", timeout = 3600))]
fn integers(x: u64) -> u64 {
    x + 1
}

#[task(options(r#cpu = "2000m", memory = "8.5Gi", timeout = "3600", gpu = 2u32))]
fn raw_key_and_suffixed_integer(x: u64) -> u64 {
    x + 1
}

#[task(options(memory = "8Gi", timeout = "2h"))]
fn two_hours(x: u64) -> u64 {
    x + 1
}

#[task(options(timeout = "1d"))]
fn one_day(x: u64) -> u64 {
    x + 1
}

#[dag]
fn pipeline(x: u64) -> u64 {
    one_day(two_hours(raw_key_and_suffixed_integer(integers(thousandths(half(train(x)))))))
}

fn main() {
    let dag = pipeline::dag();
    let options: Vec<(String, Vec<(String, String)>)> =
        dag.graph().nodes().into_iter().map(|node| (node.name, node.options)).collect();
    let expected: [(&str, &[(&str, &str)]); 7] = [
        (
            "train",
            &[
                ("cpu", "2"),
                ("memory", "1Gi"),
                ("gpu", "1"),
                ("gpu_resource", "amd.com/gpu"),
                ("timeout", "1h"),
                ("retries", "3"),
                ("image", "trainer:1"),
                ("slurm_partition", "gpu"),
                ("slurm_qos", "normal"),
                ("slurm_account", "lab"),
                ("slurm_constraint", "a100"),
                ("sbatch", " --exclusive\t--nice=10 "),
                ("argo_container", r#"{"imagePullPolicy": "Always"}"#),
                ("argo_template", r#"{"nodeSelector": {"disk": "ssd"}}"#),
                ("argo_task", r#"{"hooks": {}}"#),
            ],
        ),
        ("half", &[("cpu", "0.5"), ("memory", "512Mi"), ("gpu", "0"), ("timeout", "90s"), ("retries", "0")]),
        ("thousandths", &[("cpu", "500m"), ("memory", "1G"), ("timeout", "15m"), ("retries", "100"), ("sbatch", "")]),
        ("integers", &[("cpu", "2"), ("memory", "1000000"), ("timeout", "3600")]),
        (
            "raw_key_and_suffixed_integer",
            &[("cpu", "2000m"), ("memory", "8.5Gi"), ("timeout", "3600"), ("gpu", "2")],
        ),
        ("two_hours", &[("memory", "8Gi"), ("timeout", "2h")]),
        ("one_day", &[("timeout", "1d")]),
    ];
    let expected: Vec<(String, Vec<(String, String)>)> = expected
        .iter()
        .map(|(name, pairs)| (name.to_string(), pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()))
        .collect();
    assert_eq!(options, expected);
    // The in-process runtime runs the tasks and ignores their options.
    assert_eq!(pipeline::run(0).unwrap(), 7);
}
