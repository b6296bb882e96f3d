//! Where each value lives in a disk store's folder. Every path is made of names the builder
//! checked (letters, digits, `_`, `-`), partition numbers, and fixed words that no name can
//! collide with in its place, so every value has a path of its own inside the folder:
//!
//! ```text
//! <root>/<dag>/                         the root DAG (`.lock`, `.run`: who is running it)
//!   <node>/output                       a node's whole output
//!   <node>/output/<p> | <a>-<b>         a partitioned output: files of one partition, or of a..=b
//!   <node>/output/partitions.json       their list, written last: the output is complete
//!   <node>/fingerprint                  what produced the output
//!   <inner>/nodes/<node>/...            the nodes of a nested DAG called once
//!   <inner>/instances/<p>/<node>/...    the nodes of its run on partition p
//! ```
//!
//! Below a DAG's folder, user names appear only as node folders; below a node folder, only the
//! fixed words `output`, `fingerprint`, `nodes`, `instances` and `.lock`; below `instances`,
//! only partition numbers; below `output`, only partition files and `partitions.json`.

use std::path::{Path, PathBuf};

use crate::error::NodePath;

/// The file that lists a partitioned output's files, written last.
pub(super) const LISTING: &str = "partitions.json";

/// The keys of a keyed partitioned output, in partition order (a JSON list), beside its
/// listing: written before it, so that a listed output's keys are complete.
pub(super) const KEYS: &str = "keys.json";

/// The digests of a keyed output's partitions' values (hexadecimal, in partition order), written
/// with its keys.
pub(super) const DIGESTS: &str = "digests.json";

/// The fingerprints of a map output's partitions that do not depend on their positions (see
/// `run::by_key`), written when the output is sealed.
pub(super) const BY_KEY: &str = "by-key.json";

/// Where an output another fingerprint produced is kept while a run that may reuse some of its
/// partitions by key runs (beside `output`).
pub(super) const PREVIOUS: &str = "previous";

/// The folder of the DAG run at `dag`: the root DAG's, or a nested DAG's (called once, or on
/// one partition).
pub(super) fn dag_dir(root: &Path, dag: &NodePath) -> PathBuf {
    let mut path = root.to_path_buf();
    for (depth, (name, partition)) in dag.segments().enumerate() {
        path.push(name);
        match (depth, partition) {
            (0, _) => {}
            (_, None) => path.push("nodes"),
            (_, Some(p)) => {
                path.push("instances");
                path.push(p.to_string());
            }
        }
    }
    path
}

/// The folder of node `node` of the DAG run at `dag`.
pub(super) fn node_dir(root: &Path, dag: &NodePath, node: &str) -> PathBuf {
    dag_dir(root, dag).join(node)
}

/// A node's output: its file, or the folder of its partitions.
pub(super) fn output(node_dir: &Path) -> PathBuf {
    node_dir.join("output")
}

/// What produced a node's output.
pub(super) fn fingerprint(node_dir: &Path) -> PathBuf {
    node_dir.join("fingerprint")
}

/// The lock taken while a node's output is readied for writing.
pub(super) fn node_lock(node_dir: &Path) -> PathBuf {
    node_dir.join(".lock")
}

/// The digests of the input files runs read (see `crate::external`), beside the DAGs' folders:
/// a name no DAG can have.
pub(super) fn stamps(root: &Path) -> PathBuf {
    root.join(".input-stamps.json")
}

/// The root DAG's folder.
pub(super) fn root_dag_dir(root: &Path, dag: &str) -> PathBuf {
    root.join(dag)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::store::files::file_name;

    /// A small deterministic generator, so that the test needs no crate and reproduces.
    struct Seeded(u64);

    impl Seeded {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % below
        }

        /// A name as users write them, biased towards the words the layout itself uses.
        fn name(&mut self) -> String {
            const TRICKY: [&str; 9] =
                ["output", "nodes", "instances", "fingerprint", "0", "1", "12", "0-1", "partitions"];
            if self.next(2) == 0 {
                return TRICKY[self.next(TRICKY.len() as u64) as usize].to_string();
            }
            let alphabet = b"ab01_-";
            (0..1 + self.next(3)).map(|_| alphabet[self.next(alphabet.len() as u64) as usize] as char).collect()
        }
    }

    /// Every file a DAG of random names and nestings writes: each node's output file (or, for a
    /// partitioned output, its partition files, listing and the folder), and its fingerprint.
    fn values(rng: &mut Seeded, root: &Path, dag: &NodePath, depth: usize, out: &mut Vec<(PathBuf, bool)>) {
        let mut names = HashSet::new();
        for _ in 0..1 + rng.next(4) {
            let node = rng.name();
            if !names.insert(node.clone()) {
                continue; // node names are unique in their DAG
            }
            let dir = node_dir(root, dag, &node);
            out.push((fingerprint(&dir), true));
            if rng.next(2) == 0 {
                out.push((output(&dir), true));
            } else {
                out.push((output(&dir), false));
                out.push((output(&dir).join(LISTING), true));
                let mut start = 0;
                for _ in 0..rng.next(4) {
                    let len = 1 + rng.next(3) as usize;
                    out.push((output(&dir).join(file_name(&(start..start + len))), true));
                    start += len;
                }
            }
            if depth < 3 && rng.next(3) == 0 {
                let partition = (rng.next(2) == 0).then(|| rng.next(13) as usize);
                values(rng, root, &dag.child(&node, partition), depth + 1, out);
            }
        }
    }

    #[test]
    fn every_value_has_a_path_of_its_own_inside_the_folder() {
        let root = Path::new("/store");
        for seed in 0..500 {
            let mut rng = Seeded(seed);
            let mut paths = Vec::new();
            let dag = NodePath::root(&rng.name());
            values(&mut rng, root, &dag, 0, &mut paths);
            let files: HashSet<&PathBuf> = paths.iter().filter(|(_, file)| *file).map(|(p, _)| p).collect();
            let mut seen = HashSet::new();
            for (path, is_file) in &paths {
                assert!(path.starts_with(root), "seed {seed}: {path:?} leaves the folder");
                assert!(seen.insert(path.clone()), "seed {seed}: two values at {path:?}");
                // A file is never the folder of another value.
                for ancestor in path.ancestors().skip(1) {
                    assert!(
                        !files.contains(&ancestor.to_path_buf()),
                        "seed {seed}: {ancestor:?} is a file and a folder"
                    );
                }
                let _ = is_file;
            }
        }
    }
}
