//! # pinref-model: the Linux page refcount with the GUP pin bias
//!
//! A compact, lock-free model of how the kernel counts references to a page
//! (`page->_refcount`) and DMA pins on the same counter
//! (`GUP_PIN_COUNTING_BIAS`), written so that every interleaving of it can be
//! explored by a model checker. Each item names the kernel function it
//! stands for and the version it follows.
//!
//! - [`sync`]: the synchronisation layer: which atomics, fences and threads
//!   run the model (real threads, loom, shuttle), chosen by a type parameter.
//! - [`Memory`], [`PageRef`]: page frames (order-0 and compound), a page
//!   table, the vmstat pin counters.
//! - [`page_ref`], [`page_flags`], [`free`], [`vmstat`]: the kernel's tiny
//!   helpers, one job each, with their memory orderings argued.
//! - [`Scheme`]: the public extension point. The built-in schemes
//!   and any scheme of your own
//!   implement it; [`gup`] is the generic GUP code on top of it. The
//!   versioned schemes ([`Seed`], [`V5_7`], [`V5_11`], [`V5_14`],
//!   [`Folio`], [`V6_1`], [`V6_5`], [`Devmap`]) replay the kernel's
//!   history, each the previous one plus its commits, and declare the bugs
//!   their version had ([`scheme::history`]).
//! - [`op`]: the one vocabulary of operations ([`op::Op`], programs, the
//!   program space) and the one place that runs an operation on a scheme
//!   ([`op::apply`]).
//! - [`ghost`]: the abstract spec that runs beside the counters and says what
//!   the right answers are, operation by operation.
//! - [`GupError`]: every refusal, typed; a refused operation changes nothing.
//!   Releases refuse nothing, as in a production kernel: a release of what
//!   is not held corrupts the count, and the checker reports it.

pub mod error;
pub mod event;
pub mod flags;
pub mod free;
pub mod ghost;
pub mod gup;
pub mod memory;
pub mod op;
pub mod page;
pub mod page_flags;
pub mod page_ref;
pub mod property;
pub mod scheme;
pub mod split;
pub mod sync;
pub mod vmstat;

pub use error::GupError;
pub use event::{Event, EventKind, Observer};
pub use flags::{GupFlags, RefKind};
pub use memory::{Layout, LayoutError, Memory};
pub use page::{GUP_PIN_COUNTING_BIAS, PageRef, PageState};
pub use property::Property;
pub use scheme::{
    Claims, Counts, Devmap, Folio, Held, KnownBug, MAX_REFS, MmCode, PageShape, Patch, Scheme,
    SchemeObject, Seed, V5_7, V5_11, V5_14, V6_1, V6_5,
};
