//! Linux v6.5 on: the shared zero page is never pinned or counted.

use super::bias::{BiasRules, BiasScheme};
use super::history::{ZERO_PAGE_OVERFLOW, fixed};
use super::{KnownBug, V6_1};

/// v6.5: v6.1, plus "mm: Don't pin ZERO_PAGE in pin_user_pages()"
/// (`c8070b787519`, David Howells): a `FOLL_PIN` grab of the shared zero
/// page, fast (`try_grab_folio`) or slow (`try_grab_page`), returns at once
/// without touching a count or a statistic, and `gup_put_folio` returns
/// for it before its statistic; `FOLL_GET` still counts.
///
/// Versions: v6.5 on (later changes that pinref does not model: the
/// slow/fast split of `try_grab_folio`, "mm: gup: stop abusing
/// try_grab_folio", 2024; 32-bit order-1 folios back on the bias,
/// `folio_has_pincount()`, v6.15).
#[derive(Debug, Clone, Copy, Default)]
pub struct V6_5;

impl BiasScheme for V6_5 {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        pins_zero_page: false,
        ..V6_1::RULES
    };
    const NAME: &'static str = "v6_5";
    const DESCRIPTION: &'static str =
        "Linux v6.5+: the shared zero page is never pinned or counted";

    fn known_bugs(&self) -> Vec<KnownBug> {
        fixed(V6_1.known_bugs(), &[ZERO_PAGE_OVERFLOW])
    }
}
