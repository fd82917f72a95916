//! The operations of a [`Scheme`](super::Scheme), listed once.
//!
//! Every place that has to name each operation (the `Scheme` trait itself,
//! [`Patch`](super::Patch)'s defaults and its blanket `Scheme` impl, the
//! type-erased [`DynScheme`](super::object::DynScheme) and
//! [`SchemeObject`](super::SchemeObject), the primitives every
//! [`BiasScheme`](super::bias::BiasScheme) takes from its kernel code)
//! writes it from this list, tokio-style: `scheme_operations!(callback)`
//! calls the macro `callback!` once per group of operations, and the
//! callback writes its items from each signature. Adding an operation is
//! one entry here, and every one of those places has it.
//!
//! The groups, by how a [`Patch`](super::Patch) inherits them:
//!
//! - `identity`: what every scheme and every patch names for itself;
//! - `abstraction`: the abstraction function, required of a scheme; a patch
//!   has its base's;
//! - `facts`: platform-free facts, with a default for a scheme of its own;
//!   a patch has its base's;
//! - `primitives`: one kernel function each, required of a scheme; a patch
//!   has its base's;
//! - `generic`: the kernel's generic GUP code, written over the primitives
//!   (called by trait, `Scheme::put_compound_head(self, ..)`, so that the
//!   same body serves a scheme and a patch); a patch runs it over its own
//!   primitives.
//!
//! The callbacks match the groups as they are written here: every
//! operation takes `&self`, and a platform operation is generic over
//! `P: Platform` (after a lifetime `'m` where its result borrows the
//! memory). Names in a body resolve where the callback expands, which
//! imports them.

/// Calls `$callback!` on each group of the operation list (after `$with`,
/// when given): see the module docs.
macro_rules! scheme_operations {
    ($callback:ident $(, $($with:ident)+)?) => {
        $callback! { $($($with)+)? identity
            /// A short, stable name for reports and filters (`v5_7`).
            fn name(&self) -> &'static str;

            /// One line: what the scheme models and which kernel version it
            /// follows.
            fn description(&self) -> &'static str;
        }

        $callback! { $($($with)+)? abstraction
            /// The abstraction function: the counters of a head page of
            /// `shape` that holds `held`, in wrapping 32-bit arithmetic. The
            /// ghost spec checks the concrete counters against it at every
            /// quiescent point (P5), and checks start from the counts it
            /// gives.
            fn counts_for(&self, shape: PageShape, held: Held) -> Counts;
        }

        $callback! { $($($with)+)? facts
            /// What the scheme claims beyond the properties every scheme
            /// must meet.
            fn claims(&self) -> Claims { Claims::ALL }

            /// The bugs the kernel version this scheme stands for is known to
            /// have (none by default).
            fn known_bugs(&self) -> Vec<KnownBug> { Vec::new() }

            /// The generic mm code (fork, gup_fast's walk, the sharing of
            /// anonymous pages) of the kernel version this scheme stands for:
            /// the newest pinref models by default.
            fn mm(&self) -> MmCode { MmCode::LATEST }

            /// The refcount at which the page is freed: 0, or 1 for "1-based"
            /// device pages.
            fn freed_at(&self) -> i32 { 0 }
        }

        $callback! { $($($with)+)? primitives
            /// `get_page()`: takes a plain reference on the head, the caller
            /// already holding one. The kernel's check for a count that is
            /// zero or close to overflow is a `VM_BUG_ON` (`CONFIG_DEBUG_VM`
            /// only); the built-ins follow a production kernel and refuse
            /// nothing.
            fn get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError>;

            /// `try_get_page()`: takes a plain reference unless the count is
            /// not positive.
            fn try_get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError>;

            /// `put_page()`: drops a plain reference; frees the page when it
            /// was the last. The kernel refuses nothing
            /// (`put_page_testzero`'s `VM_BUG_ON` is `CONFIG_DEBUG_VM` only): a
            /// put at zero takes the count to -1.
            fn put_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError>;

            /// `try_grab_page()` (v5.7, `refs` = 1) / `try_grab_folio()` (v6):
            /// takes `refs` references of the kind `flags` asks for on the
            /// head of a page the caller found under the page-table lock.
            /// Refuses `FOLL_GET | FOLL_PIN`, and a count that is not
            /// positive.
            fn try_grab_folio<P: Platform>(&self, page: PageRef<'_, P>, refs: i32, flags: GupFlags) -> Result<(), GupError>;

            /// `try_grab_compound_head()` (v5.7) / `try_grab_folio_fast()`
            /// (v6): gup_fast's speculative grab of `refs` references on a
            /// page found without any lock: adds unless the count is zero
            /// (fully ordered on success). Returns the head it grabbed.
            fn try_grab_compound_head<'m, P: Platform>(&self, page: PageRef<'m, P>, refs: i32, flags: GupFlags) -> Result<PageRef<'m, P>, GupError>;

            /// `put_compound_head()` (v5.7) / `gup_put_folio()` (v6): releases
            /// `refs` references of the kind `flags` names, exactly what the
            /// matching grab took, from the head; frees the page if they were
            /// the last.
            fn put_compound_head<P: Platform>(&self, page: PageRef<'_, P>, refs: i32, flags: GupFlags) -> Result<(), GupError>;

            /// `page_maybe_dma_pinned()` / `folio_maybe_dma_pinned()`: whether
            /// the page may be pinned for DMA. Never false while a pin is
            /// held.
            fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool;
        }

        $callback! { $($($with)+)? generic
            /// `page_dma_pinned()` (the seed series' name for
            /// [`Scheme::page_maybe_dma_pinned`]).
            fn page_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
                Scheme::page_maybe_dma_pinned(self, page)
            }

            /// `try_grab_page()`: [`Scheme::try_grab_folio`] with `refs` = 1.
            fn try_grab_page<P: Platform>(&self, page: PageRef<'_, P>, flags: GupFlags) -> Result<(), GupError> {
                Scheme::try_grab_folio(self, page, 1, flags)
            }

            /// `unpin_user_page()`: releases one pin, from the head.
            fn unpin_user_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
                Scheme::put_compound_head(self, page, 1, GupFlags::FOLL_PIN)
            }

            /// `unpin_user_pages()`: [`Scheme::unpin_user_page`] for each page.
            /// See [`gup::unpin_user_pages`].
            fn unpin_user_pages<P: Platform>(&self, pages: &[PageRef<'_, P>]) -> Result<(), GupError> {
                gup::unpin_user_pages(self, pages)
            }

            /// How the generic GUP code gives back what a batch had pinned
            /// when it must hold nothing (gup_fast's give-back when fork ran
            /// under it, the `FOLL_LONGTERM` migration failure):
            /// [`Scheme::unpin_user_pages`] by default.
            fn unpin_on_failure<P: Platform>(&self, pages: &[PageRef<'_, P>]) {
                let _ = Scheme::unpin_user_pages(self, pages);
            }

            /// `unpin_user_pages_dirty_lock()`: marks each page dirty (under
            /// the page lock) if asked and it is clean, then unpins it. See
            /// [`gup::unpin_user_pages_dirty_lock`].
            fn unpin_user_pages_dirty_lock<P: Platform>(&self, pages: &[PageRef<'_, P>], make_dirty: bool) -> Result<(), GupError> {
                gup::unpin_user_pages_dirty_lock(self, pages, make_dirty)
            }

            /// `pin_user_pages()`: the slow path, pinning `nr_pages` user
            /// pages from `start`, `refs` per (compound) page in one grab;
            /// returns the pages pinned before the first failure (an error
            /// only if that was the first). See [`gup::pin_user_pages`].
            fn pin_user_pages<'m, P: Platform>(&self, mem: &'m Memory<P>, start: usize, nr_pages: usize, flags: GupFlags) -> Result<Vec<PageRef<'m, P>>, GupError> {
                gup::pin_user_pages(self, mem, start, nr_pages, flags)
            }

            /// One step of gup_fast (`gup_pte_range`): read the page-table
            /// entry, grab speculatively, re-read the entry, and release
            /// exactly what was taken if it changed. See
            /// [`gup::gup_fast_pte`].
            fn gup_fast_pte<'m, P: Platform>(&self, mem: &'m Memory<P>, addr: usize, flags: GupFlags) -> Result<PageRef<'m, P>, GupError> {
                gup::gup_fast_pte(self, mem, addr, flags)
            }

            /// `pin_user_pages_fast()`: gup_fast over `nr_pages` from
            /// `start`, then the slow path for the pages gup_fast did not
            /// pin. See [`gup::pin_user_pages_fast`].
            fn pin_user_pages_fast<'m, P: Platform>(&self, mem: &'m Memory<P>, start: usize, nr_pages: usize, flags: GupFlags) -> Result<Vec<PageRef<'m, P>>, GupError> {
                gup::pin_user_pages_fast(self, mem, start, nr_pages, flags)
            }

            /// Sets a head page's counters to encode `held`
            /// ([`Scheme::counts_for`]), before any thread can see the page:
            /// a check's starting state.
            fn init_page<P: Platform>(&self, page: PageRef<'_, P>, held: Held) {
                let head = page.compound_head();
                init_counts(head, Scheme::counts_for(self, PageShape::of(head), held));
            }
        }
    };
}

pub(crate) use scheme_operations;
