//! The inputs of a job: the stored outputs its node reads, found in the store with the
//! fingerprints this run computes. A partitioned output read whole that many jobs wrote but
//! none listed is sealed here first (seal on read), so that a job needs no seal before it.

use std::ops::Range;
use std::sync::Arc;

use super::super::plan::KEEP;
use super::super::state::Run;
use crate::erased::AnyValue;
use crate::error::Error;
use crate::graph::{How, NodeSpec, Source};
use crate::store::{Existing, Files, StoredParts};

impl Run<'_> {
    /// What a stored output of `node` is, as this run fingerprints it.
    pub(super) fn find_output(&self, node: usize) -> Result<Existing, Error> {
        let spec = &self.graph.nodes[node];
        self.store.find(&self.location(spec, None), self.fingerprints[node]).map_err(|error| Error::Store {
            path: self.path.child(&spec.name, None),
            partition: None,
            file: error.file,
            writing: false,
            error: error.source,
        })
    }

    /// Points the outputs that the inputs `wanted` (by position) of `spec` read, on
    /// `partitions`, at the values stored with the fingerprints this run computes.
    pub(super) fn prefill(
        &self,
        spec: &NodeSpec,
        partitions: Option<&Range<usize>>,
        wanted: &dyn Fn(usize) -> bool,
    ) -> Result<(), Error> {
        let mut done: Vec<(u32, bool)> = Vec::new();
        for (k, edge) in spec.inputs.iter().enumerate() {
            let Source::Node(source) = edge.port.source else { continue };
            let whole = matches!(edge.how, How::Whole);
            if !wanted(k) || done.contains(&(source, whole)) {
                continue;
            }
            done.push((source, whole));
            let source = source as usize;
            let mut existing = self.find_output(source)?;
            if matches!(edge.how, How::Collect(_))
                && matches!(existing, Existing::Partial(_) | Existing::Nothing)
                && self.graph.nodes[source].map.is_some()
            {
                self.seal_on_read(source)?;
                existing = self.find_output(source)?;
            }
            self.point_at(spec, source, edge.how, existing, partitions)?;
            if !whole {
                self.load_keys(source)?;
            }
        }
        Ok(())
    }

    /// Reads the keys of `node`'s partitions (those of its key source) from the store, for a
    /// job that reads the partitions: a fan-in by key, an error that names a partition's key.
    pub(super) fn load_keys(&self, node: usize) -> Result<(), Error> {
        let source = self.graph.key_source(node);
        let spec = &self.graph.nodes[source];
        if !spec.keyed() || self.outputs[source].keys.get().is_some() {
            return Ok(());
        }
        let path = self.path.child(&spec.name, None);
        match self.store.keys(&self.location(spec, None)) {
            Ok(Some(keys)) => {
                *crate::sync::lock(&self.outputs[source].digests) = keys.digests().to_vec();
                let _ = self.outputs[source].keys.set(keys);
                Ok(())
            }
            Ok(None) => {
                let message = format!("its partition keys are not in the store: run `{path}` first");
                Err(Error::NotReady { path, message })
            }
            Err(error) => {
                Err(Error::Store { path, partition: None, file: error.file, writing: false, error: error.source })
            }
        }
    }

    /// Points the output of `source`, which `spec` reads as `how`, at what is stored.
    fn point_at(
        &self,
        spec: &NodeSpec,
        source: usize,
        how: How,
        existing: Existing,
        partitions: Option<&Range<usize>>,
    ) -> Result<(), Error> {
        let output = &self.outputs[source];
        let name = &self.graph.nodes[source].name;
        let path = self.path.child(name, None);
        match (how, existing, partitions) {
            (How::Whole, Existing::Whole, _) => output.one.set(crate::store::Stored::Written, KEEP),
            (How::Collect(_), Existing::Sealed(files), _) => {
                let _ = output.count.set(files.len());
                output.parts.push(0, StoredParts::Files(files), KEEP);
            }
            (How::Split(_), Existing::Sealed(files), Some(range)) => {
                if range.end > files.len() {
                    let message = format!(
                        "its input `{name}` has {} partitions: there is no partition {}",
                        files.len(),
                        range.end - 1
                    );
                    return Err(self.isolation_error(spec, &message));
                }
                output.parts.push(0, StoredParts::Files(files), KEEP);
            }
            (How::Split(_), Existing::Partial(files), Some(range)) => {
                let mut pushed = 0;
                for file in &files {
                    if file.start >= range.end {
                        break;
                    }
                    if file.start >= pushed && file.end > range.start {
                        output.parts.push(file.start, StoredParts::Files(Files::one(file.len())), KEEP);
                        pushed = file.end;
                    }
                }
                if let Some(p) = range.clone().find(|&p| output.parts.peek(p).is_none()) {
                    let message = format!("its partition {p} is not in the store: run `{path}` on partition {p} first");
                    return Err(Error::NotReady { path, message });
                }
            }
            (_, Existing::Different, _) => {
                let message = "what is stored was produced by other parameters, inputs or code: run it first, with \
                               these parameters";
                return Err(Error::NotReady { path, message: message.to_string() });
            }
            (How::Collect(_), Existing::Partial(_), _) => {
                let message = "it is not complete in the store: run its other partitions first";
                return Err(Error::NotReady { path, message: message.to_string() });
            }
            _ => {
                let message = format!("it is not in the store: run `{path}` first, with a `DiskStore`");
                return Err(Error::NotReady { path, message });
            }
        }
        Ok(())
    }

    /// The arguments of the nested DAG `node` (on `instance`, for one that runs once per
    /// partition) that `needed` marks, read from the store; the others are never read, and
    /// stand as `()`.
    pub(super) fn nested_params(
        &self,
        node: usize,
        instance: Option<usize>,
        needed: &[bool],
    ) -> Result<Vec<AnyValue>, Error> {
        let spec = &self.graph.nodes[node];
        let wanted = |k: usize| needed.get(k).copied().unwrap_or(false);
        self.prefill(spec, instance.map(|p| p..p + 1).as_ref(), &wanted)?;
        let mut readers = Vec::new();
        let mut params = Vec::with_capacity(spec.inputs.len());
        for (k, edge) in spec.inputs.iter().enumerate() {
            let value = match wanted(k) {
                true => self.read_input(spec, edge, instance, &mut readers).map_err(|_| self.take_failure())?,
                false => Arc::new(()) as AnyValue,
            };
            params.push(value);
        }
        Ok(params)
    }
}
