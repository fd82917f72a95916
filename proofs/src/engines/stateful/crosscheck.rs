//! The cross-check against loom: the final states a scenario reaches under
//! loom (every interleaving, no preemption bound), as the monitor's verdict
//! state at the end of each execution, for comparison with what the
//! explorer reaches ([`super::StatefulEngine::explore_with_finals`]).

use super::FinalStates;
use crate::engines::Verdict;
use crate::engines::outcome::stop_reason;
use crate::properties::monitor::Monitor;
use crate::scenarios::ScenarioEntry;
use crate::schemes::SchemeEntry;
use std::sync::{Arc, Mutex, PoisonError};

/// Loom's verdict on `scenario` and `scheme` with no preemption bound (a
/// violation stops it), and the final states of the executions that
/// completed. `None` for a scenario that is not threaded.
pub fn loom_final_states(
    scenario: &ScenarioEntry,
    scheme: &SchemeEntry,
) -> Option<(Verdict, FinalStates)> {
    let threads = Arc::clone(scenario.threads()?);
    let config = Monitor::config_for(scheme.object());
    let finals: Arc<Mutex<FinalStates>> = Arc::default();
    let expected = Arc::new(Mutex::new(false));
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = None;
    let body = {
        let finals = Arc::clone(&finals);
        let expected = Arc::clone(&expected);
        let scheme = scheme.object().clone();
        move || {
            let monitor = Monitor::new(config);
            threads.run_loom(scheme.clone(), monitor.clone());
            if monitor.findings().iter().any(|finding| finding.expected) {
                *expected.lock().unwrap_or_else(PoisonError::into_inner) = true;
            }
            finals
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(monitor.verdict_key());
        }
    };
    let result = crate::engines::exploring(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| builder.check(body)))
    });
    let verdict = match result {
        Ok(()) if *expected.lock().unwrap_or_else(PoisonError::into_inner) => {
            Verdict::ExpectedViolation
        }
        Ok(()) => Verdict::Pass,
        Err(payload) => stop_reason(payload, None, 0, 0.0).verdict,
    };
    let finals = std::mem::take(&mut *finals.lock().unwrap_or_else(PoisonError::into_inner));
    Some((verdict, finals))
}
