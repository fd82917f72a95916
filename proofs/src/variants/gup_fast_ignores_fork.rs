//! `gup-fast-ignores-fork`: v6.5, except that gup_fast does not watch
//! `mm->write_protect_seq`.

use pinref_model::scheme::bias::{BiasRules, BiasScheme};
use pinref_model::{MmCode, V6_5};

/// v6.5 whose gup_fast pins without checking whether fork ran under it.
///
/// - **Wrong**: the generic gup_fast code is v6.5's, except that with
///   `FOLL_PIN` it neither reads `mm->write_protect_seq` before its walk
///   nor gives its pins back when the count moved. fork may read the page
///   unpinned (and share it with the child) just before gup_fast pins it,
///   and gup_fast then returns a pin on a page its process now shares.
/// - **History**: v5.9's early COW for pinned pages left exactly this
///   window; "mm/gup: prevent gup_fast from racing with COW during fork"
///   (v5.11) closed it with the sequence count.
/// - **Caught by**: P1 (fork's read of the predicate missed a pin that
///   survives): `fork_vs_gup_fast`.
pub struct GupFastIgnoresFork;

impl BiasScheme for GupFastIgnoresFork {
    const RULES: BiasRules = BiasRules {
        mm: MmCode {
            gup_fast_checks_fork: false,
            ..V6_5::RULES.mm
        },
        ..V6_5::RULES
    };
    const NAME: &'static str = "gup-fast-ignores-fork";
    const DESCRIPTION: &'static str = "v6_5, but gup_fast ignores mm->write_protect_seq";
}
