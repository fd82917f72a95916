//! The known bugs of the page refcount and its consumers, as data: which
//! property each breaks, what goes wrong, the version and commit that fixed
//! it, and the scenarios of the catalogue that reproduce it. Each versioned
//! scheme lists the ones its kernel version has ([`crate::Scheme::known_bugs`]);
//! a version that fixes one leaves it out ([`fixed`]).
//!
//! Sources: the patch mails and `torvalds/linux` trees cited in
//! `docs/semantics.md`.

use super::KnownBug;
use crate::property::Property;

/// v5.7–v5.10's `unpin_user_page` (and the seed's `put_user_page`) counts
/// `NR_FOLL_PIN_RELEASED` through `page_pgdat(page)` after the
/// `page_ref_sub_and_test` that may have freed the page.
pub const STAT_AFTER_RELEASE: KnownBug = KnownBug {
    id: "stat-after-release",
    property: Property::P4,
    summary: "unpin_user_page updates the pin statistic through the page after the release \
              that may have freed it",
    fixed_in: "v5.11",
    fix: "mm/gup: combine put_compound_head() and unpin_user_page()",
    scenarios: &[
        "last_reference",
        "last_reference_order1",
        "last_reference_order2",
        "gup_fast_vs_unmap",
        "gup_fast_vs_unmap_order1",
        "gup_fast_vs_unmap_order2",
        "migrate_vs_gup_fast",
        "migrate_vs_gup_fast_order1",
        "migrate_vs_gup_fast_order2",
        "programs",
    ],
    weak_memory: false,
};

/// gup_fast's speculative grab looks the compound head up without holding
/// anything; `split_huge_page` can split the page between the look-up and
/// the grab, and the reference lands on a page that is no longer the head
/// (since v4.5's PTE-mapped-tail support, `7aef4172c795`).
pub const SPLIT_RACE: KnownBug = KnownBug {
    id: "gup-fast-split-race",
    property: Property::P1,
    summary: "gup_fast grabs a compound head that a split has just turned into a page of its \
              own; the subpage it returns as pinned is not",
    fixed_in: "v5.14",
    fix: "mm/gup: fix try_grab_compound_head() race with split_huge_page()",
    scenarios: &["split_vs_gup_fast"],
    weak_memory: false,
};

/// fork shares the parent's page with the child even though gup_fast has
/// pinned it: before v5.9 fork never copied a pinned page, and until v5.11
/// gup_fast did not notice a fork running under it.
pub const FORK_SHARES_PINNED: KnownBug = KnownBug {
    id: "fork-shares-pinned-page",
    property: Property::P1,
    summary: "fork leaves a page that gup_fast pinned shared with the child, so a later \
              copy-on-write separates the DMA from the parent",
    fixed_in: "v5.11",
    fix: "mm/gup: prevent gup_fast from racing with COW during fork (after v5.9's \"mm: Do \
          early cow for pinned pages during fork() for ptes\")",
    scenarios: &[
        "fork_vs_gup_fast",
        "fork_vs_gup_fast_order1",
        "fork_vs_gup_fast_order2",
    ],
    weak_memory: false,
};

/// The same missing barrier as [`ANON_EXCLUSIVE_BARRIER`], seen by fork:
/// the pin's relaxed add (v5.7–v5.13's `hpage_pincount_add` on compound
/// pages of order > 1; from v5.14 the pin's accounting on every page) is
/// not ordered before gup_fast's re-read of `mm->write_protect_seq`, so
/// fork can read the page unpinned while gup_fast sees no fork.
///
/// Inferred by pinref, not named by the fix: the fixing commit's message
/// names the `PageAnonExclusive` race; its barrier orders the pin before
/// every re-check gup_fast makes after it, this one included. On x86 the
/// relaxed `atomic_add` is a locked instruction (a full barrier), so the
/// race belongs to weakly ordered architectures. A version that has it on
/// fewer shapes declares it with fewer scenarios (v5.11: order 2 only).
pub const FORK_PIN_BARRIER: KnownBug = KnownBug {
    id: "fork-gup-fast-pin-barrier",
    property: Property::P1,
    summary: "gup_fast's relaxed pin add is not ordered before its re-read of \
              write_protect_seq: fork reads the page unpinned and shares it while gup_fast \
              sees no fork (inferred by pinref from the v6.1 barrier)",
    fixed_in: "v6.1",
    fix: "mm: fix PageAnonExclusive clearing racing with concurrent RCU GUP-fast",
    scenarios: &[
        "fork_vs_gup_fast",
        "fork_vs_gup_fast_order1",
        "fork_vs_gup_fast_order2",
    ],
    weak_memory: true,
};

/// From v5.14 the speculative grab takes `refs` (fully ordered) and then
/// adds the pin's accounting with a relaxed add and no barrier before the
/// page-table re-check; with `PG_anon_exclusive` (v5.19) a sharer that
/// clears the entry can read the page as unpinned while gup_fast's re-read
/// still sees the old entry.
pub const ANON_EXCLUSIVE_BARRIER: KnownBug = KnownBug {
    id: "anon-exclusive-gup-fast",
    property: Property::P10,
    summary: "page_try_share_anon_rmap reads an anonymous page as unpinned and shares it while \
              a racing gup_fast, whose relaxed pin add is not ordered before its page-table \
              re-check, keeps the pin",
    fixed_in: "v6.1",
    fix: "mm: fix PageAnonExclusive clearing racing with concurrent RCU GUP-fast",
    scenarios: &[
        "anon_exclusive_vs_gup_fast",
        "anon_exclusive_vs_gup_fast_order1",
        "anon_exclusive_vs_gup_fast_order2",
    ],
    weak_memory: true,
};

/// Until v6.5 a pin of the shared zero page adds the bias like any pin, and
/// every process can pin it: about 2^21 pins carry its count past the sign
/// bit.
pub const ZERO_PAGE_OVERFLOW: KnownBug = KnownBug {
    id: "zero-page-pin-overflow",
    property: Property::P6,
    summary: "pins of the shared zero page move its count like any page's, so enough of them \
              carry it past the sign bit",
    fixed_in: "v6.5",
    fix: "mm: Don't pin ZERO_PAGE in pin_user_pages()",
    scenarios: &["zero_page"],
    weak_memory: false,
};

/// Every known bug of the catalogue, in the order the history table lists
/// them (by the version that fixed them).
pub const ALL: [KnownBug; 6] = [
    STAT_AFTER_RELEASE,
    FORK_SHARES_PINNED,
    SPLIT_RACE,
    FORK_PIN_BARRIER,
    ANON_EXCLUSIVE_BARRIER,
    ZERO_PAGE_OVERFLOW,
];

/// `bugs` without the ones `fixes` names: the known bugs of a version that
/// fixed `fixes` over the version whose bugs are `bugs`.
pub fn fixed(bugs: Vec<KnownBug>, fixes: &[KnownBug]) -> Vec<KnownBug> {
    bugs.into_iter()
        .filter(|bug| !fixes.iter().any(|fix| fix.id == bug.id))
        .collect()
}
