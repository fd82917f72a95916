//! What the main job checks, listed once: the built-in, kernel-faithful
//! schemes, and the lookup of any scheme pinref knows by name (a built-in
//! or a flawed variant, so that a variant's counterexample can be
//! replayed). The scenarios are listed in [`crate::scenarios::catalogue`],
//! the engines in [`crate::engines::registry`], the flawed variants in
//! [`crate::variants::catalogue`].

use crate::schemes::SchemeEntry;
use pinref_model::{Devmap, Folio, Seed, V5_7, V5_11, V5_14, V6_1, V6_5};

/// The built-in, kernel-faithful schemes, in version order (the 0-based
/// versions, then the 1-based device pages of v5.7–v5.17).
pub fn builtin_schemes() -> Vec<SchemeEntry> {
    vec![
        SchemeEntry::of::<Seed>(),
        SchemeEntry::of::<V5_7>(),
        SchemeEntry::of::<V5_11>(),
        SchemeEntry::of::<V5_14>(),
        SchemeEntry::of::<Folio>(),
        SchemeEntry::of::<V6_1>(),
        SchemeEntry::of::<V6_5>(),
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
