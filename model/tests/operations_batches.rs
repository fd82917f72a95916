//! `pin_user_pages`, the slow path: one grab per (compound) page, one entry
//! per address, and nothing held when it fails.

mod operations_harness;

use operations_harness::*;
use pinref_model::page_ref::{page_ref_count, pincount_read};
use pinref_model::sync::Std;
use pinref_model::{EventKind, GupError, GupFlags, Held, Layout, Memory, Scheme};
use std::sync::Arc;

on_every_scheme! {
    fn pin_user_pages_returns_one_entry_per_address(scheme) {
        let memory = Memory::<Std>::new(&Layout::new(&[0, 2])?);
        scheme.init_page(memory.page(0)?, Held { plain: 1, pins: 0 });
        scheme.init_page(memory.page(1)?, Held { plain: 1, pins: 0 });

        let pinned = scheme.pin_user_pages(&memory, 0, 5, GupFlags::FOLL_WRITE)?;

        let pfns: Vec<usize> = pinned.iter().map(|page| page.pfn()).collect();
        assert_eq!(pfns, [0, 1, 2, 3, 4]);
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_grabs_a_compound_page_once_with_refs_equal_to_its_subpages(scheme) {
        let log = Arc::new(EventLog::default());
        let memory = Memory::<Std>::new(&Layout::new(&[0, 2])?).with_observer(log.clone());
        let small = memory.page(0)?;
        let head = memory.page(1)?;
        scheme.init_page(small, Held { plain: 1, pins: 0 });
        scheme.init_page(head, Held { plain: 1, pins: 0 });
        let (small_before, head_before) = (page_ref_count(small), page_ref_count(head));
        let (per_pin, pincount_per_pin) = one_pin_moves(scheme.name(), 2);
        log.clear();

        scheme.pin_user_pages(&memory, 0, 5, GupFlags::NONE)?;

        let head_updates: Vec<(i32, i32)> = log
            .events()
            .iter()
            .filter(|event| event.pfn == 1)
            .filter_map(|event| match event.kind {
                EventKind::Refcount { old, new, .. } => Some((old, new)),
                _ => None,
            })
            .collect();
        assert_eq!(head_updates, [(head_before, head_before + 4 * per_pin)], "one grab of 4");
        assert_eq!(page_ref_count(small), small_before + 1024);
        assert_eq!(page_ref_count(head), head_before + 4 * per_pin);
        assert_eq!(pincount_read(head), 4 * pincount_per_pin);
        assert_eq!(memory.vmstat().acquired(), 5, "+refs on each pin");
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_then_unpin_user_pages_returns_every_count(scheme) {
        let memory = Memory::<Std>::new(&Layout::new(&[0, 2, 1])?);
        let heads = [memory.page(0)?, memory.page(1)?, memory.page(5)?];
        for head in heads {
            scheme.init_page(head, Held { plain: 1, pins: 0 });
        }
        let before = heads.map(Snapshot::of);

        let pinned = scheme.pin_user_pages(&memory, 0, 7, GupFlags::NONE)?;
        assert_eq!(pinned.len(), 7);
        for head in heads {
            assert!(scheme.page_dma_pinned(head), "{head:?}");
        }
        scheme.unpin_user_pages(&pinned)?;

        for (head, before) in heads.iter().zip(before) {
            assert_eq!(page_ref_count(*head), before.refcount, "{head:?}");
            assert_eq!(pincount_read(*head), before.pincount, "{head:?}");
            assert!(!scheme.page_dma_pinned(*head), "{head:?}");
        }
        assert_eq!(memory.vmstat().acquired(), 7);
        assert_eq!(memory.vmstat().released(), 7, "+1 per unpinned page");
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_starting_inside_a_compound_page_grabs_only_the_subpages_in_range(scheme) {
        let memory = Memory::<Std>::new(&Layout::new(&[2])?);
        let head = memory.page(0)?;
        scheme.init_page(head, Held { plain: 1, pins: 0 });
        let before = page_ref_count(head);
        let (per_pin, _) = one_pin_moves(scheme.name(), 2);

        let pinned = scheme.pin_user_pages(&memory, 1, 2, GupFlags::NONE)?;

        let pfns: Vec<usize> = pinned.iter().map(|page| page.pfn()).collect();
        assert_eq!(pfns, [1, 2]);
        assert_eq!(page_ref_count(head), before + 2 * per_pin);
        assert_eq!(memory.vmstat().acquired(), 2);
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_of_no_pages_pins_nothing(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = Snapshot::of(page);

        let pinned = scheme.pin_user_pages(&memory, 0, 0, GupFlags::NONE)?;

        assert!(pinned.is_empty());
        assert_eq!(Snapshot::of(page), before);
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_refuses_foll_get(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = Snapshot::of(page);

        let get = scheme.pin_user_pages(&memory, 0, 1, GupFlags::FOLL_GET);
        let both = scheme.pin_user_pages(&memory, 0, 1, GupFlags::FOLL_GET | GupFlags::FOLL_PIN);

        assert_eq!(get, Err(GupError::FollGetAndPin));
        assert_eq!(both, Err(GupError::FollGetAndPin));
        assert_eq!(Snapshot::of(page), before);
        Ok(())
    }
}

on_zero_based_schemes! {
    fn pin_user_pages_failing_on_a_freed_page_returns_the_pages_pinned_before_it(scheme) {
        // "return i ? i : ret": the slow path stops at the page it cannot
        // pin and returns what it pinned; the caller must unpin them.
        let memory = Memory::<Std>::new(&Layout::new(&[0, 2, 0])?);
        let small = memory.page(0)?;
        let head = memory.page(1)?;
        let freed = memory.page(5)?;
        scheme.init_page(small, Held { plain: 1, pins: 0 });
        scheme.init_page(head, Held { plain: 1, pins: 0 });
        scheme.init_page(freed, Held::default());
        let before = [small, head, freed].map(Snapshot::of);

        let pinned = scheme.pin_user_pages(&memory, 0, 6, GupFlags::NONE)?;

        let pfns: Vec<usize> = pinned.iter().map(|page| page.pfn()).collect();
        assert_eq!(pfns, [0, 1, 2, 3, 4], "everything before the freed page");
        let after = Snapshot::of(freed);
        assert_eq!(
            (after.refcount, after.pincount, after.times_freed),
            (before[2].refcount, before[2].pincount, before[2].times_freed),
            "the freed page is left alone"
        );
        assert_eq!(memory.vmstat().acquired(), 5);
        assert_eq!(memory.vmstat().released(), 0);
        scheme.unpin_user_pages(&pinned)?;
        for (page, before) in [small, head].iter().zip(before) {
            assert_eq!(page_ref_count(*page), before.refcount, "{page:?}");
            assert_eq!(pincount_read(*page), before.pincount, "{page:?}");
        }
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_failing_on_an_unmapped_address_returns_the_pages_pinned_before_it(scheme) {
        let memory = Memory::<Std>::new(&Layout::new(&[0, 2])?);
        let small = memory.page(0)?;
        let head = memory.page(1)?;
        scheme.init_page(small, Held { plain: 1, pins: 0 });
        scheme.init_page(head, Held { plain: 1, pins: 0 });
        memory.zap_pte(3)?;

        let pinned = scheme.pin_user_pages(&memory, 0, 5, GupFlags::NONE)?;

        let pfns: Vec<usize> = pinned.iter().map(|page| page.pfn()).collect();
        assert_eq!(pfns, [0, 1, 2], "page 0, then subpages 1 and 2 in one grab");
        assert_eq!(memory.vmstat().acquired(), 3);
        assert_eq!(memory.vmstat().released(), 0);
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_past_the_end_of_the_page_table_pins_what_is_mapped(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });

        let pinned = scheme.pin_user_pages(&memory, 0, 2, GupFlags::NONE)?;

        assert_eq!(pinned, [page]);
        assert!(scheme.page_dma_pinned(page));
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_failing_at_the_first_page_is_the_error(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = Snapshot::of(page);

        let result = scheme.pin_user_pages(&memory, 1, 1, GupFlags::NONE);

        assert_eq!(result, Err(GupError::NotMapped { addr: 1 }));
        assert_eq!(Snapshot::of(page), before);
        Ok(())
    }
}
