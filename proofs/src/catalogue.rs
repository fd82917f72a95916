//! What the main job checks, listed once: the built-in, kernel-faithful
//! schemes, and the lookup of any scheme pinref knows by name (a built-in
//! or a flawed variant, so that a variant's counterexample can be
//! replayed). The scenarios are listed in [`crate::scenarios::catalogue`],
//! the engines in [`crate::engines::registry`], the flawed variants in
//! [`crate::variants::catalogue`].

use crate::schemes::SchemeEntry;
use pinref_model::{Devmap, Folio, Seed, V5_7};

/// The built-in, kernel-faithful schemes, in version order.
pub fn builtin_schemes() -> Vec<SchemeEntry> {
    vec![
        SchemeEntry::of::<Seed>(),
        SchemeEntry::of::<V5_7>(),
        SchemeEntry::of::<Folio>(),
        SchemeEntry::of::<Devmap>(),
    ]
}

/// The scheme named `name`: a built-in or a flawed variant.
pub fn find_scheme(name: &str) -> Option<SchemeEntry> {
    builtin_schemes()
        .into_iter()
        .chain(
            crate::variants::catalogue()
                .into_iter()
                .map(|variant| variant.entry),
        )
        .find(|entry| entry.name == name)
}
