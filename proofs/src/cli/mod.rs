//! `pinref`, the main job, as a library: [`main`] parses the command line
//! and runs it. With no arguments it explores every scenario of the
//! catalogue on every built-in scheme with every engine that supports it,
//! prints the run table, writes `target/pinref/report.json` and
//! `report.md`, then runs the flawed-variant catalogue (the mutation run).
//!
//! - [`args`]: the command line; [`select`]: names, checked up front.
//! - [`replay`]: `--replay FILE`, checked before it runs, reported apart.
//! - [`results`]: the table, counterexamples and replay commands printed.
//! - [`output`]: printing that ends quietly when its reader goes away.
//! - [`exit`]: the exit status, in its order of precedence.
//! - `signals`: SIGINT / SIGTERM stop the job cleanly.
//! - [`workers`]: runs and hunts on as many workers as the machine has
//!   cores (`--jobs`).
//!
//! Every file the job writes is written atomically
//! ([`crate::report::atomic`]), and each main job starts afresh: the
//! traces and replay files of earlier runs are removed first, so none
//! outlives the run that wrote it.

pub mod args;
pub mod exit;
mod list;
pub mod output;
pub mod replay;
pub mod results;
pub mod select;
mod signals;
pub mod workers;

use crate::engines::outcome::Verdict;
use crate::engines::{self, Engine, RunOptions, stop};
use crate::mutation::{self, Budget};
use crate::report::{EngineInfo, Mutant, Report, Run, atomic, json, markdown};
use crate::scenarios::{self, ScenarioEntry};
use crate::schemes::SchemeEntry;
use crate::variants::{self, Variant};
use args::{Cli, Shard, describe, preemption_bound};
use clap::Parser;
use exit::{Findings, Status};
use output::{Terminal, note, progress};
use select::{select_engines, select_scenarios, select_schemes, select_variants, with_params};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Parses the command line and runs it; the exit status says how it went
/// (see `--help` and [`exit::Status`]).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(error) = signals::install() {
        note(format_args!(
            "pinref: cannot install the SIGINT/SIGTERM handlers ({error}): a signal will end \
             the job without a report"
        ));
    }
    let terminal = Terminal::default();
    match run(&cli, &terminal) {
        Ok(status) => status.into(),
        Err(message) => {
            note(format_args!("pinref: {message}"));
            Status::Usage.into()
        }
    }
}

/// One case of a job: a scenario, on a scheme, with an engine.
type Case<'a> = (&'a Arc<dyn Engine>, &'a ScenarioEntry, &'a SchemeEntry);

/// Runs what `cli` asks for, printing to `terminal`. `Err` is a usage
/// error (bad arguments, a bad replay file), found before anything ran.
pub fn run(cli: &Cli, terminal: &Terminal) -> Result<Status, String> {
    let schemes = select_schemes(&cli.schemes)?;
    let scenarios = with_params(select_scenarios(&cli.scenarios)?, &cli.parameters())?;
    let engines = select_engines(&cli.engines)?;
    // Checked before anything runs, like every other name.
    let variants = if cli.variants.is_empty() {
        None
    } else {
        Some(select_variants(&cli.variants)?)
    };
    if cli.list {
        list::print(terminal);
        return Ok(Status::Pass);
    }
    let jobs = cli.jobs.unwrap_or_else(workers::available);
    // One seed for every randomised run of the job, printed, so that
    // `--seed` reruns the same schedules and programs.
    let seed = cli.seed.unwrap_or_else(engines::fresh_seed);
    let mut options = RunOptions {
        bound: preemption_bound(cli)?,
        max_executions: cli.max_executions,
        max_duration: Duration::from_secs(cli.max_seconds),
        seed: Some(seed),
        replay_from: None,
        artifacts: None,
        // Progress lines mid-run only make sense one run at a time.
        progress: jobs == 1,
        resume: cli.checkpoint_dir.clone(),
    };
    if let Some(dir) = &cli.checkpoint_dir {
        std::fs::create_dir_all(dir)
            .map_err(|error| format!("--checkpoint-dir {}: {error}", dir.display()))?;
    }
    if let Some(path) = &cli.replay {
        let replay = replay::prepare(cli, path, &scenarios, &schemes, &options)?;
        options.replay_from = Some(path.clone());
        let case: Case<'_> = (&replay.engine, &scenarios[0], &schemes[0]);
        progress(format_args!(
            "pinref: replaying {} ({} on {}, {}), report in {}\n",
            path.display(),
            replay.file.key.scenario,
            replay.file.key.scheme,
            replay.engine.name(),
            replay.out.display()
        ));
        let mut job = Job::new(terminal, replay.out, &[Arc::clone(&replay.engine)], seed);
        job.run_cases(&[case], &options, 1);
        return Ok(job.finish(&schemes));
    }

    // `--variant` alone hunts only those variants; the catalogue runs too
    // when a scenario or scheme is asked for, or when no variant is named.
    let run_catalogue = variants.is_none() || !cli.scenarios.is_empty() || !cli.schemes.is_empty();
    let mut cases: Vec<Case<'_>> = Vec::new();
    if run_catalogue {
        for engine in &engines {
            for scenario in scenarios.iter().filter(|s| engine.supports(s)) {
                for scheme in schemes.iter().filter(|scheme| scheme.applies(scenario)) {
                    cases.push((engine, scenario, scheme));
                }
            }
        }
        if cases.is_empty() {
            return Err("no engine supports the scenarios chosen (see --list)".to_string());
        }
    }
    let mut hunted = match variants {
        Some(chosen) => chosen,
        None if !cli.skip_mutants && cli.scenarios.is_empty() && cli.schemes.is_empty() => {
            variants::catalogue()
        }
        None => Vec::new(),
    };
    if let Some(shard) = cli.shard {
        cases = keep_shard(cases, shard);
        hunted = keep_shard(hunted, shard);
        progress(format_args!(
            "pinref: shard {}/{}: {} runs, {} flawed variants\n",
            shard.index,
            shard.count,
            cases.len(),
            hunted.len()
        ));
    }

    let mut job = Job::new(terminal, cli.out.clone(), &engines, seed);
    job.deadline = cli
        .total_seconds
        .map(|seconds| job.started + Duration::from_secs(seconds));
    job.fresh_start();
    options.artifacts = job.artifacts();
    job.report.planned = cases.len() + hunted.len();
    if !cases.is_empty() {
        let names: Vec<&str> = engines.iter().map(|engine| engine.name()).collect();
        progress(format_args!(
            "pinref: {} runs on {}, preemption bound: {}, {jobs} worker(s)\n",
            cases.len(),
            names.join(", "),
            describe(options.bound)
        ));
        note(format_args!(
            "pinref: seed {seed} (--seed {seed} reruns the same random schedules)"
        ));
        job.run_cases(&cases, &options, jobs);
    }
    if !hunted.is_empty() && stop::stop_requested().is_none() {
        let catalogue = if cli.scenarios.is_empty() {
            scenarios::catalogue()
        } else {
            scenarios.clone()
        };
        let mut budget = Budget::main_job(&job.out.join("replay"), seed, options.bound);
        budget.cap(&options);
        job.hunt(&hunted, &engines, &catalogue, &budget, jobs);
    }
    Ok(job.finish(&schemes))
}

/// The items of `list` that `shard` takes.
fn keep_shard<T>(list: Vec<T>, shard: Shard) -> Vec<T> {
    list.into_iter()
        .enumerate()
        .filter(|(position, _)| shard.takes(*position))
        .map(|(_, item)| item)
        .collect()
}

/// A job under way: its report, where it writes, and what went wrong
/// writing.
struct Job<'a> {
    terminal: &'a Terminal,
    out: PathBuf,
    /// Whether `out` exists to write in.
    out_ready: bool,
    report: Report,
    /// Every file that could not be written, with the reason.
    io_errors: Vec<String>,
    started: Instant,
    /// The seed of the job's randomised runs.
    seed: u64,
    /// When the job's time is up (`--total-seconds`): no run starts after
    /// it, and each run gets at most what is left.
    deadline: Option<Instant>,
}

impl<'a> Job<'a> {
    fn new(
        terminal: &'a Terminal,
        out: PathBuf,
        engines: &[Arc<dyn Engine>],
        seed: u64,
    ) -> Job<'a> {
        let mut job = Job {
            terminal,
            out,
            out_ready: false,
            report: Report {
                engines: engines
                    .iter()
                    .map(|engine| EngineInfo::of(engine.as_ref()))
                    .collect(),
                ..Report::default()
            },
            io_errors: Vec::new(),
            started: Instant::now(),
            seed,
            deadline: None,
        };
        match std::fs::create_dir_all(&job.out) {
            Ok(()) => job.out_ready = true,
            Err(error) => {
                let message = format!("cannot create {}: {error}", job.out.display());
                note(format_args!(
                    "pinref: {message}; the job runs, but writes no report, trace or replay file"
                ));
                job.io_errors.push(message);
            }
        }
        job.report.planned = 1;
        job
    }

    /// Removes what earlier runs left in the output directory: traces,
    /// replay files, replays' reports, and half-written temporaries.
    fn fresh_start(&mut self) {
        if !self.out_ready {
            return;
        }
        for stale in ["traces", "replay", "replays"] {
            let dir = self.out.join(stale);
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => self
                    .io_errors
                    .push(format!("cannot remove {}: {error}", dir.display())),
            }
        }
        if let Err(error) = atomic::remove_stale_temporaries(&self.out) {
            self.io_errors
                .push(format!("cannot clean {}: {error}", self.out.display()));
        }
    }

    /// Where engines keep replay files, if the output directory exists.
    fn artifacts(&self) -> Option<PathBuf> {
        self.out_ready.then(|| self.out.join("replay"))
    }

    /// Runs `cases` on `jobs` workers; once a stop is asked for, no
    /// further case starts (the runs under way end themselves,
    /// `incomplete`) and those not started are left out of the report.
    fn run_cases(&mut self, cases: &[Case<'_>], options: &RunOptions, jobs: usize) {
        let done = AtomicUsize::new(0);
        let outcomes = workers::map(cases, jobs, |_, (engine, scenario, scheme)| {
            if stop::stop_requested().is_some() {
                return None;
            }
            let mut options = options.clone();
            if let Some(deadline) = self.deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    // Reported, never left out: a shard that ran out of
                    // time must say which runs it did not do.
                    let mut outcome = engines::outcome::Outcome::new(Verdict::Incomplete, 0, 0.0)
                        .by(engine.name(), engine.unit());
                    outcome.note = Some("not started: the job's --total-seconds ran out".into());
                    return Some(outcome);
                }
                options.max_duration = options.max_duration.min(left);
            }
            // Through the entry: the one place a known bug is judged.
            let outcome = scheme.explore(engine.as_ref(), scenario, &options);
            progress(format_args!(
                "[{:>3}/{}] {:<18} {:<8} {:<15} {} ({} {}, {:.2}s)\n",
                done.fetch_add(1, Ordering::Relaxed) + 1,
                cases.len(),
                scenario.name(),
                scheme.name,
                engine.name(),
                outcome.verdict.as_str(),
                outcome.executions,
                outcome.unit,
                outcome.seconds
            ));
            Some(outcome)
        });
        for ((engine, scenario, scheme), outcome) in cases.iter().zip(outcomes) {
            let Some(outcome) = outcome else { continue };
            self.report
                .runs
                .push(Run::new(engine.as_ref(), scenario, scheme, outcome));
        }
    }

    /// The mutation run: hunts each variant with `engines` on `scenarios`
    /// within `budget`, on `jobs` workers. A hunt cut short by a stop that
    /// caught nothing is left out (interrupted, not survived), and the
    /// report says the job was interrupted.
    fn hunt(
        &mut self,
        variants: &[Variant],
        engines: &[Arc<dyn Engine>],
        scenarios: &[ScenarioEntry],
        budget: &Budget,
        jobs: usize,
    ) {
        progress(format_args!(
            "pinref: mutation run: {} flawed variants, each hunted by {} engine(s) within a \
             fixed budget\n",
            variants.len(),
            engines.len()
        ));
        let done = AtomicUsize::new(0);
        let hunts = workers::map(variants, jobs, |_, variant| {
            if stop::stop_requested().is_some() {
                return None;
            }
            let hunt = mutation::hunt_with(&variant.entry, engines, scenarios, budget);
            let index = done.fetch_add(1, Ordering::Relaxed) + 1;
            if stop::stop_requested().is_some() && !hunt.caught() {
                note(format_args!(
                    "[{index:>2}/{}] {:<38} interrupted",
                    variants.len(),
                    variant.name()
                ));
                return None;
            }
            let by = hunt.engines.iter().filter(|cell| cell.caught()).count();
            match hunt.property() {
                Some(property) => note(format_args!(
                    "[{index:>2}/{}] {:<38} caught: {} by {} {} ({} {}, {:.2}s); {by} of {} \
                     engines caught it",
                    variants.len(),
                    variant.name(),
                    property.id(),
                    hunt.engine,
                    hunt.scenario.unwrap_or(""),
                    hunt.executions_to_find,
                    hunt.unit,
                    hunt.seconds,
                    hunt.engines.len()
                )),
                None => note(format_args!(
                    "[{index:>2}/{}] {:<38} NOT CAUGHT ({:.2}s)",
                    variants.len(),
                    variant.name(),
                    hunt.seconds
                )),
            }
            Some(hunt)
        });
        for (variant, hunt) in variants.iter().zip(hunts) {
            let Some(hunt) = hunt else { continue };
            self.report.mutants.push(Mutant {
                flaw: variant.flaw,
                expected_property: variant.expected_property,
                hunt,
            });
        }
    }

    /// Prints the results, writes the reports, and returns the exit
    /// status.
    fn finish(mut self, schemes: &[SchemeEntry]) -> Status {
        self.report.interrupted = stop::stop_requested();
        let traces = self.out_ready.then(|| self.out.join("traces"));
        let failed_traces = results::print(self.terminal, &self.report, traces.as_deref());
        self.io_errors.extend(failed_traces);
        let json_path = self.out.join("report.json");
        let md_path = self.out.join("report.md");
        if self.out_ready {
            match serde_json::to_string_pretty(&json::to_json(&self.report)) {
                Ok(text) => self.write(&json_path, text),
                Err(error) => self
                    .io_errors
                    .push(format!("cannot encode the report: {error}")),
            }
            self.write(&md_path, markdown::to_markdown(&self.report));
        }
        let missed = self.report.known_bugs_missed(schemes);
        for (scheme, bug) in &missed {
            self.terminal.line(format_args!(
                "KNOWN BUG NOT FOUND: {scheme} declares {bug}, and no run showed it"
            ));
        }
        results::print_summary(
            self.terminal,
            &self.report,
            self.started.elapsed().as_secs_f64(),
            self.seed,
            [json_path.as_path(), md_path.as_path()],
        );
        for error in &self.io_errors {
            note(format_args!("pinref: {error}"));
        }
        let (_, violations, _, incomplete) = self.report.tally();
        let findings = Findings {
            violations,
            survivors: self
                .report
                .mutants
                .iter()
                .filter(|m| !m.hunt.caught())
                .count(),
            known_bugs_missed: missed.len(),
            io_failures: self.io_errors.len(),
            incomplete: incomplete + usize::from(!self.report.complete()),
        };
        findings.status()
    }

    fn write(&mut self, path: &Path, text: String) {
        if let Err(error) = atomic::write_atomic(path, text.as_bytes()) {
            self.io_errors
                .push(format!("cannot write {}: {error}", path.display()));
        }
    }
}
