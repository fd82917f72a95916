//! [`MmCode`]: the generic mm code around the refcount (fork, gup_fast's
//! walk, the sharing of anonymous pages) that the pinned predicate's
//! consumers rely on, by kernel version.

/// The generic mm code around the refcount that the predicate's consumers
/// rely on, by kernel version. Pure data: the scenarios and the generic GUP
/// code ([`crate::gup`]) read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MmCode {
    /// fork copies a page that may be DMA-pinned instead of sharing it with
    /// the child ("mm: Do early cow for pinned pages during fork() for
    /// ptes", `70e806e4e645`, v5.9; the test became
    /// `page_needs_cow_for_dma()`, `97a7e4733b9b`, v5.12).
    pub fork_copies_pinned: bool,
    /// gup_fast with `FOLL_PIN` reads `mm->write_protect_seq` before its
    /// walk and gives everything back if fork ran meanwhile ("mm/gup:
    /// prevent gup_fast from racing with COW during fork", `57efa1fe5957`,
    /// v5.11).
    pub gup_fast_checks_fork: bool,
    /// Anonymous pages remember whether they are mapped exclusively
    /// (`PG_anon_exclusive`, `6c287605fd56`, v5.19): gup_fast refuses to pin
    /// a page that is not (`gup_must_unshare`), and
    /// `page_try_share_anon_rmap` refuses to share a pinned one.
    pub anon_exclusive: bool,
    /// `page_try_share_anon_rmap` has an `smp_mb()` between clearing the
    /// page-table entry and reading `page_maybe_dma_pinned` (v6.1, with
    /// [`crate::scheme::bias::BiasRules::barrier_after_pin`], `088b8aa537c2`); before, it relied
    /// on a TLB flush, which does not synchronise with RCU GUP-fast.
    pub share_anon_barrier: bool,
}

impl MmCode {
    /// The generic code of v5.7 (and of the seed's base): none of the
    /// consumers' protections.
    pub const V5_7: MmCode = MmCode {
        fork_copies_pinned: false,
        gup_fast_checks_fork: false,
        anon_exclusive: false,
        share_anon_barrier: false,
    };
    /// The newest generic code pinref models (v6.1 on): every protection.
    /// What a scheme of the user's runs under by default.
    pub const LATEST: MmCode = MmCode {
        fork_copies_pinned: true,
        gup_fast_checks_fork: true,
        anon_exclusive: true,
        share_anon_barrier: true,
    };
}
