//! The 128-bit fingerprint the explorer keys its states on.
//!
//! A state (or one thread's part of it) is hashed with two SipHash-1-3
//! hashers whose keys are drawn at random once per process
//! ([`std::hash::RandomState`]), independently: the two 64-bit halves are
//! two independent keyed pseudo-random functions of the state. For two
//! different states the chance that both halves agree is about 2^-128, so
//! among `n` distinct states the chance that any two share a fingerprint is
//! at most `n * (n - 1) / 2 * 2^-128`, below `n^2 / 2^129`: for ten million
//! states, under 1.5e-25. A collision would merge two states and could hide
//! one; that is the bound a pass rests on.

use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::OnceLock;

fn keys() -> &'static (RandomState, RandomState) {
    static KEYS: OnceLock<(RandomState, RandomState)> = OnceLock::new();
    KEYS.get_or_init(|| (RandomState::new(), RandomState::new()))
}

/// The 128-bit fingerprint of `value` (see the module docs for the
/// collision bound).
pub fn fingerprint<T: Hash + ?Sized>(value: &T) -> u128 {
    let (low, high) = keys();
    (u128::from(high.hash_one(value)) << 64) | u128::from(low.hash_one(value))
}

/// Feeds values into a fingerprint one at a time (for a state assembled
/// from parts).
pub struct Fingerprinter {
    a: std::hash::DefaultHasher,
    b: std::hash::DefaultHasher,
}

impl Fingerprinter {
    /// An empty fingerprint.
    pub fn new() -> Self {
        let (low, high) = keys();
        Fingerprinter {
            a: high.build_hasher(),
            b: low.build_hasher(),
        }
    }

    /// Adds `value`.
    pub fn add<T: Hash + ?Sized>(&mut self, value: &T) {
        value.hash(&mut self.a);
        value.hash(&mut self.b);
    }

    /// The fingerprint of everything added.
    pub fn finish(&self) -> u128 {
        (u128::from(self.a.finish()) << 64) | u128::from(self.b.finish())
    }
}

impl Default for Fingerprinter {
    fn default() -> Self {
        Fingerprinter::new()
    }
}
