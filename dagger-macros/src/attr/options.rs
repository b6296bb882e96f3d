//! The vocabulary of `#[task(options(key = value, ..))]`: the keys the cluster runtimes read,
//! and the check of each value. A typo in a key or a malformed quantity fails the build at the
//! user's token, instead of a cluster job at submit time, hours later.
//!
//! Values are stored as text (a string's content, an integer's digits). `dagger-core` parses
//! that text again into typed values (`graph::options`); the two accept the same texts, and
//! its tests and the ui-tests (`option_bad_value.rs`, `options_vocabulary.rs`) share samples.

use quote::ToTokens;
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, MetaList, MetaNameValue, Token};

use crate::ctxt::Ctxt;

/// A literal value as written, with the text it is stored as.
enum Given {
    /// A string literal: its content.
    Str(String),
    /// An integer literal: its digits, without a suffix.
    Int(String),
}

impl Given {
    fn text(&self) -> &str {
        match self {
            Given::Str(text) | Given::Int(text) => text,
        }
    }
}

/// `Err(None)`: the key's rule says why. `Err(Some(why))`: a reason more precise than the rule.
type Check = fn(&Given) -> Result<(), Option<String>>;

/// One key of the vocabulary.
struct Key {
    name: &'static str,
    /// A valid value, as written after `key = ` in the list of the vocabulary.
    example: &'static str,
    /// What the runtimes do with it, in a few words.
    purpose: &'static str,
    /// What a value must be, ending a sentence that starts with "`key` must be".
    rule: &'static str,
    check: Check,
}

const VOCABULARY: &[Key] = &[
    Key {
        name: "cpu",
        example: "\"2\"",
        purpose: "CPUs per run, or \"0.5\", \"500m\" (Argo requests.cpu; SLURM --cpus-per-task, whole only)",
        rule: "a number of CPUs above zero: a string such as `\"2\"`, `\"0.5\"` or `\"500m\"` (thousandths), or an \
               integer such as `2`",
        check: cpu,
    },
    Key {
        name: "memory",
        example: "\"8Gi\"",
        purpose: "memory per run, a Kubernetes quantity (Argo requests and limits; SLURM --mem)",
        rule: "a Kubernetes quantity above zero and below `\"16Ei\"`, such as `\"512Mi\"` or `\"8Gi\"` (bytes, \
               with a suffix Ki Mi Gi Ti Pi Ei, or k M G T P E for powers of 1000)",
        check: memory,
    },
    Key {
        name: "gpu",
        example: "1",
        purpose: "GPUs per run (Argo limits; SLURM --gres=gpu:N)",
        rule: "a number of GPUs, an integer such as `1`",
        check: gpu,
    },
    Key {
        name: "gpu_resource",
        example: "\"nvidia.com/gpu\"",
        purpose: "the Kubernetes resource name of the GPUs (Argo)",
        rule: "a Kubernetes resource name, a non-empty string such as `\"nvidia.com/gpu\"`",
        check: non_empty,
    },
    Key {
        name: "timeout",
        example: "\"2h\"",
        purpose: "the longest a run may take, or \"90s\", \"15m\", \"1d\", seconds (Argo; SLURM --time)",
        rule: "a duration above zero, a number and one unit (s, m, h or d) such as `\"90s\"` or `\"2h\"`, or \
               seconds as an integer such as `3600`",
        check: timeout,
    },
    Key {
        name: "retries",
        example: "3",
        purpose: "how many times a failed run is tried again, 0 to 100",
        rule: "an integer from 0 to 100, such as `3`",
        check: retries,
    },
    Key {
        name: "image",
        example: "\"python:3.12\"",
        purpose: "the container image (Argo)",
        rule: "a container image, a non-empty string such as `\"python:3.12\"`",
        check: non_empty,
    },
    Key {
        name: "slurm_partition",
        example: "\"gpu\"",
        purpose: "sbatch --partition",
        rule: "a SLURM partition, a non-empty string such as `\"gpu\"`",
        check: non_empty,
    },
    Key {
        name: "slurm_qos",
        example: "\"normal\"",
        purpose: "sbatch --qos",
        rule: "a SLURM quality of service, a non-empty string such as `\"normal\"`",
        check: non_empty,
    },
    Key {
        name: "slurm_account",
        example: "\"lab\"",
        purpose: "sbatch --account",
        rule: "a SLURM account, a non-empty string such as `\"lab\"`",
        check: non_empty,
    },
    Key {
        name: "slurm_constraint",
        example: "\"a100\"",
        purpose: "sbatch --constraint",
        rule: "a SLURM constraint, a non-empty string such as `\"a100\"`",
        check: non_empty,
    },
    Key {
        name: "sbatch",
        example: "\"--exclusive\"",
        purpose: "extra sbatch arguments, split on whitespace",
        rule: "a string of extra `sbatch` arguments such as `\"--exclusive --nice=10\"`",
        check: string,
    },
    Key {
        name: "argo_container",
        example: "r#\"{..}\"#",
        purpose: "a JSON object merged into the Argo container",
        rule: "a string holding a JSON object, such as `r#\"{\"imagePullPolicy\": \"Always\"}\"#`",
        check: json_object,
    },
    Key {
        name: "argo_template",
        example: "r#\"{..}\"#",
        purpose: "a JSON object merged into the Argo template",
        rule: "a string holding a JSON object, such as `r#\"{\"nodeSelector\": {\"disk\": \"ssd\"}}\"#`",
        check: json_object,
    },
    Key {
        name: "argo_task",
        example: "r#\"{..}\"#",
        purpose: "a JSON object merged into the Argo DAG task (without `continueOn`)",
        rule: "a string holding a JSON object, such as `r#\"{\"hooks\": {}}\"#`",
        check: argo_task,
    },
];

/// Reads `options(key = value, ..)` into `options`, reporting each unknown key, duplicated key
/// and bad value at the user's token.
pub fn read(cx: &mut Ctxt, list: &MetaList, options: &mut Vec<(String, String)>) {
    let pairs = match list.parse_args_with(Punctuated::<MetaNameValue, Token![,]>::parse_terminated) {
        Ok(pairs) => pairs,
        Err(error) => return cx.push(error),
    };
    // The keys of this list, valid or not (so that a key given twice is reported even when its
    // first value was refused), and those of an earlier `options(..)`.
    let mut seen: Vec<&str> = options.iter().filter_map(|(key, _)| find(key)).map(|key| key.name).collect();
    for pair in &pairs {
        let Some(key) = pair.path.get_ident().and_then(|ident| find(&ident.unraw().to_string())) else {
            cx.error(&pair.path, unknown_key(&pair.path));
            continue;
        };
        if seen.contains(&key.name) {
            cx.error(&pair.path, format!("task option `{}` is given twice; keep one", key.name));
            continue;
        }
        seen.push(key.name);
        let given = match &pair.value {
            Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => Some(Given::Str(lit.value())),
            Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) => Some(Given::Int(lit.base10_digits().to_string())),
            _ => None,
        };
        let written = pair.value.to_token_stream().to_string();
        match given.ok_or(None).and_then(|given| (key.check)(&given).map(|()| given)) {
            Ok(given) => options.push((key.name.to_string(), given.text().to_string())),
            Err(None) => cx.error(&pair.value, format!("`{}` must be {}, not `{written}`", key.name, key.rule)),
            Err(Some(why)) => cx.error(&pair.value, format!("`{}` must be {}: {why}", key.name, key.rule)),
        }
    }
}

fn find(name: &str) -> Option<&'static Key> {
    VOCABULARY.iter().find(|key| key.name == name)
}

/// The whole vocabulary, one key a line, as the fix for a typo is usually in it.
fn unknown_key(path: &syn::Path) -> String {
    let written = path.to_token_stream().to_string().replace(' ', "");
    let mut message = format!("unknown task option `{written}`; the options, read by the cluster runtimes, are:");
    for key in VOCABULARY {
        let example = format!("{} = {}", key.name, key.example);
        message.push_str(&format!("\n  {example:<33}{}", key.purpose));
    }
    message
}

/// `Ok` when `valid`; otherwise the key's rule says why.
fn by_rule(valid: bool) -> Result<(), Option<String>> {
    if valid {
        Ok(())
    } else {
        Err(None)
    }
}

fn cpu(given: &Given) -> Result<(), Option<String>> {
    by_rule(match given {
        Given::Int(digits) => positive_decimal(digits),
        Given::Str(text) => positive_decimal(text) || text.strip_suffix('m').is_some_and(positive),
    })
}

fn memory(given: &Given) -> Result<(), Option<String>> {
    by_rule(matches!(given, Given::Str(text) if quantity_bytes(text).is_some()))
}

fn gpu(given: &Given) -> Result<(), Option<String>> {
    by_rule(whole_number(given.text()).is_some_and(|n| u32::try_from(n).is_ok()))
}

fn timeout(given: &Given) -> Result<(), Option<String>> {
    by_rule(duration_seconds(given.text()).is_some_and(|seconds| seconds > 0))
}

fn retries(given: &Given) -> Result<(), Option<String>> {
    by_rule(whole_number(given.text()).is_some_and(|n| n <= 100))
}

fn non_empty(given: &Given) -> Result<(), Option<String>> {
    by_rule(matches!(given, Given::Str(text) if !text.trim().is_empty()))
}

fn string(given: &Given) -> Result<(), Option<String>> {
    by_rule(matches!(given, Given::Str(_)))
}

fn json_object(given: &Given) -> Result<(), Option<String>> {
    parse_object(given).map(drop)
}

/// Argo refuses `continueOn` on a task that has `depends`, and every task of a generated
/// workflow has one.
fn argo_task(given: &Given) -> Result<(), Option<String>> {
    if parse_object(given)?.contains_key("continueOn") {
        let why =
            "`continueOn` is refused, as Argo does not allow it next to `depends`, which every generated task has";
        return Err(Some(why.to_string()));
    }
    Ok(())
}

fn parse_object(given: &Given) -> Result<serde_json::Map<String, serde_json::Value>, Option<String>> {
    let Given::Str(text) = given else { return Err(None) };
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(object)) => Ok(object),
        Ok(_) => Err(None),
        Err(error) => Err(Some(format!("this is not JSON ({error})"))),
    }
}

/// Digits only (no sign, no `_`), as a `u64`.
fn whole_number(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| text.parse().ok()).flatten()
}

fn positive(text: &str) -> bool {
    whole_number(text).is_some_and(|n| n > 0)
}

/// `2`, `0.5`: digits, then optionally a point and digits; more than zero.
fn positive_decimal(text: &str) -> bool {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction) && text.bytes().any(|b| (b'1'..=b'9').contains(&b))
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
