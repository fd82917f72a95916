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
//!   ([`Seed`], [`V5_7`], [`Folio`], [`Devmap`]) and any scheme of your own
//!   implement it; [`gup`] is the generic GUP code on top of it.
//! - [`op`]: the one vocabulary of operations ([`op::Op`], programs, the
//!   program space) and the one place that runs an operation on a scheme
//!   ([`op::apply`]).
//! - [`ghost`]: the abstract spec that runs beside the counters and says what
//!   the right answers are, operation by operation.
//! - [`GupError`]: every refusal, typed; a refused operation changes nothing.

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
    Claims, Counts, Devmap, Folio, Held, KnownBug, MAX_REFS, PageShape, Patch, Scheme,
    SchemeObject, Seed, V5_7,
};
