//! What a job of a map finds of an earlier run's work (a run killed half way): the partitions
//! of its range whose results are stored for every node of the map, and the partitions left to
//! compute. Files of different runs may overlap and need not meet the job's range at its ends
//! (each run cuts its partitions into files by its own timing): every stored partition counts,
//! wherever its file starts. All the files hold values of one fingerprint, so any tiling of them
//! is right.

use std::ops::Range;

/// One file of a node's output, and the partitions of it a job takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Piece {
    /// The partitions the file holds.
    pub(super) file: Range<usize>,
    /// The partitions taken from it: the whole file, or part of it at an end of the job's range.
    pub(super) taken: Range<usize>,
}

impl Piece {
    /// Whether the whole file is taken.
    pub(super) fn is_whole(&self) -> bool {
        self.file == self.taken
    }
}

/// One part of a job's range.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Segment {
    /// Stored for every node: for each node, the files that hold this part, in order.
    Stored(Range<usize>, Vec<Vec<Piece>>),
    /// To compute.
    Missing(Range<usize>),
}

/// The parts of `range`, in order, given the files of each node of the map (`existing`, each
/// sorted by first partition).
pub(super) fn segments(existing: &[Vec<Range<usize>>], range: Range<usize>) -> Vec<Segment> {
    let nearby: Vec<&[Range<usize>]> = existing.iter().map(|files| near(files, &range)).collect();
    // The partitions every node has, as runs: the intersection of each node's runs.
    let mut covered = vec![range.clone()];
    for files in &nearby {
        covered = intersect(&covered, &runs(files, &range));
    }
    let mut out = Vec::new();
    let mut at = range.start;
    for part in covered {
        if part.start > at {
            out.push(Segment::Missing(at..part.start));
        }
        let tilings = nearby.iter().map(|files| tiling(files, &part)).collect();
        at = part.end;
        out.push(Segment::Stored(part, tilings));
    }
    if at < range.end {
        out.push(Segment::Missing(at..range.end));
    }
    out
}

/// The files of `files` (sorted by first partition) that may hold partitions of `range`.
fn near<'a>(files: &'a [Range<usize>], range: &Range<usize>) -> &'a [Range<usize>] {
    let longest = files.iter().map(|file| file.len()).max().unwrap_or(0);
    let from = files.partition_point(|file| file.start + longest <= range.start);
    let to = files.partition_point(|file| file.start < range.end);
    &files[from..to.max(from)]
}

/// The runs of partitions of `range` that `files` hold.
fn runs(files: &[Range<usize>], range: &Range<usize>) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    for file in files {
        let (start, end) = (file.start.max(range.start), file.end.min(range.end));
        if start >= end {
            continue;
        }
        match runs.last_mut() {
            Some(last) if start <= last.end => last.end = last.end.max(end),
            _ => runs.push(start..end),
        }
    }
    runs
}

/// The partitions in both lists of sorted, disjoint runs.
fn intersect(a: &[Range<usize>], b: &[Range<usize>]) -> Vec<Range<usize>> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        let (start, end) = (a[i].start.max(b[j].start), a[i].end.min(b[j].end));
        if start < end {
            out.push(start..end);
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Files one after the other that hold `part`, which `files` cover: from each partition on, the
/// file that reaches furthest (whole files first, when they reach as far).
fn tiling(files: &[Range<usize>], part: &Range<usize>) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut at = part.start;
    while at < part.end {
        let best = files
            .iter()
            .filter(|file| file.contains(&at))
            .max_by_key(|file| (file.end.min(part.end), file.start == at && file.end <= part.end));
        let Some(file) = best else { break };
        let taken = at..file.end.min(part.end);
        at = taken.end;
        pieces.push(Piece { file: file.clone(), taken });
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files of the partitions `(first, end)`.
    fn files(ranges: &[(usize, usize)]) -> Vec<Range<usize>> {
        let mut files: Vec<Range<usize>> = ranges.iter().map(|&(start, end)| start..end).collect();
        files.sort_by_key(|r| (r.start, r.end));
        files
    }

    fn whole(range: Range<usize>) -> Piece {
        Piece { file: range.clone(), taken: range }
    }

    fn part(file: Range<usize>, taken: Range<usize>) -> Piece {
        Piece { file, taken }
    }

    #[test]
    fn one_node_resumes_in_the_gaps_between_its_files() {
        let existing = vec![files(&[(255, 303), (303, 319), (400, 411)])];
        assert_eq!(
            segments(&existing, 255..511),
            [
                Segment::Stored(255..319, vec![vec![whole(255..303), whole(303..319)]]),
                Segment::Missing(319..400),
                Segment::Stored(400..411, vec![vec![whole(400..411)]]),
                Segment::Missing(411..511),
            ]
        );
        assert_eq!(segments(&[vec![]], 0..4), [Segment::Missing(0..4)]);
        assert_eq!(segments(&[files(&[(0, 4)])], 0..4), [Segment::Stored(0..4, vec![vec![whole(0..4)]])]);
    }

    #[test]
    fn several_nodes_resume_where_all_have_their_partitions() {
        // Node 0 wrote slice by slice; node 1 in larger files; an old file of node 1 overlaps.
        let existing = vec![files(&[(0, 1), (1, 3), (3, 7), (7, 8)]), files(&[(0, 3), (0, 8), (3, 7)])];
        assert_eq!(
            segments(&existing, 0..10),
            [
                Segment::Stored(
                    0..8,
                    vec![vec![whole(0..1), whole(1..3), whole(3..7), whole(7..8)], vec![whole(0..8)]]
                ),
                Segment::Missing(8..10),
            ]
        );
    }

    #[test]
    fn partitions_in_files_that_leave_the_range_are_stored_too() {
        // The source hands over 0..2 and 2..4 this time; the earlier run's job wrote 1..3.
        let existing = vec![files(&[(0, 1), (1, 3), (3, 4)])];
        assert_eq!(segments(&existing, 0..2), [Segment::Stored(0..2, vec![vec![whole(0..1), part(1..3, 1..2)]])]);
        assert_eq!(segments(&existing, 2..4), [Segment::Stored(2..4, vec![vec![part(1..3, 2..3), whole(3..4)]])]);
        // A file much longer than the range, far before it.
        let existing = vec![files(&[(0, 1000), (1000, 1001)])];
        assert_eq!(segments(&existing, 500..502), [Segment::Stored(500..502, vec![vec![part(0..1000, 500..502)]])]);
        assert_eq!(
            segments(&existing, 999..1003),
            [
                Segment::Stored(999..1001, vec![vec![part(0..1000, 999..1000), whole(1000..1001)]]),
                Segment::Missing(1001..1003)
            ]
        );
    }

    #[test]
    fn a_partition_one_node_lacks_is_computed_for_all() {
        let existing = vec![files(&[(0, 4)]), files(&[(0, 2), (3, 4)])];
        assert_eq!(
            segments(&existing, 0..4),
            [
                Segment::Stored(0..2, vec![vec![part(0..4, 0..2)], vec![whole(0..2)]]),
                Segment::Missing(2..3),
                Segment::Stored(3..4, vec![vec![part(0..4, 3..4)], vec![whole(3..4)]]),
            ]
        );
    }
}
