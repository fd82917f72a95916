//! `BiasScheme`: the built-ins are their rules and nothing else, the kernel
//! functions run a scheme's own steps in the kernel's order, and a step a
//! scheme changes changes every function built on it, and only those.

mod operations_harness;

use operations_harness::{TestResult, each_case};
use pinref_model::page_ref::{page_ref_count, pincount_read};
use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs, SlowGrab, SpeculativeGrab, Unpin};
use pinref_model::sync::{Platform, Std};
use pinref_model::{
    Claims, Devmap, Folio, GupError, GupFlags, Held, Layout, Memory, MmCode, PageRef, RefKind,
    Scheme, Seed, V5_7, V5_11, V5_14, V6_1, V6_5,
};
use std::sync::Mutex;

#[test]
fn the_builtins_claim_what_their_kernel_versions_can() {
    // By hand, from the kernel history: every version's predicate is
    // unsigned; the head re-check arrived in v5.14; only v6.5 leaves the
    // zero page uncounted; no kernel guard refuses before an overflow, and
    // none keeps headroom.
    let kernel = |survives_split, zero_page_uncounted| Claims {
        pinned_after_overflow: true,
        refuses_before_overflow: false,
        grab_limit: i32::MAX,
        survives_split,
        zero_page_uncounted,
    };
    let expected = [
        ("seed", Scheme::claims(&Seed), kernel(false, false)),
        ("v5_7", Scheme::claims(&V5_7), kernel(false, false)),
        ("v5_11", Scheme::claims(&V5_11), kernel(false, false)),
        ("v5_14", Scheme::claims(&V5_14), kernel(true, false)),
        ("folio", Scheme::claims(&Folio), kernel(true, false)),
        ("v6_1", Scheme::claims(&V6_1), kernel(true, false)),
        ("v6_5", Scheme::claims(&V6_5), kernel(true, true)),
        ("devmap", Scheme::claims(&Devmap), kernel(false, false)),
    ];
    let wrong: Vec<_> = expected
        .iter()
        .filter(|(_, claims, by_hand)| claims != by_hand)
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn each_version_changes_what_its_commits_changed_and_nothing_else() {
    // Each version's rules, by hand, as the previous version's with the
    // fields its commits changed (see docs/semantics.md).
    let seed = BiasRules {
        signed_predicate: false,
        exact_pincount_from_order: None,
        devmap: false,
        slow_grab: SlowGrab::Speculative,
        speculative_grab: SpeculativeGrab::DecideFirst,
        barrier_after_pin: false,
        unpin: Unpin::StatAfterRelease,
        pins_zero_page: true,
        mm: MmCode::V5_7,
    };
    let v5_7 = BiasRules {
        exact_pincount_from_order: Some(2),
        slow_grab: SlowGrab::PincountFirst,
        ..seed
    };
    let v5_11 = BiasRules {
        unpin: Unpin::PutCompoundHead,
        mm: MmCode {
            fork_copies_pinned: true,
            gup_fast_checks_fork: true,
            ..MmCode::V5_7
        },
        ..v5_7
    };
    let v5_14 = BiasRules {
        speculative_grab: SpeculativeGrab::RecheckThenDecide,
        ..v5_11
    };
    let folio = BiasRules {
        exact_pincount_from_order: Some(1),
        slow_grab: SlowGrab::RefcountFirst,
        speculative_grab: SpeculativeGrab::RetryThenDecide,
        mm: MmCode {
            anon_exclusive: true,
            ..v5_14.mm
        },
        ..v5_14
    };
    let v6_1 = BiasRules {
        barrier_after_pin: true,
        mm: MmCode::LATEST,
        ..folio
    };
    let v6_5 = BiasRules {
        pins_zero_page: false,
        ..v6_1
    };
    let devmap = BiasRules {
        devmap: true,
        ..v5_7
    };
    let expected = [
        ("seed", Seed::RULES, seed),
        ("v5_7", V5_7::RULES, v5_7),
        ("v5_11", V5_11::RULES, v5_11),
        ("v5_14", V5_14::RULES, v5_14),
        ("folio", Folio::RULES, folio),
        ("v6_1", V6_1::RULES, v6_1),
        ("v6_5", V6_5::RULES, v6_5),
        ("devmap", Devmap::RULES, devmap),
    ];
    let mut wrong = Vec::new();
    for (name, rules, by_hand) in expected {
        if rules != by_hand {
            wrong.push(format!("{name}: {rules:?}, expected {by_hand:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Folio's steps, each noting its name before it runs.
#[derive(Default)]
struct Recorder {
    steps: Mutex<Vec<&'static str>>,
}

impl Recorder {
    fn note(&self, step: &'static str) {
        self.steps.lock().expect("steps").push(step);
    }

    fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.steps.lock().expect("steps"))
    }
}

/// `impl BiasScheme for Recorder`: each listed step notes its name, then
/// runs Folio's.
macro_rules! recorded_steps {
    ($(fn $step:ident $(<$p:ident: Platform>)? ($arg:ident: $ty:ty) $(-> $ret:ty)?;)+) => {
        impl BiasScheme for Recorder {
            const RULES: BiasRules = Folio::RULES;
            const NAME: &'static str = "recorder";
            const DESCRIPTION: &'static str = "folio, noting each step";
            $(
                fn $step $(<$p: Platform>)? (&self, $arg: $ty) $(-> $ret)? {
                    self.note(stringify!($step));
                    Folio.$step($arg)
                }
            )+
        }
    };
}

recorded_steps! {
    fn ref_kind(flags: GupFlags) -> Result<RefKind, GupError>;
    fn get_page_guard<P: Platform>(head: PageRef<'_, P>) -> Result<(), GupError>;
    fn grab_guard<P: Platform>(grab: &Refs<'_, P>) -> Result<(), GupError>;
    fn grab_pincount<P: Platform>(grab: &Refs<'_, P>);
    fn grab_refcount<P: Platform>(grab: &Refs<'_, P>);
    fn grab_stat<P: Platform>(grab: &Refs<'_, P>);
    fn speculative_guard<P: Platform>(grab: &Refs<'_, P>) -> Result<(), GupError>;
    fn speculative_add<P: Platform>(grab: &Refs<'_, P>) -> Result<(), GupError>;
    fn recheck_head<P: Platform>(grab: &Refs<'_, P>) -> Result<(), GupError>;
    fn speculative_pin<P: Platform>(grab: &Refs<'_, P>);
    fn pin_barrier<P: Platform>(grab: &Refs<'_, P>);
    fn release_stat<P: Platform>(release: &Refs<'_, P>);
    fn release_pincount<P: Platform>(release: &Refs<'_, P>);
    fn release_refcount<P: Platform>(release: &Refs<'_, P>);
    fn pinned_by_pincount<P: Platform>(head: PageRef<'_, P>) -> bool;
    fn pinned_by_bias<P: Platform>(head: PageRef<'_, P>) -> bool;
}

/// An order-0 page (pfn 0) and an order-1 folio (pfns 1-2), each holding
/// one plain reference, and a [`Recorder`] that has noted nothing yet.
fn two_pages() -> (Memory<Std>, Recorder) {
    let memory = Memory::<Std>::new(&Layout::new(&[0, 1]).expect("a layout"));
    for pfn in [0, 1] {
        Recorder::default().init_page(
            memory.page(pfn).expect("a page"),
            Held { plain: 1, pins: 0 },
        );
    }
    (memory, Recorder::default())
}

#[test]
fn the_folio_slow_path_grab_takes_the_refcount_before_the_pin_count() -> Result<(), GupError> {
    // "mm/gup: Increment the page refcount before the pincount" (v5.18).
    let (memory, scheme) = two_pages();
    scheme.try_grab_folio(memory.page(2)?, 2, GupFlags::FOLL_PIN)?;
    assert_eq!(
        scheme.take(),
        [
            "ref_kind",
            "grab_guard",
            "grab_refcount",
            "grab_pincount",
            "grab_stat"
        ]
    );
    assert_eq!(pincount_read(memory.page(1)?), 2, "on the head");
    Ok(())
}

/// v6.x's `try_grab_folio_fast` on a pin: the guard, the speculative add
/// of refs, the re-check that the folio is still the page's head, then the
/// pin itself (the pin count, or on a small folio the rest of the bias),
/// its barrier and the statistic.
const SPECULATIVE_PIN_STEPS: [&str; 7] = [
    "ref_kind",
    "speculative_guard",
    "speculative_add",
    "recheck_head",
    "speculative_pin",
    "pin_barrier",
    "grab_stat",
];

#[test]
fn the_folio_speculative_grab_adds_refs_rechecks_the_head_then_counts_the_pin() -> TestResult {
    // (the page grabbed, its head, and by hand the head's refcount and pin
    // count after): an order-1 folio counts the pin exactly (+1 from the
    // add, +1 in the pin count); a small folio takes the rest of the bias
    // after the re-check (+1, then +1023).
    let cases = [
        ("an order-1 folio, through its tail", (2, 1, (2, 1))),
        (
            "the_folio_speculative_grab_of_a_small_folio_adds_the_rest_of_the_bias_after_the_recheck",
            (0, 0, (1 + 1 + 1023, 0)),
        ),
    ];

    each_case(cases, |(pfn, head, counts)| {
        let (memory, scheme) = two_pages();

        let grabbed = scheme.try_grab_compound_head(memory.page(pfn)?, 1, GupFlags::FOLL_PIN)?;

        assert_eq!(grabbed, memory.page(head)?);
        assert_eq!(scheme.take(), SPECULATIVE_PIN_STEPS);
        assert_eq!((page_ref_count(grabbed), pincount_read(grabbed)), counts);
        Ok(())
    })
}

#[test]
fn the_folio_unpin_counts_and_drops_the_pin_count_before_the_refcount_drop() -> Result<(), GupError>
{
    let (memory, scheme) = two_pages();
    scheme.try_grab_folio(memory.page(0)?, 1, GupFlags::FOLL_PIN)?;
    scheme.take();
    scheme.unpin_user_page(memory.page(0)?)?;
    assert_eq!(
        scheme.take(),
        [
            "ref_kind",
            "release_stat",
            "release_pincount",
            "release_refcount"
        ]
    );
    assert_eq!(page_ref_count(memory.page(0)?), 1);
    Ok(())
}

#[test]
fn a_refused_grab_stops_at_its_guard() -> Result<(), GupError> {
    let memory = Memory::<Std>::new(&Layout::single_page());
    let scheme = Recorder::default();
    let refused = scheme.try_grab_folio(memory.page(0)?, 1, GupFlags::FOLL_PIN);
    assert_eq!(
        refused,
        Err(GupError::RefcountNotPositive { pfn: 0, count: 0 })
    );
    assert_eq!(scheme.take(), ["ref_kind", "grab_guard"]);
    assert_eq!(page_ref_count(memory.page(0)?), 0);
    Ok(())
}

#[test]
fn the_predicate_reads_the_pin_count_of_a_large_folio_and_the_bias_of_a_small_one()
-> Result<(), GupError> {
    let (memory, scheme) = two_pages();
    assert!(!scheme.page_maybe_dma_pinned(memory.page(0)?));
    assert_eq!(scheme.take(), ["pinned_by_bias"]);
    assert!(!scheme.page_maybe_dma_pinned(memory.page(2)?));
    assert_eq!(scheme.take(), ["pinned_by_pincount"]);
    Ok(())
}

/// v5.7, except that the statistic step of a grab counts 10 per pin.
struct TenfoldStat;

impl BiasScheme for TenfoldStat {
    const RULES: BiasRules = V5_7::RULES;
    const NAME: &'static str = "tenfold-stat";
    const DESCRIPTION: &'static str = "v5_7, but a grab counts ten per pin";
    fn grab_stat<P: Platform>(&self, grab: &Refs<'_, P>) {
        V5_7.grab_stat(&Refs {
            refs: 10 * grab.refs,
            ..*grab
        });
    }
}

#[test]
fn a_changed_step_changes_both_grabs_and_nothing_else() -> Result<(), GupError> {
    let memory = Memory::<Std>::new(&Layout::single_page());
    let page = memory.page(0)?;
    TenfoldStat.init_page(page, Held { plain: 1, pins: 0 });

    TenfoldStat.try_grab_page(page, GupFlags::FOLL_PIN)?;
    assert_eq!(memory.vmstat().acquired(), 10, "the slow path");
    let pinned = TenfoldStat.pin_user_pages_fast(&memory, 0, 1, GupFlags::NONE)?;
    assert_eq!(memory.vmstat().acquired(), 20, "gup_fast");

    // The counts and the release are v5.7's.
    assert_eq!(page_ref_count(page), 1 + 2 * 1024);
    TenfoldStat.unpin_user_pages(&pinned)?;
    TenfoldStat.unpin_user_page(page)?;
    assert_eq!(memory.vmstat().released(), 2);
    assert_eq!(page_ref_count(page), 1);
    assert_eq!(Scheme::claims(&TenfoldStat), Scheme::claims(&V5_7));
    Ok(())
}
