//! A task's options (`#[task(options(..))]`) as typed values: what the cluster runtimes (Argo,
//! SLURM) read to size, time and place a node's jobs.
//!
//! `#[task]` checked every value when it compiled (`dagger-macros`, `attr/options.rs`), and
//! stored it as text; this parses the text again. The two crates cannot share the code (this
//! one depends on the macros), so the rules are written twice, small, and the tests below use
//! the samples of the ui-tests (`option_bad_value.rs`, `options_vocabulary.rs`) to keep the
//! accepted texts the same. A value refused here is therefore a bug of ours, reported as an
//! error, never a panic.

use serde_json::{Map, Value};

/// A JSON object, merged by Argo into what it generates.
pub(crate) type JsonObject = Map<String, Value>;

/// The Kubernetes resource name of GPUs when `gpu_resource` is not given.
const DEFAULT_GPU_RESOURCE: &str = "nvidia.com/gpu";

/// A task's options, each `None` (or empty) when not given.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct TaskOptions {
    pub(crate) cpu: Option<Cpu>,
    pub(crate) memory: Option<Memory>,
    pub(crate) gpu: Option<u32>,
    pub(crate) gpu_resource: Option<String>,
    pub(crate) timeout_seconds: Option<u64>,
    /// How many times a failed run is tried again.
    pub(crate) retries: Option<u32>,
    pub(crate) image: Option<String>,
    pub(crate) slurm_partition: Option<String>,
    pub(crate) slurm_qos: Option<String>,
    pub(crate) slurm_account: Option<String>,
    pub(crate) slurm_constraint: Option<String>,
    /// Extra `sbatch` arguments, split on whitespace.
    pub(crate) sbatch: Vec<String>,
    pub(crate) argo_container: Option<JsonObject>,
    pub(crate) argo_template: Option<JsonObject>,
    /// Never holds `continueOn`, which Argo refuses next to `depends`.
    pub(crate) argo_task: Option<JsonObject>,
}

/// CPUs: Argo takes the text as it is; SLURM only a whole number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cpu {
    /// `"2"`, `"0.5"`, `"500m"`.
    pub(crate) text: String,
    /// The number of CPUs when it is whole (`"2"`, `"2.0"`, `"2000m"`), for `--cpus-per-task`.
    pub(crate) whole: Option<u64>,
}

/// Memory: Argo takes the text as it is; SLURM a number of MiB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Memory {
    /// A Kubernetes quantity: `"512Mi"`, `"8Gi"`, `"1G"`.
    pub(crate) text: String,
    /// Rounded up to a whole byte.
    pub(crate) bytes: u64,
}

impl Memory {
    /// For `--mem=<MiB>M`: rounded up, so that a job never gets less than it asked for.
    #[cfg_attr(not(feature = "cli"), allow(dead_code, reason = "read by the SLURM commands, feature `cli`"))]
    pub(crate) fn mebibytes(&self) -> u64 {
        self.bytes.div_ceil(1 << 20)
    }
}

/// An option that `#[task]` should have refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "task option `{key} = {value:?}` is invalid: {rule}; `#[task]` checks options when it compiles, so this is a bug \
     in dagger"
)]
pub(crate) struct InvalidOption {
    key: String,
    value: String,
    rule: &'static str,
}

impl TaskOptions {
    /// The options of a node, from the `(key, value)` pairs that `#[task]` stored.
    pub(crate) fn parse(pairs: &[(&str, &str)]) -> Result<TaskOptions, InvalidOption> {
        let mut options = TaskOptions::default();
        for (i, &(key, value)) in pairs.iter().enumerate() {
            let invalid = |rule| InvalidOption { key: key.to_string(), value: value.to_string(), rule };
            if pairs[..i].iter().any(|&(earlier, _)| earlier == key) {
                return Err(invalid("given twice"));
            }
            options.set(key, value).map_err(invalid)?;
        }
        Ok(options)
    }

    /// The Kubernetes resource name of the GPUs.
    pub(crate) fn gpu_resource(&self) -> &str {
        self.gpu_resource.as_deref().unwrap_or(DEFAULT_GPU_RESOURCE)
    }

    /// Sets one option, or says which rule its value breaks.
    fn set(&mut self, key: &str, value: &str) -> Result<(), &'static str> {
        let text = || non_empty(value).ok_or("a non-empty string");
        match key {
            "cpu" => self.cpu = Some(Cpu::parse(value).ok_or("a positive decimal, or an integer with `m`")?),
            "memory" => {
                let bytes = quantity_bytes(value).ok_or("a positive Kubernetes quantity")?;
                self.memory = Some(Memory { text: value.to_string(), bytes });
            }
            "gpu" => self.gpu = Some(whole_number(value).and_then(|n| n.try_into().ok()).ok_or("an integer")?),
            "gpu_resource" => self.gpu_resource = Some(text()?),
            "timeout" => {
                let seconds = duration_seconds(value).filter(|&seconds| seconds > 0);
                self.timeout_seconds = Some(seconds.ok_or("a positive duration: `90s`, `15m`, `2h`, `1d` or seconds")?);
            }
            "retries" => {
                let retries = whole_number(value).filter(|&n| n <= 100).and_then(|n| n.try_into().ok());
                self.retries = Some(retries.ok_or("an integer from 0 to 100")?);
            }
            "image" => self.image = Some(text()?),
            "slurm_partition" => self.slurm_partition = Some(text()?),
            "slurm_qos" => self.slurm_qos = Some(text()?),
            "slurm_account" => self.slurm_account = Some(text()?),
            "slurm_constraint" => self.slurm_constraint = Some(text()?),
            "sbatch" => self.sbatch = value.split_whitespace().map(String::from).collect(),
            "argo_container" => self.argo_container = Some(json_object(value).ok_or("a JSON object")?),
            "argo_template" => self.argo_template = Some(json_object(value).ok_or("a JSON object")?),
            "argo_task" => {
                let task = json_object(value).filter(|task| !task.contains_key("continueOn"));
                self.argo_task = Some(task.ok_or("a JSON object without `continueOn`")?);
            }
            _ => return Err("not an option of the vocabulary"),
        }
        Ok(())
    }
}

impl Cpu {
    /// `"2"`, `"0.5"` (a positive decimal) or `"500m"` (a positive integer of thousandths).
    fn parse(text: &str) -> Option<Cpu> {
        let whole = match text.strip_suffix('m') {
            Some(millis) => {
                let millis = whole_number(millis).filter(|&millis| millis > 0)?;
                (millis % 1000 == 0).then_some(millis / 1000)
            }
            None => {
                let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
                let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
                if !digits(whole) || !digits(fraction) || !text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
                    return None;
                }
                whole.parse().ok().filter(|_| fraction.bytes().all(|b| b == b'0'))
            }
        };
        Some(Cpu { text: text.to_string(), whole })
    }
}

fn non_empty(text: &str) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.to_string())
}

fn json_object(text: &str) -> Option<JsonObject> {
    match serde_json::from_str(text) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

/// Digits only (no sign, no `_`), as a `u64`.
fn whole_number(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| text.parse().ok()).flatten()
}

/// `"90s"`, `"15m"`, `"2h"`, `"1d"` or plain seconds, in seconds.
fn duration_seconds(text: &str) -> Option<u64> {
    let (number, unit) = match text.char_indices().last()? {
        (at, 's') => (&text[..at], 1),
        (at, 'm') => (&text[..at], 60),
        (at, 'h') => (&text[..at], 3600),
        (at, 'd') => (&text[..at], 86_400),
        _ => (text, 1),
    };
    whole_number(number)?.checked_mul(unit)
}

/// A Kubernetes quantity in bytes, rounded up to a whole byte: a positive decimal number and an
/// optional suffix (binary `Ki`..`Ei`, decimal `k`..`E`), at most `u64::MAX` bytes.
fn quantity_bytes(text: &str) -> Option<u64> {
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let multiplier: u128 = match suffix {
        "" => 1,
        "k" => 1000,
        "M" => 1000u128.pow(2),
        "G" => 1000u128.pow(3),
        "T" => 1000u128.pow(4),
        "P" => 1000u128.pow(5),
        "E" => 1000u128.pow(6),
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        "Pi" => 1 << 50,
        "Ei" => 1 << 60,
        _ => return None,
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || (number.contains('.') && fraction.is_empty()) || fraction.len() > 9 {
        return None;
    }
    let scaled: u128 = format!("{whole}{fraction}").parse().ok()?;
    let bytes = scaled.checked_mul(multiplier)?.div_ceil(10u128.pow(fraction.len() as u32));
    u64::try_from(bytes).ok().filter(|&bytes| bytes > 0)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(key: &str, value: &str) -> Result<TaskOptions, InvalidOption> {
        TaskOptions::parse(&[(key, value)])
    }

    fn object(value: Value) -> Option<JsonObject> {
        value.as_object().cloned()
    }

    /// The options of `train` in `ui-tests/tests/ui/pass/options_vocabulary.rs`: every key.
    #[test]
    fn every_key_parses_to_its_typed_value() {
        let options = TaskOptions::parse(&[
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
        ])
        .unwrap();
        assert_eq!(options.cpu, Some(Cpu { text: "2".into(), whole: Some(2) }));
        assert_eq!(options.memory, Some(Memory { text: "1Gi".into(), bytes: 1 << 30 }));
        assert_eq!((options.gpu, options.gpu_resource()), (Some(1), "amd.com/gpu"));
        assert_eq!((options.timeout_seconds, options.retries), (Some(3600), Some(3)));
        assert_eq!(options.image.as_deref(), Some("trainer:1"));
        let slurm = [&options.slurm_partition, &options.slurm_qos, &options.slurm_account, &options.slurm_constraint];
        assert_eq!(slurm.map(|s| s.as_deref()), [Some("gpu"), Some("normal"), Some("lab"), Some("a100")]);
        assert_eq!(options.sbatch, ["--exclusive", "--nice=10"]);
        assert_eq!(options.argo_container, object(json!({"imagePullPolicy": "Always"})));
        assert_eq!(options.argo_template, object(json!({"nodeSelector": {"disk": "ssd"}})));
        assert_eq!(options.argo_task, object(json!({"hooks": {}})));
    }

    #[test]
    fn a_task_without_options_asks_for_nothing() {
        let options = TaskOptions::parse(&[]).unwrap();
        assert_eq!(options, TaskOptions::default());
        assert_eq!(options.gpu_resource(), "nvidia.com/gpu");
        assert!(options.sbatch.is_empty());
    }

    #[test]
    fn cpu_is_whole_only_when_slurm_can_take_it() {
        let whole = |text| parse("cpu", text).unwrap().cpu.unwrap().whole;
        assert_eq!(whole("2"), Some(2));
        assert_eq!(whole("2.0"), Some(2));
        assert_eq!(whole("2000m"), Some(2));
        assert_eq!(whole("0.5"), None);
        assert_eq!(whole("500m"), None);
        assert_eq!(whole("1.25"), None);
    }

    #[test]
    fn memory_is_read_in_bytes_and_rounded_up_to_mebibytes() {
        let memory = |text| {
            let memory = parse("memory", text).unwrap().memory.unwrap();
            (memory.bytes, memory.mebibytes())
        };
        assert_eq!(memory("1Gi"), (1_073_741_824, 1024));
        assert_eq!(memory("1G"), (1_000_000_000, 954));
        assert_eq!(memory("512Mi"), (536_870_912, 512));
        assert_eq!(memory("8Gi"), (8_589_934_592, 8192));
        assert_eq!(memory("8.5Gi"), (9_126_805_504, 8704));
        assert_eq!(memory("1000000"), (1_000_000, 1));
        assert_eq!(memory("1k"), (1000, 1));
        assert_eq!(memory("2Ki"), (2048, 1));
        assert_eq!(memory("1Ei"), (1 << 60, 1 << 40));
        assert_eq!(memory("0.5"), (1, 1));
    }

    #[test]
    fn timeout_is_read_in_seconds() {
        let seconds = |text| parse("timeout", text).unwrap().timeout_seconds.unwrap();
        let samples = [("90s", 90), ("15m", 900), ("2h", 7200), ("1h", 3600), ("1d", 86_400), ("3600", 3600)];
        assert_eq!(samples.map(|(text, _)| seconds(text)), samples.map(|(_, expected)| expected));
    }

    #[test]
    fn counts_are_integers_in_their_range() {
        assert_eq!(parse("gpu", "0").unwrap().gpu, Some(0));
        assert_eq!(parse("retries", "0").unwrap().retries, Some(0));
        assert_eq!(parse("retries", "100").unwrap().retries, Some(100));
        assert!(parse("sbatch", "").unwrap().sbatch.is_empty());
    }

    /// The values of `ui-tests/tests/ui/fail/option_bad_value.rs`, which `#[task]` refuses.
    const REFUSED: &[(&str, &str)] = &[
        ("cpu", "0"),
        ("cpu", "1.5m"),
        ("cpu", "two"),
        ("memory", "8 GB"),
        ("memory", "0"),
        ("memory", "8gb"),
        ("memory", "100000Ei"),
        ("gpu", "-1"),
        ("gpu", "1.5"),
        ("gpu_resource", ""),
        ("timeout", "soon"),
        ("timeout", "0"),
        ("timeout", "1h30m"),
        ("retries", "101"),
        ("retries", "-1"),
        ("image", ""),
        ("slurm_partition", " "),
        ("argo_container", "[1]"),
        ("argo_template", "{"),
        ("argo_task", r#"{"continueOn": {"failed": true}}"#),
    ];

    #[test]
    fn values_that_task_refuses_are_refused_here_too() {
        for &(key, value) in REFUSED {
            let error = parse(key, value).expect_err(&format!("{key} = {value:?} was accepted"));
            assert!(error.to_string().starts_with(&format!("task option `{key} = {value:?}` is invalid: ")), "{error}");
        }
    }

    #[test]
    fn unknown_and_duplicated_keys_are_refused() {
        let unknown = parse("cpus", "2").unwrap_err().to_string();
        assert!(unknown.contains("`cpus = \"2\"` is invalid: not an option of the vocabulary"), "{unknown}");
        let twice = TaskOptions::parse(&[("cpu", "2"), ("memory", "1Gi"), ("cpu", "4")]).unwrap_err().to_string();
        assert!(twice.contains("`cpu = \"4\"` is invalid: given twice"), "{twice}");
    }
}
