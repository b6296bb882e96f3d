//! What a job of a map finds of an earlier run's work (a run killed half way): the parts of
//! its range whose results are stored for every node of the map, in files that hold exactly
//! those parts, and the parts left to compute. Files of different runs may overlap (each run
//! cuts its partitions into files by its own timing); all hold the values of one fingerprint,
//! so any tiling of them is right.

use std::collections::HashMap;
use std::ops::Range;

use crate::store::Files;

/// One part of a job's range.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Segment {
    /// Stored for every node: the files of each node that hold exactly this part.
    Stored(Range<usize>, Vec<Files>),
    /// To compute.
    Missing(Range<usize>),
}

/// The parts of `range`, in order, given the files of each node of the map (`existing`).
pub(super) fn segments(existing: &[Vec<Range<usize>>], range: Range<usize>) -> Vec<Segment> {
    // For each node, from each first partition, the files that start there (inside `range`).
    let starts: Vec<HashMap<usize, Vec<usize>>> = existing
        .iter()
        .map(|files| {
            let mut starts: HashMap<usize, Vec<usize>> = HashMap::new();
            for file in files.iter().filter(|f| f.start >= range.start && f.end <= range.end && !f.is_empty()) {
                starts.entry(file.start).or_default().push(file.end);
            }
            starts
        })
        .collect();
    let mut out = Vec::new();
    let mut at = range.start;
    while at < range.end {
        if let Some(end) = common_end(&starts, at, range.end) {
            let tilings = starts.iter().map(|node| tiling(node, at, end)).collect();
            out.push(Segment::Stored(at..end, tilings));
            at = end;
            continue;
        }
        // Missing up to the next partition from which every node has files.
        let next = (at + 1..range.end).find(|&p| common_end(&starts, p, range.end).is_some()).unwrap_or(range.end);
        out.push(Segment::Missing(at..next));
        at = next;
    }
    out
}

/// The smallest partition after `at` up to which every node's files, one after the other from
/// `at`, reach exactly.
fn common_end(starts: &[HashMap<usize, Vec<usize>>], at: usize, limit: usize) -> Option<usize> {
    if starts.is_empty() {
        return None;
    }
    let mut common: Option<Vec<usize>> = None;
    for node in starts {
        let ends = reachable(node, at, limit);
        common = Some(match common {
            None => ends,
            Some(common) => common.into_iter().filter(|end| ends.contains(end)).collect(),
        });
    }
    common?.into_iter().min()
}

/// The partitions that files one after the other from `at` reach, sorted.
fn reachable(starts: &HashMap<usize, Vec<usize>>, at: usize, limit: usize) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut todo = vec![at];
    while let Some(from) = todo.pop() {
        for &end in starts.get(&from).into_iter().flatten() {
            if end <= limit && !ends.contains(&end) {
                ends.push(end);
                todo.push(end);
            }
        }
    }
    ends.sort_unstable();
    ends
}

/// Files one after the other that hold exactly `at..end` (which `reachable` found).
fn tiling(starts: &HashMap<usize, Vec<usize>>, at: usize, end: usize) -> Files {
    fn path(starts: &HashMap<usize, Vec<usize>>, at: usize, end: usize, files: &mut Vec<usize>) -> bool {
        if at == end {
            return true;
        }
        for &next in starts.get(&at).into_iter().flatten() {
            if next <= end {
                files.push(next - at);
                if path(starts, next, end, files) {
                    return true;
                }
                files.pop();
            }
        }
        false
    }
    let mut lengths = Vec::new();
    path(starts, at, end, &mut lengths);
    let mut files = Files::default();
    lengths.into_iter().for_each(|len| files.push(len));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One file.
    fn one(range: Range<usize>) -> Vec<Range<usize>> {
        std::iter::once(range).collect()
    }

    fn files(lens: &[usize]) -> Files {
        let mut files = Files::default();
        lens.iter().for_each(|&len| files.push(len));
        files
    }

    #[test]
    fn one_node_resumes_in_the_gaps_between_its_files() {
        let existing = vec![vec![255..303, 303..319, 400..411]];
        assert_eq!(
            segments(&existing, 255..511),
            [
                Segment::Stored(255..303, vec![files(&[48])]),
                Segment::Stored(303..319, vec![files(&[16])]),
                Segment::Missing(319..400),
                Segment::Stored(400..411, vec![files(&[11])]),
                Segment::Missing(411..511),
            ]
        );
        assert_eq!(segments(&[vec![]], 0..4), [Segment::Missing(0..4)]);
        assert_eq!(segments(&[one(0..4)], 0..4), [Segment::Stored(0..4, vec![files(&[4])])]);
    }

    #[test]
    fn several_nodes_resume_where_all_have_files_that_meet() {
        // Node 0 wrote slice by slice; node 1 in larger files; an old file of node 1 overlaps.
        let existing = vec![vec![0..1, 1..3, 3..7, 7..8], vec![0..3, 0..8, 3..7]];
        assert_eq!(
            segments(&existing, 0..10),
            [
                Segment::Stored(0..3, vec![files(&[1, 2]), files(&[3])]),
                Segment::Stored(3..7, vec![files(&[4]), files(&[4])]),
                Segment::Missing(7..10),
            ]
        );
        // A file that leaves the range is not used.
        assert_eq!(segments(&[one(0..20)], 0..10), [Segment::Missing(0..10)]);
    }
}
