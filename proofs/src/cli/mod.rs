//! `pinref`, the main job, as a library: [`main`] parses the command line
//! and runs it. With no arguments it explores every scenario of the
//! catalogue on every built-in scheme with every engine that supports it,
//! prints the run table, writes `target/pinref/report.json` and
//! `report.md`, then runs the flawed-variant catalogue (the mutation run).

pub mod args;
pub mod select;

use crate::catalogue::builtin_schemes;
use crate::engines::{self, Engine, RunOptions, Verdict};
use crate::mutation;
use crate::report::{Mutant, Report, Run, counterexample, history, json, markdown, table};
use crate::scenarios::{self, ScenarioEntry};
use crate::schemes::SchemeEntry;
use crate::variants;
use args::{Cli, describe, preemption_bound};
use clap::Parser;
use select::{select_engines, select_scenarios, select_schemes, select_variants};
use std::process::ExitCode;
use std::sync::Arc;
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
    let scenarios = select_scenarios(&cli.scenarios)?;
    let engines = select_engines(&cli.engines)?;
    if cli.list {
        println!("scenarios:");
        for scenario in scenarios::catalogue() {
            let properties: Vec<_> = scenario.properties().iter().map(|p| p.id()).collect();
            println!("  {:<18} {}", scenario.name(), properties.join(" "));
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
        return Ok(ExitCode::SUCCESS);
    }
    let bound = preemption_bound(&cli)?;
    if cli.replay.is_some() && (scenarios.len() != 1 || schemes.len() != 1) {
        return Err("--replay needs exactly one --scenario and one --scheme".to_string());
    }
    std::fs::create_dir_all(cli.out.join("replay"))
        .map_err(|error| format!("cannot create {}: {error}", cli.out.display()))?;

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
        "pinref: {} runs on {}, preemption bound: {}",
        cases.len(),
        engine_names.join(", "),
        describe(bound)
    );
    let started = Instant::now();
    let mut report = Report::default();
    let options = RunOptions {
        bound,
        max_executions: cli.max_executions,
        max_duration: Duration::from_secs(cli.max_seconds),
        seed: None,
        replay_from: cli.replay.clone(),
        artifacts: Some(cli.out.join("replay")),
        progress: true,
    };
    for (index, (engine, scenario, scheme)) in cases.iter().enumerate() {
        eprint!(
            "[{:>2}/{}] {:<18} {:<7} {:<8} ... ",
            index + 1,
            cases.len(),
            scenario.name(),
            scheme.name,
            engine.name()
        );
        let outcome = scheme.explore(&***engine, scenario, &options);
        eprintln!(
            "{} ({} {}, {:.2}s)",
            outcome.verdict.as_str(),
            outcome.executions,
            outcome.unit,
            outcome.seconds
        );
        report.runs.push(Run {
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
        eprintln!(
            "pinref: mutation run: {} flawed variants, each until an engine catches it",
            chosen.len()
        );
        let replay_dir = cli.out.join("replay");
        for (index, variant) in chosen.iter().enumerate() {
            eprint!(
                "[{:>2}/{}] {:<38} ... ",
                index + 1,
                chosen.len(),
                variant.name()
            );
            let hunt = mutation::hunt(&variant.entry, &replay_dir);
            match hunt.property() {
                Some(property) => eprintln!(
                    "caught: {} by {} {} ({} {}, {:.2}s)",
                    property.id(),
                    hunt.engine,
                    hunt.scenario.unwrap_or(""),
                    hunt.executions_to_find,
                    hunt.unit,
                    hunt.seconds
                ),
                None => eprintln!("NOT CAUGHT ({:.2}s)", hunt.seconds),
            }
            report.mutants.push(Mutant {
                flaw: variant.flaw,
                expected_property: variant.expected_property,
                hunt,
            });
        }
    }

    print!("{}", table::render(&report));
    println!("\nHistory: the counter's known bugs (rows) on each version (columns)");
    print!("{}", history::render(&report));
    for line in history::legend() {
        println!("  {line}");
    }
    let traces = cli.out.join("traces");
    let single = report.runs.len() == 1;
    let mut expected_lines = Vec::new();
    let mut known_lines = Vec::new();
    for run in &report.runs {
        for violation in &run.outcome.violations {
            let full = counterexample::write_full(&traces, violation, run.scenario, run.scheme)
                .map_err(|error| format!("cannot write under {}: {error}", traces.display()))?;
            // A violation is shown in full; an expected one (a property the
            // scheme does not claim) and a known bug of the version in one
            // line, unless it is all there is.
            if run.outcome.verdict == Verdict::Violation || single {
                println!(
                    "\n{}",
                    counterexample::short(
                        violation,
                        run.scenario,
                        run.scheme,
                        run.engine,
                        run.outcome.verdict.as_str(),
                        Some(&full),
                    )
                );
            } else if run.outcome.verdict == Verdict::KnownBug {
                let bug = run.outcome.known_bugs.first();
                known_lines.push(format!(
                    "  {} on {}: {}: {} [known bug {}, fixed in {}: \"{}\"] (trace: {})",
                    run.scenario,
                    run.scheme,
                    violation.property.id(),
                    violation.message,
                    bug.map_or("?", |bug| bug.id),
                    bug.map_or("?", |bug| bug.fixed_in),
                    bug.map_or("?", |bug| bug.fix),
                    full.display()
                ));
            } else {
                expected_lines.push(format!(
                    "  {} on {}: {}: {} (trace: {})",
                    run.scenario,
                    run.scheme,
                    violation.property.id(),
                    violation.message,
                    full.display()
                ));
            }
        }
    }
    if !known_lines.is_empty() {
        println!(
            "\nKnown bugs of the versions that had them (found, as they must be; not a failure):"
        );
        for line in known_lines {
            println!("{line}");
        }
    }
    if !expected_lines.is_empty() {
        println!(
            "\nExpected violations (properties these schemes do not claim; see --scenario/--scheme for one in full):"
        );
        for line in expected_lines {
            println!("{line}");
        }
    }
    let json_path = cli.out.join("report.json");
    let md_path = cli.out.join("report.md");
    let json_text = serde_json::to_string_pretty(&json::to_json(&report))
        .map_err(|error| format!("cannot encode the report: {error}"))?;
    std::fs::write(&json_path, json_text)
        .map_err(|error| format!("cannot write {}: {error}", json_path.display()))?;
    std::fs::write(&md_path, markdown::to_markdown(&report))
        .map_err(|error| format!("cannot write {}: {error}", md_path.display()))?;
    if let Some(score) = report.mutation_score() {
        println!("\nMutation run: flawed variants and what caught them");
        print!("{}", table::render_mutants(&report));
        let median = report.median_seconds_to_catch().unwrap_or(0.0);
        println!(
            "mutation score {:.0}% ({} of {}), median {median:.2}s to the first counterexample",
            score * 100.0,
            report.mutants.iter().filter(|m| m.hunt.caught()).count(),
            report.mutants.len()
        );
        for mutant in report.mutants.iter().filter(|m| !m.hunt.caught()) {
            println!("NOT CAUGHT: {} ({})", mutant.hunt.name, mutant.flaw);
        }
    }
    let (pass, violation, expected, incomplete) = report.tally();
    println!(
        "\n{} runs in {:.1}s: {pass} pass, {violation} violation, {expected} expected violation, \
         {} known bug, {incomplete} incomplete. Reports: {}, {}",
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
