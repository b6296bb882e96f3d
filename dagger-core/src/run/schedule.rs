//! Scheduling: what is ready, what runs next. A node outside maps starts when the nodes it
//! reads are complete; a map's jobs start as partitions of its source are stored, once the
//! whole values its nodes read are complete; a map's nodes are complete when every partition
//! is through it.

use std::ops::Range;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::emit::{OneEmit, PartsEmit};
use super::fingerprints::Inputs;
use super::plan::Plan;
use super::state::{NodeFiles, Run, Stopped, Top};
use crate::erased::AnyValue;
use crate::error::{Error, NodePath};
use crate::graph::{Graph, Work};
use crate::invoke::DagValue;
use crate::store::{Existing, Files, Store, Stored, StoredParts};
use crate::sync::lock;

/// Runs one graph to completion and returns its output (`None` for `()`).
pub(super) fn execute(
    graph: &Graph,
    plan: &Plan,
    params: (Vec<AnyValue>, Inputs),
    path: &NodePath,
    store: &Arc<dyn Store>,
    top: &Top<'_>,
) -> Result<Option<DagValue>, Error> {
    let run = Run::new(graph, plan, params, path, store, top);
    rayon::in_place_scope_fifo(|scope| run.start(scope));
    if run.cancelled.load(Ordering::SeqCst) {
        return Err(run.take_failure());
    }
    match graph.output {
        None => Ok(None),
        Some(port) => run.result(port).map(Some).map_err(|_| run.take_failure()),
    }
}

impl<'s> Run<'s> {
    fn start(&'s self, scope: &rayon::ScopeFifo<'s>) {
        for (node, spec) in self.graph.nodes.iter().enumerate() {
            if spec.map.is_none() && self.plan.waits_for[node] == 0 {
                scope.spawn_fifo(move |scope| self.run_node(scope, node));
            }
        }
        for (map, spec) in self.graph.maps.iter().enumerate() {
            if spec.whole_inputs.is_empty() && !spec.nodes.is_empty() {
                self.map_ready(scope, map);
            }
        }
    }

    /// The job of a node outside maps: runs it, then starts what waits for it.
    fn run_node(&'s self, scope: &rayon::ScopeFifo<'s>, node: usize) {
        if self.stopped() {
            return;
        }
        let _span = tracing::info_span!(parent: &self.span, "node", node = %self.graph.nodes[node].name).entered();
        if let Ok(count) = self.produce(node, Some(scope)) {
            if let Some(count) = count {
                self.parts_counted(scope, node, count);
            }
            self.node_complete(scope, node);
        }
    }

    /// Runs a node outside maps and stores its output; returns its number of partitions, for
    /// a partitioned output, once it is sealed. With a `scope`, the maps over its partitions
    /// start on them as they are stored (without, the node runs alone).
    pub(super) fn produce(
        &'s self,
        node: usize,
        scope: Option<&rayon::ScopeFifo<'s>>,
    ) -> Result<Option<usize>, Stopped> {
        let spec = &self.graph.nodes[node];
        // What an earlier run left is only looked at here: the output is readied for writing
        // (what else is there removed) when the task first hands something over, so that a
        // run that fails before (a wrong parameter) leaves the earlier run's output as it was.
        let found = match self.reuse && spec.cache {
            true => self
                .store
                .find(&self.location(spec, None), self.fingerprints[node])
                .map_err(|error| self.store_failed(spec, None, false, error))?,
            false => Existing::Nothing,
        };
        match found {
            Existing::Whole if !spec.splits_output => {
                self.outputs[node].one.set(Stored::Written, self.plan.reads[node]);
                return Ok(None);
            }
            Existing::Sealed(files) if spec.splits_output => {
                self.reused_keys(node, files.len())?;
                return Ok(Some(self.reused_parts(scope, node, files)));
            }
            _ => {}
        }
        if spec.splits_output {
            let mut emit = PartsEmit::new(self, scope, node);
            self.invoke(node, None, &mut emit)?;
            let (count, keys) = emit.finish().map_err(|error| self.task_failed_with(spec, error))?;
            if let Some(keys) = keys {
                self.store
                    .put_keys(&self.location(spec, None), &keys)
                    .map_err(|error| self.store_failed(spec, None, true, error))?;
                let _ = self.outputs[node].keys.set(keys);
            }
            self.seal(node, count)?;
            Ok(Some(count))
        } else {
            let mut emit = OneEmit::default();
            self.invoke(node, None, &mut emit)?;
            let value = emit.into_value().ok_or_else(|| self.internal(spec, "a task returned no value"))?;
            self.prepare(node)?;
            let stored = self.put(node, None, value)?;
            self.outputs[node].one.set(stored, self.plan.reads[node]);
            Ok(None)
        }
    }

    /// `node`'s output is complete: one value, or every partition.
    pub(super) fn node_complete(&'s self, scope: &rayon::ScopeFifo<'s>, node: usize) {
        let spec = &self.graph.nodes[node];
        if let (Some(progress), None, false) = (self.progress, spec.map, matches!(spec.work, Work::Derived(_))) {
            progress.node_done();
        }
        for &next in &self.plan.node_dependents[node] {
            if self.waiting[next as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                scope.spawn_fifo(move |scope| self.run_node(scope, next as usize));
            }
        }
        for &map in &self.plan.map_dependents[node] {
            if self.maps[map as usize].waiting.fetch_sub(1, Ordering::AcqRel) == 1 {
                self.map_ready(scope, map as usize);
            }
        }
    }

    /// Partitions `range` of `node`'s output are stored: the maps over it run them, or keep
    /// them for when their whole inputs are complete.
    pub(super) fn parts_available(&'s self, scope: &rayon::ScopeFifo<'s>, node: usize, range: Range<usize>) {
        for &map in &self.plan.maps_over[node] {
            if let Some(progress) = self.progress {
                progress.parts_announced(range.len());
            }
            // The map's outputs are readied once its source has partitions (so that a source
            // that fails first leaves them as they were); then cut where the files of the
            // map's kept output end (see `by_key`): the rest waits for the next partitions, or
            // for the count.
            self.existing(map as usize);
            let range = match self.graph.nodes[node].map {
                None => self.carry_kept(map as usize, range.clone()),
                Some(_) => range.clone(),
            };
            self.run_or_wait(scope, map as usize, range);
        }
    }

    /// Runs partitions `range` through `map`, or keeps them for when its whole inputs are
    /// complete.
    fn run_or_wait(&'s self, scope: &rayon::ScopeFifo<'s>, map: usize, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        let run_now = {
            let mut trigger = lock(&self.maps[map].trigger);
            if !trigger.ready {
                trigger.pending.push(range.clone());
            }
            trigger.ready
        };
        if run_now {
            scope.spawn_fifo(move |scope| self.run_map(scope, map, range));
        }
    }

    /// Readies the place of `node`'s output (a node outside maps): what an earlier run stored
    /// there with this run's fingerprint, if it may be reused. A partitioned task whose output
    /// is not complete runs again from its start, over the files it finds: they hold the values
    /// of the same fingerprint (and another process of this run may be writing them).
    pub(super) fn prepare(&self, node: usize) -> Result<Existing, Stopped> {
        let spec = &self.graph.nodes[node];
        let at = self.location(spec, None);
        self.store
            .prepare(&at, self.fingerprints[node], spec.splits_output, self.reuse && spec.cache)
            .map_err(|error| self.store_failed(spec, None, true, error))
    }

    /// The keys of a keyed output an earlier run completed, with its `count` partitions.
    pub(super) fn reused_keys(&self, node: usize, count: usize) -> Result<(), Stopped> {
        let spec = &self.graph.nodes[node];
        if !spec.keyed() {
            return Ok(());
        }
        let at = self.location(spec, None);
        let keys = self.store.keys(&at).map_err(|error| self.store_failed(spec, None, false, error))?;
        let keys = match keys {
            Some(keys) if keys.len() == count => keys,
            found => {
                let found = found.map_or("none".to_string(), |keys| keys.len().to_string());
                let error = format!("the output has {count} partitions and {found} partition keys");
                return Err(self.store_failed(spec, None, false, crate::store::StoreError::new(None, error)));
            }
        };
        *lock(&self.outputs[node].digests) = keys.digests().to_vec();
        let _ = self.outputs[node].keys.set(keys);
        Ok(())
    }

    /// A partitioned output an earlier run completed: kept as it is, and handed to the maps
    /// over it file by file, as a run that produced it would have. Returns its count.
    fn reused_parts(&'s self, scope: Option<&rayon::ScopeFifo<'s>>, node: usize, files: Files) -> usize {
        let count = files.len();
        let output = &self.outputs[node];
        for range in files.ranges(0) {
            output.parts.push(range.start, StoredParts::Files(Files::one(range.len())), self.plan.reads[node]);
            if let Some(scope) = scope {
                self.parts_available(scope, node, range);
            }
        }
        let _ = output.count.set(count);
        tracing::info!(node = %self.graph.nodes[node].name, partitions = count, "reused");
        count
    }

    /// Marks `node`'s partitioned output complete with `count` partitions, in the store too.
    pub(super) fn seal(&self, node: usize, count: usize) -> Result<(), Stopped> {
        let spec = &self.graph.nodes[node];
        if count == 0 {
            // No job of a map over zero partitions readied the output: its fingerprint, so that
            // a later run finds it stored.
            self.store
                .prepare(&self.location(spec, None), self.fingerprints[node], true, true)
                .map_err(|error| self.store_failed(spec, None, true, error))?;
        }
        self.record_by_key(node, count)?;
        let files = self.outputs[node].parts.files(count);
        self.store
            .seal(&self.location(spec, None), count, files.as_ref())
            .map_err(|error| self.store_failed(spec, None, true, error))?;
        self.store.drop_previous(&self.location(spec, None));
        let _ = self.outputs[node].count.set(count);
        Ok(())
    }

    /// `node`'s output has `count` partitions, all stored: the maps over it now know how many
    /// partitions they run.
    fn parts_counted(&'s self, scope: &rayon::ScopeFifo<'s>, node: usize, count: usize) {
        for &map in &self.plan.maps_over[node] {
            let _ = self.maps[map as usize].count.set(count);
            // The partitions held back for the next ones: there are no more.
            let carried = lock(&self.maps[map as usize].carry).take();
            if let Some(start) = carried {
                self.run_or_wait(scope, map as usize, start..count);
            }
            self.check_map_finished(scope, map as usize);
        }
    }

    /// Every whole input of `map` is complete: run the partitions announced so far.
    fn map_ready(&'s self, scope: &rayon::ScopeFifo<'s>, map: usize) {
        let pending = {
            let mut trigger = lock(&self.maps[map].trigger);
            trigger.ready = true;
            std::mem::take(&mut trigger.pending)
        };
        for range in pending {
            scope.spawn_fifo(move |scope| self.run_map(scope, map, range));
        }
    }

    /// Partitions `range` are through every node of `map`.
    pub(super) fn map_done(&'s self, scope: &rayon::ScopeFifo<'s>, map: usize, range: Range<usize>) {
        for &node in &self.graph.maps[map].nodes {
            self.parts_available(scope, node as usize, range.clone());
        }
        self.map_counted_done(scope, map, range);
    }

    /// Partitions `range` of `map` are done (through its nodes, or found listed in the store).
    pub(super) fn map_counted_done(&'s self, scope: &rayon::ScopeFifo<'s>, map: usize, range: Range<usize>) {
        if let Some(progress) = self.progress {
            progress.parts_done(range.len());
        }
        self.maps[map].done.fetch_add(range.len(), Ordering::AcqRel);
        self.check_map_finished(scope, map);
    }

    /// Once every partition is through `map`, its nodes' outputs are complete.
    fn check_map_finished(&'s self, scope: &rayon::ScopeFifo<'s>, map: usize) {
        let state = &self.maps[map];
        let Some(&count) = state.count.get() else {
            return;
        };
        if state.done.load(Ordering::Acquire) == count && !state.finished.swap(true, Ordering::AcqRel) {
            let listed = self.map_listed(map);
            for (i, &node) in self.graph.maps[map].nodes.iter().enumerate() {
                let done = match listed {
                    true => self.hand_over_listed(scope, map, i, count),
                    false => self.seal(node as usize, count),
                };
                if done.is_err() {
                    return;
                }
                self.parts_counted(scope, node as usize, count);
                self.node_complete(scope, node as usize);
            }
        }
    }

    /// The output of the `i`th node of `map`, complete and listed in the store from an earlier
    /// run, is this run's: handed over file by file, as a run that computed it would, nothing
    /// read or written again.
    fn hand_over_listed(
        &'s self,
        scope: &rayon::ScopeFifo<'s>,
        map: usize,
        i: usize,
        count: usize,
    ) -> Result<(), Stopped> {
        let node = self.graph.maps[map].nodes[i] as usize;
        let spec = &self.graph.nodes[node];
        let Some(NodeFiles::Listed(files)) = self.existing(map).get(i) else {
            return Err(self.internal(spec, "a listed output has no files"));
        };
        if files.len() != count {
            let message = format!("the stored output has {} partitions where its source has {count}", files.len());
            let folder = self.store.output_path(&self.location(spec, None));
            return Err(self.store_failed(spec, None, false, crate::store::StoreError::reading(folder, message)));
        }
        let output = &self.outputs[node];
        for range in files.ranges(0) {
            output.parts.push(range.start, StoredParts::Files(Files::one(range.len())), self.plan.reads[node]);
            self.parts_available(scope, node, range);
        }
        let _ = output.count.set(count);
        tracing::info!(node = %spec.name, partitions = count, "reused");
        Ok(())
    }
}
