//! What exploring costs: for three catalogue scenarios of different size
//! (`last_reference`, `gup_fast_vs_unmap`, `stats`), on v5_7, the work each
//! engine needs and its rate, and loom's executions at preemption bounds 1,
//! 2, 3 and none. `cargo bench --bench exploration` prints the tables; a
//! cell that hits its cap (60 s) says `incomplete`.
//!
//! These are counts of work and one wall-clock time per cell, not timings
//! to average, so criterion (the refcount benchmark's harness) has no part
//! here: each cell is one run through the engine interface, as the main
//! job runs it.

use pinref_proofs::catalogue::find_scheme;
use pinref_proofs::engines::{self, Bound, Outcome, RunOptions, Verdict};
use pinref_proofs::scenarios;
use std::time::Duration;

const SCENARIOS: [&str; 3] = ["last_reference", "gup_fast_vs_unmap", "stats"];

fn options(bound: Bound) -> RunOptions {
    RunOptions {
        bound,
        max_executions: u64::MAX,
        max_duration: Duration::from_secs(60),
        seed: Some(1),
        ..RunOptions::default()
    }
}

fn cell(outcome: &Outcome) -> String {
    let rate = outcome.executions as f64 / outcome.seconds.max(1e-9);
    let finished = if outcome.verdict == Verdict::Incomplete {
        " incomplete"
    } else {
        ""
    };
    format!(
        "{} {} in {:.2} s ({:.0}/s){finished}",
        outcome.executions, outcome.unit, outcome.seconds, rate
    )
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks scenarios.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let scheme = find_scheme("v5_7").expect("v5_7 is built in");
    let chosen: Vec<_> = SCENARIOS
        .iter()
        .filter(|name| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str())))
        .map(|name| scenarios::find(name).expect("a catalogued scenario"))
        .collect();

    println!("\nwork per engine at its default (v5_7): units, seconds, rate");
    println!("| scenario | engine | work |");
    println!("|---|---|---|");
    for scenario in &chosen {
        for engine in engines::registry() {
            if !engine.supports(scenario) || !scheme.applies(scenario) {
                continue;
            }
            let outcome = engine.explore(scenario, &scheme, &options(Bound::ScenarioDefault));
            println!(
                "| {} | {} | {} |",
                scenario.name(),
                engine.name(),
                cell(&outcome)
            );
        }
    }

    println!("\nloom executions by preemption bound (v5_7)");
    println!("| scenario | bound 1 | bound 2 | bound 3 | no bound |");
    println!("|---|---|---|---|---|");
    let loom = engines::registry()
        .into_iter()
        .find(|engine| engine.name() == "loom")
        .expect("loom is registered");
    for scenario in &chosen {
        let cells: Vec<String> = [Bound::At(1), Bound::At(2), Bound::At(3), Bound::Unbounded]
            .into_iter()
            .map(|bound| cell(&loom.explore(scenario, &scheme, &options(bound))))
            .collect();
        println!("| {} | {} |", scenario.name(), cells.join(" | "));
    }
}
