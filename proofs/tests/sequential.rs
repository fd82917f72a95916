//! The sequential model-based check: every built-in scheme passes it across
//! every edge of the counter (the seed and v5.7 but for their known bug, the
//! statistic counted after the release), focused scenarios pin down single
//! behaviours,
//! and deliberately flawed schemes (written here, through the public
//! `Scheme` trait only) show that it catches each kind of bug with the
//! right property.

use pinref_model::free::free_page;
use pinref_model::page_flags::page_dirty;
use pinref_model::page_ref::{page_ref_add, page_ref_count, page_ref_sub_and_test, pincount_read};
use pinref_model::sync::{Platform, Std};
use pinref_model::vmstat::{PinStat, mod_node_page_state};
use pinref_model::{
    Claims, Counts, Devmap, Folio, GUP_PIN_COUNTING_BIAS, GupError, GupFlags, Held, Layout,
    MAX_REFS, Memory, PageRef, PageShape, RefKind, Scheme, Seed, V5_7, V5_11, V5_14, V6_1, V6_5,
};
use pinref_proofs::engines::proptest::{
    CheckOptions, Edge, SchemeFailure, Summary, check_scheme, check_scheme_with,
};
use pinref_proofs::engines::sequential::{
    Op, Program, SequentialChecker, Start, StepOutcome, run_program,
};
use pinref_proofs::properties::Property;

const PIN: u32 = GupFlags::FOLL_PIN.bits();
const GET: u32 = GupFlags::FOLL_GET.bits();

/// New cases per edge, and for the mix of every edge: 5 × 5,000 + 10,000 =
/// 35,000 programs of 1–50 operations per scheme (about 4 s per scheme in
/// the test profile).
const CASES_PER_EDGE: u32 = 5_000;
const CASES_MIXED: u32 = 10_000;

/// Runs the full sequential check of `scheme`: each edge on its own, then
/// every edge mixed (pages of one program drawn from different edges).
fn check_every_edge<S: Scheme + Clone>(scheme: S) -> Vec<Summary> {
    let mut summaries = Vec::new();
    for edge in Edge::ALL {
        let options = CheckOptions::new(CASES_PER_EDGE).edges(&[edge]);
        match check_scheme_with(scheme.clone(), &options) {
            Ok(summary) => summaries.push(summary),
            Err(failure) => panic!("{failure}"),
        }
    }
    match check_scheme(scheme, CASES_MIXED) {
        Ok(summary) => summaries.push(summary),
        Err(failure) => panic!("{failure}"),
    }
    let cases: u64 = summaries.iter().map(|s| s.cases).sum();
    assert!(cases >= 35_000, "only {cases} programs ran");
    for summary in &summaries {
        print!("{summary}");
    }
    summaries
}

fn expected(summaries: &[Summary], property: Property) -> u64 {
    summaries.iter().map(|s| s.expected_count(property)).sum()
}

/// The seed and v5.7 count a release after the drop that may free the page
/// (their known bug, `stat-after-release`): across every edge, the only
/// violation the sequential check may find is that one, and it finds it.
fn fails_only_by_the_statistic_bug<S: Scheme + Clone>(scheme: S) {
    let mut found = 0;
    let mut other = Vec::new();
    let mut runs: Vec<CheckOptions> = Edge::ALL
        .iter()
        .map(|&edge| CheckOptions::new(CASES_PER_EDGE).edges(&[edge]))
        .collect();
    runs.push(CheckOptions::new(CASES_MIXED));
    for options in runs {
        if let Err(failure) = check_scheme_with(scheme.clone(), &options) {
            match failure.violation() {
                Some(violation)
                    if violation.property == Property::P4
                        && violation.message.contains("nr_foll_pin_released") =>
                {
                    found += 1
                }
                _ => other.push(failure.to_string()),
            }
        }
    }
    assert!(other.is_empty(), "{}", other.join("\n"));
    assert!(
        found > 0,
        "{}: the statistic bug was not found",
        scheme.name()
    );
}

#[test]
fn seed_fails_the_sequential_check_only_by_its_known_statistic_bug() {
    fails_only_by_the_statistic_bug(Seed);
}

#[test]
fn v5_7_fails_the_sequential_check_only_by_its_known_statistic_bug() {
    fails_only_by_the_statistic_bug(V5_7);
}

#[test]
fn v5_11_passes_the_sequential_check_across_every_edge() {
    let summaries = check_every_edge(V5_11);
    assert_eq!(expected(&summaries, Property::P1), 0);
    assert!(expected(&summaries, Property::P6) > 0);
}

#[test]
fn v5_14_passes_the_sequential_check_across_every_edge() {
    let summaries = check_every_edge(V5_14);
    assert_eq!(expected(&summaries, Property::P1), 0);
}

#[test]
fn v6_1_passes_the_sequential_check_across_every_edge() {
    let summaries = check_every_edge(V6_1);
    assert_eq!(expected(&summaries, Property::P1), 0);
}

#[test]
fn v6_5_passes_the_sequential_check_across_every_edge() {
    let summaries = check_every_edge(V6_5);
    assert_eq!(expected(&summaries, Property::P1), 0);
}

#[test]
fn folio_passes_the_sequential_check_across_every_edge() {
    let summaries = check_every_edge(Folio);
    assert_eq!(expected(&summaries, Property::P1), 0);
}

#[test]
fn devmap_passes_the_sequential_check_across_every_edge() {
    let summaries = check_every_edge(Devmap);
    assert_eq!(expected(&summaries, Property::P1), 0);
}

// ---------------------------------------------------------------------
// Focused scenarios.
// ---------------------------------------------------------------------

/// Every count of a memory, read through the model's read helpers.
fn all_counts(memory: &Memory<Std>) -> Vec<(i32, i32, bool, i32)> {
    let mut counts: Vec<_> = (0..memory.frames())
        .filter_map(|pfn| memory.page(pfn).ok())
        .map(|page| {
            (
                page_ref_count(page),
                pincount_read(page),
                page_dirty(page),
                page.times_freed(),
            )
        })
        .collect();
    counts.push((
        memory.vmstat().acquired(),
        memory.vmstat().released(),
        false,
        0,
    ));
    counts
}

fn refcount<S: Scheme + ?Sized>(checker: &SequentialChecker<'_, S>, pfn: usize) -> i32 {
    checker
        .memory()
        .page(pfn)
        .map(page_ref_count)
        .unwrap_or(i32::MIN)
}

/// v6.5 with a signed predicate, claiming only what such a predicate can:
/// a port's mistake (no kernel compared signed) that says so.
#[derive(Debug, Clone, Copy, Default)]
struct SignedV6_5;

// Named by their paths: the `BiasScheme` trait in scope would make the
// `Scheme` calls of this file ambiguous.
impl pinref_model::scheme::bias::BiasScheme for SignedV6_5 {
    const RULES: pinref_model::scheme::bias::BiasRules = pinref_model::scheme::bias::BiasRules {
        signed_predicate: true,
        ..<V6_5 as pinref_model::scheme::bias::BiasScheme>::RULES
    };
    const NAME: &'static str = "signed-v6_5";
    const DESCRIPTION: &'static str =
        "v6_5 with a signed predicate, not claiming P1 past the sign bit";
}

#[test]
fn a_signed_predicate_that_does_not_claim_it_misses_pins_past_the_sign_bit_as_an_expected_violation()
 {
    // 2^21 - 1 pins: the biased count is 2^31 - 1024, one pin below the
    // sign bit.
    let start = Start::single(Held {
        plain: 0,
        pins: 2_097_151,
    });
    let mut seed = SequentialChecker::new(&SignedV6_5, &start);
    let pin = seed.apply(&Op::PinUserPages {
        start: 0,
        nr: 1,
        flags: 0,
    });
    let pin = pin.unwrap_or_else(|violation| panic!("{violation}"));
    // The `<= 0` guard lets the pin carry the count past the sign bit:
    // allowed (the scheme does not claim to refuse before overflow), and
    // reported as an expected P6.
    assert_eq!(pin.outcome, StepOutcome::Done);
    assert_eq!(refcount(&seed, 0), i32::MIN);
    assert!(pin.expected.iter().any(|e| e.property == Property::P6));

    let check = seed
        .apply(&Op::PageDmaPinned { page: 0 })
        .unwrap_or_else(|violation| panic!("{violation}"));
    assert_eq!(check.outcome, StepOutcome::Answered(false));
    assert_eq!(check.expected.len(), 1);
    assert_eq!(check.expected[0].property, Property::P1);

    // v5.7's unsigned predicate (every kernel's) still reads the page as
    // pinned.
    let mut v5_7 = SequentialChecker::new(&V5_7, &start);
    for op in [
        Op::PinUserPages {
            start: 0,
            nr: 1,
            flags: 0,
        },
        Op::PageDmaPinned { page: 0 },
    ] {
        let step = v5_7
            .apply(&op)
            .unwrap_or_else(|violation| panic!("{violation}"));
        assert!(step.expected.iter().all(|e| e.property != Property::P1));
        if let StepOutcome::Answered(answer) = step.outcome {
            assert!(answer);
        }
    }

    // Random programs from the pin headroom see it too, as expected (not a
    // failure).
    let options = CheckOptions::new(1_000).edges(&[Edge::PinHeadroom]);
    let summary =
        check_scheme_with(SignedV6_5, &options).unwrap_or_else(|failure| panic!("{failure}"));
    assert!(summary.expected_count(Property::P1) > 0, "{summary}");
}

#[test]
fn refused_operations_leave_every_count_unchanged() {
    // An order-0 page holding one plain reference, and an order-2 page that
    // holds nothing (free).
    let start = Start::new(
        Layout::new(&[0, 2]).unwrap_or_else(|e| panic!("{e}")),
        vec![Held { plain: 1, pins: 0 }, Held::default()],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let refusals = [
        Op::TryGrabPage {
            page: 0,
            flags: GET | PIN,
        },
        Op::TryGrabPage { page: 0, flags: 0 },
        Op::TryGrabFolio {
            page: 0,
            refs: 0,
            flags: PIN,
        },
        Op::TryGrabFolio {
            page: 0,
            refs: MAX_REFS + 1,
            flags: PIN,
        },
        Op::TryGrabFolio {
            page: 0,
            refs: i32::MIN,
            flags: u32::MAX,
        },
        Op::TryGetPage { page: 3 },
        Op::TryGrabPage {
            page: 2,
            flags: PIN,
        },
        Op::GupFastPte {
            addr: 1,
            flags: PIN,
        },
        Op::GupFastPte {
            addr: 4,
            flags: GET,
        },
        Op::GupFastPte {
            addr: 99,
            flags: PIN,
        },
        Op::PinUserPagesFast {
            start: 1,
            nr: 2,
            flags: 0,
        },
        Op::PinUserPages {
            start: 0,
            nr: 1,
            flags: GET,
        },
        Op::PinUserPages {
            start: 5,
            nr: 1,
            flags: 0,
        },
        // (A release of what is not held is no refusal: no production
        // kernel refuses one, and the count is corrupted. Only a page that
        // does not exist is refused.)
        Op::UnpinUserPages {
            pages: vec![0, usize::MAX],
        },
        Op::PutPage {
            page: usize::MAX >> 1,
        },
        Op::GetPage { page: 7 },
    ];
    for scheme in [&Seed as &dyn Judge, &V5_7, &Folio, &Devmap] {
        scheme.each_refusal_changes_nothing(&start, &refusals);
    }
}

/// Runs a test body on each built-in scheme (they are not object-safe, so
/// a small object-safe wrapper stands in).
trait Judge {
    fn each_refusal_changes_nothing(&self, start: &Start, ops: &[Op]);
}

impl<S: Scheme> Judge for S {
    fn each_refusal_changes_nothing(&self, start: &Start, ops: &[Op]) {
        let mut checker = SequentialChecker::new(self, start);
        for op in ops {
            let before = all_counts(checker.memory());
            let step = checker
                .apply(op)
                .unwrap_or_else(|violation| panic!("{}: {violation}", self.name()));
            assert!(step.is_refused(), "{}: {op} was not refused", self.name());
            assert_eq!(
                all_counts(checker.memory()),
                before,
                "{}: {op} changed a count",
                self.name()
            );
        }
    }
}

#[test]
fn foll_get_with_foll_pin_is_refused() {
    let start = Start::single(Held { plain: 1, pins: 0 });
    let ops = [
        Op::TryGrabPage {
            page: 0,
            flags: GET | PIN,
        },
        Op::TryGrabFolio {
            page: 0,
            refs: 1,
            flags: GET | PIN,
        },
        Op::GupFastPte {
            addr: 0,
            flags: GET | PIN,
        },
        Op::PinUserPages {
            start: 0,
            nr: 1,
            flags: GET,
        },
        Op::PinUserPagesFast {
            start: 0,
            nr: 1,
            flags: GET | PIN,
        },
    ];
    fn each<S: Scheme>(scheme: &S, start: &Start, ops: &[Op]) {
        let mut checker = SequentialChecker::new(scheme, start);
        for op in ops {
            let step = checker
                .apply(op)
                .unwrap_or_else(|violation| panic!("{violation}"));
            assert_eq!(
                step.outcome,
                StepOutcome::Refused(GupError::FollGetAndPin),
                "{}: {op}",
                scheme.name()
            );
        }
    }
    each(&Seed, &start, &ops);
    each(&V5_7, &start, &ops);
    each(&Folio, &start, &ops);
    each(&Devmap, &start, &ops);
}

#[test]
fn carry_from_plain_1023_is_recovered_by_the_release() {
    fn each<S: Scheme>(scheme: &S) {
        let held = Held {
            plain: 1023,
            pins: 0,
        };
        let at_start = scheme.counts_for(PageShape { order: 0 }, held).refcount;
        let mut checker = SequentialChecker::new(scheme, &Start::single(held));
        let mut run = |op: Op| {
            checker
                .apply(&op)
                .unwrap_or_else(|violation| panic!("{}: {violation}", scheme.name()))
        };
        // The 1024th plain reference carries into the pin bits: the page
        // reads as pinned with no pin held, which P2 allows (plain ≥ bias).
        assert_eq!(run(Op::GetPage { page: 0 }).outcome, StepOutcome::Done);
        let check = run(Op::PageDmaPinned { page: 0 });
        assert_eq!(check.outcome, StepOutcome::Answered(true));
        assert!(check.false_positive);
        // A real pin on top, then everything released in the other order.
        run(Op::PinUserPages {
            start: 0,
            nr: 1,
            flags: GupFlags::FOLL_WRITE.bits(),
        });
        let check = run(Op::PageDmaPinned { page: 0 });
        assert_eq!(check.outcome, StepOutcome::Answered(true));
        assert!(!check.false_positive);
        assert_eq!(run(Op::PutPage { page: 0 }).outcome, StepOutcome::Done);
        assert_eq!(
            run(Op::UnpinUserPage { page: 0 }).outcome,
            StepOutcome::Done
        );
        // Back where it started: unpinned, unless the plain references
        // alone reach the bias (devmap's 1-based count of 1024 does).
        let check = run(Op::PageDmaPinned { page: 0 });
        let plain_reaches_bias = at_start >= GUP_PIN_COUNTING_BIAS;
        assert_eq!(check.outcome, StepOutcome::Answered(plain_reaches_bias));
        assert_eq!(check.false_positive, plain_reaches_bias);
        assert_eq!(refcount(&checker, 0), at_start, "{}", scheme.name());
    }
    each(&Seed);
    each(&V5_7);
    each(&Folio);
    each(&Devmap);
}

#[test]
fn pin_user_pages_releases_what_it_took_when_a_later_page_fails() {
    // Page 0 holds one reference; page 1's count has wrapped past the sign
    // bit (2^21 pins), so the grab on it is refused.
    let start = Start::new(
        Layout::new(&[0, 0]).unwrap_or_else(|e| panic!("{e}")),
        vec![
            Held { plain: 1, pins: 0 },
            Held {
                plain: 0,
                pins: 2_097_152,
            },
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for op in [
        Op::PinUserPages {
            start: 0,
            nr: 2,
            flags: 0,
        },
        Op::PinUserPagesFast {
            start: 0,
            nr: 2,
            flags: 0,
        },
    ] {
        let mut checker = SequentialChecker::new(&Seed, &start);
        let step = checker
            .apply(&op)
            .unwrap_or_else(|violation| panic!("{violation}"));
        assert!(matches!(
            step.outcome,
            StepOutcome::Refused(GupError::RefcountNotPositive { pfn: 1, .. })
        ));
        assert_eq!(refcount(&checker, 0), 1, "{op}: page 0 keeps its pin");
        // The pin taken on page 0 was counted and given back.
        let vmstat = checker.memory().vmstat();
        assert_eq!(
            (vmstat.acquired(), vmstat.released()),
            (2_097_152 + 1, 1),
            "{op}"
        );
    }
}

#[test]
fn a_batch_pin_that_runs_off_the_mapping_fails_not_mapped_and_releases_everything() {
    let start = Start::new(
        Layout::new(&[1, 0]).unwrap_or_else(|e| panic!("{e}")),
        vec![Held { plain: 1, pins: 0 }, Held { plain: 1, pins: 0 }],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for op in [
        Op::PinUserPages {
            start: 0,
            nr: usize::MAX,
            flags: 0,
        },
        Op::PinUserPagesFast {
            start: 1,
            nr: 1 << 40,
            flags: 0,
        },
    ] {
        let mut checker = SequentialChecker::new(&V5_7, &start);
        let before = (refcount(&checker, 0), refcount(&checker, 2));
        let step = checker
            .apply(&op)
            .unwrap_or_else(|violation| panic!("{violation}"));
        assert_eq!(
            step.outcome,
            StepOutcome::Refused(GupError::NotMapped { addr: 3 }),
            "{op}"
        );
        assert_eq!((refcount(&checker, 0), refcount(&checker, 2)), before);
    }
}

#[test]
fn undetectable_releases_are_left_out_by_the_precondition_and_reported_as_p7_when_run() {
    // put_page on a page held only by a pin: the counters cannot tell.
    let pinned_only = Start::single(Held { plain: 0, pins: 1 });
    let mut checker = SequentialChecker::new(&V5_7, &pinned_only);
    let put = Op::PutPage { page: 0 };
    assert!(!checker.precondition(&put));
    let violation = checker.apply(&put).err();
    assert_eq!(violation.map(|v| v.property), Some(Property::P7));

    // unpin_user_page on a page held by 1024 plain references and no pin.
    let many_plain = Start::single(Held {
        plain: 1024,
        pins: 0,
    });
    // (v5.11: the seed would touch the page it frees, its own known bug.)
    let mut checker = SequentialChecker::new(&V5_11, &many_plain);
    let unpin = Op::UnpinUserPage { page: 0 };
    assert!(!checker.precondition(&unpin));
    let violation = checker.apply(&unpin).err();
    assert_eq!(violation.map(|v| v.property), Some(Property::P7));

    // Run by a program, they are skipped.
    let program = Program {
        start: pinned_only,
        ops: vec![put, Op::UnpinUserPage { page: 0 }],
    };
    let run = run_program(&V5_11, &program).unwrap_or_else(|f| panic!("{}", f.violation));
    assert_eq!((run.skipped, run.executed), (1, 1));
}

#[test]
fn a_speculative_grab_never_revives_a_freed_page() {
    // The versions without the statistic bug: the seed and v5.7 would touch
    // the page their last unpin frees (their known bug, checked above).
    for scheme in [&V5_11 as &dyn Revive, &V5_14, &Folio, &V6_5, &Devmap] {
        scheme.freed_page_stays_freed();
    }
}

trait Revive {
    fn freed_page_stays_freed(&self);
}

impl<S: Scheme> Revive for S {
    fn freed_page_stays_freed(&self) {
        let start = Start::new(
            Layout::new(&[2]).unwrap_or_else(|e| panic!("{e}")),
            vec![Held { plain: 0, pins: 1 }],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut checker = SequentialChecker::new(self, &start);
        let mut run = |op: Op| {
            checker
                .apply(&op)
                .unwrap_or_else(|violation| panic!("{}: {violation}", self.name()))
        };
        // The last pin goes (through a tail page): the page is freed.
        assert_eq!(
            run(Op::UnpinUserPage { page: 3 }).outcome,
            StepOutcome::Done
        );
        for op in [
            Op::GupFastPte {
                addr: 1,
                flags: PIN,
            },
            Op::GupFastPte {
                addr: 0,
                flags: GET,
            },
            Op::PinUserPagesFast {
                start: 0,
                nr: 4,
                flags: 0,
            },
            Op::TryGetPage { page: 0 },
            Op::PinUserPages {
                start: 0,
                nr: 4,
                flags: 0,
            },
        ] {
            assert!(run(op).is_refused(), "{}", self.name());
        }
        let head = checker.memory().page(0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(head.times_freed(), 1, "{}", self.name());
    }
}

#[test]
fn the_dirtying_unpin_leaves_the_page_dirty() {
    let start = Start::new(
        Layout::new(&[0, 3]).unwrap_or_else(|e| panic!("{e}")),
        vec![Held { plain: 1, pins: 1 }, Held { plain: 1, pins: 2 }],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut checker = SequentialChecker::new(&Folio, &start);
    let step = checker
        .apply(&Op::UnpinUserPagesDirtyLock {
            pages: vec![0, 4, 8],
            make_dirty: true,
        })
        .unwrap_or_else(|violation| panic!("{violation}"));
    assert_eq!(step.outcome, StepOutcome::Done);
    for pfn in [0, 1] {
        let page = checker.memory().page(pfn).unwrap_or_else(|e| panic!("{e}"));
        assert!(page_dirty(page));
    }
}

#[test]
fn garbage_operations_give_typed_errors_and_never_panic() {
    let start = Start::single(Held { plain: 1, pins: 0 });
    let mut checker = SequentialChecker::new(&Seed, &start);
    let cases = [
        (
            Op::GetPage {
                page: usize::MAX >> 1,
            },
            GupError::NoSuchPage {
                pfn: usize::MAX >> 1,
            },
        ),
        (
            Op::GupFastPte {
                addr: usize::MAX,
                flags: u32::MAX,
            },
            GupError::NotMapped { addr: usize::MAX },
        ),
        (
            Op::TryGrabFolio {
                page: 0,
                refs: i32::MAX,
                flags: PIN,
            },
            GupError::InvalidRefs { refs: i32::MAX },
        ),
        (
            Op::TryGrabPage {
                page: 0,
                flags: u32::MAX,
            },
            GupError::FollGetAndPin,
        ),
        (
            Op::PageDmaPinned { page: 1 },
            GupError::NoSuchPage { pfn: 1 },
        ),
    ];
    for (op, error) in cases {
        let step = checker
            .apply(&op)
            .unwrap_or_else(|violation| panic!("{violation}"));
        // GupFastPte with bad flags *and* no mapping may report either.
        match step.outcome {
            StepOutcome::Refused(GupError::NoReferenceRequested | GupError::FollGetAndPin)
                if matches!(op, Op::GupFastPte { .. }) => {}
            outcome => assert_eq!(outcome, StepOutcome::Refused(error), "{op}"),
        }
    }
    assert!(
        checker
            .counterexample()
            .contains("try_grab_folio(pfn 0, refs 2147483647")
    );
}

/// Model note for the lead: `gup::pin_user_pages` and
/// `gup::pin_user_pages_fast` compute `start.saturating_add(nr_pages)`, so a
/// range that runs past the top of the address space is cut short and the
/// call succeeds with fewer pages than asked: `pin_user_pages(start
/// usize::MAX, nr 1)` returns `Ok([])` instead of `NotMapped`. The strategy
/// keeps garbage indices below `usize::MAX / 2` so that the property runs do
/// not trip on it; this test shows it.
#[test]
fn pin_user_pages_at_the_top_of_the_address_space_is_not_mapped() {
    let mut checker = SequentialChecker::new(&Seed, &Start::single(Held { plain: 1, pins: 0 }));
    for op in [
        Op::PinUserPages {
            start: usize::MAX,
            nr: 1,
            flags: 0,
        },
        Op::PinUserPagesFast {
            start: usize::MAX,
            nr: 1,
            flags: 0,
        },
    ] {
        let step = checker
            .apply(&op)
            .unwrap_or_else(|violation| panic!("{violation}"));
        assert_eq!(
            step.outcome,
            StepOutcome::Refused(GupError::NotMapped { addr: usize::MAX })
        );
    }
}

// ---------------------------------------------------------------------
// The checker has teeth: flawed schemes, each one bug away from Seed.
// ---------------------------------------------------------------------

/// Forwards every required operation to [`Seed`], except those a flawed
/// scheme overrides.
macro_rules! seed_except {
    ($name:literal, $description:literal; $($flawed:item)*) => {
        seed_except! { $name, $description, Seed.claims(); $($flawed)* }
    };
    ($name:literal, $description:literal, $claims:expr; $($flawed:item)*) => {
        fn name(&self) -> &'static str {
            $name
        }
        fn description(&self) -> &'static str {
            $description
        }
        fn claims(&self) -> Claims {
            $claims
        }
        fn counts_for(&self, shape: PageShape, held: Held) -> Counts {
            Seed.counts_for(shape, held)
        }
        fn get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
            Seed.get_page(page)
        }
        fn try_get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
            Seed.try_get_page(page)
        }
        fn put_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
            Seed.put_page(page)
        }
        $($flawed)*
    };
}

/// Unpin subtracts 1 instead of `GUP_PIN_COUNTING_BIAS` (it still refuses
/// an unpin the count cannot hold).
#[derive(Debug, Clone, Copy)]
struct UnpinSubtractsOne;

impl Scheme for UnpinSubtractsOne {
    seed_except! { "flawed-unpin-subtracts-one", "seed, but unpin drops 1, not the bias";
        fn try_grab_folio<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            Seed.try_grab_folio(page, refs, flags)
        }
        fn try_grab_compound_head<'m, P: Platform>(
            &self, page: PageRef<'m, P>, refs: i32, flags: GupFlags,
        ) -> Result<PageRef<'m, P>, GupError> {
            Seed.try_grab_compound_head(page, refs, flags)
        }
        fn put_compound_head<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            if flags.ref_kind()? != RefKind::Pin {
                return Seed.put_compound_head(page, refs, flags);
            }
            let head = page.compound_head();
            let count = page_ref_count(head);
            if (count as u32) < (refs * GUP_PIN_COUNTING_BIAS) as u32 {
                return Err(GupError::UnpinWithoutPin { pfn: head.pfn(), count });
            }
            mod_node_page_state(head, PinStat::Released, refs);
            if page_ref_sub_and_test(head, refs) {
                free_page(head);
            }
            Ok(())
        }
        fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
            Seed.page_maybe_dma_pinned(page)
        }
    }
}

/// `page_dma_pinned` compares with `>` instead of `>=`.
#[derive(Debug, Clone, Copy)]
struct PredicateGreaterThan;

impl Scheme for PredicateGreaterThan {
    seed_except! { "flawed-predicate-greater-than", "seed, but pinned iff count > bias";
        fn try_grab_folio<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            Seed.try_grab_folio(page, refs, flags)
        }
        fn try_grab_compound_head<'m, P: Platform>(
            &self, page: PageRef<'m, P>, refs: i32, flags: GupFlags,
        ) -> Result<PageRef<'m, P>, GupError> {
            Seed.try_grab_compound_head(page, refs, flags)
        }
        fn put_compound_head<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            Seed.put_compound_head(page, refs, flags)
        }
        fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
            page_ref_count(page.compound_head()) > GUP_PIN_COUNTING_BIAS
        }
    }
}

/// gup_fast's speculative grab adds without checking for the free value
/// (`page_ref_add` instead of `page_ref_add_unless`).
#[derive(Debug, Clone, Copy)]
struct SpeculativeGrabRevives;

impl Scheme for SpeculativeGrabRevives {
    seed_except! { "flawed-speculative-grab-revives", "seed, but gup_fast adds unconditionally";
        fn try_grab_folio<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            Seed.try_grab_folio(page, refs, flags)
        }
        fn try_grab_compound_head<'m, P: Platform>(
            &self, page: PageRef<'m, P>, refs: i32, flags: GupFlags,
        ) -> Result<PageRef<'m, P>, GupError> {
            let kind = flags.ref_kind()?;
            pinref_model::scheme::check_refs(refs)?;
            let head = page.compound_head();
            let count = page_ref_count(head);
            if count < 0 {
                return Err(GupError::RefcountNotPositive { pfn: head.pfn(), count });
            }
            page_ref_add(head, pinref_model::scheme::bias_delta(kind, refs));
            if kind == RefKind::Pin {
                mod_node_page_state(head, PinStat::Acquired, refs);
            }
            Ok(head)
        }
        fn put_compound_head<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            Seed.put_compound_head(page, refs, flags)
        }
        fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
            Seed.page_maybe_dma_pinned(page)
        }
    }
}

/// gup_fast's pin forgets `nr_foll_pin_acquired`.
#[derive(Debug, Clone, Copy)]
struct FastPinSkipsTheStatistic;

impl Scheme for FastPinSkipsTheStatistic {
    seed_except! { "flawed-fast-pin-skips-the-statistic", "seed, but gup_fast does not count pins";
        fn try_grab_folio<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            Seed.try_grab_folio(page, refs, flags)
        }
        fn try_grab_compound_head<'m, P: Platform>(
            &self, page: PageRef<'m, P>, refs: i32, flags: GupFlags,
        ) -> Result<PageRef<'m, P>, GupError> {
            let kind = flags.ref_kind()?;
            pinref_model::scheme::check_refs(refs)?;
            let head = page.compound_head();
            let count = page_ref_count(head);
            if count < 0 {
                return Err(GupError::RefcountNotPositive { pfn: head.pfn(), count });
            }
            let delta = pinref_model::scheme::bias_delta(kind, refs);
            if !pinref_model::page_ref::page_ref_add_unless(head, delta, 0) {
                return Err(GupError::SpeculativeGrabOnFreedPage { pfn: head.pfn() });
            }
            Ok(head)
        }
        fn put_compound_head<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            Seed.put_compound_head(page, refs, flags)
        }
        fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
            Seed.page_maybe_dma_pinned(page)
        }
    }
}

/// The slow-path grab pins the page it was handed, a tail included,
/// instead of its head (a missing `compound_head`).
#[derive(Debug, Clone, Copy)]
struct GrabSkipsCompoundHead;

impl Scheme for GrabSkipsCompoundHead {
    seed_except! { "flawed-grab-skips-compound-head", "seed, but try_grab_folio acts on tails";
        fn try_grab_folio<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            let kind = flags.ref_kind()?;
            pinref_model::scheme::check_refs(refs)?;
            let head = page.compound_head();
            let count = page_ref_count(head);
            if count <= 0 {
                return Err(GupError::RefcountNotPositive { pfn: head.pfn(), count });
            }
            page_ref_add(page, pinref_model::scheme::bias_delta(kind, refs));
            if kind == RefKind::Pin {
                mod_node_page_state(page, PinStat::Acquired, refs);
            }
            Ok(())
        }
        fn try_grab_compound_head<'m, P: Platform>(
            &self, page: PageRef<'m, P>, refs: i32, flags: GupFlags,
        ) -> Result<PageRef<'m, P>, GupError> {
            Seed.try_grab_compound_head(page, refs, flags)
        }
        fn put_compound_head<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            Seed.put_compound_head(page, refs, flags)
        }
        fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
            Seed.page_maybe_dma_pinned(page)
        }
    }
}

/// `pin_user_pages` that keeps what it pinned when a later page fails (the
/// family of the 2024 fix: an error path in the slow GUP grab leaked
/// references).
#[derive(Debug, Clone, Copy)]
struct PinUserPagesLeaksOnFailure;

impl Scheme for PinUserPagesLeaksOnFailure {
    seed_except! { "flawed-pin-user-pages-leaks-on-failure", "seed, but a failed pin_user_pages keeps its pins";
        fn try_grab_folio<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            Seed.try_grab_folio(page, refs, flags)
        }
        fn try_grab_compound_head<'m, P: Platform>(
            &self, page: PageRef<'m, P>, refs: i32, flags: GupFlags,
        ) -> Result<PageRef<'m, P>, GupError> {
            Seed.try_grab_compound_head(page, refs, flags)
        }
        fn put_compound_head<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            Seed.put_compound_head(page, refs, flags)
        }
        fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
            Seed.page_maybe_dma_pinned(page)
        }
        fn pin_user_pages<'m, P: Platform>(
            &self, mem: &'m Memory<P>, start: usize, nr_pages: usize, flags: GupFlags,
        ) -> Result<Vec<PageRef<'m, P>>, GupError> {
            if flags.contains(GupFlags::FOLL_GET) {
                return Err(GupError::FollGetAndPin);
            }
            let mut pinned = Vec::new();
            for addr in start..start.saturating_add(nr_pages) {
                let page = mem.pte_read(addr)?.ok_or(GupError::NotMapped { addr })?;
                // One grab per subpage; on failure, return without
                // releasing what `pinned` holds.
                self.try_grab_folio(page, 1, flags | GupFlags::FOLL_PIN)?;
                pinned.push(page);
            }
            Ok(pinned)
        }
    }
}

/// V5_7's rules with the racy `<= 0` guard, but claiming to refuse a grab
/// before it carries the count past the sign bit.
#[derive(Debug, Clone, Copy)]
struct ClaimsOverflowGuardItLacks;

impl Scheme for ClaimsOverflowGuardItLacks {
    seed_except! { "flawed-claims-overflow-guard", "seed, claiming refuses_before_overflow", Claims::ALL;
        fn try_grab_folio<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            V5_7.try_grab_folio(page, refs, flags)
        }
        fn try_grab_compound_head<'m, P: Platform>(
            &self, page: PageRef<'m, P>, refs: i32, flags: GupFlags,
        ) -> Result<PageRef<'m, P>, GupError> {
            V5_7.try_grab_compound_head(page, refs, flags)
        }
        fn put_compound_head<P: Platform>(
            &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
        ) -> Result<(), GupError> {
            V5_7.put_compound_head(page, refs, flags)
        }
        fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
            V5_7.page_maybe_dma_pinned(page)
        }
    }
}

/// Checks a flawed scheme from starting counts in `edge`, and returns its
/// failure.
fn must_fail_from<S: Scheme>(scheme: S, edge: Edge) -> SchemeFailure {
    let name = scheme.name();
    match check_scheme_with(scheme, &CheckOptions::new(5_000).edges(&[edge])) {
        Ok(summary) => panic!("{name} passed: {summary}"),
        Err(failure) => {
            println!("{failure}");
            failure
        }
    }
}

/// [`must_fail_from`] small counts.
fn must_fail<S: Scheme>(scheme: S) -> SchemeFailure {
    must_fail_from(scheme, Edge::Small)
}

/// The shrunk program is short: the bug is one or two operations away.
fn assert_minimal(failure: &SchemeFailure, most_ops: usize) {
    let ops = failure.program.as_ref().map_or(usize::MAX, |p| p.ops.len());
    assert!(ops <= most_ops, "{ops} operations:\n{failure}");
    let replay = failure.violation().map(|v| v.replay.as_str()).unwrap_or("");
    assert!(replay.contains("re-run"), "replay note: {replay}");
}

#[test]
fn a_scheme_whose_unpin_subtracts_one_breaks_p5_exact_recovery() {
    let failure = must_fail(UnpinSubtractsOne);
    assert_eq!(failure.property(), Some(Property::P5));
    assert_minimal(&failure, 2);
}

#[test]
fn a_scheme_whose_predicate_uses_greater_than_breaks_p1_no_false_negatives() {
    let failure = must_fail(PredicateGreaterThan);
    assert_eq!(failure.property(), Some(Property::P1));
    assert_minimal(&failure, 2);
}

#[test]
fn a_scheme_whose_speculative_grab_ignores_the_free_value_breaks_p10() {
    let failure = must_fail(SpeculativeGrabRevives);
    assert_eq!(failure.property(), Some(Property::P10));
    assert_minimal(&failure, 2);
}

#[test]
fn a_scheme_whose_fast_pin_skips_the_statistic_breaks_p9_stats_balance() {
    let failure = must_fail(FastPinSkipsTheStatistic);
    assert_eq!(failure.property(), Some(Property::P9));
    assert_minimal(&failure, 2);
}

#[test]
fn a_scheme_whose_pin_user_pages_leaks_on_failure_breaks_p5() {
    let failure = must_fail(PinUserPagesLeaksOnFailure);
    assert_eq!(failure.property(), Some(Property::P5));
    assert_minimal(&failure, 1);
}

#[test]
fn a_scheme_that_grabs_the_tail_instead_of_the_head_is_caught_taking_a_reference_no_one_holds() {
    let failure = must_fail(GrabSkipsCompoundHead);
    // The monitor sees the grab bring the tail's count up from 0 (P10),
    // before the counts are compared after the operation (P5).
    assert!(
        matches!(failure.property(), Some(Property::P10 | Property::P5)),
        "{:?}",
        failure.property()
    );
    assert_minimal(&failure, 2);
}

#[test]
fn a_scheme_claiming_an_overflow_guard_it_lacks_breaks_p6() {
    let failure = must_fail_from(ClaimsOverflowGuardItLacks, Edge::PinHeadroom);
    assert_eq!(failure.property(), Some(Property::P6));
    // Shrinking moves the starting pins down their range, away from the
    // edge, so the minimal program takes a few pins to cross it.
    assert_minimal(&failure, 4);
    let message = failure
        .violation()
        .map(|v| v.message.as_str())
        .unwrap_or("");
    // Either the monitor sees the add cross the sign bit, or the ghost sees
    // the grab accepted where the claim says it must be refused.
    assert!(
        message.contains("sign bit") || message.contains("refuses_before_overflow"),
        "{message}"
    );
}
