//! The batch script of a job: a thin wrapper, all logic lives in `slurm job` (in Rust, tested).
//! Its `#SBATCH` lines say who it is (`--job-name` the run, `--comment` the node) and what it
//! needs (the task's options as `sbatch` flags); `--kill-on-invalid-dep=yes` everywhere, or the
//! dependents of a failed job stay pending for ever.

use super::super::report::Failure;
use super::folder::{Folder, Run};
use crate::graph::{JobKind, PlanJob, TaskOptions};

/// A job's script, and the arguments its `sbatch` takes besides (the task's `sbatch` option and
/// the run's `--sbatch-arg`s, which win over the script's lines).
pub(super) fn script(
    run: &Run,
    folder: &Folder,
    job: &PlanJob,
    options: &TaskOptions,
) -> Result<(String, Vec<String>), Failure> {
    let array = job.per_partition_of.is_some() && job.kind != JobKind::Seal;
    let log = folder.logs().join(if array { format!("{}.%A_%a.log", job.id) } else { format!("{}.%j.log", job.id) });
    let mut lines = vec![
        "#!/bin/bash".to_string(),
        format!("#SBATCH --job-name={}", run.id),
        format!("#SBATCH --comment={}", job.node),
        "#SBATCH --kill-on-invalid-dep=yes".to_string(),
        format!("#SBATCH --output={}", log.display()),
    ];
    for flag in flags(job, options, run)? {
        lines.push(format!("#SBATCH {flag}"));
    }
    let mut command = vec![folder.app().display().to_string()];
    command.extend(run.prefix.iter().cloned());
    command.extend(["slurm".to_string(), "job".to_string(), "--run".to_string()]);
    command.push(folder.run_file().display().to_string());
    command.push(job.id.clone());
    lines.push(format!("exec {}", command.iter().map(|arg| quote(arg)).collect::<Vec<_>>().join(" ")));
    Ok((lines.join("\n") + "\n", extra_args(run, options)))
}

/// What a job's `sbatch` takes besides its script: the task's `sbatch` option, then the run's
/// `--sbatch-arg`s (command-line arguments win over the script's lines).
pub(super) fn extra_args(run: &Run, options: &TaskOptions) -> Vec<String> {
    let mut extra = options.sbatch.clone();
    extra.extend(run.sbatch_args.iter().cloned());
    extra
}

/// The `sbatch` flags of a job's resources: its task's options, else the run's defaults; a
/// seal is small.
fn flags(job: &PlanJob, options: &TaskOptions, run: &Run) -> Result<Vec<String>, Failure> {
    if job.kind == JobKind::Seal {
        return Ok(vec!["--cpus-per-task=1".into(), "--mem=128M".into(), "--time=00:10:00".into()]);
    }
    let mut flags = Vec::new();
    if let Some(cpu) = &options.cpu {
        let whole = cpu.whole.ok_or_else(|| {
            Failure::usage(format!(
                "SLURM gives whole CPUs: `cpu = \"{}\"` of the task of `{}` is not one",
                cpu.text, job.node
            ))
        })?;
        flags.push(format!("--cpus-per-task={whole}"));
    }
    match (&options.memory, run.default_mem) {
        (Some(memory), _) => flags.push(format!("--mem={}M", memory.mebibytes())),
        (None, Some(mib)) => flags.push(format!("--mem={mib}M")),
        (None, None) => {}
    }
    match (options.timeout_seconds, &run.default_time) {
        (Some(seconds), _) => flags.push(format!("--time={}", time(seconds))),
        (None, Some(time)) => flags.push(format!("--time={time}")),
        (None, None) => {}
    }
    if let Some(gpu) = options.gpu {
        flags.push(format!("--gres=gpu:{gpu}"));
    }
    for (flag, value) in [
        ("partition", &options.slurm_partition),
        ("qos", &options.slurm_qos),
        ("account", &options.slurm_account),
        ("constraint", &options.slurm_constraint),
    ] {
        if let Some(value) = value {
            flags.push(format!("--{flag}={value}"));
        }
    }
    Ok(flags)
}

/// A time limit as `sbatch --time` takes it: `HH:MM:SS`, or `D-HH:MM:SS` from a day on.
fn time(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let hms = format!("{:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    if days > 0 {
        format!("{days}-{hms}")
    } else {
        hms
    }
}

/// `text` as one word of a shell command line.
pub(super) fn quote(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c)) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_words_are_as_sbatch_and_bash_take_them() {
        assert_eq!(time(90), "00:01:30");
        assert_eq!(time(3600), "01:00:00");
        assert_eq!(time(86_400 + 61), "1-00:01:01");
        assert_eq!(quote("--dag"), "--dag");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }
}
