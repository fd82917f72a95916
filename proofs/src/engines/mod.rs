//! How a scheme is explored. Each engine runs the same scenarios (or, for the
//! sequential engines, the same operation language) and reports an
//! [`outcome::Outcome`].
//!
//! - [`loom`]: every interleaving of a concurrent scenario, within a
//!   preemption bound, weak memory included.
