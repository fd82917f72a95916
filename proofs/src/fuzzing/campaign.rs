//! Many random inputs in process: the loop of the in-process fuzz engines
//! ([`crate::engines::fuzz_sequential`], [`crate::engines::fuzz_concurrent`]).
//! Each input is random bytes of a random length, checked by the same
//! [`Target::check`] the cargo-fuzz targets call, until a property the
//! scheme claims fails or the budget is spent. There is no coverage
//! guidance (a plain build has no libFuzzer instrumentation): this measures
//! what the target's decoding finds by itself, a floor for what
//! `cargo fuzz run` finds.

use super::{CARGO_FUZZ_OPTIONS, InputVerdict, SCHEME_VARIABLE, Target};
use crate::engines::outcome::{Outcome, Verdict};
use crate::engines::{Job, rerun_command, stop};
use crate::properties::Violation;
use crate::schemes::SchemeEntry;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The longest random input: enough bytes for 50 operations, or for four
/// threads of operations and a long schedule.
pub const MAX_INPUT_LEN: usize = 512;

/// The environment variable that sets an in-process fuzz engine's budget,
/// in seconds per run (the nightly job sets it).
pub const SECONDS_VARIABLE: &str = "PINREF_FUZZ_ENGINE_SECONDS";

/// How much one run of an in-process fuzz engine may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// At most this many inputs.
    pub inputs: u64,
    /// At most this long.
    pub time: Duration,
}

impl Default for Budget {
    /// The main job's budget, or `PINREF_FUZZ_ENGINE_SECONDS` (the nightly
    /// job's): what both in-process fuzz engines start with.
    fn default() -> Self {
        Budget::from_env_or(Budget::MAIN_JOB)
    }
}

impl Budget {
    /// The main job's: 2 s per run (per scheme or flawed variant), so that
    /// the fuzz columns of the main job stay within seconds.
    pub const MAIN_JOB: Budget = Budget {
        inputs: u64::MAX,
        time: Duration::from_secs(2),
    };

    /// A nightly budget: 60 s per run.
    pub const NIGHTLY: Budget = Budget {
        inputs: u64::MAX,
        time: Duration::from_secs(60),
    };

    /// `default`, or `PINREF_FUZZ_ENGINE_SECONDS` seconds (and no input limit) if
    /// that is set to a number.
    pub fn from_env_or(default: Budget) -> Budget {
        match std::env::var(SECONDS_VARIABLE)
            .ok()
            .and_then(|text| text.trim().parse::<f64>().ok())
        {
            Some(seconds) if seconds.is_finite() && seconds >= 0.0 => Budget {
                inputs: u64::MAX,
                time: Duration::from_secs_f64(seconds),
            },
            _ => default,
        }
    }
}

/// A small, fast, seedable generator (SplitMix64): the inputs of a run are
/// a function of its seed.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Random bytes of a random length in `1..=MAX_INPUT_LEN`, into `out`.
    fn fill(&mut self, out: &mut Vec<u8>) {
        let len = 1 + (self.next() % MAX_INPUT_LEN as u64) as usize;
        out.clear();
        while out.len() < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(len);
    }
}

/// The first input that broke a claimed property.
#[derive(Debug, Clone)]
pub struct Found {
    /// The violation.
    pub violation: Violation,
    /// The input (without the scheme byte).
    pub input: Vec<u8>,
    /// Inputs tried up to it, it included.
    pub inputs_to_find: u64,
    /// Seconds from the start of the run to it.
    pub seconds_to_find: f64,
}

/// What a run of random inputs did.
#[derive(Debug, Clone, Default)]
pub struct Campaign {
    /// Inputs tried.
    pub inputs: u64,
    /// Inputs that decoded to nothing.
    pub undecodable: u64,
    /// Inputs whose start the scheme cannot reach.
    pub unreachable: u64,
    /// Inputs whose execution was cut short (no verdict).
    pub incomplete: u64,
    /// Expected violations (properties the scheme does not claim), the
    /// first of each.
    pub expected: Vec<Violation>,
    /// The first violation of a claimed property.
    pub found: Option<Found>,
    /// Whether the run stopped at a limit (rather than at a violation).
    pub exhausted: bool,
    /// The stop asked for (SIGINT, SIGTERM, `request_stop`) that ended the
    /// run, if one did: not a pass.
    pub interrupted: Option<stop::Cut>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Runs random inputs of `target` on `scheme`, from `seed`, until one
/// breaks a claimed property, `inputs` have run or `time` has passed.
pub fn run(
    target: Target,
    scheme: &SchemeEntry,
    seed: u64,
    (inputs, time): (u64, Duration),
) -> Campaign {
    let started = Instant::now();
    let caps = stop::Budget::new(inputs, time);
    let mut rng = SplitMix64(seed);
    let mut campaign = Campaign::default();
    let mut input = Vec::with_capacity(MAX_INPUT_LEN);
    loop {
        if let Err(cut) = caps.check(campaign.inputs) {
            campaign.interrupted = matches!(cut, stop::Cut::Interrupted(_)).then_some(cut);
            break;
        }
        rng.fill(&mut input);
        campaign.inputs += 1;
        match target.check(scheme.object(), &input) {
            InputVerdict::Undecodable(_) => campaign.undecodable += 1,
            InputVerdict::Unreachable(_) => campaign.unreachable += 1,
            InputVerdict::Incomplete(_) => campaign.incomplete += 1,
            InputVerdict::Passed { expected } => {
                for violation in expected {
                    if !campaign
                        .expected
                        .iter()
                        .any(|seen| seen.property == violation.property)
                    {
                        campaign.expected.push(violation);
                    }
                }
            }
            InputVerdict::Violated(violation) => {
                campaign.found = Some(Found {
                    violation,
                    input: input.clone(),
                    inputs_to_find: campaign.inputs,
                    seconds_to_find: started.elapsed().as_secs_f64(),
                });
                break;
            }
        }
    }
    campaign.exhausted = campaign.found.is_none();
    campaign.seconds = started.elapsed().as_secs_f64();
    campaign
}

/// An in-process fuzz engine's run of `target` on the job's scheme, as the
/// [`Outcome`] of its [`Engine::run`](crate::engines::Engine::run) (which
/// [`Engine::explore`](crate::engines::Engine::explore) counts in
/// the engine's unit, `inputs`): the budget, within the options' caps.
/// An execution cap is the sample size (as for shuttle's random schedules
/// and proptest's programs: a run of that many inputs is a pass of that
/// many); a time cap below the budget, or a stop asked for, cuts the run
/// short (`incomplete`, never a pass). The seed is the options' or a fresh
/// one, and reported. A violation's replay is the `pinref` command that
/// draws the same inputs from the same seed up to the failing one; its
/// input is also saved under [`crate::engines::RunOptions::artifacts`]
/// with the scheme byte first, where `cargo fuzz run` replays it (the note
/// gives that command).
pub fn explore(
    engine: &'static str,
    target: Target,
    budget: Budget,
    job: Job<'_>,
    explain: impl Fn(&SchemeEntry, &[u8]) -> Option<Violation>,
) -> Outcome {
    let (scenario, scheme, options) = (job.scenario, job.scheme, job.options);
    let seed = options.seed.unwrap_or_else(crate::engines::fresh_seed);
    let inputs = budget.inputs.min(options.max_executions);
    let time = budget.time.min(options.max_duration);
    let campaign = run(target, scheme, seed, (inputs, time));
    // Stopped by the options' time cap before the budget was spent, or by
    // a stop asked for: not a pass; nor is a sample of nothing.
    let capped = campaign.exhausted
        && (campaign.interrupted.is_some()
            || campaign.inputs == 0
            || (campaign.inputs < inputs && options.max_duration < budget.time));
    let counters = vec![
        ("seed", seed),
        ("inputs_undecodable", campaign.undecodable),
        ("inputs_unreachable", campaign.unreachable),
        ("inputs_incomplete", campaign.incomplete),
    ];
    let mut note = format!(
        "{} random inputs (seed {seed}, no coverage guidance), budget {:.1}s",
        campaign.inputs,
        time.as_secs_f64()
    );
    let mut outcome = match campaign.found {
        Some(found) => {
            let mut violation =
                explain(scheme, &found.input).unwrap_or_else(|| found.violation.clone());
            violation.replay = format!(
                "{} --seed {seed}",
                rerun_command(engine, scenario, scheme.name, None)
            );
            match save(options.artifacts.as_deref(), target, scheme, &found) {
                Ok(Some(path)) => note.push_str(&format!(
                    "; the failing input, the {}th, is saved for cargo fuzz: {}",
                    found.inputs_to_find,
                    replay_command(target, scheme.name, &path)
                )),
                Ok(None) => {}
                Err(error) => {
                    note.push_str(&format!("; the failing input could not be saved: {error}"))
                }
            }
            let mut outcome = Outcome::new(
                Verdict::Violation,
                found.inputs_to_find,
                found.seconds_to_find,
            );
            outcome.violations.push(violation);
            outcome
        }
        None if capped => {
            let mut outcome = Outcome::new(Verdict::Incomplete, campaign.inputs, campaign.seconds);
            outcome.violations = campaign.expected;
            outcome
        }
        None if !campaign.expected.is_empty() => {
            let mut outcome = Outcome::new(
                Verdict::ExpectedViolation,
                campaign.inputs,
                campaign.seconds,
            );
            outcome.violations = campaign.expected;
            outcome
        }
        None => Outcome::new(Verdict::Pass, campaign.inputs, campaign.seconds),
    };
    outcome.note = Some(if let Some(cut) = &campaign.interrupted {
        format!("{note}: {cut}")
    } else if outcome.verdict == Verdict::Incomplete {
        format!("{note}: cut short by the run's caps")
    } else {
        note
    });
    outcome.counters = counters;
    outcome
}

/// The command that replays a saved input with its cargo-fuzz target.
pub fn replay_command(target: Target, scheme: &str, input: &Path) -> String {
    format!(
        "cd fuzz && {SCHEME_VARIABLE}={scheme} cargo fuzz run {CARGO_FUZZ_OPTIONS} {} {}",
        target.name(),
        input.display()
    )
}

/// Saves `found`'s input, the scheme byte first, as
/// `<dir>/fuzz-<target>/<scheme>-<hash>` (written to a temporary file, then
/// renamed): the path, absolute, or `None` without a directory.
fn save(
    dir: Option<&Path>,
    target: Target,
    scheme: &SchemeEntry,
    found: &Found,
) -> std::io::Result<Option<PathBuf>> {
    let Some(dir) = dir else {
        return Ok(None);
    };
    let dir = dir.join(format!("fuzz-{}", target.name()));
    std::fs::create_dir_all(&dir)?;
    let mut bytes = Vec::with_capacity(found.input.len() + 1);
    bytes.push(0);
    bytes.extend_from_slice(&found.input);
    let path = dir.join(format!("{}-{:016x}", scheme.name, fnv1a(&bytes)));
    crate::report::atomic::write_atomic(&path, &bytes)?;
    Ok(Some(std::path::absolute(&path).unwrap_or(path)))
}

/// The FNV-1a hash of `bytes`: a stable file name for an input.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
