//! Which starting states a check may begin from: the ones the kernel can
//! reach.
//!
//! Every check sets a page's counters outright to encode a starting
//! [`Held`] ([`Scheme::init_page`]): proptest's and the fuzz targets'
//! programs ([`crate::op::Start`]), and each threaded scenario of the
//! catalogue. A start that no sequence of the scheme's operations could
//! produce tests nothing, and the ghost's answers do not hold there: they
//! assume that a count which has wrapped reads negative, so that every grab
//! refuses it. A count carried all the way round reads small again, and at
//! its free value (0, or 1 on a devmap page) it looks free while the ghost
//! says it is held.
//!
//! The rule, decided by the scheme's abstraction function
//! ([`Scheme::counts_for`], read as the exact count [`exact_refcount`]) and
//! its [`Claims`], the same for every engine:
//!
//! 1. A scheme that claims to refuse every grab that would cross the sign
//!    bit ([`Claims::refuses_before_overflow`]) never holds an exact count
//!    above `i32::MAX`.
//! 2. Otherwise a grab is refused only once the count reads `<= 0` (the
//!    kernel's racy guard), so the count can cross the sign bit. But once it
//!    has, every pin is refused: all the pins but the last grab's
//!    ([`MAX_REFS`] at most) were taken on a count at most `i32::MAX`.
//! 3. Past the sign bit only `get_page` still adds, one plain reference at
//!    a time. A `CONFIG_DEBUG_VM` kernel's `VM_BUG_ON_PAGE(
//!    page_ref_zero_or_close_to_overflow(page))` stops it in `[-127, 0]`,
//!    so the exact count stops at [`GET_PAGE_CEILING`], where the counter
//!    reads -127. A production kernel has no such check, and the built-in
//!    schemes follow it (their `get_page` refuses nothing): this rule is the
//!    debug kernel's ceiling, kept as the bound of the starts the engines
//!    generate (2^31 further `get_page` calls past the sign bit are not a
//!    start worth drawing), not a claim that the count cannot wrap to 0.
//!
//! So a page of a kernel scheme holding `i32::MAX` plain references and
//! 2^21 pins is out of reach: its exact count is `2^32 - 1` (read as -1),
//! `2^32` on devmap (read as 0, below the free value), and from the sign
//! bit to there takes 2^31 more references, while nothing but `get_page`
//! adds past the sign bit, and it stops at -127.
//!
//! This is sequential reachability: one grab at a time crosses the sign
//! bit. Racing grabbers that all passed the guard overshoot by one grab
//! each; a threaded check starts from a reachable state and lets its own
//! threads race from there.

use super::exact_refcount;
use crate::scheme::{Claims, Held, MAX_REFS, PageShape, Scheme};
use std::fmt;

/// The highest exact count a page can reach: `get_page` adds past the sign
/// bit until its guard refuses a count in `[-127, 0]`, so the counter ends
/// at -127 at most, which is `2^32 - 127` in exact terms.
pub const GET_PAGE_CEILING: i64 = (1 << 32) - 127;

/// Why a page's starting state is out of reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreachable {
    /// The scheme claims to refuse every grab that would carry the count
    /// past the sign bit, and this exact count is past it.
    PastClaimedGuard {
        /// The exact count the state encodes.
        exact: i64,
    },
    /// More pins than a count that had not yet wrapped could have accepted:
    /// even without the last grab's pins and every plain reference, the
    /// exact count is past `i32::MAX`, where every pin is refused.
    PinsPastSignBit {
        /// The exact count of the pins but [`MAX_REFS`] of them.
        exact_before_last_pin: i64,
    },
    /// Past [`GET_PAGE_CEILING`]: wrapped further than `get_page`, the only
    /// grab that adds past the sign bit, can carry it.
    PastGetPageCeiling {
        /// The exact count the state encodes.
        exact: i64,
    },
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Unreachable::PastClaimedGuard { exact } => write!(
                f,
                "its exact count {exact} is past i32::MAX, and the scheme claims to refuse every \
                 grab that would cross the sign bit"
            ),
            Unreachable::PinsPastSignBit {
                exact_before_last_pin,
            } => write!(
                f,
                "its pins alone, less the last grab's {MAX_REFS}, count {exact_before_last_pin}: \
                 past i32::MAX, where every pin is refused"
            ),
            Unreachable::PastGetPageCeiling { exact } => write!(
                f,
                "its exact count {exact} is past {GET_PAGE_CEILING}, where get_page's guard stops \
                 a count that has crossed the sign bit (it reads -127 there)"
            ),
        }
    }
}

/// Whether a head page of `shape` holding `held` is a state `scheme` can
/// reach: see the module docs for the rule.
pub fn reachable<S: Scheme + ?Sized>(
    scheme: &S,
    shape: PageShape,
    held: Held,
) -> Result<(), Unreachable> {
    let exact = exact_refcount(scheme, shape, held);
    let claims: Claims = scheme.claims();
    if claims.refuses_before_overflow {
        return if exact > i64::from(i32::MAX) {
            Err(Unreachable::PastClaimedGuard { exact })
        } else {
            Ok(())
        };
    }
    let pins_before_last = Held {
        plain: 0,
        pins: (held.pins - i64::from(MAX_REFS)).max(0),
    };
    let exact_before_last_pin = exact_refcount(scheme, shape, pins_before_last);
    if exact_before_last_pin > i64::from(i32::MAX) {
        return Err(Unreachable::PinsPastSignBit {
            exact_before_last_pin,
        });
    }
    if exact > GET_PAGE_CEILING {
        return Err(Unreachable::PastGetPageCeiling { exact });
    }
    Ok(())
}
