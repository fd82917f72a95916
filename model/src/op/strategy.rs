//! proptest strategies over the program space of [`super::space`] (the
//! `proptest` feature).
//!
//! A strategy built from a table has the shape a hand-written one would
//! have (a single alternative is used directly, not as a one-way union), so
//! that a seed keeps drawing the same program: the regression files
//! committed beside a check stay meaningful.

use super::space::{
    BATCH_LEN, Draw, Edge, EdgeCounts, GRAB_FLAGS, MAX_PAGES, OP_KINDS, ORDERS, OpKind, PIN_FLAGS,
    REFS, batch_nrs, indices,
};
use super::{Op, Program, Start};
use crate::memory::Layout;
use crate::scheme::Held;
use proptest::arbitrary::Arbitrary;
use proptest::collection::vec;
use proptest::prelude::{Just, Strategy, any};
use proptest::strategy::{BoxedStrategy, Union};
use std::fmt::Debug;
use std::ops::RangeInclusive;

/// The strategy of one [`Draw`].
fn draw<T>(draw: &Draw<T>) -> BoxedStrategy<T>
where
    T: Arbitrary + Clone + Debug + PartialEq + 'static,
    RangeInclusive<T>: Strategy<Value = T>,
{
    match draw {
        Draw::Just(value) => Just(value.clone()).boxed(),
        Draw::In(range) => range.clone().boxed(),
        Draw::Any => any::<T>().boxed(),
    }
}

/// The strategy of a weighted table of draws.
fn weighted<T>(table: &[(u32, Draw<T>)]) -> BoxedStrategy<T>
where
    T: Arbitrary + Clone + Debug + PartialEq + 'static,
    RangeInclusive<T>: Strategy<Value = T>,
{
    match table {
        [(_, only)] => draw(only),
        _ => Union::new_weighted(
            table
                .iter()
                .map(|(weight, choice)| (*weight, draw(choice)))
                .collect(),
        )
        .boxed(),
    }
}

/// The starting counts of one page near `edge`.
pub fn held_strategy(edge: Edge) -> BoxedStrategy<Held> {
    match edge.counts() {
        EdgeCounts::Each { plain, pins } => (weighted(plain), pins)
            .prop_map(|(plain, pins)| Held { plain, pins })
            .boxed(),
        EdgeCounts::NearSignBit { offset, pins } => (any::<bool>(), offset, pins)
            .prop_map(|(below, offset, pins)| EdgeCounts::near_sign_bit(below, offset, pins))
            .boxed(),
    }
}

/// 1 to [`MAX_PAGES`] (compound) pages, of the [`ORDERS`].
pub fn layout_strategy() -> BoxedStrategy<Layout> {
    let order = Union::new_weighted(
        ORDERS
            .iter()
            .map(|&(weight, order)| (weight, Just(order).boxed()))
            .collect(),
    );
    vec(order, 1..=MAX_PAGES)
        .prop_filter_map("a valid layout", |orders| Layout::new(&orders).ok())
        .boxed()
}

/// A frame number or address of a memory of `frames` frames
/// ([`indices`]).
pub fn index_strategy(frames: usize) -> BoxedStrategy<usize> {
    weighted(&indices(frames))
}

/// Flags for a grab ([`GRAB_FLAGS`]).
pub fn grab_flags_strategy() -> BoxedStrategy<u32> {
    weighted(&GRAB_FLAGS)
}

/// Flags for `pin_user_pages*` ([`PIN_FLAGS`]).
pub fn pin_flags_strategy() -> BoxedStrategy<u32> {
    weighted(&PIN_FLAGS)
}

/// `refs` for `try_grab_folio` ([`REFS`]).
pub fn refs_strategy() -> BoxedStrategy<i32> {
    weighted(&REFS)
}

/// One operation of `kind` on a memory of `frames` frames.
fn kind_strategy(kind: OpKind, frames: usize) -> BoxedStrategy<Op> {
    let index = || index_strategy(frames);
    let nr = || weighted(&batch_nrs(frames));
    let batch = || vec(index_strategy(frames), BATCH_LEN);
    match kind {
        OpKind::PageDmaPinned => index().prop_map(|page| Op::PageDmaPinned { page }).boxed(),
        OpKind::PinUserPages => (index(), nr(), pin_flags_strategy())
            .prop_map(|(start, nr, flags)| Op::PinUserPages { start, nr, flags })
            .boxed(),
        OpKind::UnpinUserPage => index().prop_map(|page| Op::UnpinUserPage { page }).boxed(),
        OpKind::GetPage => index().prop_map(|page| Op::GetPage { page }).boxed(),
        OpKind::PutPage => index().prop_map(|page| Op::PutPage { page }).boxed(),
        OpKind::TryGetPage => index().prop_map(|page| Op::TryGetPage { page }).boxed(),
        OpKind::TryGrabPage => (index(), grab_flags_strategy())
            .prop_map(|(page, flags)| Op::TryGrabPage { page, flags })
            .boxed(),
        OpKind::TryGrabFolio => (index(), refs_strategy(), grab_flags_strategy())
            .prop_map(|(page, refs, flags)| Op::TryGrabFolio { page, refs, flags })
            .boxed(),
        OpKind::GupFastPte => (index(), grab_flags_strategy())
            .prop_map(|(addr, flags)| Op::GupFastPte { addr, flags })
            .boxed(),
        OpKind::PinUserPagesFast => (index(), nr(), pin_flags_strategy())
            .prop_map(|(start, nr, flags)| Op::PinUserPagesFast { start, nr, flags })
            .boxed(),
        OpKind::UnpinUserPages => batch()
            .prop_map(|pages| Op::UnpinUserPages { pages })
            .boxed(),
        OpKind::UnpinUserPagesDirtyLock => (batch(), any::<bool>())
            .prop_map(|(pages, make_dirty)| Op::UnpinUserPagesDirtyLock { pages, make_dirty })
            .boxed(),
    }
}

/// One operation on a memory of `frames` frames, of the [`OP_KINDS`].
pub fn op_strategy(frames: usize) -> BoxedStrategy<Op> {
    Union::new_weighted(
        OP_KINDS
            .iter()
            .map(|&(weight, kind)| (weight, kind_strategy(kind, frames)))
            .collect(),
    )
    .boxed()
}

/// Whole programs: a layout, one page's starting counts per (compound)
/// page drawn from `edges` (every edge if empty), and 1..=`max_ops`
/// operations.
pub fn program_strategy(edges: &[Edge], max_ops: usize) -> BoxedStrategy<Program> {
    let edges = if edges.is_empty() {
        Edge::ALL.to_vec()
    } else {
        edges.to_vec()
    };
    let held = Union::new(edges.into_iter().map(held_strategy)).boxed();
    let max_ops = max_ops.max(1);
    layout_strategy()
        .prop_flat_map(move |layout| {
            let pages = layout.orders().len();
            let frames = layout.frames();
            (
                Just(layout),
                vec(held.clone(), pages),
                vec(op_strategy(frames), 1..=max_ops),
            )
        })
        .prop_filter_map("a valid start", |(layout, held, ops)| {
            Start::new(layout, held)
                .ok()
                .map(|start| Program { start, ops })
        })
        .boxed()
}
