//! The one operation vocabulary: `op::apply` runs each `Op` through the
//! scheme and says what it did, a garbage batch length is cut to the walk,
//! `ref_changes` says what a completed operation took, and `Program`'s
//! `Arbitrary` impl stays in the program space.

use arbitrary::{Arbitrary, Unstructured};
use pinref_model::op::{self, Edge, MAX_START_HELD, Op, OpResult, Program, RefChange, Start};
use pinref_model::page_ref::page_ref_count;
use pinref_model::sync::{Platform, Std};
use pinref_model::{
    GupError, GupFlags, Held, Layout, Memory, PageRef, RefKind, Scheme, Seed, V5_7,
};

const PIN: u32 = GupFlags::FOLL_PIN.bits();

/// A memory of `orders`, each head holding one plain reference.
fn memory<S: Scheme>(scheme: &S, orders: &[u32]) -> Memory<Std> {
    let layout = Layout::new(orders).unwrap_or_else(|e| panic!("{e}"));
    let memory = Memory::new(&layout);
    for head in layout.heads() {
        let page = memory.page(head).unwrap_or_else(|e| panic!("{e}"));
        scheme.init_page(page, Held { plain: 1, pins: 0 });
    }
    memory
}

fn refcount(memory: &Memory<Std>, pfn: usize) -> i32 {
    memory.page(pfn).map(page_ref_count).unwrap_or(i32::MIN)
}

#[test]
fn apply_runs_each_operation_through_the_scheme_and_returns_what_it_did() {
    // An order-1 page (pfns 0, 1) and an order-0 page (pfn 2).
    let mem = memory(&Seed, &[1, 0]);
    let run = |op: Op| op::apply(&Seed, &mem, &op);

    assert_eq!(run(Op::GetPage { page: 1 }), OpResult::Done);
    assert_eq!(refcount(&mem, 0), 2, "a tail acts on its head");
    assert_eq!(
        run(Op::PinUserPages {
            start: 0,
            nr: 3,
            flags: 0
        }),
        OpResult::Pinned(vec![0, 1, 2])
    );
    assert_eq!(refcount(&mem, 0), 2 + 2 * 1024);
    assert_eq!(
        run(Op::GupFastPte {
            addr: 2,
            flags: PIN
        }),
        OpResult::Grabbed(2)
    );
    assert_eq!(run(Op::PageDmaPinned { page: 2 }), OpResult::Answered(true));
    assert_eq!(
        run(Op::UnpinUserPages {
            pages: vec![0, 1, 2, 2]
        }),
        OpResult::Done
    );
    assert_eq!(
        run(Op::PageDmaPinned { page: 2 }),
        OpResult::Answered(false)
    );
    assert_eq!((refcount(&mem, 0), refcount(&mem, 2)), (2, 1));
}

#[test]
fn apply_refuses_a_frame_that_names_no_page_without_calling_the_scheme() {
    let mem = memory(&Seed, &[0]);
    let cases = [
        Op::PutPage { page: 1 },
        Op::PageDmaPinned { page: usize::MAX },
        Op::UnpinUserPages { pages: vec![0, 7] },
    ];
    let wrong: Vec<String> = cases
        .iter()
        .map(|op| (op, op::apply(&Seed, &mem, op)))
        .filter(|(_, result)| !matches!(result, OpResult::Refused(GupError::NoSuchPage { .. })))
        .map(|(op, result)| format!("{op} -> {result}"))
        .collect();
    assert!(wrong.is_empty(), "{wrong:?}");
    assert_eq!(refcount(&mem, 0), 1, "nothing changed");
}

/// v5.7, except that `pin_user_pages` reserves room for `nr_pages` entries
/// up front, as a walk may.
#[derive(Debug, Default)]
struct ReservesNrPages;

impl pinref_model::Patch for ReservesNrPages {
    pinref_model::patch_of!(
        V5_7,
        "reserves-nr-pages",
        "v5_7, with a buffer of nr_pages entries"
    );
    fn pin_user_pages<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError> {
        let mut pinned = Vec::with_capacity(nr_pages);
        pinned.extend(pinref_model::gup::pin_user_pages(
            self, mem, start, nr_pages, flags,
        )?);
        Ok(pinned)
    }
}

#[test]
fn apply_cuts_a_garbage_batch_length_to_what_the_walk_can_reach() {
    assert_eq!(
        op::walk_len(0, usize::MAX, 3),
        4,
        "up to the first unmapped"
    );
    assert_eq!(op::walk_len(5, 2, 3), 1, "the first address is unmapped");
    assert_eq!(op::walk_len(0, 2, 3), 2);
    assert_eq!(op::walk_len(0, 0, 3), 0);
    // Asked for 2^62 pages, the scheme is asked for what the walk reaches,
    // and stops past the last frame without reserving a huge buffer,
    // returning the one page it pinned.
    let mem = memory(&V5_7, &[0]);
    let pin_from = |start| {
        let pin = Op::PinUserPages {
            start,
            nr: 1 << 62,
            flags: 0,
        };
        op::apply(&ReservesNrPages, &mem, &pin)
    };
    assert_eq!(pin_from(0), OpResult::Pinned(vec![0]));
    assert_eq!(
        refcount(&mem, 0),
        1 + 1024,
        "the page it returned stays pinned"
    );
    // Past the last frame from the start: nothing pinned, an error.
    assert_eq!(
        pin_from(1),
        OpResult::Refused(GupError::NotMapped { addr: 1 })
    );
}

#[test]
fn ref_changes_say_what_a_completed_operation_took_or_gave_back() {
    let change = |pfn, kind, refs| RefChange { pfn, kind, refs };
    let cases = [
        (
            Op::TryGrabFolio {
                page: 1,
                refs: 3,
                flags: PIN,
            },
            OpResult::Done,
            vec![change(1, RefKind::Pin, 3)],
        ),
        (
            Op::PinUserPagesFast {
                start: 0,
                nr: 2,
                flags: 0,
            },
            OpResult::Pinned(vec![0, 1]),
            vec![change(0, RefKind::Pin, 1), change(1, RefKind::Pin, 1)],
        ),
        (
            Op::GupFastPte {
                addr: 4,
                flags: GupFlags::FOLL_GET.bits(),
            },
            OpResult::Grabbed(4),
            vec![change(4, RefKind::Get, 1)],
        ),
        (
            Op::UnpinUserPagesDirtyLock {
                pages: vec![2, 2],
                make_dirty: true,
            },
            OpResult::Done,
            vec![change(2, RefKind::Pin, -1), change(2, RefKind::Pin, -1)],
        ),
        (
            Op::PutPage { page: 0 },
            OpResult::Done,
            vec![change(0, RefKind::Get, -1)],
        ),
        (
            Op::PageDmaPinned { page: 0 },
            OpResult::Answered(true),
            vec![],
        ),
        (
            Op::GetPage { page: 0 },
            OpResult::Refused(GupError::NoSuchPage { pfn: 0 }),
            vec![],
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(op, result, changes)| result.ref_changes(op) != *changes)
        .map(|(op, result, _)| format!("{op} -> {result}: {:?}", result.ref_changes(op)))
        .collect();
    assert!(wrong.is_empty(), "{wrong:?}");
}

#[test]
fn an_operation_prints_as_the_kernel_call_it_stands_for() {
    let pin = Op::PinUserPages {
        start: 0,
        nr: 2,
        flags: GupFlags::FOLL_WRITE.bits() | 0x8000_0000,
    };
    assert_eq!(
        pin.to_string(),
        "pin_user_pages(start 0, nr 2, FOLL_WRITE | 0x80000000)"
    );
    let unpin = Op::UnpinUserPagesDirtyLock {
        pages: vec![0, 4],
        make_dirty: true,
    };
    assert_eq!(
        unpin.to_string(),
        "unpin_user_pages_dirty_lock([0, 4], make_dirty true)"
    );
}

/// A deterministic stream of bytes (xorshift), standing in for a fuzzer's
/// inputs.
fn inputs(count: usize, len: usize) -> impl Iterator<Item = Vec<u8>> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..count).map(move |_| {
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    })
}

#[test]
fn arbitrary_programs_stay_in_the_program_space() {
    let mut wrong = Vec::new();
    let mut programs = 0;
    for bytes in inputs(2_000, 512) {
        let Ok(program) = Program::arbitrary(&mut Unstructured::new(&bytes)) else {
            continue;
        };
        programs += 1;
        let layout = program.start.layout();
        let frames = layout.frames();
        let fits = (1..=3).contains(&layout.orders().len())
            && layout.orders().iter().all(|&order| order <= 3)
            && (1..=op::DEFAULT_MAX_OPS).contains(&program.ops.len())
            && program
                .start
                .held()
                .iter()
                .all(|held| (0..=MAX_START_HELD).contains(&held.plain) && held.pins >= 0);
        // Indices are garbage at most up to usize::MAX / 2.
        let indices_fit = program.ops.iter().all(|op| match op {
            Op::PinUserPages { start, nr, .. } | Op::PinUserPagesFast { start, nr, .. } => {
                *start <= usize::MAX >> 1 && (*nr <= frames + 1 || *nr == usize::MAX >> 1)
            }
            _ => true,
        });
        if !fits || !indices_fit {
            wrong.push(program.to_rust());
        }
    }
    assert!(programs > 1_000, "only {programs} inputs made a program");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn arbitrary_starts_reach_every_edge_of_the_counter() {
    let near = |held: &Held, edge: Edge| -> bool {
        let exact = held.plain + 1024 * held.pins;
        match edge {
            Edge::Small => held.plain <= 5 && held.pins <= 3,
            Edge::Carry => {
                (1020..=1028).contains(&held.plain) || (2044..=2050).contains(&held.plain)
            }
            Edge::LargePlain => (1029..=1 << 30).contains(&held.plain) && held.plain != 2047,
            Edge::PinHeadroom => held.pins >= 2_097_000,
            Edge::SignBit => (i64::from(i32::MAX) - 3000..=(1 << 31) + 3000).contains(&exact),
        }
    };
    let starts: Vec<Start> = inputs(2_000, 64)
        .filter_map(|bytes| Start::arbitrary(&mut Unstructured::new(&bytes)).ok())
        .collect();
    let missed: Vec<Edge> = Edge::ALL
        .into_iter()
        .filter(|&edge| {
            !starts
                .iter()
                .any(|s| s.held().iter().any(|h| near(h, edge)))
        })
        .collect();
    assert!(missed.is_empty(), "no start near {missed:?}");
}
