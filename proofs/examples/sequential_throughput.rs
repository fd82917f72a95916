//! How many programs per second the sequential checker judges: programs
//! drawn up front from the model's program space (a fixed seed), then each
//! run with `run_program` on a scheme, twice.
//!
//!     cargo run --release -p pinref-proofs --example sequential_throughput [PROGRAMS]
//!
//! A benchmark, not a test: it prints numbers and asserts nothing. Rates
//! are per second of this thread's CPU time where Linux reports it
//! (`/proc/thread-self/schedstat`), so that other load on the machine
//! does not skew them; wall-clock seconds are printed beside.

use pinref_model::op::Program;
use pinref_model::op::strategy::program_strategy;
use pinref_model::{Scheme, SchemeObject, Seed, V5_7};
use pinref_proofs::engines::sequential::run_program;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};
use std::time::Instant;

fn main() {
    let count = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(20_000);
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(7),
        ..Config::default()
    });
    let strategy = program_strategy(&[], pinref_model::op::DEFAULT_MAX_OPS);
    let programs: Vec<Program> = (0..count)
        .filter_map(|_| strategy.new_tree(&mut runner).ok())
        .map(|tree| tree.current())
        .collect();
    bench("v5_7", &V5_7, &programs);
    bench(
        "v5_7 as a SchemeObject",
        &SchemeObject::new(V5_7),
        &programs,
    );
    bench("seed", &Seed, &programs);
}

fn bench<S: Scheme>(name: &str, scheme: &S, programs: &[Program]) {
    let ops: usize = programs.iter().map(|program| program.ops.len()).sum();
    for _ in 0..2 {
        let (started, cpu_started) = (Instant::now(), cpu_seconds());
        let failed = programs
            .iter()
            .filter(|program| run_program(scheme, program).is_err())
            .count();
        let wall = started.elapsed().as_secs_f64();
        let seconds = match (cpu_started, cpu_seconds()) {
            (Some(before), Some(after)) if after > before => after - before,
            _ => wall,
        };
        println!(
            "{name}: {} programs ({ops} operations) in {seconds:.3} s of CPU ({wall:.3} s \
             wall): {:.0} programs/s, {:.0} operations/s, {failed} failed",
            programs.len(),
            programs.len() as f64 / seconds,
            ops as f64 / seconds
        );
    }
}

/// This thread's CPU time so far, where Linux reports it.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}
