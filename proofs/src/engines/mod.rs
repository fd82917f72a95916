//! How a scheme is explored. Each engine runs the same scenarios (or, for the
//! sequential engines, the same operation language) and reports an
//! [`outcome::Outcome`].
//!
//! - [`loom`]: every interleaving of a concurrent scenario, within a
//!   preemption bound, weak memory included.
//! - [`sequential`]: one program of GUP operations run on the concrete model
//!   and on the ghost spec side by side (engine-independent; proptest and
//!   cargo-fuzz drive it).
//! - [`proptest`]: model-based random programs over edge-case starting
//!   counts, shrunk to a minimal failing program, with committed regressions.

pub mod loom;
pub mod mutation;
pub mod outcome;
pub mod proptest;
pub mod sequential;

use std::cell::Cell;
use std::sync::Once;

std::thread_local! {
    static EXPLORING: Cell<bool> = const { Cell::new(false) };
}

/// Keeps panics quiet while an engine explores on this thread: a stopped
/// execution is a finding the engine reports itself, not a crash to print.
/// Panics elsewhere go to the default hook as usual.
pub(crate) fn quiet_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !EXPLORING.with(Cell::get) {
                default(info);
            }
        }));
    });
}

/// Runs `f` with this thread's panics kept quiet (see [`quiet_panics`]).
pub(crate) fn exploring<T>(f: impl FnOnce() -> T) -> T {
    quiet_panics();
    let before = EXPLORING.with(|flag| flag.replace(true));
    let result = f();
    EXPLORING.with(|flag| flag.set(before));
    result
}
