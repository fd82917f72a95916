//! # pinref-proofs: what must hold, and the engines that explore it
//!
//! - [`properties`]: P1–P10 of the spec, and the [`properties::Violation`]
//!   record every engine reports.
//! - [`engines`]: how a scheme is explored (model-based proptest today;
//!   loom, shuttle and real threads as the scenarios arrive).
//! - [`catalogue`]: the schemes the main job checks, each through the public
//!   [`pinref_model::Scheme`] trait.
//! - [`report`]: what a user sees.

pub mod catalogue;
pub mod engines;
pub mod properties;
pub mod report;
pub mod scenarios;
pub mod variants;
