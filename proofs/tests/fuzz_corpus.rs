//! The fuzz targets' committed inputs, replayed: every file of the seed
//! corpus (`fuzz/corpus/<target>/`) and every finding kept as a regression
//! (`fuzz/regressions/<target>/`) runs on every correct scheme, decoded by
//! the same code the cargo-fuzz targets use (`pinref_proofs::fuzzing`), and
//! must hold there; a regression filed under a flawed variant's name must
//! still be caught on it. Adding a crash file under `fuzz/regressions/`
//! makes it a test. The crash artifacts a local run left under
//! `fuzz/artifacts/<target>/` (not committed) are replayed the same way, so
//! that a crash on a correct scheme fails the test suite until it is fixed.
//! Garbage never crashes a target.

use pinref_proofs::catalogue::{builtin_schemes, find_scheme};
use pinref_proofs::fuzzing::corpus::{input_files, replay_dir};
use pinref_proofs::fuzzing::{InputVerdict, SchemeChoice, Target, concurrent, fuzz_one};
use pinref_proofs::schemes::SchemeEntry;
use pinref_proofs::variants;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use support::{assert_every_case, xorshift_bytes};

mod support;

/// `fuzz/<kind>/<target>` in this repository.
fn committed(kind: &str, target: Target) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz"))
        .join(kind)
        .join(target.name())
}

/// Replays `fuzz/<kind>/<target>` on the built-in schemes: every failing
/// case, and how many runs ran.
fn replay(kind: &str, target: Target) -> (usize, usize) {
    let dir = committed(kind, target);
    let replay = replay_dir(target, &dir, &builtin_schemes())
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()));
    assert_every_case(replay.failures);
    (replay.files, replay.ran)
}

#[test]
fn every_sequential_corpus_input_holds_on_every_correct_scheme() {
    let (files, ran) = replay("corpus", Target::Sequential);
    assert!(files >= 10, "the seed corpus has {files} files");
    assert!(ran > files, "only {ran} runs ran");
}

#[test]
fn every_concurrent_corpus_input_holds_on_every_correct_scheme() {
    let (files, ran) = replay("corpus", Target::Concurrent);
    assert!(files >= 10, "the seed corpus has {files} files");
    assert!(ran > files, "only {ran} runs ran");
}

#[test]
fn every_sequential_regression_holds_on_the_correct_schemes_and_is_caught_where_filed() {
    let (files, _) = replay("regressions", Target::Sequential);
    assert!(files >= 1, "no sequential regression is committed");
}

#[test]
fn every_concurrent_regression_holds_on_the_correct_schemes_and_is_caught_where_filed() {
    let (files, _) = replay("regressions", Target::Concurrent);
    assert!(files >= 1, "no concurrent regression is committed");
}

#[test]
fn every_local_crash_artifact_holds_on_every_correct_scheme() {
    // None on a fresh clone; after a `cargo fuzz run` on a flawed variant,
    // its findings (which the correct schemes must survive).
    for target in Target::ALL {
        replay("artifacts", target);
    }
}

#[test]
fn the_replay_fails_when_an_input_breaks_a_property_of_a_scheme_taken_for_correct() {
    // The regressions filed under a flawed variant, replayed as if that
    // variant were a correct scheme: each must be reported, with its file.
    for (target, name) in [
        (Target::Sequential, "unpin-subtracts-one"),
        (Target::Concurrent, "put-load-store"),
    ] {
        let entry = find_scheme(name).expect("a catalogued variant");
        let dir = committed("regressions", target).join(name);
        let replay = replay_dir(target, &dir, std::slice::from_ref(&entry))
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()));
        assert!(replay.files >= 1, "{}: no file", dir.display());
        assert_eq!(
            replay.failures.len(),
            replay.files,
            "{:#?}",
            replay.failures
        );
        assert!(
            replay.failures.iter().all(|f| f.contains(name)),
            "{:#?}",
            replay.failures
        );
    }
}

#[test]
fn the_same_concurrent_input_replays_the_same_interleaving() {
    let entry = find_scheme("put-load-store").expect("a catalogued variant");
    let dir = committed("regressions", Target::Concurrent).join("put-load-store");
    let files = input_files(&dir).expect("the regression directory");
    let file = files.first().expect("a put-load-store regression");
    let data = std::fs::read(file).expect("the file");
    let input = concurrent::decode(&data[1..]).expect("it decodes");
    let timeline = |verdict: InputVerdict| match verdict {
        InputVerdict::Violated(violation) => violation.counterexample,
        other => panic!("{} is no longer caught: {other:?}", file.display()),
    };
    let first = timeline(concurrent::check_input(entry.object(), &input));
    let second = timeline(concurrent::check_input(entry.object(), &input));
    assert_eq!(first, second);
}

#[test]
fn the_first_byte_chooses_a_builtin_scheme_unless_the_variable_names_one() {
    let by_byte = SchemeChoice::by_first_byte();
    let builtins: Vec<&str> = builtin_schemes().iter().map(|entry| entry.name).collect();
    let names: Vec<&str> = (0..2 * builtins.len())
        .map(|byte| by_byte.pick(byte as u8).name)
        .collect();
    assert_eq!(names, [builtins.clone(), builtins].concat());
    let named = SchemeChoice::named("put-load-store").expect("a variant");
    assert!((0..=255).all(|byte| named.pick(byte).name == "put-load-store"));
    let error = SchemeChoice::named("bogus").expect_err("no such scheme");
    assert!(
        error.contains("bogus") && error.contains("put-load-store"),
        "{error}"
    );
}

/// Inputs no fuzzer would keep: empty, one byte, runs of one value, and
/// pseudo-random bytes of every length up to 600.
fn garbage() -> Vec<Vec<u8>> {
    let mut inputs = vec![
        Vec::new(),
        vec![0],
        vec![0xff],
        vec![0xff; 4096],
        vec![0; 4096],
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for len in (0..600).step_by(7) {
        inputs.push(xorshift_bytes(&mut state, len));
    }
    inputs
}

#[test]
fn garbage_never_crashes_a_target_and_breaks_nothing_on_a_correct_scheme() {
    let correct: Vec<&str> = builtin_schemes().iter().map(|e| e.name).collect();
    let schemes: Vec<SchemeEntry> = builtin_schemes()
        .into_iter()
        .chain(variants::catalogue().into_iter().map(|v| v.entry))
        .collect();
    let mut failures = Vec::new();
    for target in Target::ALL {
        for entry in &schemes {
            let choice = SchemeChoice::named(entry.name).expect("a shipped scheme");
            for input in garbage() {
                let run = catch_unwind(AssertUnwindSafe(|| fuzz_one(target, &choice, &input)));
                match run {
                    Err(_) => failures.push(format!(
                        "{target} on {}: {} bytes crashed the harness",
                        entry.name,
                        input.len()
                    )),
                    Ok(Err(report)) if report.contains("panicked") => failures.push(format!(
                        "{target} on {}: {} bytes made the check panic: {report}",
                        entry.name,
                        input.len()
                    )),
                    Ok(Err(report)) if correct.contains(&entry.name) => failures.push(format!(
                        "{target} on {} (correct): {} bytes: {report}",
                        entry.name,
                        input.len()
                    )),
                    Ok(_) => {}
                }
            }
        }
    }
    assert_every_case(failures);
}

/// The sequential regressions filed under a flawed variant, with it.
fn sequential_regressions_by_variant() -> Vec<(SchemeEntry, Vec<PathBuf>)> {
    variants::catalogue()
        .into_iter()
        .filter_map(|variant| {
            let dir = committed("regressions", Target::Sequential).join(variant.entry.name);
            let files = input_files(&dir).expect("the regression directory");
            (!files.is_empty()).then_some((variant.entry, files))
        })
        .collect()
}

#[test]
fn the_sequential_fuzz_target_reports_each_caught_regression_as_check_does() {
    // The target judges an input untraced first; what it reports of a
    // violation must still be check's whole report, trace included.
    let mut failures = Vec::new();
    let regressions = sequential_regressions_by_variant();
    assert!(regressions.len() >= 3, "{} variants", regressions.len());
    for (entry, files) in regressions {
        let choice = SchemeChoice::named(entry.name).expect("a catalogued variant");
        for file in files {
            let data = std::fs::read(&file).expect("the file");
            let checked = Target::Sequential.check(entry.object(), &data[1..]);
            let Some(violation) = checked.violation() else {
                failures.push(format!("{}: check no longer catches it", file.display()));
                continue;
            };
            match fuzz_one(Target::Sequential, &choice, &data) {
                Err(report) if report.contains(&violation.to_string()) => {}
                Err(report) => failures.push(format!(
                    "{} on {}: the target's report\n{report}\nis not check's\n{violation}",
                    file.display(),
                    entry.name
                )),
                Ok(ran) => failures.push(format!(
                    "{} on {}: the target passed it (ran: {ran})",
                    file.display(),
                    entry.name
                )),
            }
        }
    }
    assert_every_case(failures);
}

#[test]
fn the_sequential_fuzz_target_gives_every_committed_input_checks_verdict_on_every_scheme() {
    let mut files = input_files(&committed("corpus", Target::Sequential)).expect("the corpus");
    files.extend(input_files(&committed("regressions", Target::Sequential)).expect("regressions"));
    let schemes: Vec<SchemeEntry> = builtin_schemes()
        .into_iter()
        .chain(variants::catalogue().into_iter().map(|v| v.entry))
        .collect();
    let mut failures = Vec::new();
    for file in &files {
        let data = std::fs::read(file).expect("the file");
        for entry in &schemes {
            let choice = SchemeChoice::named(entry.name).expect("a shipped scheme");
            let checked = Target::Sequential.check(entry.object(), &data[1..]);
            let fuzzed = fuzz_one(Target::Sequential, &choice, &data);
            let agree = match (&checked, &fuzzed) {
                (InputVerdict::Violated(_), Err(_)) => true,
                (InputVerdict::Violated(_), Ok(_)) | (_, Err(_)) => false,
                (verdict, Ok(ran)) => verdict.ran() == *ran,
            };
            if !agree {
                failures.push(format!(
                    "{} on {}: check says {checked:?}, the target {fuzzed:?}",
                    file.display(),
                    entry.name
                ));
            }
        }
    }
    assert!(files.len() >= 10, "{} files", files.len());
    assert_every_case(failures);
}
