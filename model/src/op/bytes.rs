//! Programs from unstructured bytes ([`arbitrary::Arbitrary`]), a fuzzer's
//! input: the same program space as proptest's strategies, read from the
//! same tables ([`super::space`]).
//!
//! [`Op`] derives its impl (any value, garbage included); [`Start`] and
//! [`Program`] are written by hand, because what a good operation is
//! depends on the memory the start lays out.

use super::space::{
    BATCH_LEN, DEFAULT_MAX_OPS, Draw, Edge, EdgeCounts, GRAB_FLAGS, MAX_PAGES, OP_KINDS, ORDERS,
    OpKind, PIN_FLAGS, REFS, batch_nrs, indices,
};
use super::{Op, Program, Start};
use crate::memory::Layout;
use crate::scheme::Held;
use arbitrary::unstructured::Int;
use arbitrary::{Arbitrary, Error, Result, Unstructured};

impl<T: Int + for<'a> Arbitrary<'a>> Draw<T> {
    /// A value as this draw says, from `u`.
    pub fn take(&self, u: &mut Unstructured<'_>) -> Result<T> {
        match self {
            Draw::Just(value) => Ok(*value),
            Draw::In(range) => u.int_in_range(range.clone()),
            Draw::Any => u.arbitrary(),
        }
    }
}

/// One entry of a weighted table, chosen by weight from `u`.
fn choose<'t, T>(u: &mut Unstructured<'_>, table: &'t [(u32, T)]) -> Result<&'t T> {
    let total: u32 = table.iter().map(|(weight, _)| weight).sum();
    let mut pick = u.int_in_range(0..=total.saturating_sub(1))?;
    for (weight, entry) in table {
        if pick < *weight {
            return Ok(entry);
        }
        pick -= weight;
    }
    table
        .last()
        .map(|(_, entry)| entry)
        .ok_or(Error::EmptyChoose)
}

/// A value of a weighted table of draws.
fn take<T: Int + for<'a> Arbitrary<'a>>(
    u: &mut Unstructured<'_>,
    table: &[(u32, Draw<T>)],
) -> Result<T> {
    choose(u, table)?.take(u)
}

impl Edge {
    /// The starting counts of one page near this edge, from `u`.
    pub fn take_held(self, u: &mut Unstructured<'_>) -> Result<Held> {
        match self.counts() {
            EdgeCounts::Each { plain, pins } => Ok(Held {
                plain: take(u, plain)?,
                pins: u.int_in_range(pins)?,
            }),
            EdgeCounts::NearSignBit { offset, pins } => {
                let below = u.arbitrary()?;
                let offset = u.int_in_range(offset)?;
                Ok(EdgeCounts::near_sign_bit(
                    below,
                    offset,
                    u.int_in_range(pins)?,
                ))
            }
        }
    }
}

impl Op {
    /// An operation on a memory of `frames` frames, of the
    /// [`OP_KINDS`], from `u`: mostly on real
    /// frames, with valid flags and refs, sometimes garbage.
    pub fn take_for(u: &mut Unstructured<'_>, frames: usize) -> Result<Op> {
        let index = |u: &mut Unstructured<'_>| take(u, &indices(frames));
        let nr = |u: &mut Unstructured<'_>| take(u, &batch_nrs(frames));
        let batch = |u: &mut Unstructured<'_>| -> Result<Vec<usize>> {
            let len = u.int_in_range(BATCH_LEN)?;
            (0..len).map(|_| index(u)).collect()
        };
        Ok(match choose(u, &OP_KINDS)? {
            OpKind::PageDmaPinned => Op::PageDmaPinned { page: index(u)? },
            OpKind::PinUserPages => Op::PinUserPages {
                start: index(u)?,
                nr: nr(u)?,
                flags: take(u, &PIN_FLAGS)?,
            },
            OpKind::UnpinUserPage => Op::UnpinUserPage { page: index(u)? },
            OpKind::GetPage => Op::GetPage { page: index(u)? },
            OpKind::PutPage => Op::PutPage { page: index(u)? },
            OpKind::TryGetPage => Op::TryGetPage { page: index(u)? },
            OpKind::TryGrabPage => Op::TryGrabPage {
                page: index(u)?,
                flags: take(u, &GRAB_FLAGS)?,
            },
            OpKind::TryGrabFolio => Op::TryGrabFolio {
                page: index(u)?,
                refs: take(u, &REFS)?,
                flags: take(u, &GRAB_FLAGS)?,
            },
            OpKind::GupFastPte => Op::GupFastPte {
                addr: index(u)?,
                flags: take(u, &GRAB_FLAGS)?,
            },
            OpKind::PinUserPagesFast => Op::PinUserPagesFast {
                start: index(u)?,
                nr: nr(u)?,
                flags: take(u, &PIN_FLAGS)?,
            },
            OpKind::UnpinUserPages => Op::UnpinUserPages { pages: batch(u)? },
            OpKind::UnpinUserPagesDirtyLock => Op::UnpinUserPagesDirtyLock {
                pages: batch(u)?,
                make_dirty: u.arbitrary()?,
            },
        })
    }
}

impl<'a> Arbitrary<'a> for Start {
    /// 1 to [`MAX_PAGES`] pages of the [`ORDERS`], each holding counts
    /// near an [`Edge`] of its own.
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Start> {
        let pages = u.int_in_range(1..=MAX_PAGES)?;
        let orders = (0..pages)
            .map(|_| choose(u, &ORDERS).copied())
            .collect::<Result<Vec<u32>>>()?;
        let layout = Layout::new(&orders).map_err(|_| Error::IncorrectFormat)?;
        let held = (0..pages)
            .map(|_| Edge::arbitrary(u)?.take_held(u))
            .collect::<Result<Vec<Held>>>()?;
        Start::new(layout, held).map_err(|_| Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for Program {
    /// A [`Start`], then 1 to [`DEFAULT_MAX_OPS`] operations fitted to its
    /// memory ([`Op::take_for`]).
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Program> {
        let start = Start::arbitrary(u)?;
        let frames = start.layout().frames();
        let len = u.int_in_range(1..=DEFAULT_MAX_OPS)?;
        // Filled in place: collecting through `Result` would grow the
        // vector from nothing, once per doubling.
        let mut ops = Vec::with_capacity(len);
        for _ in 0..len {
            ops.push(Op::take_for(u, frames)?);
        }
        Ok(Program { start, ops })
    }
}
