//! One pod: a container template, its variables already substituted, run as a process of the
//! real binary in a folder of its own that holds only what the template declares.
//!
//! **Paths.** A pod sees absolute paths (`/dagger/store/...`, `/dagger/count`). The simulator
//! cannot chroot a process, so it gives each pod a fresh folder `root` standing for the pod's
//! `/`, and maps an absolute path `/a/b` to `root/a/b`: in artifact paths, output parameter
//! paths, volume mount paths and `workingDir`, and in the container's `args` and `env` values
//! that are a path in one of the pod's own top-level folders (the first component of a mount
//! path or of a declared path: `/dagger` for the generator's manifests), alone or after the
//! first `=` (`--store=/dagger/store`). Other words are left alone: `/usr/bin/x` or
//! `n=/tmp/x` stay as they are. Volumes are `emptyDir` only: a mount is an empty folder under
//! `root`, which Argo's init container fills with the input artifacts below it.
//!
//! **Isolation.** Only the declared input artifacts are copied in, from the bucket; the process
//! runs with `root` as its working directory and with only the container's `env` (not the test's
//! environment). A job that reads a store path its template did not declare finds nothing, and
//! fails as it would on a cluster: that is what the simulator is for.
//!
//! **Outcome.** As Argo's: a missing input artifact that is not `optional` is an error of the pod
//! (Errored, before the container starts); a non-zero exit, or running past
//! `activeDeadlineSeconds`, fails it (Failed); once the container succeeded, output parameters
//! are read (`valueFrom.path`, trimmed; `default` if the file is missing) and output artifacts
//! uploaded, a missing one not `optional` erroring the pod. Outputs of a failed container are not
//! uploaded (Argo may save some; nothing downstream runs after a failure here).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::bucket::Bucket;
use super::Phase;

/// What a pod did.
pub(super) struct PodRun {
    pub(super) phase: Phase,
    pub(super) exit_code: Option<i32>,
    pub(super) message: String,
    pub(super) args: Vec<String>,
    pub(super) stdout: String,
    pub(super) stderr: String,
    /// Its output parameters, by name.
    pub(super) outputs: BTreeMap<String, String>,
}

impl PodRun {
    fn errored(message: String) -> Self {
        PodRun {
            phase: Phase::Errored,
            exit_code: None,
            message,
            args: Vec::new(),
            stdout: String::new(),
            stderr: String::new(),
            outputs: BTreeMap::new(),
        }
    }
}

/// The container fields the simulator reads; the others it knows to change nothing of a pod's
/// files or process (image, resources, ...). Any other field is refused.
const CONTAINER_FIELDS: &[&str] = &["name", "command", "args", "env", "volumeMounts", "workingDir"];
const IGNORED_CONTAINER_FIELDS: &[&str] = &["image", "imagePullPolicy", "resources", "securityContext"];

fn strings(value: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string).ok_or_else(|| format!("`{what}` holds {item}, not a string")))
            .collect(),
        Some(other) => Err(format!("`{what}` is {other}, not a list")),
    }
}

fn text<'a>(value: &'a Value, field: &str, what: &str) -> Result<&'a str, String> {
    value.get(field).and_then(Value::as_str).ok_or_else(|| format!("{what} has no `{field}` text"))
}

/// Where the pod's absolute paths live on this machine.
struct Root {
    root: PathBuf,
    /// The pod's own top-level folders (`dagger`), whose paths in `args` and `env` are mapped.
    tops: Vec<String>,
}

impl Root {
    /// `root` + `path`, for an absolute `path` without `..`.
    fn map(&self, path: &str) -> Result<PathBuf, String> {
        let relative = path.strip_prefix('/').ok_or_else(|| format!("path `{path}` is not absolute"))?;
        let relative = Path::new(relative);
        if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(format!("path `{path}` is not a plain absolute path"));
        }
        Ok(self.root.join(relative))
    }

    /// `word` with a path of the pod's own folders mapped, alone or after `=`.
    fn map_word(&self, word: &str) -> Result<String, String> {
        let (flag, value) = match word.split_once('=') {
            Some((flag, value)) if value.starts_with('/') => (format!("{flag}="), value),
            _ => (String::new(), word),
        };
        let top = value.strip_prefix('/').map(|rest| rest.split('/').next().unwrap_or(""));
        match top {
            Some(top) if self.tops.iter().any(|t| t == top) => {
                Ok(format!("{flag}{}", self.map(value)?.to_string_lossy()))
            }
            _ => Ok(word.to_string()),
        }
    }
}

fn top_of(path: &str) -> Option<String> {
    path.strip_prefix('/').and_then(|rest| rest.split('/').next()).filter(|t| !t.is_empty()).map(str::to_string)
}

/// The S3 key of an artifact, refusing every other location.
fn key_of(artifact: &Value, what: &str) -> Result<String, String> {
    let locations = ["http", "git", "raw", "artifactory", "hdfs", "oss", "gcs", "azure", "from", "fromExpression"];
    if let Some(other) = locations.iter().find(|l| artifact.get(**l).is_some()) {
        return Err(format!("{what} uses `{other}`: the simulator knows key-only `s3` artifacts"));
    }
    let s3 = artifact.get("s3").ok_or_else(|| format!("{what} has no `s3` location"))?;
    if let Some(extra) = s3.as_object().and_then(|o| o.keys().find(|k| k.as_str() != "key")) {
        return Err(format!("{what}: `s3.{extra}` names another repository than the default one"));
    }
    Ok(text(s3, "key", &format!("{what}'s s3"))?.to_string())
}

fn list(template: &Value, pointer: &str) -> Vec<Value> {
    template.pointer(pointer).and_then(Value::as_array).cloned().unwrap_or_default()
}

/// The pod's folder, made fresh: `root` with an empty folder per volume mount.
fn make_root(template: &Value, volumes: &[Value], folder: &Path) -> Result<Root, String> {
    let container = &template["container"];
    let mounts = list(container, "/volumeMounts");
    // The pod's top-level folders: where its mounts and declared paths live.
    let mut mount_paths: Vec<String> = Vec::new();
    for mount in &mounts {
        let name = text(mount, "name", "a volume mount")?;
        let volume = volumes
            .iter()
            .find(|v| v.get("name").and_then(Value::as_str) == Some(name))
            .ok_or_else(|| format!("volume mount `{name}` names no volume of the workflow or template"))?;
        if volume.get("emptyDir").is_none() {
            return Err(format!("volume `{name}` is not an `emptyDir`: the simulator gives pods no shared volume"));
        }
        if mount.get("subPath").is_some() {
            return Err(format!("volume mount `{name}`: `subPath` is not simulated"));
        }
        mount_paths.push(text(mount, "mountPath", "a volume mount")?.to_string());
    }
    let mut declared = mount_paths.clone();
    for artifact in list(template, "/inputs/artifacts").iter().chain(&list(template, "/outputs/artifacts")) {
        declared.push(text(artifact, "path", "an artifact")?.to_string());
    }
    for parameter in list(template, "/outputs/parameters") {
        if let Some(path) = parameter.pointer("/valueFrom/path").and_then(Value::as_str) {
            declared.push(path.to_string());
        }
    }
    let mut tops: Vec<String> = declared.iter().filter_map(|p| top_of(p)).collect();
    tops.sort();
    tops.dedup();
    let root = Root { root: folder.join("root"), tops };
    let _ = fs::remove_dir_all(folder);
    fs::create_dir_all(&root.root).map_err(|e| format!("{}: {e}", root.root.display()))?;
    for mount in &mount_paths {
        let path = root.map(mount)?;
        fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(root)
}

/// Copies the declared input artifacts into the pod; the message of a missing one that is not
/// optional.
fn fetch_inputs(template: &Value, root: &Root, bucket: &Bucket) -> Result<Option<String>, String> {
    for artifact in list(template, "/inputs/artifacts") {
        let name = text(&artifact, "name", "an input artifact")?;
        let what = format!("input artifact `{name}`");
        let key = key_of(&artifact, &what)?;
        let optional = artifact.get("optional").and_then(Value::as_bool).unwrap_or(false);
        let found = bucket.download(&key, &root.map(text(&artifact, "path", &what)?)?)?;
        if !found && !optional {
            return Ok(Some(format!("{what}: key `{key}` not found (and the artifact is not optional)")));
        }
    }
    Ok(None)
}

/// Runs the container's process to its end or its deadline.
fn execute(template: &Value, root: &Root, binary: &Path, folder: &Path, pod: &str) -> Result<PodRun, String> {
    let container = &template["container"];
    let command = strings(container.get("command"), "command")?;
    let mut args: Vec<String> = command.iter().skip(1).cloned().collect();
    args.extend(strings(container.get("args"), "args")?);
    let args = args.iter().map(|a| root.map_word(a)).collect::<Result<Vec<_>, _>>()?;
    let mut process = Command::new(binary);
    process.args(&args).env_clear();
    for variable in list(container, "/env") {
        let name = text(&variable, "name", "an env variable")?;
        if variable.get("valueFrom").is_some() {
            return Err(format!("env `{name}`: `valueFrom` is not simulated"));
        }
        let value = variable.get("value").and_then(Value::as_str).unwrap_or("");
        process.env(name, root.map_word(value)?);
    }
    let working_dir = match container.get("workingDir").and_then(Value::as_str) {
        Some(dir) => root.map(dir)?,
        None => root.root.clone(),
    };
    fs::create_dir_all(&working_dir).map_err(|e| format!("{}: {e}", working_dir.display()))?;
    let (stdout_path, stderr_path) = (folder.join("stdout"), folder.join("stderr"));
    let file = |path: &Path| fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()));
    process.current_dir(&working_dir).stdin(Stdio::null()).stdout(file(&stdout_path)?).stderr(file(&stderr_path)?);
    let deadline = match template.get("activeDeadlineSeconds") {
        None => None,
        Some(Value::Number(n)) => n.as_u64().map(Duration::from_secs),
        Some(Value::String(s)) => s.parse().ok().map(Duration::from_secs),
        Some(other) => return Err(format!("`activeDeadlineSeconds` {other} is not a number of seconds")),
    };

    let started = Instant::now();
    let mut child = process.spawn().map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("waiting for pod {pod}: {e}"))? {
            break (Some(status), false);
        }
        if deadline.is_some_and(|d| started.elapsed() > d) {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let read = |path: &Path| String::from_utf8_lossy(&fs::read(path).unwrap_or_default()).into_owned();
    let (stdout, stderr) = (read(&stdout_path), read(&stderr_path));
    let exit_code = status.and_then(|s| s.code());
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
    let (phase, message) = match (timed_out, exit_code) {
        (false, Some(0)) => (Phase::Succeeded, String::new()),
        (true, _) => (Phase::Failed, "Pod was active on the node longer than the specified deadline".to_string()),
        (false, Some(code)) => (Phase::Failed, format!("exit code {code}: {last}")),
        (false, None) => (Phase::Failed, format!("killed by a signal: {last}")),
    };
    Ok(PodRun { phase, exit_code, message, args, stdout, stderr, outputs: BTreeMap::new() })
}

/// Reads the output parameters into `run` and uploads the output artifacts; an error of the
/// pod if one that is not optional is missing.
fn store_outputs(
    template: &Value,
    root: &Root,
    bucket: &mut Bucket,
    pod: &str,
    run: &mut PodRun,
) -> Result<(), String> {
    let mut errored = |message: String| {
        run.phase = Phase::Errored;
        run.message = message;
    };
    for parameter in list(template, "/outputs/parameters") {
        let name = text(&parameter, "name", "an output parameter")?;
        let value_from =
            parameter.get("valueFrom").ok_or_else(|| format!("output parameter `{name}` has no `valueFrom`"))?;
        let path = value_from
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("output parameter `{name}`: only `valueFrom.path` is simulated in a pod"))?;
        match (fs::read_to_string(root.map(path)?), value_from.get("default").and_then(Value::as_str)) {
            (Ok(value), _) => run.outputs.insert(name.to_string(), value.trim().to_string()),
            (Err(_), Some(default)) => run.outputs.insert(name.to_string(), default.to_string()),
            (Err(e), None) => {
                errored(format!("output parameter `{name}`: cannot read `{path}`: {e}"));
                return Ok(());
            }
        };
    }
    for artifact in list(template, "/outputs/artifacts") {
        let name = text(&artifact, "name", "an output artifact")?;
        let what = format!("output artifact `{name}`");
        if artifact.pointer("/archive/none").is_none() {
            return Err(format!(
                "{what} has no `archive: {{none: {{}}}}`: Argo would upload it as a tar.gz, whose key holds no files"
            ));
        }
        let key = key_of(&artifact, &what)?;
        let optional = artifact.get("optional").and_then(Value::as_bool).unwrap_or(false);
        let path = text(&artifact, "path", &what)?;
        if !bucket.upload(&root.map(path)?, &key, pod)? && !optional {
            errored(format!("{what}: `{path}` does not exist (and the artifact is not optional)"));
            return Ok(());
        }
    }
    Ok(())
}

/// Runs the container template `template` (substituted) as pod `pod`, in `folder` (made
/// fresh), with `binary` for the container's `command[0]`. An `Err` is a template the simulator
/// cannot run (a refused feature); a pod that fails is an `Ok` with its phase.
pub(super) fn run(
    template: &Value,
    volumes: &[Value],
    binary: &Path,
    folder: &Path,
    bucket: &mut Bucket,
    pod: &str,
) -> Result<PodRun, String> {
    let fields = template.get("container").and_then(Value::as_object).ok_or("no `container` object")?;
    let known = |k: &String| CONTAINER_FIELDS.contains(&k.as_str()) || IGNORED_CONTAINER_FIELDS.contains(&k.as_str());
    if let Some(key) = fields.keys().find(|k| !known(k)) {
        return Err(format!("`container.{key}` is not simulated"));
    }
    let root = make_root(template, volumes, folder)?;
    if let Some(message) = fetch_inputs(template, &root, bucket)? {
        return Ok(PodRun::errored(message));
    }
    let mut run = execute(template, &root, binary, folder, pod)?;
    if run.phase == Phase::Succeeded {
        store_outputs(template, &root, bucket, pod, &mut run)?;
    }
    Ok(run)
}

#[test]
fn absolute_paths_in_the_pods_folders_map_into_its_root() {
    let root = Root { root: PathBuf::from("/tmp/pod/root"), tops: vec!["dagger".to_string()] };
    assert_eq!(root.map("/dagger/store/a").unwrap(), Path::new("/tmp/pod/root/dagger/store/a"));
    assert!(root.map("dagger/x").is_err() && root.map("/dagger/../etc").is_err());
    assert_eq!(root.map_word("/dagger/count").unwrap(), "/tmp/pod/root/dagger/count");
    assert_eq!(root.map_word("--store=/dagger/store").unwrap(), "--store=/tmp/pod/root/dagger/store");
    assert_eq!(root.map_word("/dagger").unwrap(), "/tmp/pod/root/dagger");
    for kept in ["/daggers/x", "/usr/bin/x", "n=/tmp/x", "node", "sum_of_powers[2]/raise", ""] {
        assert_eq!(root.map_word(kept).unwrap(), kept);
    }
}
