//! The judge: compares what one operation did on the concrete model with
//! what the ghost allows ([`Expectation`]), and the counts it left with
//! the ghost's state after it. The ghost gives the answers; the checks
//! shared with the scenarios ([`crate::properties::checks`]) word the
//! verdicts where they judge the same thing.

use super::snapshot::{Snapshot, counts};
use crate::properties::{Property, checks};
use pinref_model::ghost::{Allowed, Expectation, Expected, Ghost};
use pinref_model::op::OpResult;
use pinref_model::{Held, Scheme};

/// A property broken, and what was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Broken {
    pub(crate) property: Property,
    pub(crate) message: String,
}

impl Broken {
    fn new(property: Property, message: String) -> Broken {
        Broken { property, message }
    }
}

/// The allowed outcome the run took (by its result: of several successes,
/// the one that pinned as many pages as the run returned; of several
/// failures, the one whose vmstat churn the run shows), or why none fits.
pub(crate) fn choose<'e>(
    expectation: &'e Expectation,
    result: &OpResult,
    before: &Snapshot,
    after: &Snapshot,
) -> Result<&'e Allowed, Broken> {
    let first = expectation.allowed.first();
    let Some(error) = result.error() else {
        let mut successes = expectation
            .allowed
            .iter()
            .filter(|allowed| allowed.result.is_ok());
        if let OpResult::Pinned(pfns) = result
            && successes.clone().next().is_some()
        {
            let returned = i64::try_from(pfns.len()).unwrap_or(i64::MAX);
            return successes
                .clone()
                .find(|allowed| allowed.effect.pins_acquired() == returned)
                .ok_or_else(|| {
                    let counts: Vec<String> = successes
                        .map(|allowed| allowed.effect.pins_acquired().to_string())
                        .collect();
                    Broken::new(
                        Property::P5,
                        format!(
                            "the batch returned {returned} page(s); the spec lets it pin and \
                             return {}: its caller unpins what it was given, so a wrong count \
                             leaves pins behind or takes others'",
                            counts.join(" or ")
                        ),
                    )
                });
        }
        return successes.next().ok_or_else(|| match first {
            Some(allowed) => {
                let must = match &allowed.result {
                    Err(refusal) => format!(" (it must be refused with {refusal})"),
                    Ok(()) => String::new(),
                };
                let fault = allowed.if_contradicted;
                Broken::new(fault.property, format!("accepted{must}: {fault}"))
            }
            None => Broken::new(expectation.refusal_property, "accepted".to_owned()),
        });
    };
    let churn = i64::from(after.acquired.wrapping_sub(before.acquired));
    let mut fitting = expectation
        .allowed
        .iter()
        .filter(|allowed| matches!(&allowed.result, Err(refusal) if refusal.allows(&error)));
    let first_fitting = fitting.clone().next();
    if let Some(allowed) = fitting
        .find(|allowed| allowed.effect.pins_acquired() == churn)
        .or(first_fitting)
    {
        return Ok(allowed);
    }
    let wrong = expectation
        .allowed
        .iter()
        .find_map(|allowed| match &allowed.result {
            Err(refusal) => Some((refusal, allowed.if_contradicted.property)),
            Ok(()) => None,
        });
    Err(match (wrong, first) {
        (Some((refusal, property)), _) => Broken::new(
            property,
            format!("refused with {error:?}, but the spec expects {refusal}"),
        ),
        (None, Some(allowed)) => Broken::new(
            allowed.if_contradicted.property,
            format!("refused with {error:?}: {}", allowed.if_contradicted),
        ),
        (None, None) => Broken::new(
            expectation.refusal_property,
            format!("refused with {error:?}"),
        ),
    })
}

/// Checks the concrete counts after the run against `ghost`, the ghost's
/// state after `allowed`; adopts into it the `PG_dirty` that `allowed`
/// leaves open. At this quiescent point:
///
/// - P5: every head's counters are [`Scheme::counts_for`] of the ghost,
///   tail pages hold nothing, and a refusal changed no count at all;
/// - P3: no release took the ghost's plain references or pins below zero;
/// - P4: each head was freed as often as the ghost says, at most once, and
///   only by a release that left its count at [`Scheme::freed_at`];
/// - P8: `PG_dirty` is as the ghost says;
/// - P9: `nr_foll_pin_acquired - nr_foll_pin_released` equals the live
///   pins, and each counter moved exactly by what the ghost took and gave
///   back.
pub(crate) fn check_counts<S: Scheme + ?Sized>(
    scheme: &S,
    expectation: &Expectation,
    allowed: &Allowed,
    before: &Snapshot,
    after: &Snapshot,
    ghost: &mut Ghost,
) -> Result<(), Broken> {
    // A changed count breaks the refusal's property if the operation was
    // refused and should have changed nothing; its own otherwise.
    let blame = |property: Property, what: String| {
        if allowed.pure_refusal {
            Broken::new(
                expectation.refusal_property,
                format!("a refused operation changed a count: {what}"),
            )
        } else {
            Broken::new(property, what)
        }
    };
    for (pfn, (was, now)) in before.frames.iter().zip(&after.frames).enumerate() {
        let Some(page) = ghost.pages.get(&pfn) else {
            if now.refcount != 0 || now.pincount != 0 || now.times_freed != 0 || now.flags != 0 {
                return Err(Broken::new(
                    Property::P5,
                    format!(
                        "tail pfn {pfn} was touched (refcount {}, pincount {}, freed {}, \
                         dirty {}): every operation must act on the head",
                        now.refcount,
                        now.pincount,
                        now.times_freed,
                        now.dirty()
                    ),
                ));
            }
            continue;
        };
        if let Some(message) = checks::p5_exact_recovery(pfn, counts(now), page.counts(scheme)) {
            return Err(blame(
                Property::P5,
                format!(
                    "{message} (before the operation: refcount {} / pincount {}; the spec \
                     holds plain {}, pins {})",
                    was.refcount, was.pincount, page.held.plain, page.held.pins
                ),
            ));
        }
        if page.held.plain < 0 || page.held.pins < 0 {
            return Err(Broken::new(
                Property::P3,
                format!(
                    "head pfn {pfn} would hold plain {}, pins {}",
                    page.held.plain, page.held.pins
                ),
            ));
        }
        let freed = checks::p4_freed_exactly_once(pfn, now.times_freed, page.freed).or_else(|| {
            (now.times_freed > 1).then(|| format!("page {pfn} was freed {} times", now.times_freed))
        });
        if let Some(message) = freed {
            return Err(Broken::new(Property::P4, message));
        }
        if now.times_freed != was.times_freed && now.refcount != scheme.freed_at() {
            return Err(Broken::new(
                Property::P4,
                format!(
                    "head pfn {pfn} was freed with refcount {}, not at its free value {}",
                    now.refcount,
                    scheme.freed_at()
                ),
            ));
        }
    }
    // PG_dirty: as the spec says, except where the outcome leaves it open;
    // never set on a page that holds nothing.
    for (pfn, page) in ghost.pages.iter_mut() {
        let (was, now) = (before.frames[pfn].dirty(), after.frames[pfn].dirty());
        if allowed.dirty_may_change.contains(&pfn) {
            if now != was && page.held == Held::default() {
                return Err(Broken::new(
                    Property::P4,
                    format!("PG_dirty was set on head pfn {pfn}, which holds no reference"),
                ));
            }
            page.dirty = now;
        } else if now != page.dirty {
            return Err(blame(
                Property::P8,
                format!(
                    "head pfn {pfn}: PG_dirty {was} → {now}; the spec says {}",
                    page.dirty
                ),
            ));
        }
    }
    if let Some(message) =
        checks::p9_stats_balance(after.acquired, after.released, ghost.live_pins())
    {
        return Err(Broken::new(Property::P9, message));
    }
    let exact = |counter: i32, spec: i64| i64::from(counter) == spec;
    if !exact(after.acquired, ghost.pins_acquired) || !exact(after.released, ghost.pins_released) {
        return Err(blame(
            Property::P9,
            format!(
                "nr_foll_pin_acquired {} → {}, nr_foll_pin_released {} → {}; the spec says {} \
                 and {}",
                before.acquired,
                after.acquired,
                before.released,
                after.released,
                ghost.pins_acquired,
                ghost.pins_released
            ),
        ));
    }
    Ok(())
}

/// P1 / P2 for `page_dma_pinned` on head `head` answering `answer`: an
/// unexpected violation, an expected one (P1 past the sign bit, for a
/// scheme that does not claim `pinned_after_overflow`), or none.
pub(crate) fn judge_answer<S: Scheme + ?Sized>(
    scheme: &S,
    ghost: &Ghost,
    head: usize,
    answer: bool,
) -> Result<Option<Expected>, Broken> {
    let Some(page) = ghost.pages.get(&head) else {
        return Ok(None);
    };
    let refcount = page.refcount(scheme);
    if page.truly_pinned() {
        let Some(message) = checks::p1_no_false_negative(head, answer) else {
            return Ok(None);
        };
        let message = format!(
            "{message} ({} pins, plain {}, refcount {refcount})",
            page.held.pins, page.held.plain
        );
        if page.wrapped_around(scheme) {
            return Ok(Some(Expected {
                property: Property::P1,
                message: format!("{message}, wrapped past 2^32"),
            }));
        }
        if page.wrapped(scheme) && !scheme.claims().pinned_after_overflow {
            return Ok(Some(Expected {
                property: Property::P1,
                message: format!("{message}, past the sign bit"),
            }));
        }
        return Err(Broken::new(Property::P1, message));
    }
    let allowed = page.false_positive_allowed(scheme);
    match checks::p2_bounded_false_positive(head, answer, allowed) {
        Some(message) => Err(Broken::new(
            Property::P2,
            format!("{message} (plain {}, refcount {refcount})", page.held.plain),
        )),
        None => Ok(None),
    }
}
