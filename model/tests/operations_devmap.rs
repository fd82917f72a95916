//! Device (devmap-managed) pages: "1-based", handed back to their driver
//! when the count drops to 1. (The devmap cases of the shared behaviours
//! run in the other `operations_*` files.)

mod operations_harness;

use operations_harness::*;
use pinref_model::page::PAGE_CONTENTS_POISON;
use pinref_model::page_ref::{page_ref_count, pincount_read};
use pinref_model::{Devmap, EventKind, GupFlags, Held, PageShape, Scheme};

#[test]
fn devmap_idle_page_holds_the_pgmap_reference() -> TestResult {
    let memory = one_page(&Devmap, Held::default());
    let page = memory.page(0)?;

    assert_eq!(page_ref_count(page), 1);
    assert_eq!(Devmap.freed_at(), 1);
    assert!(!Devmap.page_dma_pinned(page));
    Ok(())
}

#[test]
fn devmap_unpin_of_the_last_pin_hands_the_page_back_to_its_driver() -> TestResult {
    let (memory, log) = observed_holding(&Devmap, &[0], Held { plain: 0, pins: 1 })?;
    let page = memory.page(0)?;
    assert_eq!(page_ref_count(page), 1025);

    Devmap.unpin_user_page(page)?;

    let kinds = log.kinds();
    assert_eq!(page_ref_count(page), 1);
    assert_eq!(page.times_freed(), 1);
    assert_eq!(page.read_contents(), PAGE_CONTENTS_POISON);
    assert!(
        kinds.contains(&refcount("page_ref_sub_return", 1025, 1)),
        "{kinds:#?}"
    );
    assert_eq!(
        kinds.last(),
        Some(&freed("free_devmap_managed_page")),
        "the hand-back is the last thing that touches the page"
    );
    Ok(())
}

#[test]
fn devmap_pin_and_unpin_with_a_plain_reference_held_does_not_hand_the_page_back() -> TestResult {
    // One plain reference on top of the pgmap's: 2, and the bias on top of
    // that while pinned; back at 2, the page is not handed back.
    assert_eq!(
        Devmap
            .counts_for(PageShape { order: 0 }, ONE_PLAIN)
            .refcount,
        2
    );
    assert_round_trip(
        &Devmap,
        |page| Devmap.try_grab_page(page, GupFlags::FOLL_PIN),
        |page| Devmap.unpin_user_page(page),
        1024,
        1,
    )
}

#[test]
fn devmap_put_page_hands_the_page_back_at_one_and_frees_it_only_on_a_refcount_bug() -> TestResult {
    // Dropping from 2 to 1 hands the page back; a put at 1 (a refcount bug:
    // no user holds it) reaches 0, where v5.7's put_devmap_managed_page
    // calls __put_page.
    let (memory, log) = observed_holding(&Devmap, &[0], ONE_PLAIN)?;
    let page = memory.page(0)?;

    Devmap.put_page(page)?;
    assert_eq!(page.times_freed(), 1, "handed back at 1");
    Devmap.put_page(page)?;

    assert_eq!(page.times_freed(), 2, "freed again at 0");
    let frees: Vec<EventKind> = log
        .kinds()
        .into_iter()
        .filter(|kind| matches!(kind, EventKind::Freed { .. }))
        .collect();
    assert_eq!(
        frees,
        [freed("free_devmap_managed_page"), freed("__put_page")]
    );
    assert_eq!(page_ref_count(page), 0);
    Ok(())
}

#[test]
fn devmap_compound_page_counts_pins_exactly_above_the_pgmap_reference() -> TestResult {
    let memory = in_use(&Devmap, &[2])?;
    let head = memory.page(0)?;

    let pinned = Devmap.pin_user_pages_fast(&memory, 0, 4, GupFlags::NONE)?;
    assert_eq!(page_ref_count(head), 6);
    assert_eq!(pincount_read(head), 4);

    Devmap.unpin_user_pages(&pinned)?;
    assert_eq!(page_ref_count(head), 2);
    assert_eq!(pincount_read(head), 0);
    assert_eq!(head.times_freed(), 0);

    Devmap.put_page(head)?;
    assert_eq!(
        head.times_freed(),
        1,
        "the last reference hands the page back"
    );
    Ok(())
}
