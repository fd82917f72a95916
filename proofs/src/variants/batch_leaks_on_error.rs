//! `batch-leaks-on-error`: `pin_user_pages`' error path releases one entry
//! too few.

use super::delegate;
use pinref_model::gup::unpin_user_pages;
use pinref_model::sync::Platform;
use pinref_model::{Claims, GupError, GupFlags, Memory, PageRef, Scheme, V5_7};

/// v5.7 whose slow-path `pin_user_pages`, when a grab fails midway,
/// releases all but the last page it had pinned.
///
/// - **Wrong**: [`Scheme::pin_user_pages`] is
///   [`pinref_model::gup::pin_user_pages`]'s walk (one grab of `refs` per
///   run of subpages of one compound page), but the cleanup after a failed
///   grab unpins `pinned[..len - 1]`: one reference (a whole pin on an
///   order-0 page, one of the `refs` of a compound grab) stays behind and
///   is never released.
/// - **History**: an error path in the slow GUP grab leaked one reference
///   when several were requested (a 2024 fix).
/// - **Caught by**: P5 (exact recovery): the `batches` scenario's
///   `pin_user_pages` over an unmapped second page fails, and the first
///   page's count keeps the leaked pin.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchLeaksOnError;

impl Scheme for BatchLeaksOnError {
    fn name(&self) -> &'static str {
        "batch-leaks-on-error"
    }
    fn description(&self) -> &'static str {
        "v5_7, but a failed pin_user_pages releases one entry too few"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, put_page, try_grab_folio,
        try_grab_compound_head, put_compound_head, page_maybe_dma_pinned);

    fn pin_user_pages<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError> {
        if flags.contains(GupFlags::FOLL_GET) {
            return Err(GupError::FollGetAndPin);
        }
        let flags = flags | GupFlags::FOLL_PIN;
        let end = start.saturating_add(nr_pages);
        let mut pinned = Vec::with_capacity(nr_pages);
        let mut addr = start;
        while addr < end {
            let result = mem
                .pte_read(addr)
                .and_then(|pte| pte.ok_or(GupError::NotMapped { addr }))
                .and_then(|page| {
                    let head = page.compound_head();
                    let mut subpages = vec![page];
                    while addr + subpages.len() < end {
                        match mem.pte_read(addr + subpages.len()) {
                            Ok(Some(next)) if next.compound_head() == head => subpages.push(next),
                            _ => break,
                        }
                    }
                    let refs = i32::try_from(subpages.len()).unwrap_or(i32::MAX);
                    self.try_grab_folio(page, refs, flags).map(|()| subpages)
                });
            match result {
                Ok(subpages) => {
                    addr += subpages.len();
                    pinned.extend(subpages);
                }
                Err(error) => {
                    // The flaw: one entry short of everything pinned so far.
                    let taken = pinned.len().saturating_sub(1);
                    let _ = unpin_user_pages(self, &pinned[..taken]);
                    return Err(error);
                }
            }
        }
        Ok(pinned)
    }
}
