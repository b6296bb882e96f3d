//! The contract of the command line (`dagger_core::cli`), on the `pipelines` binary: exit
//! codes, what goes to standard output and standard error, how parameters are read from text.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const PIPELINES: &str = env!("CARGO_BIN_EXE_pipelines");

fn scratch(name: &str) -> PathBuf {
    common::scratch("cli", name)
}

fn pipelines(args: &[&str]) -> Output {
    Command::new(PIPELINES).args(args).env_remove("RUST_LOG").output().unwrap()
}

/// Exit code, standard output, standard error.
fn run(args: &[&str]) -> (i32, String, String) {
    let output = pipelines(args);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

#[test]
fn run_prints_the_output_as_one_line_of_json() {
    assert_eq!(run(&["--dag", "quick_start", "run"]), (0, "91\n".into(), String::new()));
    assert_eq!(run(&["--dag", "quick_start", "run", "-p", "exponent=3"]).1, "441\n");
    assert_eq!(run(&["--dag", "summary", "run", "-p", "n=3"]).1, "{\"total\":3,\"low\":0,\"high\":2}\n");
    assert_eq!(run(&["--dag", "word_count", "run", "-p", "top=1"]).1, "[[\"cat\",4]]\n");
}

#[test]
fn parameters_are_json_of_their_type_or_else_text() {
    // A `String` given `5` is the text "5"; JSON that is a string is read as JSON.
    assert_eq!(run(&["--dag", "hello_world", "run", "-p", "name=5"]).1, "\"Hello 5!\"\n");
    assert_eq!(run(&["--dag", "hello_world", "run", "-p", "name=\"quoted\""]).1, "\"Hello quoted!\"\n");
    // A list, from JSON; from a file, where the flags win.
    let list = r#"countries=["es","fr"]"#;
    assert_eq!(run(&["--dag", "for_based_on_param", "run", "-p", list]).1, "\"hello es, hello fr\"\n");
    let file = scratch("params").join("params.json");
    fs::write(&file, r#"{"multiplier": 2, "parallel_steps": 3}"#).unwrap();
    let file = file.to_str().unwrap();
    assert_eq!(run(&["--dag", "map_reduce", "run", "--params", file]).1, "6\n");
    assert_eq!(run(&["--dag", "map_reduce", "run", "--params", file, "-p", "multiplier=10"]).1, "30\n");

    // A `u64` given `abc`: a usage error that names the type; a missing or unknown parameter:
    // one that lists the parameters.
    let (code, out, err) = run(&["--dag", "map_reduce", "run", "-p", "multiplier=abc", "-p", "parallel_steps=2"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.starts_with("error: `abc` is not a value of the parameter `multiplier`, of type `u64`: "), "{err}");
    let (code, _, err) = run(&["--dag", "map_reduce", "run", "-p", "multiplier=2"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: the parameter `parallel_steps` is missing; the parameters of `map_reduce` are:\n  multiplier: \
         u64\n  parallel_steps: u64\n"
    );
    let (code, _, err) = run(&["--dag", "quick_start", "run", "-p", "exponnent=2"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: DAG `quick_start` has no parameter `exponnent`; the parameters of `quick_start` are:\n  exponent: u32 \
         (default 2)\n"
    );
    assert_eq!(run(&["--dag", "quick_start", "run", "-p", "exponent"]).0, 2);
}

#[test]
fn every_exit_code_says_what_went_wrong() {
    let dir = scratch("exit-codes");
    let store = dir.join("store");
    let store = store.to_str().unwrap();
    // 1: a task failed, with its error and the error's causes, one per line.
    let (code, out, err) = run(&["--dag", "parsed", "run", "-p", "text=abc"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "error: task `parsed/parse_number` failed: cannot read `abc` as a number\n  caused by: invalid digit found \
         in string\n"
    );
    let (code, _, err) = run(&["--dag", "halves", "run", "-p", "n=3"]);
    assert_eq!((code, err.as_str()), (1, "error: task `halves/half` failed on partition 1: 1 is odd\n"));

    // 2: usage: flags, DAGs, nodes, partitions.
    assert_eq!(run(&["--dag", "quick_start", "run", "--nope"]).0, 2);
    assert_eq!(run(&["run"]).0, 2, "several DAGs and no --dag");
    let (code, _, err) = run(&["--dag", "nope", "run"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("error: this program has no DAG named `nope`; its DAGs are: quick_start, "), "{err}");
    let (code, _, err) = run(&["--dag", "quick_start", "node", "nope", "--store", store]);
    assert_eq!(code, 2);
    assert!(err.contains("DAG `quick_start` has no node named `nope`"), "{err}");
    assert_eq!(run(&["--dag", "quick_start", "node", "raise_number", "--store", store]).0, 2, "no partition");
    assert_eq!(run(&["--dag", "quick_start", "node", "sum_numbers", "--partition", "1", "--store", store]).0, 2);

    // 3: an input is not in the store: run what it names first.
    let (code, out, err) = run(&["--dag", "quick_start", "node", "raise_number", "--partition", "1", "--store", store]);
    assert_eq!((code, out.as_str()), (3, ""));
    assert_eq!(
        err,
        "error: the output of `quick_start/generate_numbers` is not ready: it is not in the store: run \
         `quick_start/generate_numbers` first, with a `DiskStore`\n"
    );
    assert_eq!(run(&["--dag", "quick_start", "node", "generate_numbers", "--store", store]).0, 0);
    let (code, _, err) = run(&["--dag", "quick_start", "seal", "raise_number", "--store", store]);
    assert_eq!(code, 3);
    assert!(err.contains("partition 0 of 7 is missing"), "{err}");
    // A partition out of range is a usage error, which says how many there are.
    let (code, _, err) = run(&["--dag", "quick_start", "node", "raise_number", "--partition", "9", "--store", store]);
    assert_eq!(code, 2);
    assert!(err.contains("its input `generate_numbers` has 7 partitions: there is no partition 9"), "{err}");

    // 4: the store cannot be read: a stored partition is damaged.
    fs::write(dir.join("store/quick_start/generate_numbers/output/2"), b"{oops").unwrap();
    let (code, _, err) = run(&["--dag", "quick_start", "node", "raise_number", "--partition", "2", "--store", store]);
    assert_eq!(code, 4);
    assert!(err.starts_with("error: cannot read the output of `quick_start/generate_numbers` on partition 2"), "{err}");
    // ... or is a file, not a folder.
    let file = dir.join("a-file");
    fs::write(&file, b"").unwrap();
    assert_eq!(run(&["--dag", "quick_start", "run", "--store", file.to_str().unwrap()]).0, 4);
}

#[test]
fn a_job_of_another_build_of_the_dag_is_refused() {
    let store = scratch("fingerprint").join("store");
    let plan = run(&["--dag", "quick_start", "plan", "--json"]).1;
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    let fingerprint = plan["fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 32);
    let job = |fingerprint: &str| {
        run(&[
            "--dag",
            "quick_start",
            "node",
            "generate_numbers",
            "--store",
            store.to_str().unwrap(),
            "--fingerprint",
            fingerprint,
        ])
    };
    assert_eq!(job(fingerprint), (0, String::new(), String::new()));
    let (code, _, err) = job("0123456789abcdef0123456789abcdef");
    assert_eq!(code, 2);
    assert!(err.contains("was planned for 0123456789abcdef0123456789abcdef"), "{err}");
}

#[test]
fn a_job_waits_for_its_inputs_when_asked() {
    let store = scratch("input-timeout").join("store");
    let store = store.to_str().unwrap();
    let waiting = Command::new(PIPELINES)
        .args(["--dag", "quick_start", "node", "raise_number", "--partition", "3", "--store", store])
        .args(["--input-timeout", "20"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(run(&["--dag", "quick_start", "node", "generate_numbers", "--store", store]).0, 0);
    let output = waiting.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(common::stored_text(&Path::new(store).join("quick_start/raise_number/output/3")), "9");
}

#[test]
fn write_count_gives_the_partitions_of_a_source() {
    let dir = scratch("write-count");
    let (store, count) = (dir.join("store"), dir.join("count"));
    let (store, count) = (store.to_str().unwrap(), count.to_str().unwrap());
    let args = ["--dag", "composite_map_reduce", "node", "partitions", "--store", store, "--write-count", count];
    assert_eq!(run(&args).0, 0);
    assert_eq!(fs::read_to_string(count).unwrap(), "3");
    // A partitioned field of a tuple is its task's partitioned output.
    let args = ["--dag", "loaded", "node", "load", "-p", "n=5", "--store", store, "--write-count", count];
    assert_eq!(run(&args).0, 0);
    assert_eq!(fs::read_to_string(count).unwrap(), "5");
    let (code, _, err) =
        run(&["--dag", "loaded", "node", "describe", "--store", store, "-p", "n=5", "--write-count", count]);
    assert_eq!(code, 3, "{err}");
}

#[test]
fn a_run_is_limited_to_a_range_of_keys() {
    let week = run(&["--dag", "sales_report", "run", "--keys", "2024-02-28..=2024-03-01"]);
    assert_eq!(week, (0, "{\"days\":3,\"total_cents\":9715,\"best_day\":\"2024-02-29\"}\n".into(), String::new()));
    let (code, _, err) = run(&["--dag", "sales_report", "run", "--keys", "a..b..c"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`a..b..c` is not a range of keys"), "{err}");
    let (code, _, err) = run(&["--dag", "sales_report", "run", "--keys", "1..5"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot be compared with the bound 1 of `1..5`"), "{err}");
}

#[test]
fn a_node_runs_on_the_partition_of_a_key() {
    let dir = scratch("key");
    let store = dir.join("store");
    let store = store.to_str().unwrap();
    let node = |args: &[&str]| {
        let mut all = vec!["--dag", "sales_report", "node", "--store", store];
        all.extend(args);
        run(&all)
    };
    assert_eq!(node(&["daily_sales"]).0, 0);
    assert_eq!(node(&["day_total", "--key", "2024-02-29"]), (0, String::new(), String::new()));
    assert!(fs::metadata(dir.join("store/sales_report/day_total/output/3")).is_ok(), "the leap day is partition 3");
    let (code, _, err) = node(&["day_total", "--key", "2024-02-30"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no partition has the key `2024-02-30`; the 7 keys of `daily_sales` are: 2024-02-26,"),
        "{err}"
    );
    let (code, _, err) = node(&["day_total", "--key", "2024-02-29", "--partition", "3"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn threads_come_from_the_flag_else_from_slurm() {
    let threads = |env: &[(&str, &str)], args: &[&str]| {
        let mut command = Command::new(PIPELINES);
        command.args(["-v", "--dag", "quick_start", "run"]).args(args).env_remove("RUST_LOG");
        for variable in ["SLURM_CPUS_PER_TASK", "SLURM_CPUS_ON_NODE"] {
            command.env_remove(variable);
        }
        command.envs(env.iter().copied());
        let output = command.output().unwrap();
        assert!(output.status.success());
        let err = String::from_utf8_lossy(&output.stderr).into_owned();
        let at = err.find("threads=").unwrap_or_else(|| panic!("no thread count in {err}"));
        err[at + 8..].split_whitespace().next().unwrap().to_string()
    };
    assert_eq!(threads(&[("SLURM_CPUS_PER_TASK", "3"), ("SLURM_CPUS_ON_NODE", "5")], &[]), "3");
    assert_eq!(threads(&[("SLURM_CPUS_ON_NODE", "5")], &[]), "5");
    assert_eq!(threads(&[("SLURM_CPUS_PER_TASK", "3")], &["--threads", "2"]), "2");
    let (code, _, err) = run(&["--dag", "quick_start", "run", "--threads", "0"]);
    assert_eq!((code, err.as_str()), (2, "error: --threads must be at least 1\n"));
}

#[test]
fn explain_dot_and_plan_print_the_dag() {
    let explain = run(&["--dag", "quick_start", "explain"]);
    assert_eq!(explain.0, 0);
    assert!(explain.1.starts_with("DAG quick_start(exponent: u32) -> sum_numbers\n"), "{}", explain.1);
    assert!(run(&["--dag", "quick_start", "dot"]).1.starts_with("digraph"));
    let plan = run(&["--dag", "quick_start", "plan"]).1;
    assert!(plan.contains("raise_number       map once per partition of generate_numbers, after generate_numbers"));
}

/// A program of the user's, with a command of its own and the DAG's flattened in.
#[derive(clap::Parser, Debug)]
#[command(about = "A program of the user's")]
enum App {
    /// Something else the program does.
    Serve {
        #[arg(long)]
        port: u16,
    },
    #[command(flatten)]
    Pipeline(Box<dagger_core::cli::Command>),
}

#[test]
fn the_commands_flatten_into_a_clap_program_of_the_users() {
    use clap::{CommandFactory, Parser};
    assert!(matches!(App::try_parse_from(["app", "serve", "--port", "80"]), Ok(App::Serve { port: 80 })));
    let App::Pipeline(command) = App::try_parse_from(["app", "run", "-p", "exponent=1"]).unwrap() else {
        panic!("`run` is the DAG's command");
    };
    let code = command.execute(&dagger_examples::quick_start::quick_start::dag());
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    // The jobs of a flattened program run it with its own arguments: no `--dag`, which it
    // does not know.
    let dir = scratch("flattened-argo");
    let file = dir.join("wf.json");
    let argo = ["app", "argo", "workflow", "--image", "i", "--output", file.to_str().unwrap()];
    let App::Pipeline(command) = App::try_parse_from(argo).unwrap() else { panic!("`argo` is the DAG's command") };
    assert_eq!(command.execute(&dagger_examples::quick_start::quick_start::dag()), std::process::ExitCode::SUCCESS);
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    let container = manifest["spec"]["templates"].as_array().unwrap().iter().find_map(|t| t.get("container")).unwrap();
    assert_eq!(container["args"][0], "node", "{container}");
    let help = App::command().render_help().to_string();
    assert!(help.starts_with("A program of the user's"), "{help}");
    for command in ["serve", "run", "node", "seal", "explain", "dot", "plan"] {
        assert!(help.contains(&format!("\n  {command} ")), "{command} is missing from: {help}");
    }
}

#[test]
fn a_job_that_would_do_nothing_is_an_error_not_a_silent_success() {
    let dir = scratch("nothing-to-do");
    let store = dir.join("store");
    let store = store.to_str().unwrap();
    assert_eq!(run(&["--dag", "quick_start", "node", "generate_numbers", "--store", store]).0, 0);
    let node = |extra: &[&str]| {
        let mut args = vec!["--dag", "quick_start", "node", "raise_number", "--store", store];
        args.extend(extra);
        run(&args)
    };
    // The largest partition number: 18446744073709551615 + 1 would wrap around to nothing.
    let (code, _, err) = node(&["--partition", &usize::MAX.to_string()]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err, format!("error: there is no partition {}\n", usize::MAX));
    // A partition past the last: the source's count says so.
    let (code, _, err) = node(&["--partition", "7"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("its input `generate_numbers` has 7 partitions: there is no partition 7"), "{err}");
    let (code, _, err) = node(&["--partitions", "0..0"]);
    assert_eq!((code, err.as_str()), (2, "error: `0..0` is an empty range: it holds no partition (B is excluded)\n"));
    // A seal lists a map's outputs: a node outside maps has none.
    let (code, _, err) = run(&["--dag", "quick_start", "seal", "generate_numbers", "--store", store]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a seal lists the outputs of a map, and its output needs none"), "{err}");
    // A range of keys, for a DAG whose partitions have none.
    let (code, _, err) = run(&["--dag", "quick_start", "run", "--keys", "1..3"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        "error: DAG `quick_start` has no keyed partitions: --keys limits what `#[task(partitioned, keyed)]` tasks \
         hand over\n"
    );
    let (code, _, _) =
        run(&["--dag", "quick_start", "node", "raise_number", "--store", store, "--partition", "0", "--keys", "1..3"]);
    assert_eq!(code, 2);
}

#[test]
fn messages_say_what_was_wrong_with_what_was_given() {
    // A date that does not exist is not "an integer".
    let (code, _, err) = run(&["--dag", "weekly_trend", "run", "-p", "to=2013-02-30"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("error: `2013-02-30` is not a value of the parameter `to`, of type `Date`: "), "{err}");
    assert!(err.contains("'day' for `2013-02` is invalid, must be in range `1..=28`"), "{err}");
    // A name with a newline is shown with it escaped, on one line.
    let store = scratch("escaped").join("store");
    let (code, _, err) = run(&["--dag", "quick_start", "node", "raise\nnumber", "--store", store.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("has no node named `raise\\nnumber`;") && err.lines().count() == 1, "{err}");
    // More threads than would do any good.
    let (code, _, err) = run(&["--dag", "quick_start", "run", "--threads", "100000"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("error: --threads 100000 is more than "), "{err}");
    assert_eq!(run(&["--dag", "quick_start", "run", "--threads", "8"]).1, "91\n");
}

/// The names of the partition files in `output`, and those its listing names.
fn partition_files(output: &Path) -> (Vec<String>, Vec<String>) {
    let mut found: Vec<String> = fs::read_dir(output)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.bytes().next().is_some_and(|b| b.is_ascii_digit()))
        .collect();
    found.sort();
    let mut listed: Vec<String> = serde_json::from_str(&common::stored_text(&output.join("partitions.json"))).unwrap();
    listed.sort();
    (found, listed)
}

#[test]
fn reruns_after_a_window_reuse_every_map_rewrite_nothing_and_leave_no_file_unlisted() {
    let store = scratch("trend-reruns").join("store");
    let store = store.to_str().unwrap();
    let output = Path::new(store).join("weekly_trend/window_average/output");
    let mut runs = Vec::new();
    for _ in 0..3 {
        let (code, out, err) = run(&["--dag", "weekly_trend", "run", "--store", store]);
        assert_eq!(code, 0, "{err}");
        let (found, listed) = partition_files(&output);
        assert_eq!(found, listed, "every partition file is listed, and no other is left");
        let times: Vec<_> =
            fs::read_dir(&output).unwrap().map(|e| e.unwrap().metadata().unwrap().modified().unwrap()).collect();
        runs.push((out, found, times));
    }
    assert_eq!(runs[0].0, runs[1].0);
    assert_eq!(
        (&runs[0].1, &runs[0].2),
        (&runs[1].1, &runs[1].2),
        "the second run wrote no file of the map after the window"
    );
    assert_eq!((&runs[1].1, &runs[1].2), (&runs[2].1, &runs[2].2));
}
