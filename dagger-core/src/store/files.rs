//! The files the disk store wrote for consecutive partitions of one output: each file holds one
//! partition (named `p`) or a run of them (named `a-b`, both included), so that small
//! partitions cost a file per batch, not one each. Kept as runs of files of equal length: a
//! million partitions written one by one are one entry, not a million.

use std::ops::Range;

/// Consecutive files, from a partition known to the holder, each with how many partitions it
/// holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Files {
    /// (partitions per file, how many such files in a row).
    runs: Vec<(u32, u32)>,
}

impl Files {
    /// One file of `len` partitions.
    pub(crate) fn one(len: usize) -> Files {
        let mut files = Files::default();
        files.push(len);
        files
    }

    /// Appends a file of `len` partitions.
    pub(crate) fn push(&mut self, len: usize) {
        let len = len as u32;
        match self.runs.last_mut() {
            Some((run_len, count)) if *run_len == len => *count += 1,
            _ => self.runs.push((len, 1)),
        }
    }

    /// Appends `more`, the files that follow these.
    pub(crate) fn append(&mut self, more: Files) {
        for (len, count) in more.runs {
            match self.runs.last_mut() {
                Some((run_len, run_count)) if *run_len == len => *run_count += count,
                _ => self.runs.push((len, count)),
            }
        }
    }

    /// The number of partitions.
    pub(crate) fn len(&self) -> usize {
        self.runs.iter().map(|&(len, count)| len as usize * count as usize).sum()
    }

    /// The partitions of each file, for files starting at partition `start`.
    pub(crate) fn ranges(&self, start: usize) -> impl Iterator<Item = Range<usize>> + '_ {
        let mut at = start;
        self.runs.iter().flat_map(|&(len, count)| std::iter::repeat_n(len as usize, count as usize)).map(move |len| {
            let range = at..at + len;
            at += len;
            range
        })
    }

    /// The files that hold exactly partitions `range` of these (which start at `start`), if
    /// the range starts and ends at file boundaries.
    pub(crate) fn slice(&self, start: usize, range: Range<usize>) -> Option<Files> {
        let mut files = Files::default();
        for file in self.ranges(start) {
            if file.end <= range.start {
                continue;
            }
            if file.start >= range.end {
                break;
            }
            if file.start < range.start || file.end > range.end {
                return None;
            }
            files.push(file.len());
        }
        (files.len() == range.len()).then_some(files)
    }

    /// The file that holds partition `index` of these (which start at `start`): found run by
    /// run, not file by file.
    pub(crate) fn file_of(&self, start: usize, index: usize) -> Option<Range<usize>> {
        let mut run_start = start;
        if index < start {
            return None;
        }
        for &(len, count) in &self.runs {
            let (len, count) = (len as usize, count as usize);
            if index < run_start + len * count {
                let first = run_start + (index - run_start) / len * len;
                return Some(first..first + len);
            }
            run_start += len * count;
        }
        None
    }

    /// Whether these files (from partition 0) include the file of partitions `range`.
    pub(crate) fn holds(&self, range: &Range<usize>) -> bool {
        self.file_of(0, range.start).is_some_and(|file| file == *range)
    }
}

/// The name of the file that holds partitions `range`: `p` for one, `a-b` for several.
pub(crate) fn file_name(range: &Range<usize>) -> String {
    if range.len() == 1 {
        range.start.to_string()
    } else {
        format!("{}-{}", range.start, range.end - 1)
    }
}

/// The partitions a file named `name` holds, if it is the name of a partition file.
pub(crate) fn parse_file_name(name: &str) -> Option<Range<usize>> {
    let number = |text: &str| -> Option<usize> {
        // Canonical decimal only: `01` or `+1` would name a partition twice.
        if text.is_empty() || (text.len() > 1 && text.starts_with('0')) || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    };
    match name.split_once('-') {
        None => number(name).map(|p| p..p + 1),
        Some((first, last)) => {
            let (first, last) = (number(first)?, number(last)?);
            (first < last).then(|| first..last + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_runs_of_equal_lengths() {
        let mut files = Files::default();
        for len in [1, 1, 1, 4, 4, 2] {
            files.push(len);
        }
        assert_eq!(files.runs, [(1, 3), (4, 2), (2, 1)]);
        assert_eq!(files.len(), 13);
        let ranges: Vec<_> = files.ranges(10).collect();
        assert_eq!(ranges, [10..11, 11..12, 12..13, 13..17, 17..21, 21..23]);
        assert_eq!(files.file_of(10, 14), Some(13..17));
        assert_eq!(files.slice(10, 11..17).unwrap().runs, [(1, 2), (4, 1)]);
        assert!(files.slice(10, 11..15).is_none(), "not at a file boundary");
        let mut more = Files::one(2);
        more.push(2);
        files.append(more);
        assert_eq!(files.runs, [(1, 3), (4, 2), (2, 3)]);
    }

    #[test]
    fn file_names_name_their_partitions_once() {
        assert_eq!(file_name(&(7..8)), "7");
        assert_eq!(file_name(&(0..1024)), "0-1023");
        assert_eq!(parse_file_name("7"), Some(7..8));
        assert_eq!(parse_file_name("0-1023"), Some(0..1024));
        for bad in ["", "07", "+1", "1-1", "3-2", "a", "1-", "-1", "1-2-3", "partitions.json", ".0.tmp"] {
            assert_eq!(parse_file_name(bad), None, "{bad:?}");
        }
    }
}
