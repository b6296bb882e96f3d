//! Fingerprints: what produced a stored output, in 128 bits, so that a later run can tell
//! whether the output it finds is the one it would compute.
//!
//! XXH3 (128 bits), a hash with a fixed specification: a fingerprint written by one build or
//! Rust release is read by the next (std's `DefaultHasher` makes no such promise).

use std::fmt;

use xxhash_rust::xxh3::Xxh3;

/// What produced an output: its node's place, code and format, and the fingerprints of what it
/// read.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(u128);

impl Fingerprint {
    /// The fingerprint written as 32 hexadecimal digits.
    pub fn to_hex(self) -> String {
        format!("{:032x}", self.0)
    }

    /// Its low 64 bits.
    pub(crate) fn low_u64(self) -> u64 {
        self.0 as u64
    }

    /// The fingerprint written by [`to_hex`](Fingerprint::to_hex).
    pub fn from_hex(text: &str) -> Option<Fingerprint> {
        (text.len() == 32).then(|| u128::from_str_radix(text, 16).ok()).flatten().map(Fingerprint)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Builds a fingerprint from parts. Each part is written with its length, so that `("ab", "c")`
/// and `("a", "bc")` differ.
pub(crate) struct Hasher(Xxh3);

impl Hasher {
    /// A hasher for fingerprints of the kind `kind` (`"node"`, `"graph"`, ...), so that two
    /// kinds never share a fingerprint.
    pub(crate) fn new(kind: &str) -> Hasher {
        let mut hasher = Hasher(Xxh3::new());
        hasher.text(kind);
        hasher
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        self.bytes(text.as_bytes())
    }

    pub(crate) fn number(&mut self, number: u64) -> &mut Self {
        self.0.update(&number.to_le_bytes());
        self
    }

    pub(crate) fn fingerprint(&mut self, fingerprint: Fingerprint) -> &mut Self {
        self.0.update(&fingerprint.0.to_le_bytes());
        self
    }

    pub(crate) fn finish(&self) -> Fingerprint {
        Fingerprint(self.0.digest128())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_delimited_and_the_digest_is_stable() {
        let ab_c = Hasher::new("t").text("ab").text("c").finish();
        let a_bc = Hasher::new("t").text("a").text("bc").finish();
        assert_ne!(ab_c, a_bc);
        assert_eq!(Fingerprint::from_hex(&ab_c.to_hex()), Some(ab_c));
        assert_eq!(Fingerprint::from_hex("xyz"), None);
        // Pinned: a change here means fingerprints written by earlier builds no longer match.
        assert_eq!(Hasher::new("node").text("sum").number(3).finish().to_hex(), "6e7c6f4bb931b7c040fa760405d762a7");
    }
}
