//! `pinref`: the main job. With no arguments it explores every scenario of
//! the catalogue on every built-in scheme under loom, at the default
//! preemption bound, prints the run table, and writes
//! `target/pinref/report.json` and `report.md`.

use clap::Parser;
use pinref_proofs::catalogue::{builtin_schemes, find_scheme};
use pinref_proofs::engines::{self, Bound, Engine, RunOptions, Verdict};
use pinref_proofs::mutation;
use pinref_proofs::report::{Mutant, Report, Run, counterexample, json, markdown, table};
use pinref_proofs::scenarios::{self, ScenarioEntry};
use pinref_proofs::schemes::SchemeEntry;
use pinref_proofs::variants::{self, Variant};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How a bound is described on the terminal.
fn describe(bound: Bound) -> String {
    match bound {
        Bound::ScenarioDefault => {
            "each scenario's default (exhaustive where cheap; see the table)".to_string()
        }
        Bound::Unbounded => "none (exhaustive)".to_string(),
        Bound::At(bound) => bound.to_string(),
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "pinref",
    version,
    about = "Model-checks the Linux page refcount with the GUP pin bias",
    long_about = "Explores every interleaving of pinref's scenario catalogue under loom, on \
                  every built-in scheme, checks properties P1-P10 at every step where they must \
                  hold, prints a table and writes target/pinref/report.json and report.md.\n\n\
                  It then runs the flawed-variant catalogue (the mutation run) and reports which \
                  engine and property caught each variant.\n\n\
                  Exit status: 0 when every run passed (or violated only what its scheme does \
                  not claim) and every flawed variant was caught, 1 on a violation or a \
                  surviving variant, 2 on bad arguments, 3 when a run was cut short \
                  (incomplete)."
)]
struct Cli {
    /// Only these scenarios (repeatable). `--list` shows the names.
    #[arg(long = "scenario", value_name = "NAME")]
    scenarios: Vec<String>,
    /// Only these schemes (repeatable): seed, v5_7, folio, devmap.
    #[arg(long = "scheme", value_name = "NAME")]
    schemes: Vec<String>,
    /// Only these engines (repeatable; `--list` shows them) [default: all].
    #[arg(long = "engine", value_name = "NAME")]
    engines: Vec<String>,
    /// Loom's preemption bound for every run [default: LOOM_MAX_PREEMPTIONS,
    /// else each scenario's own: exhaustive where cheap, 2 where not].
    #[arg(long, value_name = "N", conflicts_with = "unbounded")]
    preemption_bound: Option<usize>,
    /// Explore every interleaving, with no preemption bound, even if
    /// LOOM_MAX_PREEMPTIONS is set.
    #[arg(long)]
    unbounded: bool,
    /// Stop a run after this many executions and report it incomplete.
    #[arg(long, value_name = "N", default_value_t = 5_000_000)]
    max_executions: u64,
    /// Stop a run after this many seconds and report it incomplete.
    #[arg(long, value_name = "SECONDS", default_value_t = 240)]
    max_seconds: u64,
    /// Where the reports go.
    #[arg(long, value_name = "DIR", default_value = "target/pinref")]
    out: PathBuf,
    /// Replay a failing execution from the loom checkpoint a report named
    /// (with exactly one --scenario and one --scheme).
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// Skip the mutation run (the flawed-variant catalogue). It also runs
    /// only when no --scenario or --scheme filter is given, unless
    /// --variant names variants to hunt.
    #[arg(long)]
    skip_mutants: bool,
    /// Hunt only these flawed variants (repeatable).
    #[arg(long = "variant", value_name = "NAME")]
    variants: Vec<String>,
    /// Set a size parameter of the scenarios that take it (repeatable):
    /// `--param pinners=3`. `--list` shows each scenario's parameters.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, u64)>,
    /// Shorthand for `--param pinners=N` (pin_get_mix).
    #[arg(long, value_name = "N")]
    pinners: Option<u64>,
    /// Shorthand for `--param getters=N` (pin_get_mix).
    #[arg(long, value_name = "N")]
    getters: Option<u64>,
    /// List the scenarios, schemes and flawed variants, and exit.
    #[arg(long)]
    list: bool,
}

fn parse_param(text: &str) -> Result<(String, u64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {text:?}"))?;
    let value = value
        .trim()
        .parse()
        .map_err(|_| format!("{name}: {value:?} is not a non-negative number"))?;
    Ok((name.trim().to_string(), value))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("pinref: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let schemes = select_schemes(&cli.schemes)?;
    let mut params = cli.params.clone();
    params.extend(cli.pinners.map(|n| ("pinners".to_string(), n)));
    params.extend(cli.getters.map(|n| ("getters".to_string(), n)));
    let scenarios = with_params(select_scenarios(&cli.scenarios)?, &params)?;
    let engines = select_engines(&cli.engines)?;
    if cli.list {
        println!("scenarios:");
        for scenario in scenarios::catalogue() {
            let properties: Vec<_> = scenario.properties().iter().map(|p| p.id()).collect();
            println!("  {:<18} {}", scenario.name(), properties.join(" "));
            for parameter in scenario.parameters() {
                println!(
                    "  {:<18}   --param {}={} ({}..={}): {}",
                    "",
                    parameter.name,
                    parameter.value,
                    parameter.min,
                    parameter.max,
                    parameter.help
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
        let outcome = engine.explore(scenario, scheme, &options);
        eprintln!(
            "{} ({} {}, {:.2}s)",
            outcome.verdict.as_str(),
            outcome.executions,
            outcome.unit,
            outcome.seconds
        );
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
    let traces = cli.out.join("traces");
    let single = report.runs.len() == 1;
    let mut expected_lines = Vec::new();
    for run in &report.runs {
        for violation in &run.outcome.violations {
            let full = counterexample::write_full(&traces, violation, run.scenario, run.scheme)
                .map_err(|error| format!("cannot write under {}: {error}", traces.display()))?;
            // A violation is shown in full; an expected one (a property the
            // scheme does not claim) in one line, unless it is all there is.
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
         {incomplete} incomplete. Reports: {}, {}",
        report.runs.len(),
        started.elapsed().as_secs_f64(),
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

fn preemption_bound(cli: &Cli) -> Result<Bound, String> {
    if cli.unbounded {
        return Ok(Bound::Unbounded);
    }
    if let Some(bound) = cli.preemption_bound {
        return Ok(Bound::At(bound));
    }
    match std::env::var("LOOM_MAX_PREEMPTIONS") {
        Ok(text) if text.trim().is_empty() => Err(
            "LOOM_MAX_PREEMPTIONS is set but empty (loom would panic): unset it or give a number"
                .to_string(),
        ),
        Ok(text) => text
            .trim()
            .parse()
            .map(Bound::At)
            .map_err(|_| format!("LOOM_MAX_PREEMPTIONS={text:?} is not a number")),
        Err(_) => Ok(Bound::ScenarioDefault),
    }
}

/// The schemes to run: the built-ins, or those named (a built-in or a
/// flawed variant, so that a variant's counterexample can be replayed).
fn select_schemes(names: &[String]) -> Result<Vec<SchemeEntry>, String> {
    if names.is_empty() {
        return Ok(builtin_schemes());
    }
    names
        .iter()
        .map(|name| {
            find_scheme(name).ok_or_else(|| {
                let known: Vec<_> = builtin_schemes().iter().map(|scheme| scheme.name).collect();
                format!(
                    "unknown scheme '{name}'; known: {} (and the flawed variants: --list)",
                    known.join(", ")
                )
            })
        })
        .collect()
}

fn select_variants(names: &[String]) -> Result<Vec<Variant>, String> {
    let all = variants::catalogue();
    if names.is_empty() {
        return Ok(all);
    }
    names
        .iter()
        .map(|name| {
            all.iter()
                .find(|variant| variant.name() == name)
                .cloned()
                .ok_or_else(|| format!("unknown variant '{name}'; `--list` shows the catalogue"))
        })
        .collect()
}

fn select_scenarios(names: &[String]) -> Result<Vec<ScenarioEntry>, String> {
    if names.is_empty() {
        return Ok(scenarios::catalogue());
    }
    names
        .iter()
        .map(|name| {
            scenarios::find(name).ok_or_else(|| {
                let known: Vec<_> = scenarios::catalogue().iter().map(|s| s.name()).collect();
                format!("unknown scenario '{name}'; known: {}", known.join(", "))
            })
        })
        .collect()
}

/// Sets `params` on every scenario that takes them; a parameter that no
/// chosen scenario takes is an error.
fn with_params(
    scenarios: Vec<ScenarioEntry>,
    params: &[(String, u64)],
) -> Result<Vec<ScenarioEntry>, String> {
    for (name, _) in params {
        if !scenarios
            .iter()
            .any(|s| s.parameters().iter().any(|p| p.name == name))
        {
            return Err(format!(
                "no scenario chosen takes the parameter {name} (see --list)"
            ));
        }
    }
    scenarios
        .into_iter()
        .map(|scenario| {
            let own: Vec<(String, u64)> = params
                .iter()
                .filter(|(name, _)| scenario.parameters().iter().any(|p| p.name == name))
                .cloned()
                .collect();
            scenario
                .with_parameters(&own)
                .map_err(|error| error.to_string())
        })
        .collect()
}

fn select_engines(names: &[String]) -> Result<Vec<Arc<dyn Engine>>, String> {
    if names.is_empty() {
        return Ok(engines::registry());
    }
    names
        .iter()
        .map(|name| {
            engines::find(name).ok_or_else(|| {
                let known: Vec<_> = engines::registry().iter().map(|e| e.name()).collect();
                format!("unknown engine '{name}'; known: {}", known.join(", "))
            })
        })
        .collect()
}
