//! How a scheme is explored. Every engine implements [`Engine`]: it takes
//! a scenario of the catalogue (or a user's), a scheme, and the
//! [`RunOptions`], and returns an [`Outcome`], the same type for every
//! engine, with the work counted in the engine's own unit.
//!
//! [`registry`] lists the engines; adding one is a file implementing
//! [`Engine`] and one line there. Each engine says what it can and cannot
//! see ([`Engine::sees`], [`Engine::misses`]): the report prints it beside
//! the verdicts, since a pass is only as strong as the engine that gave it.
//!
//! - [`loom`]: every interleaving of a threaded scenario (within a
//!   preemption bound), weak memory and the page-contents causality check
//!   included.
//! - [`proptest`]: the sequential program space, random programs from
//!   edge-case counts, shrunk to a minimal failing program; the
//!   [`sequential`] checker judges each operation against the ghost.

pub mod loom;
pub mod outcome;
pub mod proptest;
pub mod replay;
pub mod sequential;
pub mod stop;

use crate::scenarios::ScenarioEntry;
use crate::schemes::SchemeEntry;
use std::cell::Cell;
use std::path::PathBuf;
use std::sync::{Arc, Once};
use std::time::Duration;

pub use outcome::{Outcome, Verdict};

/// An exploration engine: see the module docs.
pub trait Engine: Send + Sync {
    /// A short, stable name (`loom`): reports, `--engine`.
    fn name(&self) -> &'static str;

    /// One line: how it explores.
    fn summary(&self) -> &'static str;

    /// The classes of bug it can see.
    fn sees(&self) -> &'static str;

    /// The classes of bug it cannot see: a pass says nothing about these.
    fn misses(&self) -> &'static str;

    /// What its work is counted in (`executions`, `iterations`, `states`,
    /// `programs`).
    fn unit(&self) -> &'static str;

    /// Whether it can explore `scenario` at all (threaded scenarios, or the
    /// sequential program space).
    fn supports(&self, scenario: &ScenarioEntry) -> bool;

    /// Explores `scenario` on `scheme`.
    fn explore(
        &self,
        scenario: &ScenarioEntry,
        scheme: &SchemeEntry,
        options: &RunOptions,
    ) -> Outcome;

    /// What a replay file of this engine must have been written for to be
    /// replayed by a run with `options` ([`replay::load`]): by default the
    /// engine, scenario and scheme, with no bound; an engine with a bound
    /// (loom) adds the bound it would run at.
    fn replay_key(
        &self,
        scenario: &ScenarioEntry,
        scheme: &SchemeEntry,
        options: &RunOptions,
    ) -> replay::ReplayKey {
        let _ = options;
        replay::ReplayKey::new(self.name(), scenario, scheme, None)
    }
}

/// The preemption bound a run asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bound {
    /// The scenario's own default ([`ScenarioEntry::default_bound`]):
    /// every interleaving where that is cheap, bounded where it is not.
    #[default]
    ScenarioDefault,
    /// Every interleaving.
    Unbounded,
    /// At most this many preemptions.
    At(usize),
}

impl Bound {
    /// The bound for `scenario` (`None`: unbounded).
    pub fn for_scenario(self, scenario: &ScenarioEntry) -> Option<usize> {
        match self {
            Bound::ScenarioDefault => scenario.default_bound(),
            Bound::Unbounded => None,
            Bound::At(bound) => Some(bound),
        }
    }
}

/// How far and how an engine explores.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The preemption bound (engines without one ignore it).
    pub bound: Bound,
    /// Stop (and report `incomplete`) after this much work: checked
    /// before every unit of work ([`stop::Budget`]).
    pub max_executions: u64,
    /// Stop (and report `incomplete`) after this long: checked before
    /// every unit of work ([`stop::Budget`]).
    pub max_duration: Duration,
    /// The seed of a randomised engine (`None`: its own choice, reported).
    pub seed: Option<u64>,
    /// Replay a recorded failure from this replay file instead of
    /// exploring. The engine checks it with [`replay::load`] against the
    /// run it is asked for and replays nothing from a file that does not
    /// fit (an `incomplete` run, never a violation).
    pub replay_from: Option<PathBuf>,
    /// Where to keep what replays a failure (checkpoints, schedules,
    /// regression seeds); `None`: nowhere, and no replay command but a
    /// rerun.
    pub artifacts: Option<PathBuf>,
    /// Print progress to stderr on a long run.
    pub progress: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            bound: Bound::ScenarioDefault,
            max_executions: 2_000_000,
            max_duration: Duration::from_secs(120),
            seed: None,
            replay_from: None,
            artifacts: None,
            progress: false,
        }
    }
}

/// Every engine pinref has, cheapest first.
pub fn registry() -> Vec<Arc<dyn Engine>> {
    vec![
        Arc::new(loom::LoomEngine),
        Arc::new(proptest::ProptestEngine::default()),
    ]
}

/// The engine named `name`.
pub fn find(name: &str) -> Option<Arc<dyn Engine>> {
    registry().into_iter().find(|engine| engine.name() == name)
}

/// The command that runs `scenario` on `scheme` with `engine` again, as the
/// main job takes it (`bound`: `None` for unbounded, or an engine without
/// bounds).
pub fn rerun_command(
    engine: &str,
    scenario: &str,
    scheme: &str,
    bound: Option<Option<usize>>,
) -> String {
    let bound = match bound {
        Some(None) => " --unbounded".to_string(),
        Some(Some(bound)) => format!(" --preemption-bound {bound}"),
        None => String::new(),
    };
    format!(
        "cargo run --release -- --engine {engine} --scenario {scenario} --scheme {scheme}{bound}"
    )
}

/// Writes a progress line to stderr. A closed or broken stderr loses the
/// line and nothing else: progress must never stop an exploration (a panic
/// inside one would read as a finding).
pub(crate) fn progress(text: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let _ = std::io::stderr().write_fmt(text);
}

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
