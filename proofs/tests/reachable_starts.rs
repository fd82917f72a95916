//! Which starting states a check may begin from (`pinref_model::ghost::reach`),
//! and that every engine agrees: the fuzz alarm of issue 10 (devmap, plain
//! `i32::MAX` and 2^21 pins) reproduced, then shown out of reach and no
//! longer run by the sequential checker, the fuzz targets or proptest; the
//! program space's edges and the catalogue's scenarios start only where the
//! schemes can reach; and the sequential checker and loom give devmap the
//! same verdict past the sign bit.

use pinref_model::ghost::reach::{GET_PAGE_CEILING, Unreachable, reachable};
use pinref_model::op::space::ORDERS;
use pinref_model::op::strategy::{program_strategy, reachable_program_strategy};
use pinref_model::op::{Edge, Op, Program, Start, StartError};
use pinref_model::page_ref::page_ref_count;
use pinref_model::sync::{Platform, Std};
use pinref_model::{
    Devmap, GupFlags, Held, Layout, MAX_REFS, Memory, PageRef, PageShape, Scheme, SchemeObject,
    V5_7, scheme::init_counts,
};
use pinref_proofs::catalogue::builtin_schemes;
use pinref_proofs::engines::loom::LoomEngine;
use pinref_proofs::engines::sequential::{SequentialChecker, run_program};
use pinref_proofs::engines::{RunOptions, Verdict};
use pinref_proofs::fuzzing::concurrent::{ConcurrentInput, check_input};
use pinref_proofs::fuzzing::schedule::ByteScheduler;
use pinref_proofs::fuzzing::{InputVerdict, sequential};
use pinref_proofs::properties::Property;
use pinref_proofs::properties::monitor::Monitor;
use pinref_proofs::scenarios::op_threads::OpThreads;
use pinref_proofs::scenarios::{self, wrapped_count};
use pinref_proofs::schemes::SchemeEntry;
use pinref_proofs::variants;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use support::{ClaimsOverflowGuardItLacks, assert_every_case};

mod support;

const GET: u32 = GupFlags::FOLL_GET.bits();

/// The start the fuzzer found in its first second (issue 10): one order-0
/// page holding `i32::MAX` plain references and 2^21 pins.
fn alarm_start() -> Start {
    Start::single(Held {
        plain: i64::from(i32::MAX),
        pins: 1 << 21,
    })
}

/// Every scheme pinref ships: the built-ins and the flawed variants.
fn shipped_schemes() -> Vec<SchemeEntry> {
    builtin_schemes()
        .into_iter()
        .chain(variants::catalogue().into_iter().map(|v| v.entry))
        .collect()
}

#[test]
fn the_alarm_start_encodes_a_count_wrapped_to_devmaps_zero_and_forced_it_raises_the_alarm() {
    let start = alarm_start();
    let memory = Memory::<Std>::new(start.layout());
    let page = memory.page(0).expect("page 0");
    Devmap.init_page(page, start.held()[0]);
    // 1 (the pgmap's reference) + (2^31 - 1) + 2^21 * 1024 = 2^32: read as 0.
    assert_eq!(page_ref_count(page), 0);

    // Forced past the reachability check, the checker raises the alarm the
    // fuzzer saw: gup_fast's grab goes through (0 -> 1) where the ghost,
    // which holds the page referenced and wrapped, says it must be refused.
    let mut checker = SequentialChecker::new(&Devmap, &start);
    let grab = checker.apply(&Op::GupFastPte {
        addr: 0,
        flags: GET,
    });
    let violation = grab.expect_err("the grab on the wrapped count is judged a violation");
    assert!(
        matches!(violation.property, Property::P6 | Property::P10),
        "{violation}"
    );
    // The old fuzzer's other report, the predicate reading 0 as unpinned,
    // is no longer an alarm: past 2^32 no predicate can read the pins, so
    // it is an expected violation of P1 on every scheme.
    let mut checker = SequentialChecker::new(&Devmap, &start);
    let read = checker
        .apply(&Op::PageDmaPinned { page: 0 })
        .unwrap_or_else(|violation| panic!("{violation}"));
    assert!(
        read.expected.iter().any(|e| e.property == Property::P1),
        "{:?}",
        read.expected
    );
}

#[test]
fn the_alarm_start_is_out_of_reach_on_devmap_and_on_v5_7() {
    let held = alarm_start().held()[0];
    let order0 = PageShape { order: 0 };
    assert_eq!(
        reachable(&Devmap, order0, held),
        Err(Unreachable::PastGetPageCeiling { exact: 1 << 32 })
    );
    assert_eq!(
        reachable(&V5_7, order0, held),
        Err(Unreachable::PastGetPageCeiling {
            exact: (1 << 32) - 1
        })
    );
    assert!(matches!(
        alarm_start().check_reachable(&Devmap),
        Err(StartError::Unreachable { page: 0, .. })
    ));
}

#[test]
fn the_sequential_checker_runs_nothing_from_the_alarm_start() {
    let program = Program {
        start: alarm_start(),
        ops: vec![
            Op::GupFastPte {
                addr: 0,
                flags: GET,
            },
            Op::PageDmaPinned { page: 0 },
        ],
    };
    let run = run_program(&Devmap, &program).expect("no violation: nothing runs");
    assert_eq!(run.executed, 0);
    assert_eq!(run.skipped, 2);
    assert!(matches!(
        run.unreachable_start,
        Some(StartError::Unreachable { .. })
    ));
    assert!(matches!(
        sequential::check_program(&Devmap, &program),
        InputVerdict::Unreachable(_)
    ));
}

#[test]
fn the_concurrent_target_runs_nothing_from_the_alarm_start() {
    let ops = vec![Op::GupFastPte {
        addr: 0,
        flags: GET,
    }];
    let input = ConcurrentInput {
        threads: OpThreads::new(alarm_start(), vec![ops.clone(), ops]).expect("two threads"),
        schedule: Vec::new(),
    };
    assert!(matches!(
        check_input(&SchemeObject::new(Devmap), &input),
        InputVerdict::Unreachable(_)
    ));
}

#[test]
fn starts_stop_at_the_debug_kernels_get_page_ceiling() {
    // A count that has crossed the sign bit climbs by get_page; a DEBUG_VM
    // kernel stops it at -127 (2^32 - 127 in exact terms), the bound of the
    // starts generated. The built-in schemes follow a production kernel:
    // get_page itself refuses nothing there.
    let memory = Memory::<Std>::new(&Layout::single_page());
    let page = memory.page(0).expect("page 0");
    init_counts(
        page,
        V5_7.counts_for(PageShape { order: 0 }, plain(GET_PAGE_CEILING - 1)),
    );
    assert_eq!(page_ref_count(page), -128);
    assert_eq!(V5_7.get_page(page), Ok(()));
    assert_eq!(page_ref_count(page), -127);
    let order0 = PageShape { order: 0 };
    assert_eq!(reachable(&V5_7, order0, plain(GET_PAGE_CEILING)), Ok(()));
    assert_eq!(
        reachable(&V5_7, order0, plain(GET_PAGE_CEILING + 1)),
        Err(Unreachable::PastGetPageCeiling {
            exact: GET_PAGE_CEILING + 1
        })
    );
}

fn plain(plain: i64) -> Held {
    Held { plain, pins: 0 }
}

#[test]
fn pins_are_reachable_up_to_one_grab_past_the_sign_bit() {
    let order0 = PageShape { order: 0 };
    // 2^21 - 1 pins fit below the sign bit; a last grab of MAX_REFS
    // (refs * bias stays an i32) crosses it.
    let max_refs = i64::from(MAX_REFS);
    let last_grab_crosses = Held {
        plain: 0,
        pins: (1 << 21) - 1 + max_refs,
    };
    assert_eq!(reachable(&V5_7, order0, last_grab_crosses), Ok(()));
    // Without its last MAX_REFS, this one is already past: every pin refused.
    let one_more = Held {
        plain: 0,
        pins: (1 << 21) + max_refs,
    };
    assert_eq!(
        reachable(&V5_7, order0, one_more),
        Err(Unreachable::PinsPastSignBit {
            exact_before_last_pin: 1 << 31
        })
    );
    // v5.7's order-2 pages count each pin once in the refcount: far away.
    assert_eq!(reachable(&V5_7, PageShape { order: 2 }, one_more), Ok(()));
}

#[test]
fn a_scheme_that_claims_to_refuse_before_overflow_reaches_no_count_past_the_sign_bit() {
    let order0 = PageShape { order: 0 };
    let scheme = ClaimsOverflowGuardItLacks;
    assert_eq!(
        reachable(&scheme, order0, plain(i64::from(i32::MAX))),
        Ok(())
    );
    assert_eq!(
        reachable(&scheme, order0, plain(1 << 31)),
        Err(Unreachable::PastClaimedGuard { exact: 1 << 31 })
    );
}

#[test]
fn proptest_draws_only_starts_the_scheme_can_reach() {
    let scheme = Arc::new(ClaimsOverflowGuardItLacks);
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(11),
        ..Config::default()
    });
    let mut sample = |strategy: proptest::strategy::BoxedStrategy<Program>| -> Vec<Program> {
        (0..500)
            .map(|_| strategy.new_tree(&mut runner).expect("a program").current())
            .collect()
    };
    let unfiltered = sample(program_strategy(&[Edge::SignBit], 5));
    let filtered = sample(reachable_program_strategy(
        Arc::clone(&scheme),
        &[Edge::SignBit],
        5,
    ));
    let out_of_reach = |programs: &[Program]| {
        programs
            .iter()
            .filter(|p| p.start.check_reachable(&*scheme).is_err())
            .count()
    };
    // The sign-bit edge draws past the sign bit half the time: the filter
    // has something to remove, and removes all of it.
    assert!(
        out_of_reach(&unfiltered) > 100,
        "{}",
        out_of_reach(&unfiltered)
    );
    assert_eq!(out_of_reach(&filtered), 0);
}

#[test]
fn every_edge_corner_is_reachable_on_every_shipped_scheme_and_order() {
    let mut failures = Vec::new();
    for entry in shipped_schemes() {
        for edge in Edge::ALL {
            for held in edge.counts().corners() {
                for &(_, order) in &ORDERS {
                    if let Err(why) = reachable(entry.object(), PageShape { order }, held) {
                        failures.push(format!(
                            "{} edge {} order {order}: plain {} pins {}: {why}",
                            entry.name,
                            edge.name(),
                            held.plain,
                            held.pins
                        ));
                    }
                }
            }
        }
    }
    assert_every_case(failures);
}

/// A scheme that records every starting state a check sets, and is
/// otherwise the scheme it wraps.
#[derive(Debug, Clone)]
struct RecordsStarts {
    base: SchemeObject,
    starts: Arc<Mutex<Vec<(PageShape, Held)>>>,
}

impl pinref_model::Patch for RecordsStarts {
    type Base = SchemeObject;
    fn base(&self) -> &SchemeObject {
        &self.base
    }
    fn name(&self) -> &'static str {
        self.base.name()
    }
    fn description(&self) -> &'static str {
        self.base.description()
    }
    fn init_page<P: Platform>(&self, page: PageRef<'_, P>, held: Held) {
        let head = page.compound_head();
        let shape = PageShape::of(head);
        self.starts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((shape, held));
        init_counts(head, self.base.counts_for(shape, held));
    }
}

#[test]
fn every_catalogue_scenario_starts_where_the_schemes_it_applies_to_can_reach() {
    let mut failures = Vec::new();
    for entry in shipped_schemes() {
        for scenario in scenarios::catalogue() {
            let Some(threads) = scenario.threads() else {
                continue;
            };
            if !entry.applies(&scenario) {
                continue;
            }
            let recorder = RecordsStarts {
                base: entry.object().clone(),
                starts: Arc::default(),
            };
            let starts = Arc::clone(&recorder.starts);
            // One execution sets the start; what it finds after that is the
            // other tests' business. Under shuttle a thread that stops the
            // execution stops all of them (real threads could wait forever
            // on a signal the stopped one never raises).
            let monitor = Monitor::without_log(Monitor::config_for(entry.object()));
            let scenario_threads = Arc::clone(threads);
            let scheme = SchemeObject::new(recorder);
            let mut config = shuttle::Config::new();
            config.failure_persistence = shuttle::FailurePersistence::None;
            config.silence_warnings = true;
            let runner = shuttle::Runner::new(ByteScheduler::new(&[]), config);
            let _ = catch_unwind(AssertUnwindSafe(|| {
                runner.run(move || scenario_threads.run_shuttle(scheme.clone(), monitor.clone()))
            }));
            let starts = starts.lock().unwrap_or_else(|p| p.into_inner()).clone();
            if starts.is_empty() {
                failures.push(format!(
                    "{} on {}: no start recorded",
                    scenario.name(),
                    entry.name
                ));
            }
            for (shape, held) in starts {
                if let Err(why) = reachable(entry.object(), shape, held) {
                    failures.push(format!(
                        "{} on {}: plain {} pins {} (order {}): {why}",
                        scenario.name(),
                        entry.name,
                        held.plain,
                        held.pins,
                        shape.order
                    ));
                }
            }
        }
    }
    assert_every_case(failures);
}

#[test]
fn past_the_sign_bit_the_sequential_checker_and_loom_give_devmap_the_same_verdict() {
    // wrapped_count's start: a pin carries the count past the sign bit
    // (devmap does not claim to refuse it: an expected P6), then every
    // grab is refused, in the sequential checker as in loom.
    let start = Start::single(Held {
        plain: 1,
        pins: wrapped_count::START_PINS,
    });
    let program = Program {
        start,
        ops: vec![
            Op::PinUserPages {
                start: 0,
                nr: 1,
                flags: 0,
            },
            Op::GupFastPte {
                addr: 0,
                flags: GET,
            },
            Op::TryGetPage { page: 0 },
            Op::PinUserPages {
                start: 0,
                nr: 1,
                flags: 0,
            },
        ],
    };
    let run = run_program(&Devmap, &program).expect("no unexpected violation");
    assert_eq!(run.executed, 4);
    assert_eq!(run.refused, 3);
    let sequential: Vec<Property> = run.expected.keys().copied().collect();
    assert_eq!(sequential, vec![Property::P6]);

    let devmap = SchemeEntry::of::<Devmap>();
    let scenario = scenarios::find("wrapped_count").expect("catalogued");
    let outcome = devmap.explore(&LoomEngine, &scenario, &RunOptions::default());
    assert_eq!(outcome.verdict, Verdict::ExpectedViolation);
    let loom: Vec<Property> = outcome.violations.iter().map(|v| v.property).collect();
    assert_eq!(loom, vec![Property::P6]);
}
