//! What every operation shares: the encoding each scheme gives a head
//! page's counters, the vmstat pin counters, the events an observer sees,
//! the memory's layout and page table, the `FOLL_*` flags and the error
//! messages. The operations themselves are tested per concern in
//! `operations_{grabs,releases,gup_fast,batches,predicate,compound,devmap,ghost}.rs`.

mod operations_harness;

use operations_harness::*;
use pinref_model::memory::MAX_ORDER;
use pinref_model::page_ref::page_ref_count;
use pinref_model::scheme::{bias_delta, bias_encoding, check_refs};
use pinref_model::sync::{Platform, Std};
use pinref_model::vmstat::PinStat;
use pinref_model::{
    Claims, Counts, Devmap, Event, EventKind, Folio, GUP_PIN_COUNTING_BIAS, GupError, GupFlags,
    Held, Layout, LayoutError, MAX_REFS, Memory, Observer, PageShape, PageState, RefKind, Scheme,
    Seed, V5_7, V5_11, V5_14, V6_1, V6_5,
};
use std::sync::Arc;

// ---------------------------------------------------------------- encoding

const ORDER_0: PageShape = PageShape { order: 0 };
const THREE_PLAIN_TWO_PINS: Held = Held { plain: 3, pins: 2 };

fn counts(refcount: i32, pincount: i32) -> Counts {
    Counts { refcount, pincount }
}

/// Three plain references and two pins under the bias: 3 + 2 * 1024.
const BIASED: Counts = Counts {
    refcount: 2051,
    pincount: 0,
};
/// Three plain references and two pins counted exactly: 3 + 2, and 2.
const EXACT: Counts = Counts {
    refcount: 5,
    pincount: 2,
};

/// Checks that `scheme` encodes three plain references and two pins on a
/// head page of order 0, 1 and 2 as `by_order` (written by hand), and that
/// it frees a page at `freed_at`; names every order it encodes otherwise.
fn assert_encodes<S: Scheme>(scheme: S, by_order: [Counts; 3], freed_at: i32) {
    let wrong: Vec<String> = (0..)
        .zip(by_order)
        .filter_map(|(order, expected)| {
            let got = scheme.counts_for(PageShape { order }, THREE_PLAIN_TWO_PINS);
            (got != expected).then(|| format!("order {order}: {got:?}, expected {expected:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}: {wrong:#?}", scheme.name());
    assert_eq!(scheme.freed_at(), freed_at, "{}", scheme.name());
}

#[test]
fn the_pin_bias_is_1024_and_a_grab_takes_any_refs_whose_pin_delta_does_not_wrap() {
    assert_eq!(GUP_PIN_COUNTING_BIAS, 1 << 10);
    // i32::MAX / 1024: the largest refs whose refs * 1024 fits an i32.
    assert_eq!(MAX_REFS, 2_097_151);
    assert_eq!(bias_delta(RefKind::Get, 3), 3);
    assert_eq!(bias_delta(RefKind::Pin, 3), 3072);
    assert_eq!(check_refs(1), Ok(()));
    assert_eq!(check_refs(512), Ok(()), "a 2 MiB PMD page");
    assert_eq!(check_refs(262_144), Ok(()), "a 1 GiB PUD page");
    assert_eq!(check_refs(2_097_151), Ok(()));
    assert_eq!(
        check_refs(2_097_152),
        Err(GupError::InvalidRefs { refs: 2_097_152 })
    );
    assert_eq!(check_refs(0), Err(GupError::InvalidRefs { refs: 0 }));
    assert_eq!(check_refs(-1), Err(GupError::InvalidRefs { refs: -1 }));
}

#[test]
fn bias_encoding_wraps_in_32_bits() {
    assert_eq!(bias_encoding(THREE_PLAIN_TWO_PINS), 2051);
    assert_eq!(
        bias_encoding(Held {
            plain: 1,
            pins: (1 << 21) - 1
        }),
        i32::MAX - 1022
    );
    assert_eq!(
        bias_encoding(Held {
            plain: 1,
            pins: 1 << 21
        }),
        i32::MIN + 1
    );
    assert_eq!(
        bias_encoding(Held {
            plain: 0,
            pins: 1 << 22
        }),
        0
    );
}

#[test]
fn seed_encodes_every_page_with_the_bias() {
    assert_encodes(Seed, [BIASED, BIASED, BIASED], 0);
}

#[test]
fn v5_7_encodes_compound_pages_above_order_1_with_an_exact_pin_count() {
    assert_encodes(V5_7, [BIASED, BIASED, EXACT], 0);
}

#[test]
fn folio_encodes_large_folios_with_an_exact_pin_count() {
    assert_encodes(Folio, [BIASED, EXACT, EXACT], 0);
}

#[test]
fn devmap_encodes_with_one_extra_reference_for_the_pgmap() {
    assert_eq!(Devmap.counts_for(ORDER_0, Held::default()), counts(1, 0));
    assert_encodes(Devmap, [counts(2052, 0), counts(2052, 0), counts(6, 2)], 1);
}

#[test]
fn built_in_schemes_have_stable_names_descriptions_and_claims() {
    assert_eq!(
        [
            Seed.name(),
            V5_7.name(),
            V5_11.name(),
            V5_14.name(),
            Folio.name(),
            V6_1.name(),
            V6_5.name(),
            Devmap.name()
        ],
        [
            "seed", "v5_7", "v5_11", "v5_14", "folio", "v6_1", "v6_5", "devmap"
        ]
    );
    for description in [
        Seed.description(),
        V5_7.description(),
        V5_11.description(),
        V5_14.description(),
        Folio.description(),
        V6_1.description(),
        V6_5.description(),
        Devmap.description(),
    ] {
        assert!(!description.is_empty());
    }
    let seed = Seed.claims();
    assert!(
        seed.pinned_after_overflow,
        "the seed's `1UL << 10` bias makes C compare unsigned"
    );
    assert!(!seed.refuses_before_overflow);
    assert_eq!(seed.grab_limit, i32::MAX, "the kernel keeps no headroom");
    for claims in [V5_7.claims(), Devmap.claims()] {
        assert_eq!(claims, Claims::KERNEL);
        assert!(claims.pinned_after_overflow && !claims.refuses_before_overflow);
        assert!(
            !claims.survives_split,
            "v5.7 predates the 2021 head re-check"
        );
    }
    let folio = Folio.claims();
    assert!(folio.pinned_after_overflow && !folio.refuses_before_overflow);
    assert!(
        folio.survives_split,
        "folios re-check the head after a speculative grab"
    );
}

on_every_scheme! {
    fn init_page_sets_the_counts_the_scheme_encodes(scheme) {
        let memory = Memory::<Std>::new(&Layout::new(&[0, 2])?);
        let small = memory.page(0)?;
        let head = memory.page(1)?;

        scheme.init_page(small, THREE_PLAIN_TWO_PINS);
        scheme.init_page(head, THREE_PLAIN_TWO_PINS);

        let base = scheme.freed_at();
        assert_eq!(Snapshot::of(small).refcount, base + 3 + 2 * 1024);
        let (per_pin, pincount_per_pin) = one_pin_moves(scheme.name(), 2);
        assert_eq!(Snapshot::of(head).refcount, base + 3 + 2 * per_pin);
        assert_eq!(Snapshot::of(head).pincount, 2 * pincount_per_pin);
        Ok(())
    }
}

// ------------------------------------------------------------------ vmstat

on_every_scheme! {
    fn vmstat_counts_refs_acquired_per_pin_and_one_released_per_unpinned_page(scheme) {
        let memory = Memory::<Std>::new(&Layout::new(&[0, 0])?);
        let pages = [memory.page(0)?, memory.page(1)?];
        for page in pages {
            scheme.init_page(page, Held { plain: 1, pins: 0 });
        }

        scheme.try_grab_folio(pages[0], 3, GupFlags::FOLL_PIN)?;
        scheme.try_grab_page(pages[1], GupFlags::FOLL_PIN)?;
        assert_eq!(memory.vmstat().acquired(), 4);
        assert_eq!(memory.vmstat().released(), 0);

        scheme.unpin_user_pages(&[pages[0], pages[1], pages[0]])?;
        assert_eq!(memory.vmstat().released(), 3);
        scheme.unpin_user_page(pages[0])?;
        assert_eq!(memory.vmstat().released(), 4, "balanced once every pin is gone");
        Ok(())
    }
}

on_every_scheme! {
    fn vmstat_ignores_plain_references(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });

        scheme.get_page(page)?;
        scheme.try_get_page(page)?;
        scheme.try_grab_folio(page, 4, GupFlags::FOLL_GET)?;
        scheme.try_grab_compound_head(page, 2, GupFlags::FOLL_GET)?;
        scheme.put_compound_head(page, 2, GupFlags::FOLL_GET)?;
        scheme.put_page(page)?;

        assert_eq!((memory.vmstat().acquired(), memory.vmstat().released()), (0, 0));
        Ok(())
    }
}

#[test]
fn vmstat_set_starts_the_counters_from_pins_already_held() {
    let memory = Memory::<Std>::new(&Layout::single_page());

    memory.vmstat().set(7, 2);

    assert_eq!(memory.vmstat().acquired(), 7);
    assert_eq!(memory.vmstat().released(), 2);
    assert_eq!(PinStat::Acquired.name(), "nr_foll_pin_acquired");
    assert_eq!(PinStat::Released.name(), "nr_foll_pin_released");
}

// ------------------------------------------------------------------ events

#[test]
fn observer_sees_a_pin_unpin_and_final_put_in_order() -> TestResult {
    let (memory, log) = observed(&Layout::single_page());
    let page = memory.page(0)?;
    Seed.init_page(page, Held { plain: 1, pins: 0 });
    log.clear();

    Seed.try_grab_page(page, GupFlags::FOLL_PIN)?;
    Seed.unpin_user_page(page)?;
    Seed.put_page(page)?;

    // The seed's pin is gup_fast's speculative grab (sign guard, add unless
    // zero); its unpin counts the release after dropping the reference; no
    // release checks anything.
    assert_eq!(
        log.kinds(),
        [
            read("page_ref_count", 1),
            refcount("page_ref_add_unless", 1, 1025),
            stat("nr_foll_pin_acquired", 1),
            refcount("page_ref_sub_and_test", 1025, 1),
            stat("nr_foll_pin_released", 1),
            refcount("page_ref_sub_and_test", 1, 0),
            freed("__put_page"),
        ]
    );
    let me = <Std as Platform>::thread_index();
    assert!(
        log.events()
            .iter()
            .all(|event| event.pfn == 0 && event.thread == me)
    );
    Ok(())
}

#[test]
fn observer_sees_the_exact_pin_count_move_before_the_refcount() -> TestResult {
    let (memory, log) = observed(&Layout::new(&[2])?);
    let tail = memory.page(1)?;
    V5_7.init_page(tail, Held { plain: 1, pins: 0 });
    log.clear();

    V5_7.try_grab_page(tail, GupFlags::FOLL_PIN)?;

    assert_eq!(
        log.kinds(),
        [
            read("page_ref_count", 1),
            pincount("pincount_add", 0, 1),
            refcount("page_ref_add", 1, 2),
            stat("nr_foll_pin_acquired", 1),
        ]
    );
    assert!(
        log.events().iter().all(|event| event.pfn == 0),
        "a tail acts on its head"
    );
    Ok(())
}

#[test]
fn observer_sees_a_refused_speculative_grab_as_a_read_only() -> TestResult {
    let (memory, log) = observed(&Layout::single_page());
    let page = memory.page(0)?;

    let result = Seed.try_grab_compound_head(page, 1, GupFlags::FOLL_PIN);

    assert_eq!(result, Err(GupError::SpeculativeGrabOnFreedPage { pfn: 0 }));
    let updates = log
        .events()
        .into_iter()
        .filter(|event| !matches!(event.kind, EventKind::Read { .. }))
        .count();
    assert_eq!(updates, 0);
    Ok(())
}

#[test]
fn observer_sees_a_page_table_clear_at_its_address() -> TestResult {
    let (memory, log) = observed(&Layout::new(&[0, 0])?);

    memory.zap_pte(1)?;

    let events = log.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].pfn, 1);
    assert_eq!(events[0].kind, EventKind::PteCleared { old: Some(1) });
    Ok(())
}

/// An observer that records what it is shown when attached.
#[derive(Default)]
struct AttachLog {
    shown: std::sync::Mutex<Vec<PageState>>,
    events: EventLog,
}

impl Observer for AttachLog {
    fn attached(&self, pages: &[PageState]) {
        self.shown.lock().unwrap().extend_from_slice(pages);
    }
    fn event(&self, event: &Event) {
        self.events.event(event);
    }
}

#[test]
fn an_observer_attached_after_the_set_up_is_shown_each_page_and_sees_no_set_up_write() -> TestResult
{
    let memory = Memory::<Std>::new(&Layout::new(&[0, 1])?);
    Seed.init_page(memory.page(0)?, Held { plain: 2, pins: 0 });
    Seed.init_page(memory.page(1)?, Held { plain: 1, pins: 1 });
    let log = Arc::new(AttachLog::default());

    let memory = memory.with_observer(log.clone());

    let state = |pfn, head, order, refcount| PageState {
        pfn,
        head,
        order,
        refcount,
        pincount: 0,
        flags: 0,
        times_freed: 0,
    };
    assert_eq!(
        *log.shown.lock().unwrap(),
        [state(0, 0, 0, 2), state(1, 1, 1, 1025), state(2, 1, 1, 0)]
    );
    assert!(log.shown.lock().unwrap()[2].is_tail());
    assert_eq!(log.events.events(), []);
    assert_eq!(memory.frames(), 3);
    Ok(())
}

#[test]
fn observer_sees_the_dirty_bit_tested_and_set_under_the_page_lock() -> TestResult {
    let memory = Memory::<Std>::new(&Layout::single_page());
    Seed.init_page(memory.page(0)?, Held { plain: 1, pins: 1 });
    let log = Arc::new(EventLog::default());
    let memory = memory.with_observer(log.clone());

    Seed.unpin_user_pages_dirty_lock(&[memory.page(0)?], true)?;

    let flags: Vec<EventKind> = log
        .kinds()
        .into_iter()
        .filter(|kind| {
            matches!(
                kind,
                EventKind::FlagRead { .. } | EventKind::FlagSet { .. } | EventKind::Lock { .. }
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            EventKind::FlagRead {
                flag: "PG_dirty",
                value: false
            },
            EventKind::Lock {
                helper: "lock_page",
                was_locked: false
            },
            EventKind::FlagSet { flag: "PG_dirty" },
            EventKind::Lock {
                helper: "unlock_page",
                was_locked: true
            },
        ]
    );
    Ok(())
}

#[test]
fn observer_sees_gup_fast_read_the_page_table_before_and_after_its_grab() -> TestResult {
    let memory = Memory::<Std>::new(&Layout::new(&[0, 0])?);
    Seed.init_page(memory.page(1)?, Held { plain: 1, pins: 0 });
    let log = Arc::new(EventLog::default());
    let memory = memory.with_observer(log.clone());

    Seed.gup_fast_pte(&memory, 1, GupFlags::FOLL_PIN)?;

    let events = log.events();
    let pte_reads: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, event)| event.kind == EventKind::PteRead { maps: Some(1) })
        .map(|(at, event)| {
            assert_eq!(event.pfn, 1, "a page-table event names the address");
            at
        })
        .collect();
    let grab = events
        .iter()
        .position(|event| matches!(event.kind, EventKind::Refcount { .. }))
        .expect("the grab");
    assert_eq!(pte_reads.len(), 2, "{events:#?}");
    assert!(pte_reads[0] < grab && grab < pte_reads[1], "{events:#?}");
    Ok(())
}

// ---------------------------------------------------- layout, page table

#[test]
fn layout_refuses_an_empty_list_of_pages() {
    assert_eq!(Layout::new(&[]), Err(LayoutError::Empty));
}

#[test]
fn layout_refuses_an_order_above_max_order() {
    assert_eq!(MAX_ORDER, 4);
    assert_eq!(
        Layout::new(&[0, 5]),
        Err(LayoutError::OrderTooLarge { order: 5 })
    );
    assert!(Layout::new(&[4]).is_ok());
}

#[test]
fn layout_errors_say_what_is_wrong() {
    assert!(LayoutError::Empty.to_string().contains("at least one page"));
    let too_large = LayoutError::OrderTooLarge { order: 9 }.to_string();
    assert!(
        too_large.contains('9') && too_large.contains("maximum 4"),
        "{too_large}"
    );
}

#[test]
fn layout_places_compound_pages_one_after_the_other() -> TestResult {
    let layout = Layout::new(&[0, 2, 1])?;

    assert_eq!(layout.orders(), [0, 2, 1]);
    assert_eq!(layout.heads(), [0, 1, 5]);
    assert_eq!(layout.frames(), 7);
    assert_eq!(Memory::<Std>::new(&layout).frames(), 7);
    assert_eq!(Layout::single_page().orders(), [0]);
    Ok(())
}

#[test]
fn page_table_maps_each_address_to_its_frame_until_zapped() -> TestResult {
    let memory = Memory::<Std>::new(&Layout::new(&[0, 1])?);
    let page = memory.page(2)?;

    assert_eq!(memory.pte_read(2)?, Some(page));
    assert_eq!(memory.zap_pte(2)?, Some(page));
    assert_eq!(memory.pte_read(2)?, None);
    assert_eq!(memory.zap_pte(2)?, None);
    assert_eq!(memory.pte_read(3), Err(GupError::NotMapped { addr: 3 }));
    assert_eq!(memory.zap_pte(3), Err(GupError::NotMapped { addr: 3 }));
    assert_eq!(
        page_ref_count(page),
        0,
        "zapping drops no reference by itself"
    );
    Ok(())
}

// ------------------------------------------------------------------- flags

#[test]
fn gup_flags_debug_names_each_flag() {
    assert_eq!(format!("{:?}", GupFlags::NONE), "0");
    assert_eq!(format!("{:?}", GupFlags::FOLL_GET), "FOLL_GET");
    assert_eq!(
        format!("{:?}", GupFlags::FOLL_GET | GupFlags::FOLL_PIN),
        "FOLL_GET | FOLL_PIN"
    );
    assert_eq!(
        format!(
            "{:?}",
            GupFlags::FOLL_PIN | GupFlags::FOLL_LONGTERM | GupFlags::FOLL_WRITE
        ),
        "FOLL_WRITE | FOLL_LONGTERM | FOLL_PIN"
    );
}

#[test]
fn gup_flags_debug_shows_unknown_bits_in_hex() {
    assert_eq!(format!("{:?}", GupFlags::from_bits(0x100)), "0x100");
    assert_eq!(
        format!("{:?}", GupFlags::from_bits(0x04 | 0x300)),
        "FOLL_GET | 0x300"
    );
}

#[test]
fn gup_flags_have_the_kernel_values_of_v5_7() {
    assert_eq!(GupFlags::FOLL_WRITE.bits(), 0x01);
    assert_eq!(GupFlags::FOLL_GET.bits(), 0x04);
    assert_eq!(GupFlags::FOLL_LONGTERM.bits(), 0x10000);
    assert_eq!(GupFlags::FOLL_PIN.bits(), 0x40000);
    assert!((GupFlags::FOLL_PIN | GupFlags::FOLL_WRITE).contains(GupFlags::FOLL_PIN));
    assert!(!GupFlags::FOLL_WRITE.contains(GupFlags::FOLL_PIN));
}

#[test]
fn gup_flags_choose_one_kind_of_reference() {
    assert_eq!(GupFlags::FOLL_GET.ref_kind(), Ok(RefKind::Get));
    assert_eq!(
        (GupFlags::FOLL_PIN | GupFlags::FOLL_WRITE).ref_kind(),
        Ok(RefKind::Pin)
    );
    assert_eq!(
        (GupFlags::FOLL_GET | GupFlags::FOLL_PIN).ref_kind(),
        Err(GupError::FollGetAndPin)
    );
    assert_eq!(
        GupFlags::NONE.ref_kind(),
        Err(GupError::NoReferenceRequested)
    );
    assert_eq!(RefKind::Get.flag(), GupFlags::FOLL_GET);
    assert_eq!(RefKind::Pin.flag(), GupFlags::FOLL_PIN);
}

// ------------------------------------------------------------------ errors

/// One line per [`GupError`] variant: its pattern, an example, and the words
/// its message must contain. The `match` this expands to has no catch-all
/// arm, so adding a variant to `GupError` fails to compile here until the
/// variant has its line; each example is checked to be of its own line's
/// variant.
macro_rules! every_gup_error {
    ($($pattern:pat => $example:expr, [$($needle:expr),+ $(,)?];)+) => {{
        fn needles(error: &GupError) -> Vec<&'static str> {
            match error {
                $($pattern => vec![$($needle),+],)+
            }
        }
        vec![$(($example, matches!($example, $pattern), needles(&$example))),+]
    }};
}

#[test]
fn every_gup_error_message_names_its_condition() {
    use GupError::*;
    let cases = every_gup_error! {
        GupError::FollGetAndPin => FollGetAndPin, ["FOLL_GET", "FOLL_PIN", "-EINVAL"];
        GupError::NoReferenceRequested => NoReferenceRequested, ["FOLL_GET or FOLL_PIN", "neither"];
        GupError::InvalidRefs { .. } => InvalidRefs { refs: 513 }, ["refs = 513", "out of range"];
        GupError::NoSuchPage { .. } => NoSuchPage { pfn: 42 }, ["pfn 42", "no page"];
        GupError::NotMapped { .. } => NotMapped { addr: 7 }, ["address 7", "not mapped", "-EFAULT"];
        GupError::GetPageOnFreeOrOverflowed { .. } => GetPageOnFreeOrOverflowed { pfn: 3, count: -5 },
            ["get_page", "page 3", "count -5", "page_ref_zero_or_close_to_overflow"];
        GupError::RefcountNotPositive { .. } => RefcountNotPositive { pfn: 4, count: 0 },
            ["page 4", "count 0", "<= 0", "-ENOMEM"];
        GupError::WouldOverflow { .. } => WouldOverflow { pfn: 5, count: i32::MAX, delta: 1024 },
            ["page 5", "2147483647", "1024", "sign bit"];
        GupError::SpeculativeGrabOnFreedPage { .. } => SpeculativeGrabOnFreedPage { pfn: 6 },
            ["speculative", "page 6", "zero", "freed"];
        GupError::PteChanged { .. } => PteChanged { addr: 8 }, ["address 8", "changed", "-EAGAIN"];
        GupError::NotWritable { .. } => NotWritable { addr: 14 },
            ["address 14", "read-only", "FOLL_WRITE"];
        GupError::MustUnshare { .. } => MustUnshare { pfn: 15 },
            ["page 15", "PageAnonExclusive", "unshare"];
        GupError::ForkRaced => ForkRaced, ["fork", "write_protect_seq", "given back"];
        GupError::CompoundHeadChanged { .. } => CompoundHeadChanged { pfn: 13, head: 12 },
            ["page 13", "compound page 12", "split", "released"];
        GupError::SplitRefused { .. } => SplitRefused { pfn: 11 },
            ["split of page 11", "refused", "-EBUSY"];
        GupError::PutAtZero { .. } => PutAtZero { pfn: 9 }, ["put_page", "page 9", "no reference"];
        GupError::UnpinWithoutPin { .. } => UnpinWithoutPin { pfn: 10, count: 3 },
            ["unpin", "page 10", "no pin", "count 3"];
    };

    let mut failures = Vec::new();
    for (error, of_its_variant, needles) in cases {
        if !of_its_variant {
            failures.push(format!("{error:?} is listed on another variant's line"));
        }
        let message = error.to_string();
        for needle in needles {
            if !message.contains(needle) {
                failures.push(format!("{error:?}: {message:?} lacks {needle:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
