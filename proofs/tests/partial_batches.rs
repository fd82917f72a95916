//! Batches return partial counts, as the kernel's do: `pin_user_pages`
//! returns the pages it pinned before the first it could not pin
//! (`__get_user_pages`: "return i ? i : ret"), and `pin_user_pages_fast`
//! hands what gup_fast could not pin to the slow path and returns what both
//! pinned (`internal_get_user_pages_fast`, v5.7; `gup_fast_fallback`,
//! v6.x). The sequential checker judges the count a batch returns, and a
//! scheme that fails a batch it partly pinned is caught.

use pinref_model::op::{Edge, Op, Start};
use pinref_model::sync::Platform;
use pinref_model::{
    GupError, GupFlags, Held, Layout, Memory, PageRef, Scheme, Seed, V5_7, V6_5, gup,
};
use pinref_proofs::engines::proptest::{CheckOptions, check_scheme_with};
use pinref_proofs::engines::sequential::{SequentialChecker, StepOutcome};
use pinref_proofs::properties::Property;

mod support;
use support::assert_every_case;

const BIAS: i32 = 1024;

fn held(plain: i64, pins: i64) -> Held {
    Held { plain, pins }
}

fn start(orders: &[u32], held: Vec<Held>) -> Start {
    let layout = Layout::new(orders).unwrap_or_else(|error| panic!("{error}"));
    Start::new(layout, held).unwrap_or_else(|error| panic!("{error}"))
}

fn refcount<S: Scheme + ?Sized>(checker: &SequentialChecker<'_, S>, pfn: usize) -> i32 {
    let page = checker.memory().page(pfn).unwrap_or_else(|e| panic!("{e}"));
    pinref_model::page_ref::page_ref_count(page)
}

fn slow_and_fast(start: usize, nr: usize) -> [Op; 2] {
    [
        Op::PinUserPages {
            start,
            nr,
            flags: 0,
        },
        Op::PinUserPagesFast {
            start,
            nr,
            flags: 0,
        },
    ]
}

#[test]
fn a_batch_that_stops_at_a_page_it_cannot_pin_returns_the_pages_before_it() {
    // Page 1's count has wrapped past the sign bit (2^21 pins): both the
    // slow path and gup_fast refuse it, so the batch returns page 0 alone.
    let start = start(&[0, 0], vec![held(1, 0), held(0, 1 << 21)]);
    let mut failures = Vec::new();
    for op in slow_and_fast(0, 2) {
        let mut checker = SequentialChecker::new(&Seed, &start);
        let outcome = checker.apply(&op).map(|step| step.outcome);
        let stats = {
            let vmstat = checker.memory().vmstat();
            (vmstat.acquired(), vmstat.released())
        };
        let seen = (outcome, refcount(&checker, 0), stats);
        let want = (Ok(StepOutcome::Done), 1 + BIAS, ((1 << 21) + 1, 0));
        if seen != want {
            failures.push(format!("{op}: {seen:?}, not {want:?}"));
        }
    }
    assert_every_case(failures);
}

#[test]
fn a_batch_that_runs_off_the_mapping_returns_the_pages_before_the_end() {
    // An order-1 page (pfns 0-1) and an order-0 page (pfn 2); address 3
    // maps nothing. The slow path takes the compound page in one grab of
    // refs = 2, gup_fast one address at a time: the same counts.
    let start = start(&[1, 0], vec![held(1, 0), held(1, 0)]);
    let cases = [
        (slow_and_fast(0, usize::MAX), (1 + 2 * BIAS, 1 + BIAS)),
        (slow_and_fast(1, 1 << 40), (1 + BIAS, 1 + BIAS)),
    ];
    let mut failures = Vec::new();
    for (ops, want) in cases {
        for op in ops {
            let mut checker = SequentialChecker::new(&V5_7, &start);
            let outcome = checker.apply(&op).map(|step| step.outcome);
            let counts = (refcount(&checker, 0), refcount(&checker, 2));
            if outcome != Ok(StepOutcome::Done) || counts != want {
                failures.push(format!(
                    "{op}: {outcome:?}, counts {counts:?}, not {want:?}"
                ));
            }
        }
    }
    assert_every_case(failures);
}

#[test]
fn a_batch_refused_at_its_first_page_is_an_error_that_changes_nothing() {
    let start = start(&[0], vec![held(1, 0)]);
    let mut failures = Vec::new();
    for op in slow_and_fast(1, 2) {
        let mut checker = SequentialChecker::new(&V6_5, &start);
        let outcome = checker.apply(&op).map(|step| step.outcome);
        let want = Ok(StepOutcome::Refused(GupError::NotMapped { addr: 1 }));
        if outcome != want || refcount(&checker, 0) != 1 {
            failures.push(format!("{op}: {outcome:?}"));
        }
    }
    assert_every_case(failures);
}

/// v6.5, but a batch that stops midway misreports what it pinned.
#[derive(Clone, Copy)]
enum PartialBatchFlaw {
    /// It fails, keeping the pins it took: its caller, told nothing was
    /// pinned, can never unpin them.
    ReportsAnError,
    /// It returns every page asked for, the ones it did not pin included:
    /// its caller unpins pins it never got.
    ReturnsTheWholeRange,
}

impl pinref_model::Patch for PartialBatchFlaw {
    type Base = V6_5;
    fn base(&self) -> &V6_5 {
        &V6_5
    }
    fn pin_user_pages<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError> {
        let mut pinned = gup::pin_user_pages(self, mem, start, nr_pages, flags)?;
        let stop = start + pinned.len();
        if pinned.len() == nr_pages {
            return Ok(pinned);
        }
        match self {
            PartialBatchFlaw::ReportsAnError => Err(GupError::NotMapped { addr: stop }),
            PartialBatchFlaw::ReturnsTheWholeRange => {
                let rest = (stop..start + nr_pages).map_while(|addr| mem.pte_read(addr).ok()?);
                pinned.extend(rest);
                Ok(pinned)
            }
        }
    }
    fn name(&self) -> &'static str {
        match self {
            PartialBatchFlaw::ReportsAnError => "partial-batch-reports-an-error",
            PartialBatchFlaw::ReturnsTheWholeRange => "partial-batch-returns-the-whole-range",
        }
    }
    fn description(&self) -> &'static str {
        "v6_5, but a batch that stops midway misreports what it pinned"
    }
}

#[test]
fn a_scheme_that_fails_a_batch_it_partly_pinned_breaks_p5() {
    let options = CheckOptions::new(5_000).edges(&[Edge::Small]);
    match check_scheme_with(PartialBatchFlaw::ReportsAnError, &options) {
        Ok(summary) => panic!("passed: {summary}"),
        Err(failure) => {
            let violation = failure.violation().unwrap_or_else(|| panic!("{failure}"));
            assert_eq!(violation.property, Property::P5, "{failure}");
            assert!(
                violation.message.contains("return i ? i : ret"),
                "{failure}"
            );
        }
    }
}

#[test]
fn a_scheme_that_returns_pages_it_did_not_pin_breaks_p5() {
    // Page 1's count has wrapped: the batch stops after page 0, yet this
    // scheme returns page 0 and page 1.
    let start = start(&[0, 0], vec![held(1, 0), held(0, 1 << 21)]);
    let mut checker = SequentialChecker::new(&PartialBatchFlaw::ReturnsTheWholeRange, &start);
    let op = Op::PinUserPages {
        start: 0,
        nr: 2,
        flags: 0,
    };
    match checker.apply(&op) {
        Ok(step) => panic!("accepted: {}", step.outcome),
        Err(violation) => {
            assert_eq!(violation.property, Property::P5, "{violation}");
            assert!(
                violation.message.contains("returned 2 page(s)"),
                "{violation}"
            );
        }
    }
}
