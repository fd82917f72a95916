//! The public extension point: a refcount [`Scheme`] says how grabs,
//! releases and the pinned predicate act on a page's counters. Everything
//! pinref checks (loom, shuttle, proptest, fuzzing) runs against this trait,
//! for the built-in schemes, the flawed variants and a user's own alike.

pub mod bias;
mod devmap;
mod folio;
pub mod history;
mod mm;
pub mod object;
mod operations;
pub mod patch;
mod seed;
mod v5_11;
mod v5_14;
mod v5_7;
mod v6_1;
mod v6_5;

pub use object::SchemeObject;
pub use patch::Patch;

use operations::scheme_operations;

pub use devmap::Devmap;
pub use folio::Folio;
pub use mm::MmCode;
pub use seed::Seed;
pub use v5_7::V5_7;
pub use v5_11::V5_11;
pub use v5_14::V5_14;
pub use v6_1::V6_1;
pub use v6_5::V6_5;

use crate::error::GupError;
use crate::flags::{GupFlags, RefKind};
use crate::gup;
use crate::memory::Memory;
use crate::page::{GUP_PIN_COUNTING_BIAS, PageRef};
use crate::page_ref::{set_page_count, set_pincount};
use crate::property::Property;
use crate::sync::Platform;

/// The largest `refs` one grab may take: the largest whose pin delta,
/// `refs * GUP_PIN_COUNTING_BIAS`, does not wrap the 32-bit counter by
/// itself (`i32::MAX / 1024` = 2,097,151).
///
/// The kernel has no such constant: `refs` is the number of subpages of one
/// huge entry that a grab takes at once (`record_subpages` in
/// `gup_huge_pmd` / `gup_huge_pud`), up to 512 for a 2 MiB PMD page and
/// 262,144 for a 1 GiB PUD page on x86-64 with 4 KiB pages, and no caller
/// passes 0 or less. A `refs` outside `1..=MAX_REFS` is no kernel caller's,
/// and the model refuses it with a typed error
/// ([`GupError::InvalidRefs`]) rather than compute a delta that wrapped
/// before it reached the counter.
pub const MAX_REFS: i32 = i32::MAX / GUP_PIN_COUNTING_BIAS;

/// The shape of a (compound) page, as a scheme's abstraction function needs
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageShape {
    /// `compound_order()` of the head (0 for an order-0 page).
    pub order: u32,
}

impl PageShape {
    /// The shape of `page`'s compound page.
    pub fn of<P: Platform>(page: PageRef<'_, P>) -> PageShape {
        PageShape {
            order: page.compound_order(),
        }
    }
}

/// How many references of each kind a (head) page holds: the abstract state
/// that a scheme's counters encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Held {
    /// Plain references (`get_page`, `FOLL_GET`, the page tables' own).
    pub plain: i64,
    /// DMA pins (`FOLL_PIN`), counting `refs`.
    pub pins: i64,
}

/// The concrete counters of a head page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Counts {
    /// `_refcount`.
    pub refcount: i32,
    /// The exact pin count (`hpage_pinned_refcount` / `_pincount`), or 0
    /// where the scheme keeps none.
    pub pincount: i32,
}

/// What a scheme claims beyond the properties every scheme must meet. A
/// property a scheme does not claim is still checked; a violation of it is
/// reported as *expected*, with its counterexample, not as a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Claims {
    /// P1 holds even after pins have carried the refcount past the sign bit
    /// (the merged v5.7 predicate compares unsigned; the seed's did not).
    pub pinned_after_overflow: bool,
    /// P6 in full: a grab that would carry the refcount past the sign bit
    /// is refused *before* it does. The kernel's guard (`count <= 0`) only
    /// refuses once the count has already wrapped, and racing grabbers can
    /// each overshoot; schemes that follow it do not claim this.
    pub refuses_before_overflow: bool,
    /// A grab whose result would exceed this refcount may be refused even
    /// though it would not wrap: the headroom a scheme keeps below
    /// `i32::MAX` for racing grabbers (as `Arc` keeps below `isize::MAX`).
    /// `i32::MAX` for the kernel's schemes, which keep none.
    pub grab_limit: i32,
    /// A speculative grab racing a split of the compound page never pins
    /// the wrong page (folios re-check the head after grabbing; v5.7 did
    /// not, until the 2021 fix).
    pub survives_split: bool,
    /// The shared zero page is never pinned or counted: a pin of it changes
    /// no count and no statistic (v6.5 on).
    pub zero_page_uncounted: bool,
}

impl Claims {
    /// Every claim.
    pub const ALL: Claims = Claims {
        pinned_after_overflow: true,
        refuses_before_overflow: true,
        grab_limit: i32::MAX,
        survives_split: true,
        zero_page_uncounted: true,
    };
    /// What the kernel's own schemes can claim: the unsigned predicate, with
    /// the racy `<= 0` guard.
    pub const KERNEL: Claims = Claims {
        pinned_after_overflow: true,
        refuses_before_overflow: false,
        grab_limit: i32::MAX,
        survives_split: false,
        zero_page_uncounted: false,
    };
}

/// A bug the kernel version a scheme stands for is known to have: the
/// checker must find it there (a run whose violations are exactly its
/// known bugs reports `known_bug`, and one that does not find a declared
/// bug fails: the checker lost its teeth), and the version that fixed it
/// must pass the same scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KnownBug {
    /// A short, stable id for reports (`stat-after-release`).
    pub id: &'static str,
    /// The property it breaks.
    pub property: Property,
    /// What goes wrong, in one line.
    pub summary: &'static str,
    /// The first kernel version with the fix (`v5.12`).
    pub fixed_in: &'static str,
    /// The subject of the fixing commit.
    pub fix: &'static str,
    /// The scenarios of the catalogue that reproduce it.
    pub scenarios: &'static [&'static str],
    /// Whether it shows only under weak memory ordering (a missing
    /// barrier): an engine that runs every access sequentially consistent
    /// (shuttle, the state-caching explorer) cannot reproduce it, and is
    /// not expected to.
    pub weak_memory: bool,
}

/// Writes the [`Scheme`] trait's items from the operation list
/// ([`operations`]): each as it is listed, a declaration or a default.
macro_rules! scheme_items {
    ($group:ident $(
        $(#[$doc:meta])*
        fn $name:ident $(<$($lt:lifetime,)? $p:ident: Platform>)?
            (&$self:ident $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)?;
    )*) => {$(
        $(#[$doc])*
        fn $name $(<$($lt,)? $p: Platform>)? (&$self $(, $arg: $ty)*) $(-> $ret)?;
    )*};
    ($group:ident $(
        $(#[$doc:meta])*
        fn $name:ident $(<$($lt:lifetime,)? $p:ident: Platform>)?
            (&$self:ident $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)? $default:block
    )*) => {$(
        $(#[$doc])*
        fn $name $(<$($lt,)? $p: Platform>)? (&$self $(, $arg: $ty)*) $(-> $ret)? $default
    )*};
}

/// A page refcount scheme: how references and pins are taken, released
/// and read on a page's counters.
///
/// Implement the required methods with the helpers of
/// [`crate::page_ref`] (and [`crate::page_flags`], [`crate::vmstat`],
/// [`crate::free`]); the provided methods are the kernel's generic GUP code
/// (`mm/gup.c`) built on them, and may be overridden. Each method stands for
/// the kernel function it is named after; a method receives any page,
/// possibly a tail, and must act on its head (`compound_head`).
///
/// Every method is generic over the [`Platform`], so one implementation runs
/// on real threads, under loom and under shuttle. A refused operation must
/// return a [`GupError`] and leave every count unchanged.
///
/// Three ways to write one, from the most to the least you write:
///
/// - implement `Scheme` itself, from the helpers (the first example below);
/// - a [`Patch`]: an existing scheme plus the operations that differ (the
///   second example);
/// - a [`bias::BiasScheme`]: the kernel's bias code, step by step, with
///   the steps that differ (a guard, a statistic, the ordering of a put).
///
/// # Example: a scheme of your own
///
/// A scheme that counts every pin exactly in the pin count, for every page,
/// and adds 1 to the refcount (the folio rule, for order-0 pages too):
///
/// ```
/// use pinref_model::page_ref::*;
/// use pinref_model::{
///     free::free_page, vmstat::{mod_node_page_state, PinStat},
///     Counts, GupError, GupFlags, Held, Memory, Layout, PageRef, PageShape,
///     RefKind, Scheme, sync::{Platform, Std},
/// };
///
/// #[derive(Debug, Default)]
/// struct ExactPins;
///
/// impl Scheme for ExactPins {
///     fn name(&self) -> &'static str { "exact-pins" }
///     fn description(&self) -> &'static str { "every pin counted in _pincount" }
///     fn counts_for(&self, _shape: PageShape, held: Held) -> Counts {
///         Counts {
///             refcount: (held.plain + held.pins) as i32,
///             pincount: held.pins as i32,
///         }
///     }
///     fn get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
///         let head = page.compound_head();
///         let count = page_ref_count(head);
///         if count <= 0 {
///             return Err(GupError::GetPageOnFreeOrOverflowed { pfn: head.pfn(), count });
///         }
///         page_ref_inc(head);
///         Ok(())
///     }
///     fn try_get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
///         self.try_grab_folio(page, 1, GupFlags::FOLL_GET)
///     }
///     fn put_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
///         self.put_compound_head(page, 1, GupFlags::FOLL_GET)
///     }
///     fn try_grab_folio<P: Platform>(
///         &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
///     ) -> Result<(), GupError> {
///         let kind = flags.ref_kind()?;
///         let head = page.compound_head();
///         let count = page_ref_count(head);
///         if count <= 0 {
///             return Err(GupError::RefcountNotPositive { pfn: head.pfn(), count });
///         }
///         if kind == RefKind::Pin {
///             mod_node_page_state(head, PinStat::Acquired, refs);
///             pincount_add(head, refs);
///         }
///         page_ref_add(head, refs);
///         Ok(())
///     }
///     fn try_grab_compound_head<'m, P: Platform>(
///         &self, page: PageRef<'m, P>, refs: i32, flags: GupFlags,
///     ) -> Result<PageRef<'m, P>, GupError> {
///         let kind = flags.ref_kind()?;
///         let head = page.compound_head();
///         if !page_ref_add_unless(head, refs, 0) {
///             return Err(GupError::SpeculativeGrabOnFreedPage { pfn: head.pfn() });
///         }
///         if kind == RefKind::Pin {
///             mod_node_page_state(head, PinStat::Acquired, refs);
///             pincount_add(head, refs);
///         }
///         Ok(head)
///     }
///     fn put_compound_head<P: Platform>(
///         &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
///     ) -> Result<(), GupError> {
///         let kind = flags.ref_kind()?;
///         let head = page.compound_head();
///         if kind == RefKind::Pin {
///             let pins = pincount_read(head);
///             if pins < refs {
///                 return Err(GupError::UnpinWithoutPin { pfn: head.pfn(), count: pins });
///             }
///             mod_node_page_state(head, PinStat::Released, refs);
///             pincount_sub(head, refs);
///         } else if page_ref_count(head) == 0 {
///             return Err(GupError::PutAtZero { pfn: head.pfn() });
///         }
///         if page_ref_sub_and_test(head, refs) {
///             free_page(head);
///         }
///         Ok(())
///     }
///     fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
///         pincount_read(page.compound_head()) > 0
///     }
/// }
///
/// // A quick sequential use.
/// let memory = Memory::<Std>::new(&Layout::single_page());
/// let page = memory.page(0)?;
/// ExactPins.init_page(page, Held { plain: 1, pins: 0 });
/// ExactPins.try_grab_page(page, GupFlags::FOLL_PIN)?;
/// assert!(ExactPins.page_dma_pinned(page));
/// ExactPins.unpin_user_page(page)?;
/// assert!(!ExactPins.page_dma_pinned(page));
/// assert_eq!(ExactPins.unpin_user_page(page), Err(GupError::UnpinWithoutPin { pfn: 0, count: 0 }));
///
/// // Every check pinref has takes it as it is: here, loom on one scenario.
/// use pinref_proofs::{engines::{loom::LoomEngine, RunOptions, Verdict}, scenarios};
/// let entry = pinref_proofs::schemes::SchemeEntry::new(ExactPins);
/// let scenario = scenarios::find("last_reference").expect("a catalogued scenario");
/// let outcome = entry.explore(&LoomEngine, &scenario, &RunOptions::default());
/// assert_eq!(outcome.verdict, Verdict::Pass, "{outcome:?}");
/// # Ok::<(), GupError>(())
/// ```
///
/// # Example: an existing scheme, patched
///
/// v5.7 with the seed's signed predicate, and nothing else changed:
///
/// ```
/// use pinref_model::page_ref::{page_ref_count, set_page_count};
/// use pinref_model::sync::{Platform, Std};
/// use pinref_model::{GUP_PIN_COUNTING_BIAS, Layout, Memory, PageRef, Scheme, V5_7};
///
/// struct SignedV5_7;
///
/// impl pinref_model::Patch for SignedV5_7 {
///     pinref_model::patch_of!(V5_7, "signed-v5_7", "v5_7 with a signed page_maybe_dma_pinned");
///     fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
///         page_ref_count(page.compound_head()) >= GUP_PIN_COUNTING_BIAS
///     }
/// }
///
/// // Past the sign bit the two disagree; everything else is v5.7's.
/// let memory = Memory::<Std>::new(&Layout::single_page());
/// let page = memory.page(0).expect("page 0");
/// set_page_count(page, i32::MIN + 1);
/// assert!(V5_7.page_dma_pinned(page));
/// assert!(!SignedV5_7.page_dma_pinned(page));
/// let entry = pinref_proofs::schemes::SchemeEntry::new(SignedV5_7);
/// assert_eq!(entry.claims, V5_7.claims());
/// ```
pub trait Scheme: Send + Sync + 'static {
    // Every method, with its docs and its default, is an entry of the
    // operation list in `operations.rs`, which the other places that name
    // every operation (`Patch`, `SchemeObject`, ...) are written from too.
    scheme_operations!(scheme_items);
}

/// Writes `counts` into a head page outright (`set_page_count` and the pin
/// count): a check's starting state, before any thread can see the page.
pub fn init_counts<P: Platform>(head: PageRef<'_, P>, counts: Counts) {
    set_page_count(head, counts.refcount);
    set_pincount(head, counts.pincount);
}

/// The refcount delta of one kind of reference under the bias rule:
/// `refs` for `FOLL_GET`, `refs * GUP_PIN_COUNTING_BIAS` for `FOLL_PIN`.
pub fn bias_delta(kind: RefKind, refs: i32) -> i32 {
    match kind {
        RefKind::Get => refs,
        RefKind::Pin => refs.wrapping_mul(GUP_PIN_COUNTING_BIAS),
    }
}

/// `refs` in `1..=MAX_REFS`, or the typed error (see [`MAX_REFS`]).
pub fn check_refs(refs: i32) -> Result<(), GupError> {
    if (1..=MAX_REFS).contains(&refs) {
        Ok(())
    } else {
        Err(GupError::InvalidRefs { refs })
    }
}

/// `refcount == plain + GUP_PIN_COUNTING_BIAS * pins` in wrapping 32-bit
/// arithmetic: the bias encoding of the seed series (and of every order-0
/// page since).
pub fn bias_encoding(held: Held) -> i32 {
    held.plain
        .wrapping_add(held.pins.wrapping_mul(i64::from(GUP_PIN_COUNTING_BIAS))) as i32
}
