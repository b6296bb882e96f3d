//! A progress bar on the terminal for long runs: nodes and partitions done out of those known.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The progress of one run of a root DAG. Nested DAGs count as one node each.
pub(crate) struct Progress {
    bar: ProgressBar,
    parts_done: AtomicUsize,
    parts_total: AtomicUsize,
}

impl Progress {
    /// A bar on standard error when it is a terminal; `None` otherwise.
    pub(crate) fn on_terminal(dag: &str, nodes: usize) -> Option<Progress> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(Some(nodes as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix} [{elapsed_precise}] {bar:30} {pos}/{len} nodes, {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(dag.to_string());
        bar.set_message("0 partitions");
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(Progress { bar, parts_done: AtomicUsize::new(0), parts_total: AtomicUsize::new(0) })
    }

    pub(crate) fn node_done(&self) {
        self.bar.inc(1);
    }

    /// A map now knows it has `count` partitions.
    pub(crate) fn parts_expected(&self, count: usize) {
        self.parts_total.fetch_add(count, Ordering::Relaxed);
        self.show_parts();
    }

    pub(crate) fn parts_done(&self, count: usize) {
        self.parts_done.fetch_add(count, Ordering::Relaxed);
        self.show_parts();
    }

    fn show_parts(&self) {
        let message = parts_message(self.parts_done.load(Ordering::Relaxed), self.parts_total.load(Ordering::Relaxed));
        self.bar.set_message(message);
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Partitions done, out of those whose count is known (a source that is still producing
/// partitions has no count yet).
fn parts_message(done: usize, known: usize) -> String {
    if known >= done {
        format!("{done}/{known} partitions")
    } else {
        format!("{done} partitions")
    }
}

#[cfg(test)]
mod tests {
    use super::parts_message;

    #[test]
    fn partitions_are_shown_out_of_those_known() {
        assert_eq!(parts_message(3, 10), "3/10 partitions");
        assert_eq!(parts_message(12, 10), "12 partitions");
    }
}
