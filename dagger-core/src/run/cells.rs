//! Where a run keeps the outputs of its nodes: one cell per value (a whole output, or one
//! partition), each holding the stored value and how many reads of it are left.

use std::sync::{Mutex, OnceLock};

use crate::graph::KEEP;
use crate::store::Stored;

/// Append-only cells that any thread can fill while others read, without a global lock:
/// partitions are stored while the maps over them already run, and their number is known only
/// at the end.
pub(super) struct Slots {
    segments: Box<[OnceLock<Segment>]>,
}

type Segment = Box<[Held]>;

/// Segment `k` holds `FIRST << k` cells, so 48 segments hold more cells than memory can.
const FIRST: usize = 64;

fn locate(index: usize) -> (usize, usize) {
    let q = index / FIRST + 1;
    let segment = (usize::BITS - 1 - q.leading_zeros()) as usize;
    (segment, index - FIRST * ((1 << segment) - 1))
}

impl Slots {
    pub(super) fn new() -> Self {
        Slots { segments: (0..48).map(|_| OnceLock::new()).collect() }
    }

    pub(super) fn set(&self, index: usize, stored: Stored, reads: u32) {
        let (segment, offset) = locate(index);
        let cells = self.segments[segment].get_or_init(|| (0..FIRST << segment).map(|_| Held::default()).collect());
        cells[offset].set(stored, reads);
    }

    pub(super) fn read(&self, index: usize) -> Option<Stored> {
        let (segment, offset) = locate(index);
        self.segments.get(segment)?.get()?.get(offset)?.read()
    }
}

/// A stored value and how many reads of it are left: the last read takes it, so that a node
/// that takes its input by value gets it without a copy when no one else needs it, and memory
/// is released as early as the graph allows.
#[derive(Default)]
pub(super) struct Held(Mutex<(Option<Stored>, u32)>);

impl Held {
    pub(super) fn set(&self, stored: Stored, reads: u32) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = (Some(stored), reads);
    }

    pub(super) fn read(&self) -> Option<Stored> {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (stored, reads) = &mut *held;
        match *reads {
            KEEP => stored.clone(),
            0 | 1 => {
                *reads = 0;
                stored.take()
            }
            _ => {
                *reads -= 1;
                stored.clone()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn slots_cover_every_index_once() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..100_000 {
            assert!(seen.insert(locate(i)), "index {i} shares a slot");
            let (segment, offset) = locate(i);
            assert!(offset < FIRST << segment, "index {i} is past its segment");
        }
        let slots = Slots::new();
        for i in (0..5000).rev() {
            slots.set(i, Stored::Memory(Arc::new(i * 2)), 2);
        }
        let read = |i| {
            slots.read(i).map(|stored| match stored {
                Stored::Memory(value) => *value.downcast_ref::<usize>().unwrap(),
                Stored::File(_) => unreachable!(),
            })
        };
        assert!((0..5000).all(|i| read(i) == Some(i * 2)));
        // Two reads each: the second takes the value, a third finds nothing.
        assert!((0..5000).all(|i| read(i) == Some(i * 2)));
        assert_eq!(read(0), None);
        assert_eq!(read(5000), None);
    }
}
