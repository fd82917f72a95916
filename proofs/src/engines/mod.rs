//! How a scheme is explored. Every engine implements [`Engine`]: it takes
//! a scenario of the catalogue (or a user's), a scheme, and the
//! [`RunOptions`], and returns an [`Outcome`], the same type for every
//! engine, with the work counted in the engine's own unit.
//!
//! [`registry`] lists the engines; adding one is a file implementing
//! [`Engine`] (its exploration is [`Engine::run`]; [`Engine::explore`],
//! which callers use, credits the outcome to it) and one line there. Each engine says what it can and cannot
//! see ([`Engine::sees`], [`Engine::misses`]): the report prints it beside
//! the verdicts, since a pass is only as strong as the engine that gave it.
//!
//! - [`loom`]: every interleaving of a threaded scenario (within a
//!   preemption bound), weak memory and the page-contents causality check
//!   included.
//! - [`shuttle`]: random, PCT and depth-first schedules of a threaded
//!   scenario under shuttle, at sizes loom cannot reach, every ordering
//!   treated as `SeqCst`; every failure replays from its schedule.
//! - [`stateful`]: every interleaving of a threaded scenario with no
//!   preemption bound, under sequential consistency, pruning states already
//!   seen; shortest counterexamples.
//! - [`proptest`]: the sequential program space, random programs from
//!   edge-case counts, shrunk to a minimal failing program; the
//!   [`sequential`] checker judges each operation against the ghost.
//! - [`fuzz_sequential`], [`fuzz_concurrent`]: the two cargo-fuzz targets'
//!   logic ([`crate::fuzzing`]) run in process on random bytes, within a
//!   fixed budget per run.

pub mod fuzz_concurrent;
pub mod fuzz_sequential;
pub mod loom;
pub mod outcome;
pub mod proptest;
pub mod replay;
pub mod resume;
pub mod sequential;
pub mod shuttle;
pub mod stateful;
pub mod stop;

use crate::scenarios::{DynScenario, ScenarioEntry};
use crate::schemes::SchemeEntry;
use std::cell::Cell;
use std::panic::PanicHookInfo;
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

    /// Whether it takes a preemption bound ([`RunOptions::bound`]); the
    /// mutation hunt deepens the bound of such an engine step by step, to
    /// report the smallest at which a flaw shows.
    fn preemption_bounded(&self) -> bool {
        false
    }

    /// Whether it shows weak-memory behaviour (a load that reads an older
    /// store, a missing barrier): loom does; an engine that runs every
    /// access sequentially consistent does not, and a known bug that only
    /// weak memory shows ([`pinref_model::KnownBug::weak_memory`]) is not
    /// expected of it.
    fn sees_weak_memory(&self) -> bool {
        false
    }

    /// Whether it can explore `scenario` at all (threaded scenarios, or the
    /// sequential program space).
    fn supports(&self, scenario: &ScenarioEntry) -> bool;

    /// Explores `scenario` on `scheme`: [`Engine::run`], its outcome
    /// credited to this engine ([`Engine::name`]) and counted in its
    /// [`Engine::unit`]s, whichever way the run ended.
    fn explore(
        &self,
        scenario: &ScenarioEntry,
        scheme: &SchemeEntry,
        options: &RunOptions,
    ) -> Outcome {
        let job = Job {
            scenario,
            scheme,
            options,
        };
        self.run(job).by(self.name(), self.unit())
    }

    /// The exploration itself, which an engine implements: callers ask
    /// for it through [`Engine::explore`], which names the engine and the
    /// unit on the outcome, so that `run` need not.
    fn run(&self, job: Job<'_>) -> Outcome;

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

/// One exploration asked of an engine ([`Engine::run`]): what to explore,
/// on what, and how far.
#[derive(Clone, Copy)]
pub struct Job<'a> {
    /// The scenario.
    pub scenario: &'a ScenarioEntry,
    /// The scheme.
    pub scheme: &'a SchemeEntry,
    /// How far and how.
    pub options: &'a RunOptions,
}

/// The threads of `scenario`, or, for a scenario without threads (the
/// sequential program space), why an engine that runs only threaded ones
/// explored nothing (the note of its [`Outcome::nothing_explored`]); `who`
/// names the engine.
pub(crate) fn threads_of<'a>(
    scenario: &'a ScenarioEntry,
    who: &str,
) -> Result<&'a Arc<dyn DynScenario>, String> {
    scenario.threads().ok_or_else(|| {
        format!(
            "{who} runs threaded scenarios; {} is not one",
            scenario.name()
        )
    })
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
    /// Stop after this much work, checked before every unit of work
    /// ([`stop::Budget`]). An exhaustive engine (loom, shuttle's DFS, the
    /// stateful explorer) that stops here reports `incomplete`; a sampling
    /// engine (shuttle random and PCT, proptest) takes it as its sample
    /// size, when it is below the engine's own, and a run of that many is a
    /// pass of that sample (never exhaustive). A cap of 0 runs nothing and
    /// is `incomplete` on every engine.
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
    /// Where an exhaustive run keeps its position when a cap cuts it
    /// short, and resumes from the next time ([`resume`]; loom);
    /// `None`: every run starts over.
    pub resume: Option<PathBuf>,
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
            resume: None,
        }
    }
}

/// Every engine pinref has, cheapest first.
pub fn registry() -> Vec<Arc<dyn Engine>> {
    vec![
        Arc::new(loom::LoomEngine),
        Arc::new(shuttle::ShuttleEngine::random()),
        Arc::new(shuttle::ShuttleEngine::pct()),
        Arc::new(shuttle::ShuttleEngine::dfs()),
        Arc::new(stateful::StatefulEngine::default()),
        Arc::new(proptest::ProptestEngine::default()),
        Arc::new(fuzz_sequential::FuzzSequentialEngine::default()),
        Arc::new(fuzz_concurrent::FuzzConcurrentEngine::default()),
    ]
}

/// A fresh seed for a randomised engine, when none is asked for.
pub fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::Instant::now())
}

/// The engine named `name`.
pub fn find(name: &str) -> Option<Arc<dyn Engine>> {
    registry().into_iter().find(|engine| engine.name() == name)
}

/// The command that runs `scenario` on `scheme` with `engine` again, as the
/// main job takes it, with the scenario's size parameters as run
/// (`--param`; `bound`: `Some(None)` for unbounded, `None` for an engine
/// without bounds).
pub fn rerun_command(
    engine: &str,
    scenario: &ScenarioEntry,
    scheme: &str,
    bound: Option<Option<usize>>,
) -> String {
    let bound = match bound {
        Some(None) => " --unbounded".to_string(),
        Some(Some(bound)) => format!(" --preemption-bound {bound}"),
        None => String::new(),
    };
    let mut command = format!(
        "cargo run --release -- --engine {engine} --scenario {} --scheme {scheme}{bound}",
        scenario.name()
    );
    for parameter in scenario.parameters() {
        command.push_str(&format!(" --param {}={}", parameter.name, parameter.value));
    }
    command
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

/// A panic hook, as `std::panic::take_hook` hands it over.
type PanicHook = Box<dyn Fn(&PanicHookInfo<'_>) + Send + Sync>;

/// Keeps panics quiet while an engine explores on this thread: a stopped
/// execution is a finding the engine reports itself, not a crash to print.
/// Panics elsewhere go to the hook that was there before, as usual.
///
/// shuttle installs a hook of its own, once, at its first execution in the
/// process, around whatever hook is there; it reports every panic on stderr
/// (the failing task, the schedule), inside a shuttle execution or not. So
/// shuttle is made to install it now, under this one: panics of a shuttle
/// execution that is not an engine's (a user's own shuttle test) still go
/// to it, every other panic to the hook from before.
pub(crate) fn quiet_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let before: Arc<PanicHook> = Arc::new(std::panic::take_hook());
        let forward = Arc::clone(&before);
        std::panic::set_hook(Box::new(move |info| forward(info)));
        shuttle::install_shuttle_panic_hook();
        let shuttle_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // A finding that stops an execution is reported by the engine,
            // also when it is raised on a thread an engine spawned.
            let finding = info
                .payload()
                .is::<crate::properties::monitor::StopExecution>();
            if EXPLORING.with(Cell::get) || finding {
                return;
            }
            if shuttle::inside_shuttle_execution() {
                shuttle_hook(info)
            } else {
                before(info)
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
