//! `BiasScheme`: the built-ins are their rules and nothing else, the kernel
//! functions run a scheme's own steps in the kernel's order, and a step a
//! scheme changes changes every function built on it, and only those.

use pinref_model::page_ref::{page_ref_count, pincount_read};
use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::sync::{Platform, Std};
use pinref_model::{
    Claims, Devmap, Folio, GupError, GupFlags, Held, Layout, Memory, PageRef, RefKind, Scheme,
    Seed, V5_7,
};
use std::sync::Mutex;

#[test]
fn the_builtins_claim_what_their_kernel_versions_can() {
    // By hand, from the kernel history: the seed's predicate is signed;
    // only folios re-check the head; no kernel guard refuses before an
    // overflow, and none keeps headroom.
    let kernel = |pinned_after_overflow, survives_split| Claims {
        pinned_after_overflow,
        refuses_before_overflow: false,
        grab_limit: i32::MAX,
        survives_split,
    };
    assert_eq!(Scheme::claims(&Seed), kernel(false, false));
    assert_eq!(Scheme::claims(&V5_7), kernel(true, false));
    assert_eq!(Scheme::claims(&Folio), kernel(true, true));
    assert_eq!(Scheme::claims(&Devmap), kernel(true, false));
}

#[test]
fn the_builtins_rules_are_their_kernel_versions_parameters() {
    let expected = [
        ("seed", Seed::RULES, true, None, false, false),
        ("v5_7", V5_7::RULES, false, Some(2), false, false),
        ("folio", Folio::RULES, false, Some(1), false, true),
        ("devmap", Devmap::RULES, false, Some(2), true, false),
    ];
    let mut wrong = Vec::new();
    for (name, rules, signed, exact_from, devmap, recheck) in expected {
        let by_hand = BiasRules {
            signed_predicate: signed,
            exact_pincount_from_order: exact_from,
            devmap,
            recheck_head: recheck,
        };
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

impl BiasScheme for Recorder {
    const RULES: BiasRules = Folio::RULES;
    const NAME: &'static str = "recorder";
    const DESCRIPTION: &'static str = "folio, noting each step";
    fn ref_kind(&self, flags: GupFlags) -> Result<RefKind, GupError> {
        self.note("ref_kind");
        Folio.ref_kind(flags)
    }
    fn get_page_guard<P: Platform>(&self, head: PageRef<'_, P>) -> Result<(), GupError> {
        self.note("get_page_guard");
        Folio.get_page_guard(head)
    }
    fn grab_guard<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        self.note("grab_guard");
        Folio.grab_guard(grab)
    }
    fn grab_pincount<P: Platform>(&self, grab: &Refs<'_, P>) {
        self.note("grab_pincount");
        Folio.grab_pincount(grab);
    }
    fn grab_refcount<P: Platform>(&self, grab: &Refs<'_, P>) {
        self.note("grab_refcount");
        Folio.grab_refcount(grab);
    }
    fn grab_stat<P: Platform>(&self, grab: &Refs<'_, P>) {
        self.note("grab_stat");
        Folio.grab_stat(grab);
    }
    fn speculative_guard<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        self.note("speculative_guard");
        Folio.speculative_guard(grab)
    }
    fn speculative_add<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        self.note("speculative_add");
        Folio.speculative_add(grab)
    }
    fn recheck_head<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        self.note("recheck_head");
        Folio.recheck_head(grab)
    }
    fn release_checks<P: Platform>(&self, release: &Refs<'_, P>) -> Result<(), GupError> {
        self.note("release_checks");
        Folio.release_checks(release)
    }
    fn release_stat<P: Platform>(&self, release: &Refs<'_, P>) {
        self.note("release_stat");
        Folio.release_stat(release);
    }
    fn release_pincount<P: Platform>(&self, release: &Refs<'_, P>) {
        self.note("release_pincount");
        Folio.release_pincount(release);
    }
    fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
        self.note("release_refcount");
        Folio.release_refcount(release);
    }
    fn pinned_by_pincount<P: Platform>(&self, head: PageRef<'_, P>) -> bool {
        self.note("pinned_by_pincount");
        Folio.pinned_by_pincount(head)
    }
    fn pinned_by_bias<P: Platform>(&self, head: PageRef<'_, P>) -> bool {
        self.note("pinned_by_bias");
        Folio.pinned_by_bias(head)
    }
}

/// An order-0 page (pfn 0) and an order-1 folio (pfns 1-2), each holding
/// one plain reference.
fn two_pages() -> Memory<Std> {
    let memory = Memory::<Std>::new(&Layout::new(&[0, 1]).expect("a layout"));
    for pfn in [0, 1] {
        Recorder::default().init_page(
            memory.page(pfn).expect("a page"),
            Held { plain: 1, pins: 0 },
        );
    }
    memory
}

#[test]
fn the_slow_path_grab_runs_guard_pincount_refcount_stat_in_v5_7s_order() -> Result<(), GupError> {
    let memory = two_pages();
    let scheme = Recorder::default();
    scheme.try_grab_folio(memory.page(2)?, 2, GupFlags::FOLL_PIN)?;
    assert_eq!(
        scheme.take(),
        [
            "ref_kind",
            "grab_guard",
            "grab_pincount",
            "grab_refcount",
            "grab_stat"
        ]
    );
    assert_eq!(pincount_read(memory.page(1)?), 2, "on the head");
    Ok(())
}

#[test]
fn the_speculative_grab_adds_then_rechecks_the_head_before_counting_the_pin() -> Result<(), GupError>
{
    let memory = two_pages();
    let scheme = Recorder::default();
    let head = scheme.try_grab_compound_head(memory.page(2)?, 1, GupFlags::FOLL_PIN)?;
    assert_eq!(head, memory.page(1)?);
    let expected = [
        "ref_kind",
        "speculative_guard",
        "speculative_add",
        "recheck_head",
        "grab_pincount",
        "grab_stat",
    ];
    assert_eq!(scheme.take(), expected);
    Ok(())
}

#[test]
fn the_release_counts_and_drops_the_pin_count_before_the_refcount_drop() -> Result<(), GupError> {
    let memory = two_pages();
    let scheme = Recorder::default();
    scheme.try_grab_folio(memory.page(0)?, 1, GupFlags::FOLL_PIN)?;
    scheme.take();
    scheme.unpin_user_page(memory.page(0)?)?;
    assert_eq!(
        scheme.take(),
        [
            "ref_kind",
            "release_checks",
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
    let memory = two_pages();
    let scheme = Recorder::default();
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
