//! The inputs of one run of a node.

use crate::erased::AnyValue;

/// The inputs of one run of a node, in parameter order.
///
/// Built once per run, that is once per partition of a partitioned node: up to four inputs
/// live inline, so that the common case allocates nothing.
#[doc(hidden)]
#[derive(Default)]
pub struct Inputs {
    inline: [Option<AnyValue>; 4],
    rest: Vec<Option<AnyValue>>,
    len: usize,
    taken: usize,
}

impl Inputs {
    /// Input `i`, for a task that runs on every item of a batch with the same inputs.
    pub fn get(&self, i: usize) -> Option<&AnyValue> {
        if i >= self.len {
            return None;
        }
        match self.inline.get(i) {
            Some(slot) => slot.as_ref(),
            None => self.rest.get(i - self.inline.len())?.as_ref(),
        }
    }

    pub(crate) fn push(&mut self, value: AnyValue) {
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = Some(value),
            None => self.rest.push(Some(value)),
        }
        self.len += 1;
    }
}

impl FromIterator<AnyValue> for Inputs {
    fn from_iter<I: IntoIterator<Item = AnyValue>>(values: I) -> Self {
        let mut inputs = Inputs::default();
        for value in values {
            inputs.push(value);
        }
        inputs
    }
}

impl Iterator for Inputs {
    type Item = AnyValue;
    fn next(&mut self) -> Option<AnyValue> {
        if self.taken >= self.len {
            return None;
        }
        let value = match self.inline.get_mut(self.taken) {
            Some(slot) => slot.take(),
            None => self.rest.get_mut(self.taken - self.inline.len()).and_then(Option::take),
        };
        self.taken += 1;
        value
    }
}
