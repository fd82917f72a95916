//! # pinref-proofs: what must hold, and the engines that explore it
//!
//! - [`properties`]: P1–P10 of the spec, the monitor that judges every
//!   access, and the [`properties::Violation`] record every engine reports.
//! - [`scenarios`]: the catalogue of concurrent scenarios (one file each,
//!   written once against the sync layer) and the sequential program
//!   space; [`scenarios::Scenario`] is the door for a user's own.
//! - [`engines`]: how a scenario is explored ([`engines::Engine`]: loom,
//!   shuttle random, PCT and DFS, proptest), each returning the same
//!   [`engines::Outcome`].
//! - [`schemes`]: [`schemes::SchemeEntry`], a scheme as the engines take
//!   it; [`catalogue`] lists the built-ins, [`variants`] the flawed ones.
//! - [`mutation`]: the hunt that runs each flawed variant through the
//!   engines, each within a budget: the engine matrix.
//! - [`report`]: what a user sees; [`cli`]: the `pinref` command.
//! - [`check`]: one call (or one line, [`check_scheme_tests!`]) to check a
//!   scheme or a scenario of your own from your tests, as the main job
//!   checks the built-ins.

pub mod catalogue;
pub mod check;
pub mod cli;
pub mod engines;
pub mod known_bugs;
pub mod mutation;
pub mod properties;
pub mod report;
pub mod scenarios;
pub mod schemes;
pub mod variants;
