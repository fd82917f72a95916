//! The scenario catalogue: each scenario is one file, written once against
//! the [`world`] harness and the sync layer, and run on every engine. A
//! scenario checks its properties inside its threads, at the step where
//! each must hold, and at the quiescent point after joining them.
//!
//! A scenario is a value: a type implementing [`Scenario`] (its
//! [`ScenarioInfo`] and its `run` function), listed once in [`catalogue`].
//! A user's crate defines its own the same way and hands it to every engine
//! as a [`ScenarioEntry`]; nothing in pinref needs to know about it.
//!
//! Besides the threaded scenarios there is one sequential scenario,
//! [`programs`]: random programs of GUP operations from starting counts
//! across the counter's edges, which the sequential engines (proptest,
//! fuzzing) explore.

pub mod actor;
pub mod anon_exclusive_vs_gup_fast;
pub mod batches;
pub mod carry;
pub mod compound;
pub mod devmap;
pub mod dirty_unpin;
pub mod fork_vs_gup_fast;
pub mod get_put_vs_pin;
pub mod gup_fast_vs_unmap;
pub mod last_reference;
pub mod migrate_vs_gup_fast;
pub mod mm;
pub mod op_threads;
pub mod overflow;
pub mod pin_get_mix;
pub mod pin_get_mix_4x4;
pub mod pin_vs_unpin;
pub mod programs;
pub mod shape;
pub mod signal;
pub mod split_vs_gup_fast;
pub mod stats;
pub mod world;
pub mod wrapped_count;
pub mod writeback_vs_dirty_unpin;
pub mod zero_page;

use crate::properties::Property;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{Explorer, Loom, Platform, Shuttle, Std};
use pinref_model::{Scheme, SchemeObject};
use std::fmt;
use std::sync::Arc;

pub use programs::ProgramSpace;
pub use shape::Shape;

/// What a scenario is, for reports, filters and engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScenarioInfo {
    /// A short, stable name (`pin_vs_unpin`): reports, `--scenario`.
    pub name: &'static str,
    /// One line: what races what.
    pub summary: &'static str,
    /// The properties it checks.
    pub properties: &'static [Property],
    /// How many threads race (the main thread not counted).
    pub threads: usize,
    /// The preemption bound a bounded engine (loom) uses by default: `None`
    /// explores every interleaving, which is affordable for two racing
    /// threads; a third thread usually needs a bound.
    pub default_bound: Option<usize>,
}

impl ScenarioInfo {
    /// The words of a race of two threads (`name`, `summary`, the
    /// `properties` it checks), small enough for a bounded engine to
    /// explore every interleaving by default: no preemption bound.
    pub const fn two_threads(
        name: &'static str,
        summary: &'static str,
        properties: &'static [Property],
    ) -> ScenarioInfo {
        ScenarioInfo {
            name,
            summary,
            properties,
            threads: 2,
            default_bound: None,
        }
    }
}

/// Groups of interchangeable threads of a scenario, by thread index (1 is
/// the first thread the scenario spawns, in spawn order).
///
/// A scenario declares a group only for threads that the main thread
/// spawns with the same code on the same captured data (swapping two of
/// them changes nothing but their indices), that create no shared
/// variables of their own, and that the main thread treats alike: it joins
/// them in spawn order and does not use what they return. The state-caching
/// explorer then keys a state on the multiset of the group's thread states
/// instead of their tuple (threads already joined keep their place).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Symmetry {
    groups: [(usize, usize); Symmetry::MAX_GROUPS],
}

impl Symmetry {
    /// How many groups a scenario may declare.
    pub const MAX_GROUPS: usize = 4;

    /// No interchangeable threads.
    pub const NONE: Symmetry = Symmetry {
        groups: [(0, 0); Symmetry::MAX_GROUPS],
    };

    /// The same, plus a group of `count` threads from index `first` on
    /// (`count` below 2 declares nothing; groups beyond
    /// [`Symmetry::MAX_GROUPS`] are ignored, which only forgoes a reduction).
    pub const fn with_group(mut self, first: usize, count: usize) -> Symmetry {
        if count < 2 || first == 0 {
            return self;
        }
        let mut slot = 0;
        while slot < Symmetry::MAX_GROUPS {
            if self.groups[slot].1 == 0 {
                self.groups[slot] = (first, count);
                return self;
            }
            slot += 1;
        }
        self
    }

    /// The groups, as ranges of thread indices.
    pub fn groups(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.groups
            .iter()
            .filter(|&&(_, count)| count > 0)
            .map(|&(first, count)| first..first + count)
    }
}

/// A concurrent scenario: set up a world, spawn its threads, join, check.
///
/// `run` is one execution; the engines call it once per interleaving they
/// explore. It must be deterministic given the values its threads read
/// (every engine re-runs it), and it checks its properties itself, through
/// the [`world`] harness, at the step where each must hold.
///
/// # Example: a scenario of your own
///
/// ```
/// use pinref_model::sync::{JoinHandle, Platform};
/// use pinref_model::{Held, Layout, Scheme};
/// use pinref_proofs::properties::{Property, monitor::Monitor};
/// use pinref_proofs::scenarios::{Scenario, ScenarioEntry, ScenarioInfo, world::World};
///
/// /// A driver's release path drops its plain reference while a pinner
/// /// pins and unpins.
/// struct PinVsDriverPut;
///
/// impl Scenario for PinVsDriverPut {
///     fn info(&self) -> ScenarioInfo {
///         ScenarioInfo {
///             name: "pin_vs_driver_put",
///             summary: "a pin races the driver's put_page of its own reference",
///             properties: &[Property::P1, Property::P4, Property::P5],
///             threads: 2,
///             default_bound: None,
///         }
///     }
///     fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
///         let start = Held { plain: 2, pins: 0 };
///         let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);
///         let driver = world.spawn("driver", |t| {
///             t.must(Property::P4, t.put_page(0));
///         });
///         let pinner = world.spawn("pinner", |t| {
///             let pages = t.must(Property::P7, t.pin_user_pages(0, 1));
///             t.check_pinned(0, false);
///             t.must(Property::P7, t.unpin_user_pages(&pages));
///         });
///         driver.join();
///         pinner.join();
///         world.check_quiescent(&[(0, Held { plain: 1, pins: 0 })]);
///     }
/// }
///
/// let entry = ScenarioEntry::new(PinVsDriverPut);
/// assert_eq!(entry.name(), "pin_vs_driver_put");
/// ```
pub trait Scenario: Send + Sync + 'static {
    /// Its name, words and defaults.
    fn info(&self) -> ScenarioInfo;

    /// Whether it applies to `scheme` (all schemes by default; a scenario
    /// of 1-based device pages applies to 1-based schemes only).
    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        let _ = scheme;
        true
    }

    /// Runs one execution on platform `P`.
    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor);

    /// The threads that are interchangeable (none by default): an engine
    /// that reduces by symmetry may treat states that differ only by a
    /// permutation of one group's threads as one.
    fn symmetry(&self) -> Symmetry {
        Symmetry::NONE
    }

    /// The size parameters it takes, with their values in this instance
    /// (none by default). The catalogue's instance holds the defaults.
    fn parameters(&self) -> Vec<Parameter> {
        Vec::new()
    }

    /// This scenario with parameter `name` set to `value` (already checked
    /// against the parameter's range); `None` if it has no such parameter.
    fn with_parameter(&self, name: &str, value: u64) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = (name, value);
        None
    }
}

/// A size parameter of a scenario (`--param NAME=VALUE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parameter {
    /// Its name (`pinners`).
    pub name: &'static str,
    /// One line: what it sizes.
    pub help: &'static str,
    /// Its value in this instance.
    pub value: u64,
    /// The smallest value it takes.
    pub min: u64,
    /// The largest value it takes.
    pub max: u64,
}

/// Why a scenario could not be given the parameters asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterError {
    /// The scenario has no parameter of this name.
    Unknown {
        /// The scenario.
        scenario: &'static str,
        /// The name asked for.
        name: String,
        /// The parameters it has.
        known: Vec<&'static str>,
    },
    /// The value is outside the parameter's range.
    OutOfRange {
        /// The parameter.
        name: &'static str,
        /// The value asked for.
        value: u64,
        /// Its smallest value.
        min: u64,
        /// Its largest value.
        max: u64,
    },
}

impl fmt::Display for ParameterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParameterError::Unknown {
                scenario,
                name,
                known,
            } if known.is_empty() => {
                write!(
                    f,
                    "scenario {scenario} takes no parameters (asked for {name})"
                )
            }
            ParameterError::Unknown {
                scenario,
                name,
                known,
            } => write!(
                f,
                "scenario {scenario} has no parameter {name}; it has: {}",
                known.join(", ")
            ),
            ParameterError::OutOfRange {
                name,
                value,
                min,
                max,
            } => write!(f, "{name}={value} is outside {min}..={max}"),
        }
    }
}

impl std::error::Error for ParameterError {}

/// A [`Scenario`] as a trait object: one `run` per platform of the sync
/// layer, each the scenario's own `run` instantiated there. Implemented for
/// every scenario; a new platform adds one method here.
pub trait DynScenario: Send + Sync {
    /// [`Scenario::info`].
    fn info(&self) -> ScenarioInfo;
    /// [`Scenario::applies_to`].
    fn applies_to(&self, scheme: &SchemeObject) -> bool;
    /// [`Scenario::symmetry`].
    fn symmetry(&self) -> Symmetry;
    /// One execution on real threads.
    fn run_std(&self, scheme: SchemeObject, monitor: Monitor);
    /// One execution under loom.
    fn run_loom(&self, scheme: SchemeObject, monitor: Monitor);
    /// One execution under shuttle.
    fn run_shuttle(&self, scheme: SchemeObject, monitor: Monitor);
    /// One execution (or one step of one) under the state-caching explorer.
    fn run_explorer(&self, scheme: SchemeObject, monitor: Monitor);
    /// [`Scenario::parameters`].
    fn parameters(&self) -> Vec<Parameter>;
    /// [`Scenario::with_parameter`], erased.
    fn with_parameter(&self, name: &str, value: u64) -> Option<Arc<dyn DynScenario>>;
}

impl<T: Scenario> DynScenario for T {
    fn info(&self) -> ScenarioInfo {
        Scenario::info(self)
    }
    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        Scenario::applies_to(self, scheme)
    }
    fn symmetry(&self) -> Symmetry {
        Scenario::symmetry(self)
    }
    fn run_std(&self, scheme: SchemeObject, monitor: Monitor) {
        self.run::<Std, SchemeObject>(scheme, monitor)
    }
    fn run_loom(&self, scheme: SchemeObject, monitor: Monitor) {
        self.run::<Loom, SchemeObject>(scheme, monitor)
    }
    fn run_shuttle(&self, scheme: SchemeObject, monitor: Monitor) {
        self.run::<Shuttle, SchemeObject>(scheme, monitor)
    }
    fn run_explorer(&self, scheme: SchemeObject, monitor: Monitor) {
        self.run::<Explorer, SchemeObject>(scheme, monitor)
    }
    fn parameters(&self) -> Vec<Parameter> {
        Scenario::parameters(self)
    }
    fn with_parameter(&self, name: &str, value: u64) -> Option<Arc<dyn DynScenario>> {
        Scenario::with_parameter(self, name, value)
            .map(|scenario| Arc::new(scenario) as Arc<dyn DynScenario>)
    }
}

/// What a scenario explores: threads racing, or sequential programs.
#[derive(Clone)]
pub enum ScenarioKind {
    /// Threads racing (loom, shuttle, the state-caching explorer).
    Threads(Arc<dyn DynScenario>),
    /// Sequential programs drawn from a space (proptest, fuzzing).
    Programs(ProgramSpace),
}

/// A scenario of the catalogue, or a user's: cheap to clone (shared).
#[derive(Clone)]
pub struct ScenarioEntry {
    info: ScenarioInfo,
    kind: ScenarioKind,
}

impl ScenarioEntry {
    /// The entry of a threaded scenario.
    pub fn new<T: Scenario>(scenario: T) -> ScenarioEntry {
        ScenarioEntry {
            info: Scenario::info(&scenario),
            kind: ScenarioKind::Threads(Arc::new(scenario)),
        }
    }

    /// The entry of a space of sequential programs.
    pub fn programs(space: ProgramSpace) -> ScenarioEntry {
        ScenarioEntry {
            info: space.info(),
            kind: ScenarioKind::Programs(space),
        }
    }

    /// Its name.
    pub fn name(&self) -> &'static str {
        self.info.name
    }

    /// Its name, words and defaults.
    pub fn info(&self) -> &ScenarioInfo {
        &self.info
    }

    /// The properties it checks.
    pub fn properties(&self) -> &'static [Property] {
        self.info.properties
    }

    /// The preemption bound a bounded engine uses by default.
    pub fn default_bound(&self) -> Option<usize> {
        self.info.default_bound
    }

    /// What it explores.
    pub fn kind(&self) -> &ScenarioKind {
        &self.kind
    }

    /// The threaded scenario, if it is one.
    pub fn threads(&self) -> Option<&Arc<dyn DynScenario>> {
        match &self.kind {
            ScenarioKind::Threads(scenario) => Some(scenario),
            ScenarioKind::Programs(_) => None,
        }
    }

    /// The program space, if it is one.
    pub fn program_space(&self) -> Option<&ProgramSpace> {
        match &self.kind {
            ScenarioKind::Threads(_) => None,
            ScenarioKind::Programs(space) => Some(space),
        }
    }

    /// The size parameters it takes, with their values (none for most).
    pub fn parameters(&self) -> Vec<Parameter> {
        self.threads()
            .map_or_else(Vec::new, |scenario| scenario.parameters())
    }

    /// The same scenario with the parameters `values` (name, value) set:
    /// an unknown name or a value out of range is an error.
    pub fn with_parameters(
        &self,
        values: &[(String, u64)],
    ) -> Result<ScenarioEntry, ParameterError> {
        let mut entry = self.clone();
        for (name, value) in values {
            let declared = entry.parameters();
            let Some(parameter) = declared.iter().find(|p| p.name == name) else {
                return Err(ParameterError::Unknown {
                    scenario: self.name(),
                    name: name.clone(),
                    known: declared.iter().map(|p| p.name).collect(),
                });
            };
            if !(parameter.min..=parameter.max).contains(value) {
                return Err(ParameterError::OutOfRange {
                    name: parameter.name,
                    value: *value,
                    min: parameter.min,
                    max: parameter.max,
                });
            }
            let rebuilt = entry
                .threads()
                .and_then(|scenario| scenario.with_parameter(name, *value))
                .ok_or_else(|| ParameterError::Unknown {
                    scenario: self.name(),
                    name: name.clone(),
                    known: declared.iter().map(|p| p.name).collect(),
                })?;
            entry = ScenarioEntry {
                info: rebuilt.info(),
                kind: ScenarioKind::Threads(rebuilt),
            };
        }
        Ok(entry)
    }

    /// Its interchangeable threads ([`Scenario::symmetry`]).
    pub fn symmetry(&self) -> Symmetry {
        self.threads()
            .map_or(Symmetry::NONE, |scenario| scenario.symmetry())
    }

    /// Whether it applies to `scheme`.
    pub fn applies_to(&self, scheme: &SchemeObject) -> bool {
        match &self.kind {
            ScenarioKind::Threads(scenario) => scenario.applies_to(scheme),
            ScenarioKind::Programs(_) => true,
        }
    }
}

impl fmt::Debug for ScenarioEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScenarioEntry({})", self.info.name)
    }
}

/// Every scenario of the catalogue, in catalogue order: the threaded ones,
/// then the sequential program space.
pub fn catalogue() -> Vec<ScenarioEntry> {
    let mut entries = Vec::new();
    let on_every_shape = |entries: &mut Vec<ScenarioEntry>, entry: fn(Shape) -> ScenarioEntry| {
        entries.extend(Shape::ALL.map(entry));
    };
    on_every_shape(&mut entries, |shape| {
        ScenarioEntry::new(pin_vs_unpin::PinVsUnpin { shape })
    });
    on_every_shape(&mut entries, |shape| {
        ScenarioEntry::new(get_put_vs_pin::GetPutVsPin { shape })
    });
    entries.push(ScenarioEntry::new(carry::Carry { plain: 1023 }));
    entries.push(ScenarioEntry::new(carry::Carry { plain: 2047 }));
    on_every_shape(&mut entries, |shape| {
        ScenarioEntry::new(last_reference::LastReference { shape })
    });
    entries.push(ScenarioEntry::new(overflow::Overflow));
    on_every_shape(&mut entries, |shape| {
        ScenarioEntry::new(gup_fast_vs_unmap::GupFastVsUnmap { shape })
    });
    on_every_shape(&mut entries, |shape| {
        ScenarioEntry::new(dirty_unpin::DirtyUnpin { shape })
    });
    entries.extend([
        ScenarioEntry::new(compound::Compound),
        ScenarioEntry::new(batches::Batches),
        ScenarioEntry::new(stats::Stats),
        ScenarioEntry::new(devmap::DevmapPages),
        ScenarioEntry::new(split_vs_gup_fast::SplitVsGupFast),
        ScenarioEntry::new(wrapped_count::WrappedCount),
    ]);
    // The predicate's consumers.
    on_every_shape(&mut entries, |shape| {
        ScenarioEntry::new(anon_exclusive_vs_gup_fast::AnonExclusiveVsGupFast { shape })
    });
    on_every_shape(&mut entries, |shape| {
        ScenarioEntry::new(fork_vs_gup_fast::ForkVsGupFast { shape })
    });
    on_every_shape(&mut entries, |shape| {
        ScenarioEntry::new(migrate_vs_gup_fast::MigrateVsGupFast { shape })
    });
    entries.push(ScenarioEntry::new(zero_page::ZeroPage));
    on_every_shape(&mut entries, |shape| {
        ScenarioEntry::new(writeback_vs_dirty_unpin::WritebackVsDirtyUnpin { shape })
    });
    // The scaling scenarios: many pinners and getters on one page.
    entries.push(ScenarioEntry::new(pin_get_mix_4x4::PinGetMix4x4));
    on_every_shape(&mut entries, |shape| {
        ScenarioEntry::new(pin_get_mix::PinGetMix {
            shape,
            ..pin_get_mix::PinGetMix::default()
        })
    });
    entries.push(ScenarioEntry::programs(ProgramSpace::default()));
    entries
}

/// The catalogue's scenario named `name`.
pub fn find(name: &str) -> Option<ScenarioEntry> {
    catalogue().into_iter().find(|entry| entry.name() == name)
}
