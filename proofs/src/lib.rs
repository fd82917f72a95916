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
//! - [`fuzzing`]: what a fuzz input's bytes mean and which verdict they get,
//!   written once for the cargo-fuzz targets, the in-process fuzz engines
//!   and the corpus replay test.
//! - [`mutation`]: the hunt that runs each flawed variant through the
//!   engines, each within a budget: the engine matrix.
//! - [`report`]: what a user sees; [`cli`]: the `pinref` command.
//! - [`check`]: one call (or one line, [`check_scheme_tests!`]) to check a
//!   scheme or a scenario of your own from your tests, as the main job
//!   checks the built-ins.
//!
//! # Check your own scheme in ten lines
//!
//! v5.7, except that `page_maybe_dma_pinned` compares signed (a Rust port's
//! natural mistake), on one scenario with loom (drop `only_scenario` and
//! `engines` for every scenario and engine):
//!
//! ```
//! use pinref_model::{page_ref::page_ref_count, sync::Platform, PageRef, Patch, V5_7};
//! use pinref_proofs::{check::Check, engines::loom::LoomEngine};
//!
//! struct SignedV5_7;
//! impl Patch for SignedV5_7 {
//!     pinref_model::patch_of!(V5_7, "signed-v5_7", "v5_7, signed predicate");
//!     fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
//!         page_ref_count(page.compound_head()) >= 1024
//!     }
//! }
//!
//! let report = Check::scheme(SignedV5_7)
//!     .only_scenario("carry_1023")
//!     .engines(vec![std::sync::Arc::new(LoomEngine)])
//!     .run();
//! assert!(report.passed(), "{report}"); // near zero, signed and unsigned agree
//! ```
//!
//! # Read a report
//!
//! Every run is a [`report::Run`]: scenario, scheme, engine and the
//! engine's [`engines::Outcome`] (verdict, work, seconds, violations with
//! their timelines and replay commands). `report.json` is the same, as
//! JSON ([`report::json::to_json`]); its keys are only ever added.
//!
//! ```
//! use pinref_proofs::{catalogue::find_scheme, check::Check, engines::Verdict};
//!
//! let flawed = find_scheme("unpin-subtracts-one").expect("a catalogued variant");
//! let report = Check::of_scheme(flawed).only_scenario("pin_vs_unpin").run();
//! for run in &report.report.runs {
//!     println!("{} on {} ({}): {}", run.scenario, run.scheme, run.engine, run.outcome.verdict.as_str());
//! }
//! let caught = report.report.runs.iter().find(|run| run.outcome.verdict == Verdict::Violation);
//! let violation = &caught.expect("some engine catches it").outcome.violations[0];
//! println!("{}: {}", violation.property.id(), violation.replay);
//! let json = pinref_proofs::report::json::to_json(&report.report);
//! assert!(json["runs"].as_array().is_some_and(|runs| !runs.is_empty()));
//! ```
//!
//! # Replay a counterexample
//!
//! An engine given a directory for artifacts keeps what replays its
//! failure there (loom's checkpoint, a shuttle schedule, the explorer's
//! path) in a checked replay file ([`engines::replay`]); the violation's
//! `replay` is the `pinref` command that replays it, and the same file as
//! [`engines::RunOptions::replay_from`] replays the failing execution
//! alone:
//!
//! ```
//! use pinref_proofs::catalogue::find_scheme;
//! use pinref_proofs::engines::{loom::LoomEngine, RunOptions, Verdict};
//! use pinref_proofs::scenarios;
//!
//! let scheme = find_scheme("unpin-subtracts-one").expect("a catalogued variant");
//! let scenario = scenarios::find("pin_vs_unpin").expect("a catalogued scenario");
//! let dir = std::env::temp_dir().join(format!("pinref-doc-replay-{}", std::process::id()));
//! let found = scheme.explore(&LoomEngine, &scenario, &RunOptions {
//!     artifacts: Some(dir.clone()),
//!     ..RunOptions::default()
//! });
//! assert_eq!(found.verdict, Verdict::Violation);
//! let command = &found.violations[0].replay; // cargo run --release -- ... --replay <file>
//! let file = command.rsplit(' ').next().expect("the replay file");
//!
//! let again = scheme.explore(&LoomEngine, &scenario, &RunOptions {
//!     replay_from: Some(file.into()),
//!     ..RunOptions::default()
//! });
//! assert_eq!(again.verdict, Verdict::Violation);
//! assert_eq!(again.executions, 1);
//! assert_eq!(again.violations[0].property, found.violations[0].property);
//! # let _ = std::fs::remove_dir_all(&dir);
//! ```
//!
//! # Add a scenario
//!
//! A scenario is a type implementing [`scenarios::Scenario`] (its
//! documentation has a complete, runnable one): it names itself, the
//! properties it checks, and runs its threads through the sync layer, so
//! that every engine runs the same code; [`check::check_scenario`] checks
//! it on every built-in scheme, and one line in [`scenarios::catalogue`]
//! makes it part of the main job.

pub mod catalogue;
pub mod check;
pub mod cli;
pub mod engines;
pub mod fuzzing;
pub mod known_bugs;
pub mod mutation;
pub mod properties;
pub mod report;
pub mod scenarios;
pub mod schemes;
pub mod variants;
