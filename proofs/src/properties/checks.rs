//! The judgements a scenario makes at the step where a property must hold:
//! each returns the violation's message, or `None` when the property holds.
//! The monitor ([`super::monitor`]) judges the per-access properties; these
//! are the ones only the scenario can judge, because it knows what
//! happens-before what.

use pinref_model::Counts;

/// P1: an observer that happens-after a pin (and before its unpin) read
/// `page_dma_pinned`. `answer` must be true.
pub fn p1_no_false_negative(pfn: usize, answer: bool) -> Option<String> {
    (!answer).then(|| format!("page_dma_pinned(page {pfn}) == false while a pin is held"))
}

/// P2: an observer that happens-after every unpin read `page_dma_pinned`
/// with no pin held; `true` is allowed only when the plain part of the count
/// reaches the bias (`false_positive_allowed`).
pub fn p2_bounded_false_positive(
    pfn: usize,
    answer: bool,
    false_positive_allowed: bool,
) -> Option<String> {
    (answer && !false_positive_allowed).then(|| {
        format!("page_dma_pinned(page {pfn}) == true with no pin held and fewer than 1024 plain references")
    })
}

/// P5: at a quiescent point the counters must be exactly what the ghost's
/// state encodes.
pub fn p5_exact_recovery(pfn: usize, actual: Counts, expected: Counts) -> Option<String> {
    (actual != expected).then(|| {
        format!(
            "page {pfn} at a quiescent point holds refcount {} / pincount {}, but its references \
             encode refcount {} / pincount {}",
            actual.refcount, actual.pincount, expected.refcount, expected.pincount
        )
    })
}

/// P4 at a quiescent point: freed exactly as often as the ghost says (0 or
/// 1).
pub fn p4_freed_exactly_once(pfn: usize, times_freed: i32, expected: u32) -> Option<String> {
    (i64::from(times_freed) != i64::from(expected)).then(|| {
        format!("page {pfn} was freed {times_freed} time(s); its references say {expected}")
    })
}

/// P8: an observer saw the page unpinned (and fenced); it must see it dirty.
pub fn p8_dirty_before_unpin(pfn: usize, dirty: bool) -> Option<String> {
    (!dirty).then(|| format!("page {pfn} seen unpinned after a dirtying unpin, but not dirty"))
}

/// P9: with no pin operation in flight, acquired - released == live pins.
pub fn p9_stats_balance(acquired: i32, released: i32, live_pins: i64) -> Option<String> {
    let balance = i64::from(acquired) - i64::from(released);
    (balance != live_pins).then(|| {
        format!(
            "nr_foll_pin_acquired {acquired} - nr_foll_pin_released {released} = {balance}, \
             but {live_pins} pin(s) are live"
        )
    })
}
