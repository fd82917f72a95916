//! What the proofs tests share (`mod support;` in each): the failure
//! report of a test that sweeps cases, the catalogue's scenarios by name, a
//! deterministic stream of bytes for fuzzer-style inputs, and the flawed
//! scheme more than one test checks.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use pinref_model::{Claims, V5_7};
use pinref_proofs::scenarios::{self, ScenarioEntry};

/// Fails with every failing case, not only the first.
pub fn assert_every_case(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failing case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The catalogued scenario `name`.
pub fn scenario(name: &str) -> ScenarioEntry {
    scenarios::find(name).unwrap_or_else(|| panic!("scenario {name} is catalogued"))
}

/// `len` bytes of a xorshift stream from `state` (which it advances),
/// standing in for a fuzzer's raw input.
pub fn xorshift_bytes(state: &mut u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|_| {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            *state as u8
        })
        .collect()
}

/// v5.7's rules with the racy `<= 0` guard, but claiming to refuse a grab
/// before it carries the count past the sign bit (every claim).
#[derive(Debug, Clone, Copy, Default)]
pub struct ClaimsOverflowGuardItLacks;

impl pinref_model::Patch for ClaimsOverflowGuardItLacks {
    pinref_model::patch_of!(
        V5_7,
        "flawed-claims-overflow-guard",
        "v5_7, claiming refuses_before_overflow"
    );
    fn claims(&self) -> Claims {
        Claims::ALL
    }
}
