//! A folder playing the S3 bucket of the workflow's artifact repository: the object of key
//! `a/b/c` is the file `<folder>/a/b/c`.
//!
//! Downloads and uploads follow Argo's S3 driver (`workflow/artifacts/s3/s3.go`), since the
//! generator's manifests rely on it: a key that names an object downloads that object; a key that
//! names no object downloads every object under `key + "/"` (a "folder" key: how a fan-in gets
//! all the partitions of a map, and why `output2/` never matches `output`); a key with neither
//! is not found. A folder path uploads every file under it, key + relative path, which is what
//! `archive: {none: {}}` does.

use std::fs;
use std::path::{Component, Path, PathBuf};

/// The bucket, and what the uploads did to it.
pub(super) struct Bucket {
    root: PathBuf,
    /// Keys that an upload replaced with different bytes, and the pod that did it.
    pub(super) overwrites: Vec<(String, String)>,
}

/// Every file under `dir`, as paths relative to it, sorted.
pub(super) fn files_under(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut folders = vec![PathBuf::new()];
    while let Some(relative) = folders.pop() {
        let entries =
            fs::read_dir(dir.join(&relative)).map_err(|e| format!("{}: {e}", dir.join(&relative).display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = relative.join(entry.file_name());
            if entry.path().is_dir() {
                folders.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::copy(from, to).map(|_| ()).map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}

impl Bucket {
    pub(super) fn new(root: &Path) -> Result<Self, String> {
        fs::create_dir_all(root).map_err(|e| format!("{}: {e}", root.display()))?;
        Ok(Bucket { root: root.to_path_buf(), overwrites: Vec::new() })
    }

    /// The file of `key`, once the key is checked to be a plain relative key: S3 would take
    /// `a//b` or `../x`, but from a generator they are bugs.
    fn path(&self, key: &str) -> Result<PathBuf, String> {
        let path = Path::new(key);
        let plain = !key.is_empty()
            && !key.contains("//")
            && !key.ends_with('/')
            && path.components().all(|c| matches!(c, Component::Normal(_)));
        if !plain {
            return Err(format!("artifact key `{key}` is not a plain relative key (`a/b/c`)"));
        }
        Ok(self.root.join(path))
    }

    /// Copies the object `key`, or every object under `key/`, to `to`; false when there is
    /// neither (S3's NotFound, which `optional: true` skips).
    pub(super) fn download(&self, key: &str, to: &Path) -> Result<bool, String> {
        let from = self.path(key)?;
        if from.is_file() {
            copy(&from, to)?;
            return Ok(true);
        }
        if !from.is_dir() {
            return Ok(false);
        }
        let files = files_under(&from)?;
        for file in &files {
            copy(&from.join(file), &to.join(file))?;
        }
        Ok(!files.is_empty())
    }

    /// Stores the file `from` as the object `key`, or every file under the folder `from` as
    /// `key/<relative path>`; false when `from` does not exist.
    pub(super) fn upload(&mut self, from: &Path, key: &str, pod: &str) -> Result<bool, String> {
        let to = self.path(key)?;
        let files: Vec<(PathBuf, PathBuf)> = if from.is_file() {
            vec![(from.to_path_buf(), to)]
        } else if from.is_dir() {
            files_under(from)?.into_iter().map(|file| (from.join(&file), to.join(&file))).collect()
        } else {
            return Ok(false);
        };
        for (from, to) in files {
            // A folder cannot hold an object and objects under it at once; S3 could, but then
            // a folder key would download the object alone and hide the others.
            if to.is_dir() {
                return Err(format!("pod {pod} uploads object {} over a folder of objects", to.display()));
            }
            let bytes = fs::read(&from).map_err(|e| format!("{}: {e}", from.display()))?;
            if let Ok(old) = fs::read(&to) {
                if old != bytes {
                    let key = to.strip_prefix(&self.root).unwrap_or(&to).to_string_lossy().into_owned();
                    self.overwrites.push((key, pod.to_string()));
                }
            }
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent)
                    .map_err(|e| format!("pod {pod} uploads under {}, which is an object: {e}", parent.display()))?;
            }
            fs::write(&to, bytes).map_err(|e| format!("{}: {e}", to.display()))?;
        }
        Ok(true)
    }
}

#[test]
fn folder_keys_download_every_object_under_key_slash_and_nothing_else() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("argo_sim_bucket");
    let _ = fs::remove_dir_all(&dir);
    let (files, pod) = (dir.join("pod"), dir.join("into"));
    for (path, text) in [("out/0", "a"), ("out/sub/1", "b"), ("out2/0", "c"), ("one", "d")] {
        fs::create_dir_all(files.join(path).parent().unwrap()).unwrap();
        fs::write(files.join(path), text).unwrap();
    }
    let mut bucket = Bucket::new(&dir.join("bucket")).unwrap();
    assert!(bucket.upload(&files.join("out"), "k/out", "p").unwrap());
    assert!(bucket.upload(&files.join("out2"), "k/out2", "p").unwrap());
    assert!(bucket.upload(&files.join("one"), "k/one", "p").unwrap());
    assert!(!bucket.upload(&files.join("missing"), "k/missing", "p").unwrap());

    assert!(bucket.download("k/out", &pod.join("out")).unwrap());
    assert_eq!(files_under(&pod).unwrap(), [Path::new("out/0"), Path::new("out/sub/1")], "not `out2/`");
    assert!(bucket.download("k/one", &pod.join("x/one")).unwrap());
    assert_eq!(fs::read_to_string(pod.join("x/one")).unwrap(), "d");
    assert!(!bucket.download("k/ou", &pod.join("ou")).unwrap(), "a key prefix is not a folder key");
    assert!(!bucket.download("k/missing", &pod.join("m")).unwrap());
    for bad in ["", "/k/one", "k//one", "k/../one", "k/one/"] {
        assert!(bucket.download(bad, &pod.join("bad")).is_err(), "{bad:?}");
    }

    // The same bytes again are no overwrite; other bytes are.
    assert!(bucket.upload(&files.join("one"), "k/one", "p").unwrap());
    assert!(bucket.overwrites.is_empty());
    assert!(bucket.upload(&files.join("out2/0"), "k/one", "q").unwrap());
    assert_eq!(bucket.overwrites, [("k/one".to_string(), "q".to_string())]);
}
