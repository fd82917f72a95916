//! The ghost's pages by head pfn (`GhostPages`): it answers as the ordered
//! map it replaced did, whatever order the heads were inserted in, and
//! `Ghost::head_of` finds the head covering a frame through its tails.

use pinref_model::ghost::{Ghost, GhostPage, GhostPages};
use pinref_model::op::Start;
use pinref_model::{Held, Layout, PageShape};

fn page(order: u32, plain: i64) -> GhostPage {
    GhostPage::new(PageShape { order }, Held { plain, pins: 0 })
}

/// Heads at 0 (order 0), 1 (order 2: frames 1-4) and 5 (order 3: frames
/// 5-12), as a start lays them out.
fn three_pages() -> Ghost {
    let layout = Layout::new(&[0, 2, 3]).unwrap_or_else(|e| panic!("{e:?}"));
    let held = vec![Held { plain: 1, pins: 0 }; 3];
    Ghost::at(&Start::new(layout, held).unwrap_or_else(|e| panic!("{e:?}")))
}

#[test]
fn head_of_finds_the_head_that_covers_each_frame() {
    let ghost = three_pages();
    let heads: Vec<Option<usize>> = (0..14).map(|pfn| ghost.head_of(pfn)).collect();
    let mut expected = vec![Some(0), Some(1), Some(1), Some(1), Some(1)];
    expected.extend([Some(5); 8]);
    expected.push(None);
    assert_eq!(heads, expected, "frames 0..14");
    assert_eq!(ghost.frames(), 13);
}

#[test]
fn a_frame_past_the_last_page_has_no_head() {
    let ghost = three_pages();
    assert_eq!(ghost.head_of(13), None);
    assert_eq!(ghost.head_of(usize::MAX), None);
    assert_eq!(Ghost::default().head_of(0), None);
    assert_eq!(Ghost::default().frames(), 0);
}

#[test]
fn a_gap_between_pages_has_no_head() {
    // Heads 0 (order 1: frames 0-1) and 4, nothing at 2 and 3.
    let mut ghost = Ghost::default();
    ghost.pages.insert(4, page(0, 1));
    ghost.pages.insert(0, page(1, 1));
    let heads: Vec<Option<usize>> = (0..6).map(|pfn| ghost.head_of(pfn)).collect();
    assert_eq!(heads, [Some(0), Some(0), None, None, Some(4), None]);
}

#[test]
fn only_heads_have_pages_and_iteration_goes_by_ascending_pfn() {
    let ghost = three_pages();
    assert!(
        ghost.pages.get(&2).is_none(),
        "a tail has no page of its own"
    );
    assert_eq!(ghost.pages[&1].shape.order, 2);
    let heads: Vec<usize> = ghost.pages.iter().map(|(pfn, _)| pfn).collect();
    assert_eq!(heads, [0, 1, 5]);
    let last = ghost.pages.iter().next_back().map(|(pfn, _)| pfn);
    assert_eq!(last, Some(5));
}

#[test]
fn pages_inserted_in_any_order_are_equal_and_print_alike() {
    let forward: GhostPages = [(0, page(0, 1)), (3, page(2, 2))].into_iter().collect();
    let mut backward = GhostPages::new();
    backward.insert(3, page(2, 2));
    backward.insert(0, page(0, 1));
    assert_eq!(forward, backward);
    assert_eq!(format!("{forward:?}"), format!("{backward:?}"));
    assert!(
        format!("{forward:?}").starts_with("{0: GhostPage"),
        "{forward:?}"
    );
}

#[test]
fn inserting_at_a_head_replaces_its_page() {
    let mut pages = GhostPages::new();
    assert_eq!(pages.insert(2, page(0, 1)), None);
    assert_eq!(pages.insert(2, page(0, 5)), Some(page(0, 1)));
    assert_eq!(pages.get(&2).map(|p| p.held.plain), Some(5));
    if let Some(p) = pages.get_mut(&2) {
        p.dirty = true;
    }
    assert!(pages[&2].dirty);
}
