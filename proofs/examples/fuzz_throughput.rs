//! How many inputs per second the sequential fuzz target's check judges,
//! without libFuzzer around it: the committed seed corpus
//! (`fuzz/corpus/sequential/`) and 2,000 inputs of 64–463 random bytes
//! (proptest's generator, a fixed seed), each passed to [`fuzz_one`] as the
//! cargo-fuzz target passes it.
//!
//!     cargo run --release -p pinref-proofs --example fuzz_throughput [ROUNDS]
//!
//! A benchmark, not a test: it prints numbers and asserts nothing. The
//! figure is an upper bound on the target's execs/s: libFuzzer adds its
//! mutation and coverage bookkeeping, and the coverage instrumentation
//! its cost to every branch.

use pinref_proofs::fuzzing::corpus::input_files;
use pinref_proofs::fuzzing::{SchemeChoice, Target, fuzz_one};
use proptest::collection::vec;
use proptest::prelude::any;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};
use std::path::Path;
use std::time::Instant;

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(20);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/sequential");
    let corpus: Vec<Vec<u8>> = input_files(&dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|path| std::fs::read(path).ok())
        .collect();
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(7),
        ..Config::default()
    });
    let bytes = vec(any::<u8>(), 64..464);
    let random: Vec<Vec<u8>> = (0..2_000)
        .filter_map(|_| bytes.new_tree(&mut runner).ok())
        .map(|tree| tree.current())
        .collect();
    let choice = SchemeChoice::by_first_byte();
    for (name, inputs) in [("corpus", &corpus), ("random", &random)] {
        let started = Instant::now();
        let mut kept = 0usize;
        let mut runs = 0usize;
        for _ in 0..rounds {
            for input in inputs {
                runs += 1;
                kept += usize::from(matches!(
                    fuzz_one(Target::Sequential, &choice, input),
                    Ok(true)
                ));
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{name}: {runs} inputs in {seconds:.3} s: {:.0} inputs/s ({kept} ran and passed)",
            runs as f64 / seconds
        );
    }
}
