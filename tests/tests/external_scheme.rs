//! A scheme and a scenario written outside pinref
//! ([`pinref_tests::HeadroomGuard`], [`pinref_tests::PinVsDriverPut`]) get
//! every check the built-ins get, through the public doors alone: every
//! engine pinref has, on every scenario it supports.

use pinref_model::op::{Op, Program, Start};
use pinref_model::sync::Std;
use pinref_model::{GupError, GupFlags, Held, Layout, Memory, Scheme};
use pinref_proofs::catalogue::builtin_schemes;
use pinref_proofs::engines::sequential::run_program;
use pinref_proofs::engines::{self, RunOptions, Verdict};
use pinref_proofs::scenarios::{self, ScenarioEntry};
use pinref_proofs::schemes::SchemeEntry;
use pinref_tests::{HeadroomGuard, PIN_HEADROOM_LIMIT, PinVsDriverPut};

/// Runs `scenarios` on `scheme` with every engine that supports them and
/// returns (cases run per engine, the cases that did not pass).
fn every_engine(
    scheme: &SchemeEntry,
    scenarios: &[ScenarioEntry],
) -> (Vec<(&'static str, usize)>, Vec<String>) {
    let mut runs = Vec::new();
    let mut failures = Vec::new();
    for engine in engines::registry() {
        let mut count = 0;
        // The eight-thread `pin_get_mix_4x4` is shuttle's size: the
        // state-caching explorer does not finish it in a test's time on a
        // v6.1+ base, whose `smp_mb__after_atomic` is one more step per pin.
        let explorer_too_big =
            |s: &ScenarioEntry| engine.name() == "stateful" && s.info().threads > 4;
        for scenario in scenarios
            .iter()
            .filter(|s| engine.supports(s) && scheme.applies(s) && !explorer_too_big(s))
        {
            let outcome = scheme.explore(&*engine, scenario, &RunOptions::default());
            count += 1;
            if outcome.verdict != Verdict::Pass || outcome.executions == 0 {
                failures.push(format!(
                    "{} on {} with {}: {:?} after {} {}: {:#?}",
                    scenario.name(),
                    scheme.name,
                    engine.name(),
                    outcome.verdict,
                    outcome.executions,
                    outcome.unit,
                    outcome.violations
                ));
            }
        }
        runs.push((engine.name(), count));
    }
    (runs, failures)
}

#[test]
fn the_external_scheme_passes_every_scenario_on_every_engine_overflow_included() {
    let scheme = SchemeEntry::new(HeadroomGuard);
    let mut all = scenarios::catalogue();
    all.push(ScenarioEntry::new(PinVsDriverPut));
    let (runs, failures) = every_engine(&scheme, &all);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for (engine, count) in runs {
        assert!(
            count > 0,
            "engine {engine} ran nothing on the external scheme"
        );
    }
}

#[test]
fn the_external_scenario_runs_on_every_threaded_engine_and_every_builtin_scheme() {
    let scenario = ScenarioEntry::new(PinVsDriverPut);
    let mut schemes = builtin_schemes();
    schemes.push(SchemeEntry::new(HeadroomGuard));
    for scheme in &schemes {
        let (runs, failures) = every_engine(scheme, std::slice::from_ref(&scenario));
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        let threaded: Vec<_> = engines::registry()
            .into_iter()
            .filter(|engine| engine.supports(&scenario))
            .map(|engine| engine.name())
            .collect();
        assert!(!threaded.is_empty(), "no engine runs threaded scenarios");
        for (engine, count) in runs {
            if threaded.contains(&engine) {
                assert_eq!(
                    count, 1,
                    "{engine} skipped the external scenario on {}",
                    scheme.name
                );
            }
        }
    }
}

#[test]
fn a_grab_past_the_headroom_limit_is_refused_and_changes_nothing() {
    let memory = Memory::<Std>::new(&Layout::single_page());
    let page = memory.page(0).expect("page 0 exists");
    let held = Held {
        plain: i64::from(PIN_HEADROOM_LIMIT),
        pins: 1,
    };
    HeadroomGuard.init_page(page, held);
    let before = pinref_model::page_ref::page_ref_count(page);
    let refused = HeadroomGuard.try_grab_page(page, GupFlags::FOLL_PIN);
    assert!(
        matches!(refused, Err(GupError::WouldOverflow { .. })),
        "{refused:?}"
    );
    assert_eq!(pinref_model::page_ref::page_ref_count(page), before);
    assert_eq!(memory.vmstat().acquired(), 0);
}

#[test]
fn get_page_at_the_top_of_the_count_is_refused_by_the_headroom_guard_too() {
    // The case the sequential engine found: a count of exactly i32::MAX
    // (1023 plain references and 2^21 - 1 pins), then one more reference.
    let start = Start::single(Held {
        plain: 1023,
        pins: (1 << 21) - 1,
    });
    let program = Program {
        start,
        ops: vec![Op::GetPage { page: 0 }, Op::TryGetPage { page: 0 }],
    };
    let run = run_program(&HeadroomGuard, &program).unwrap_or_else(|f| panic!("{}", f.violation));
    assert_eq!((run.executed, run.refused), (2, 2));
}
