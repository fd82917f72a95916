//! The scaling benchmark of issue 12: `pin_get_mix` at sizes 1+1 .. 5+5
//! (pinners + getters) under loom without a bound, loom at preemption
//! bound 2, and the state-caching explorer on one core and on two, with
//! the states (explorer) or executions (loom) and the seconds of each.
//!
//! ```text
//! cargo run --release -p pinref-proofs --example scaling [MAX_SECONDS] [LARGEST]
//! ```
//!
//! Each cell runs once, capped at MAX_SECONDS (default 60); a cell that
//! hits the cap shows how far it got, and the larger sizes of that column
//! are not run. Loom runs at most four threads beside the main one, so its
//! columns stop at three threads beside the owner. Not a test: the numbers
//! are for the report.

use pinref_proofs::catalogue::find_scheme;
use pinref_proofs::engines::loom::LoomEngine;
use pinref_proofs::engines::stateful::StatefulEngine;
use pinref_proofs::engines::{Bound, Engine, Outcome, RunOptions, Verdict};
use pinref_proofs::scenarios;
use std::time::Duration;

fn cell(outcome: &Outcome) -> String {
    let work = format!("{} {}", outcome.executions, outcome.unit);
    let peak = outcome
        .counter("peak_memory_bytes")
        .map(|bytes| format!(", {:.1} MB", bytes as f64 / 1e6))
        .unwrap_or_default();
    match outcome.verdict {
        Verdict::Incomplete => format!("cut at {:.0}s: {work}", outcome.seconds),
        verdict => format!("{} {work}, {:.2}s{peak}", verdict.as_str(), outcome.seconds),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let cap: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(60);
    let largest: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let scheme = find_scheme("v5_7").expect("built in");
    let columns: Vec<(&str, Box<dyn Engine>, Bound)> = vec![
        ("loom unbounded", Box::new(LoomEngine), Bound::Unbounded),
        ("loom bound 2", Box::new(LoomEngine), Bound::At(2)),
        (
            "stateful 1 core",
            Box::new(StatefulEngine {
                workers: 1,
                ..StatefulEngine::default()
            }),
            Bound::Unbounded,
        ),
        (
            "stateful 2 cores",
            Box::new(StatefulEngine {
                workers: 2,
                ..StatefulEngine::default()
            }),
            Bound::Unbounded,
        ),
    ];
    let mut given_up = vec![false; columns.len()];
    println!("pin_get_mix on {} (cap {cap}s per cell)", scheme.name);
    println!(
        "| size | {} |",
        columns.iter().map(|c| c.0).collect::<Vec<_>>().join(" | ")
    );
    println!("|---|{}", "---|".repeat(columns.len()));
    for n in 1..=largest {
        let scenario = scenarios::find("pin_get_mix")
            .expect("catalogued")
            .with_parameters(&[("pinners".to_string(), n), ("getters".to_string(), n)])
            .expect("sizes in range");
        let mut cells = Vec::new();
        for (index, (_, engine, bound)) in columns.iter().enumerate() {
            if given_up[index] {
                cells.push("not run".to_string());
                continue;
            }
            if !engine.supports(&scenario) {
                cells.push("n/a (loom: at most 4 threads beside main)".to_string());
                continue;
            }
            let options = RunOptions {
                bound: *bound,
                max_executions: u64::MAX,
                max_duration: Duration::from_secs(cap),
                ..RunOptions::default()
            };
            let outcome = engine.explore(&scenario, &scheme, &options);
            given_up[index] = outcome.verdict == Verdict::Incomplete;
            eprintln!("{n}+{n} {}: {}", columns[index].0, cell(&outcome));
            cells.push(cell(&outcome));
        }
        println!("| {n}+{n} | {} |", cells.join(" | "));
    }
    println!("| SPIN (issue 12) | | | | 3+3: 13 s, 572 MB |");
}
