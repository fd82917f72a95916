//! `pinref`, the main job, as a library: [`main`] parses the command line
//! and runs it. With no arguments it explores every scenario of the
//! catalogue on every built-in scheme with every engine that supports it,
//! prints the run table, writes `target/pinref/report.json` and
//! `report.md`, then runs the flawed-variant catalogue (the mutation run:
//! the engine matrix). Runs go to as many workers as the machine has cores
//! (`--jobs`).

pub mod args;
mod output;
pub mod select;
pub mod workers;

use crate::catalogue::builtin_schemes;
use crate::engines::{self, Engine, RunOptions};
use crate::mutation::{self, Budget};
use crate::report::{EngineInfo, Mutant, Report, Run};
use crate::scenarios::{self, ScenarioEntry};
use crate::schemes::SchemeEntry;
use crate::variants;
use args::{Cli, describe, preemption_bound};
use clap::Parser;
use select::{select_engines, select_scenarios, select_schemes, select_variants, with_params};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Parses the command line and runs it; the exit status says how it went
/// (see `--help`).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("pinref: {message}");
            ExitCode::from(2)
        }
    }
}

/// Runs what `cli` asks for.
pub fn run(cli: Cli) -> Result<ExitCode, String> {
    let schemes = select_schemes(&cli.schemes)?;
    let scenarios = with_params(select_scenarios(&cli.scenarios)?, &cli.parameters())?;
    let engines = select_engines(&cli.engines)?;
    if cli.list {
        list();
        return Ok(ExitCode::SUCCESS);
    }
    let bound = preemption_bound(&cli)?;
    if cli.replay.is_some() && (scenarios.len() != 1 || schemes.len() != 1 || engines.len() != 1) {
        return Err(
            "--replay needs exactly one --engine, one --scenario and one --scheme".to_string(),
        );
    }
    let replay_dir = cli.out.join("replay");
    std::fs::create_dir_all(&replay_dir)
        .map_err(|error| format!("cannot create {}: {error}", cli.out.display()))?;
    let jobs = cli.jobs.unwrap_or_else(workers::available).max(1);

    let mut cases: Vec<(&Arc<dyn Engine>, &ScenarioEntry, &SchemeEntry)> = Vec::new();
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
    let engine_names: Vec<&str> = engines.iter().map(|engine| engine.name()).collect();
    eprintln!(
        "pinref: {} runs on {}, preemption bound: {}, {jobs} worker(s)",
        cases.len(),
        engine_names.join(", "),
        describe(bound)
    );
    let seed = cli.seed.unwrap_or_else(engines::fresh_seed);
    eprintln!("pinref: seed {seed} (--seed {seed} reruns the same random schedules)");
    let started = Instant::now();
    let mut report = Report {
        engines: engines
            .iter()
            .map(|engine| EngineInfo::of(engine.as_ref()))
            .collect(),
        ..Report::default()
    };
    let options = RunOptions {
        bound,
        max_executions: cli.max_executions,
        max_duration: Duration::from_secs(cli.max_seconds),
        seed: Some(seed),
        replay_from: cli.replay.clone(),
        artifacts: Some(replay_dir.clone()),
        // Progress lines mid-run only make sense one run at a time.
        progress: jobs == 1,
    };
    let done = AtomicUsize::new(0);
    let outcomes = workers::map(&cases, jobs, |_, (engine, scenario, scheme)| {
        // Through the entry: the one place a known bug is judged.
        let outcome = scheme.explore(engine.as_ref(), scenario, &options);
        eprintln!(
            "[{:>3}/{}] {:<18} {:<8} {:<15} {} ({} {}, {:.2}s)",
            done.fetch_add(1, Ordering::Relaxed) + 1,
            cases.len(),
            scenario.name(),
            scheme.name,
            engine.name(),
            outcome.verdict.as_str(),
            outcome.executions,
            outcome.unit,
            outcome.seconds
        );
        outcome
    });
    for ((engine, scenario, scheme), outcome) in cases.iter().zip(outcomes) {
        report.runs.push(Run {
            parameters: scenario
                .parameters()
                .iter()
                .map(|parameter| (parameter.name, parameter.value))
                .collect(),
            scenario: scenario.name(),
            scheme: scheme.name,
            engine: engine.name(),
            preemption_bound: outcome.bound,
            outcome,
        });
    }

    let hunt_mutants = !cli.skip_mutants
        && cli.replay.is_none()
        && (!cli.variants.is_empty() || (cli.scenarios.is_empty() && cli.schemes.is_empty()));
    if hunt_mutants {
        let chosen = select_variants(&cli.variants)?;
        let budget = Budget::main_job(&replay_dir, seed, bound);
        eprintln!(
            "pinref: mutation run: {} flawed variants, each hunted by {} engine(s) within a \
             fixed budget",
            chosen.len(),
            engines.len()
        );
        let catalogue = scenarios::catalogue();
        let done = AtomicUsize::new(0);
        let hunts = workers::map(&chosen, jobs, |_, variant| {
            let hunt = mutation::hunt_with(&variant.entry, &engines, &catalogue, &budget);
            let by = hunt.engines.iter().filter(|cell| cell.caught()).count();
            let index = done.fetch_add(1, Ordering::Relaxed) + 1;
            match hunt.property() {
                Some(property) => eprintln!(
                    "[{index:>2}/{}] {:<38} caught: {} by {} {} ({} {}, {:.2}s); {by} of {} \
                     engines caught it",
                    chosen.len(),
                    variant.name(),
                    property.id(),
                    hunt.engine,
                    hunt.scenario.unwrap_or(""),
                    hunt.executions_to_find,
                    hunt.unit,
                    hunt.seconds,
                    hunt.engines.len()
                ),
                None => eprintln!(
                    "[{index:>2}/{}] {:<38} NOT CAUGHT ({:.2}s)",
                    chosen.len(),
                    variant.name(),
                    hunt.seconds
                ),
            }
            hunt
        });
        for (variant, hunt) in chosen.iter().zip(hunts) {
            report.mutants.push(Mutant {
                flaw: variant.flaw,
                expected_property: variant.expected_property,
                hunt,
            });
        }
    }

    output::print_runs(&report, &cli.out.join("traces"))?;
    let (json_path, md_path) = output::write_reports(&report, &cli.out)?;
    output::print_mutants(&report);
    let (pass, violation, expected, incomplete) = report.tally();
    println!(
        "\n{} runs in {:.1}s: {pass} pass, {violation} violation, {expected} expected violation, \
         {} known bug, {incomplete} incomplete. Seed {seed}. Reports: {}, {}",
        report.runs.len(),
        started.elapsed().as_secs_f64(),
        report.known_bugs(),
        json_path.display(),
        md_path.display()
    );
    let survivors = report.mutants.iter().filter(|m| !m.hunt.caught()).count();
    Ok(if violation > 0 || survivors > 0 {
        ExitCode::from(1)
    } else if incomplete > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--list`: the scenarios, engines, schemes and flawed variants.
fn list() {
    println!("scenarios:");
    for scenario in scenarios::catalogue() {
        let properties: Vec<_> = scenario.properties().iter().map(|p| p.id()).collect();
        let size = match scenario.threads() {
            Some(_) => format!("{} threads", scenario.info().threads),
            None => "sequential".to_string(),
        };
        println!(
            "  {:<18} {size:<10} {}",
            scenario.name(),
            properties.join(" ")
        );
        for parameter in scenario.parameters() {
            println!(
                "  {:<18}   --param {}={} ({}..={}): {}",
                "", parameter.name, parameter.value, parameter.min, parameter.max, parameter.help
            );
        }
    }
    println!("engines:");
    for engine in engines::registry() {
        println!("  {:<18} {}", engine.name(), engine.summary());
    }
    println!("schemes:");
    for scheme in builtin_schemes() {
        println!("  {:<18} {}", scheme.name, scheme.description);
    }
    println!("flawed variants (the mutation run):");
    for variant in variants::catalogue() {
        println!("  {:<38} {}", variant.name(), variant.flaw);
    }
}
