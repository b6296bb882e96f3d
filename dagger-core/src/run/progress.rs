//! A progress bar on the terminal for long runs: it fills by the work done out of the work
//! known, where work is a node outside maps (a task or a nested DAG; the nodes the builder
//! derives, fields and tuples, are not work) or a partition through a map. A source that is
//! still producing partitions has not announced them all, so the known work grows as it goes.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The progress of one run of a root DAG. Nested DAGs count as one node each.
pub(crate) struct Progress {
    bar: ProgressBar,
    nodes_done: AtomicUsize,
    nodes: usize,
    parts_done: AtomicUsize,
    parts_known: AtomicUsize,
}

impl Progress {
    /// A bar on standard error when it is a terminal; `None` otherwise.
    pub(crate) fn on_terminal(dag: &str, nodes: usize) -> Option<Progress> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(Some(nodes as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix} [{elapsed_precise}] {bar:30} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(dag.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        let progress = Progress {
            bar,
            nodes_done: AtomicUsize::new(0),
            nodes,
            parts_done: AtomicUsize::new(0),
            parts_known: AtomicUsize::new(0),
        };
        progress.show();
        Some(progress)
    }

    pub(crate) fn node_done(&self) {
        self.nodes_done.fetch_add(1, Ordering::Relaxed);
        self.show();
    }

    /// A map has `count` more partitions to run.
    pub(crate) fn parts_announced(&self, count: usize) {
        self.parts_known.fetch_add(count, Ordering::Relaxed);
        self.show();
    }

    /// A map ran `count` more partitions.
    pub(crate) fn parts_done(&self, count: usize) {
        self.parts_done.fetch_add(count, Ordering::Relaxed);
        self.show();
    }

    fn show(&self) {
        let counts = Counts {
            nodes_done: self.nodes_done.load(Ordering::Relaxed),
            nodes: self.nodes,
            parts_done: self.parts_done.load(Ordering::Relaxed),
            parts_known: self.parts_known.load(Ordering::Relaxed),
        };
        self.bar.set_length(counts.total() as u64);
        self.bar.set_position(counts.done() as u64);
        self.bar.set_message(counts.to_string());
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// What the bar shows.
struct Counts {
    nodes_done: usize,
    nodes: usize,
    parts_done: usize,
    parts_known: usize,
}

impl Counts {
    fn done(&self) -> usize {
        self.nodes_done + self.parts_done
    }

    fn total(&self) -> usize {
        self.nodes + self.parts_known.max(self.parts_done)
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{} nodes", self.nodes_done, self.nodes)?;
        if self.parts_known > 0 {
            write!(f, ", {}/{} partitions", self.parts_done, self.parts_known.max(self.parts_done))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Counts;

    #[test]
    fn the_bar_fills_by_nodes_and_partitions_done_out_of_those_known() {
        let counts = Counts { nodes_done: 1, nodes: 3, parts_done: 15, parts_known: 40 };
        assert_eq!(counts.to_string(), "1/3 nodes, 15/40 partitions");
        assert_eq!((counts.done(), counts.total()), (16, 43));
        let nodes_only = Counts { nodes_done: 2, nodes: 2, parts_done: 0, parts_known: 0 };
        assert_eq!(nodes_only.to_string(), "2/2 nodes");
    }
}
