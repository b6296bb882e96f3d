//! Sealing: the partitions of a map's outputs are written by many jobs, none of which knows
//! when the others are done; a seal lists them once every partition is stored, so that a
//! reader of the whole output can trust it is complete.

use super::super::state::Run;
use super::settle::Up;
use super::Done;
use crate::error::Error;
use crate::store::Existing;

impl Run<'_> {
    /// Seals the outputs of the map `node` belongs to: checks that every partition of each is
    /// stored, and lists them. A node outside maps has no seal: an error says so.
    pub(in crate::run) fn seal_job(&self, node: usize, up: Option<&dyn Up>) -> Result<Done, Error> {
        let spec = &self.graph.nodes[node];
        let Some(map) = spec.map else {
            let message = "this node runs once, not once per partition: a seal lists the outputs of a map, and its \
                           output needs none";
            return Err(self.isolation_error(spec, message));
        };
        let count = self.map_count(map as usize)?;
        let nodes = &self.graph.maps[map as usize].nodes;
        for &node in nodes {
            self.seal_output(node as usize, count)?;
        }
        if let Some(up) = up {
            if nodes.iter().any(|&node| self.is_output(node as usize)) {
                up.sealed(count)?;
            }
        }
        Ok(Done { count: Some(count) })
    }

    /// Seals the output of `node`, which runs once per partition, alone: what a job that reads
    /// all of it does when no seal listed it (the other outputs of its map need not be where
    /// the job runs: an Argo pod holds only what it reads).
    pub(in crate::run) fn seal_on_read(&self, node: usize) -> Result<(), Error> {
        match self.graph.nodes[node].map {
            Some(map) => {
                let count = self.map_count(map as usize)?;
                self.seal_output(node, count)
            }
            None => Ok(()),
        }
    }

    /// Lists the `count` partitions of `node`'s output, all stored, or says which is missing.
    fn seal_output(&self, node: usize, count: usize) -> Result<(), Error> {
        self.prepare_output(node, true)?;
        let spec = &self.graph.nodes[node];
        // Fingerprints by key, for a later run, when the keys' digests are in the store.
        if self.graph.nodes[self.graph.key_source(node)].keyed() && self.load_keys(node).is_ok() {
            self.record_by_key(node, count).map_err(|_| self.take_failure())?;
        }
        self.store.seal(&self.location(spec, None), count, None).map_err(|error| {
            let path = self.path.child(&spec.name, None);
            let file = error.file.map_or_else(String::new, |file| format!(" (file `{}`)", file.display()));
            let message = format!("{}{file}: run the missing partitions of `{path}` first", error.source);
            Error::NotReady { path, message }
        })?;
        self.store.drop_previous(&self.location(spec, None));
        let _ = self.outputs[node].count.set(count);
        Ok(())
    }

    /// How many partitions map `map` runs: those of its source, or, for a map over another
    /// map's output, of that map's source.
    fn map_count(&self, map: usize) -> Result<usize, Error> {
        let source = self.graph.maps[map].source as usize;
        let path = || self.path.child(&self.graph.nodes[source].name, None);
        match (self.find_output(source)?, self.graph.nodes[source].map) {
            (Existing::Sealed(files), _) => Ok(files.len()),
            (_, Some(outer)) => self.map_count(outer as usize),
            (Existing::Partial(_), None) => {
                let message = "it is not complete in the store: run it again, to the end".to_string();
                Err(Error::NotReady { path: path(), message })
            }
            _ => Err(Error::NotReady { path: path(), message: "it is not in the store: run it first".to_string() }),
        }
    }
}
