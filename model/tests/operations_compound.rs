//! Compound pages: the exact pin count (`hpage_pinned_refcount`,
//! `_pincount`) where a scheme keeps one, the bias where it does not, and
//! tail pages acting on their head.

mod operations_harness;

use operations_harness::*;
use pinref_model::page_ref::{page_ref_count, pincount_read};
use pinref_model::sync::Std;
use pinref_model::{
    EventKind, Folio, GupError, GupFlags, Held, Layout, LayoutError, Memory, PageShape, Scheme,
    V5_7,
};
use std::sync::Arc;

// ------------------------------------------------------ exact pin counts

on_every_scheme! {
    fn a_pin_on_a_compound_page_moves_its_head_as_the_version_encodes_and_the_unpin_returns_it(
        scheme
    ) {
        // What one pin adds, by hand (one_pin_moves): the seed takes the
        // bias at every order; v5.7 to v5.14 and devmap count pins exactly
        // from order 2 and take the bias at order 1; folio and later count
        // large folios of order 1 and up exactly.
        let cases = [1, 2, 3, 4].map(|order| (format!("order {order}"), order));

        each_case(cases, |order| {
            let memory = in_use(&scheme, &[order])?;
            let head = memory.page(0)?;
            let before = PageCounts::of(head);
            let (refcount, pincount) = one_pin_moves(scheme.name(), order);

            scheme.try_grab_page(head, GupFlags::FOLL_PIN)?;
            assert_eq!(page_ref_count(head), before.refcount + refcount, "pinned");
            assert_eq!(pincount_read(head), before.pincount + pincount, "pinned");
            assert!(scheme.page_maybe_dma_pinned(head), "pinned");

            scheme.unpin_user_page(head)?;
            assert_eq!(PageCounts::of(head), before, "unpinned");
            assert!(!scheme.page_maybe_dma_pinned(head), "unpinned");
            Ok(())
        })
    }
}

#[test]
fn v5_7_exact_pin_count_takes_refs_per_batch_grab() -> TestResult {
    let memory = in_use(&V5_7, &[3])?;
    let head = memory.page(0)?;

    V5_7.try_grab_folio(head, 8, GupFlags::FOLL_PIN)?;

    assert_eq!(page_ref_count(head), 9);
    assert_eq!(pincount_read(head), 8);
    assert_eq!(memory.vmstat().acquired(), 8);
    Ok(())
}

on_every_scheme! {
    fn exact_pin_count_unpin_without_a_pin_takes_the_pin_count_below_zero(scheme) {
        // A page with an exact pin count could tell it holds no pin, but no
        // kernel checks: the pin count goes to -1 (and the refcount loses
        // the one reference the pin would have added); a biased page loses
        // the bias.
        let memory = holding(&scheme, &[2], Held { plain: 2000, pins: 0 })?;
        let head = memory.page(0)?;
        let before = Snapshot::of(head);
        let (refcount_per_pin, pincount_per_pin) = one_pin_moves(scheme.name(), 2);

        scheme.unpin_user_page(head)?;

        let after = Snapshot::of(head);
        assert_eq!(after.pincount, before.pincount - pincount_per_pin);
        assert_eq!(after.refcount, before.refcount - refcount_per_pin);
        Ok(())
    }
}

on_every_scheme! {
    fn exact_pin_count_and_refcount_encode_what_is_held(scheme) {
        let memory = holding(&scheme, &[2], Held { plain: 3, pins: 0 })?;
        let head = memory.page(0)?;
        let idle = page_ref_count(head);
        let (per_pin, pincount_per_pin) = one_pin_moves(scheme.name(), 2);

        scheme.try_grab_page(head, GupFlags::FOLL_PIN)?;
        scheme.try_grab_page(head, GupFlags::FOLL_PIN)?;
        scheme.get_page(head)?;

        assert_eq!(page_ref_count(head), idle + 2 * per_pin + 1);
        assert_eq!(pincount_read(head), 2 * pincount_per_pin);
        let shape = PageShape::of(head);
        let counts = scheme.counts_for(shape, Held { plain: 4, pins: 2 });
        assert_eq!((counts.refcount, counts.pincount), (page_ref_count(head), pincount_read(head)));
        Ok(())
    }
}

// ------------------------------------------------------------- tail pages

on_every_scheme! {
    fn pin_through_a_tail_moves_the_head_and_unpin_through_another_tail_releases_it(scheme) {
        let memory = in_use(&scheme, &[2])?;
        let head = memory.page(0)?;
        let tail = memory.page(3)?;
        let before = Snapshot::of(head);
        let (per_pin, pincount_per_pin) = one_pin_moves(scheme.name(), 2);

        scheme.try_grab_page(tail, GupFlags::FOLL_PIN)?;

        let pinned = Snapshot { pincount: before.pincount + pincount_per_pin, ..before.moved(per_pin, 1, 0) };
        assert_eq!(Snapshot::of(head), pinned);
        assert_eq!(page_ref_count(tail), 0);
        assert_eq!(pincount_read(tail), 0);
        assert!(scheme.page_dma_pinned(tail), "the predicate on a tail reads the head");

        scheme.unpin_user_page(memory.page(2)?)?;

        assert_eq!(Snapshot::of(head), before.moved(0, 1, 1));
        Ok(())
    }
}

on_every_scheme! {
    fn get_page_and_put_page_through_a_tail_act_on_the_head(scheme) {
        let memory = in_use(&scheme, &[1])?;
        let (head, tail) = (memory.page(0)?, memory.page(1)?);
        let before = Snapshot::of(head);

        scheme.get_page(tail)?;
        assert_eq!(Snapshot::of(head), before.moved(1, 0, 0));
        assert_eq!(page_ref_count(tail), 0);

        scheme.put_page(tail)?;
        scheme.put_page(tail)?;
        assert_eq!(head.times_freed(), 1);
        assert_eq!(tail.times_freed(), 0, "the free is recorded on the head");
        Ok(())
    }
}

on_every_scheme! {
    fn init_page_on_a_tail_sets_the_head(scheme) {
        let memory = Memory::<Std>::new(&Layout::new(&[2])?);
        let head = memory.page(0)?;
        let tail = memory.page(1)?;

        scheme.init_page(tail, Held { plain: 1, pins: 0 });

        assert_eq!(page_ref_count(head), 1 + scheme.freed_at());
        assert_eq!(page_ref_count(tail), 0);
        Ok(())
    }
}

#[test]
fn compound_head_and_order_describe_the_layout() -> TestResult {
    let memory = Memory::<Std>::new(&Layout::new(&[0, 2])?);

    let small = memory.page(0)?;
    assert_eq!(small.compound_head(), small);
    assert!(!small.is_tail() && !small.is_compound());
    assert_eq!(small.compound_order(), 0);

    let head = memory.page(1)?;
    for pfn in 2..=4 {
        let tail = memory.page(pfn)?;
        assert_eq!(tail.compound_head(), head, "pfn {pfn}");
        assert!(tail.is_tail() && tail.is_compound(), "pfn {pfn}");
        assert_eq!(tail.compound_order(), 2);
    }
    assert!(!head.is_tail());
    assert!(head.hpage_pincount_available());
    assert_eq!(memory.page(5), Err(GupError::NoSuchPage { pfn: 5 }));
    Ok(())
}

// ------------------------------------------------------------ split_huge_page

/// An order-2 folio (pfns 0 to 3) whose head holds `held`, on a layout
/// `split_huge_page` may split when `splittable`.
fn order_2_folio(held: Held, splittable: bool) -> Result<Memory<Std>, LayoutError> {
    let layout = Layout::new(&[2])?;
    let memory = Memory::new(&if splittable {
        layout.splittable()
    } else {
        layout
    });
    Folio.init_page(memory.page(0).expect("the head"), held);
    Ok(memory)
}

#[test]
fn split_huge_page_leaves_each_subpage_an_order_0_page_with_its_mapping_reference() -> TestResult {
    let memory = order_2_folio(Held { plain: 4, pins: 0 }, true)?;

    pinref_model::split::split_huge_page(memory.page(2)?)?;

    for pfn in 0..4 {
        let page = memory.page(pfn)?;
        assert_eq!(
            page.compound_head().pfn(),
            pfn,
            "page {pfn} is its own head"
        );
        assert_eq!(page.compound_order(), 0);
        assert_eq!(
            page_ref_count(page),
            1,
            "page {pfn} keeps its mapping's reference"
        );
    }
    Ok(())
}

/// `__split_huge_page_tail`'s order: each tail first becomes its own head
/// (`clear_compound_head`), then its frozen count is given back by
/// `page_ref_unfreeze`; nothing is written outright with `set_page_count`.
#[test]
fn split_huge_page_makes_each_tail_a_head_then_unfreezes_its_count() -> TestResult {
    let log = Arc::new(EventLog::default());
    let memory = order_2_folio(Held { plain: 4, pins: 0 }, true)?.with_observer(log.clone());

    pinref_model::split::split_huge_page(memory.page(0)?)?;

    let seen: Vec<(usize, EventKind)> = log
        .events()
        .into_iter()
        .map(|event| (event.pfn, event.kind))
        .collect();
    let became_head = |pfn| {
        (
            pfn,
            EventKind::CompoundHead {
                head: pfn,
                order: 0,
            },
        )
    };
    let unfrozen = |pfn| {
        (
            pfn,
            EventKind::Refcount {
                helper: "page_ref_unfreeze",
                old: 0,
                new: 1,
            },
        )
    };
    let frozen = (
        0,
        EventKind::Refcount {
            helper: "page_ref_freeze",
            old: 4,
            new: 0,
        },
    );
    assert_eq!(
        seen,
        [
            frozen,
            became_head(1),
            unfrozen(1),
            became_head(2),
            unfrozen(2),
            became_head(3),
            unfrozen(3),
            became_head(0),
            unfrozen(0),
        ]
    );
    Ok(())
}

#[test]
fn split_huge_page_is_refused_while_a_pin_holds_the_page_and_changes_nothing() -> TestResult {
    let memory = order_2_folio(Held { plain: 4, pins: 1 }, true)?;
    let head = memory.page(0)?;
    let before = page_ref_count(head);

    let refused = pinref_model::split::split_huge_page(head);

    assert_eq!(refused, Err(GupError::SplitRefused { pfn: 0 }));
    assert_eq!(page_ref_count(head), before);
    assert_eq!(memory.page(3)?.compound_head().pfn(), 0);
    Ok(())
}

#[test]
fn split_huge_page_is_refused_on_a_layout_that_is_not_splittable() -> TestResult {
    let memory = order_2_folio(Held { plain: 4, pins: 0 }, false)?;

    let refused = pinref_model::split::split_huge_page(memory.page(0)?);

    assert_eq!(refused, Err(GupError::SplitRefused { pfn: 0 }));
    Ok(())
}
