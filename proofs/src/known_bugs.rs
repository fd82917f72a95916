//! Known kernel bugs as a verdict of their own: the one place where an
//! engine's [`Outcome`] is judged against the bugs the scheme declares for
//! its kernel version ([`pinref_model::Scheme::known_bugs`]), whatever the
//! engine. [`crate::schemes::SchemeEntry::explore`] calls [`classify`]
//! after every exploration, so the main job, the tests and the mutation
//! hunt all see the same verdicts.
//!
//! - A run that finds every known bug the scheme declares on this scenario
//!   (a violation of the bug's property), and no other violation of a
//!   property the scheme claims, reports [`Verdict::KnownBug`], with the
//!   counterexample and the bugs it matched: the version had the bug, and
//!   the checker found it. It does not fail the exit status. (Expected
//!   violations, of properties the scheme does not claim, may come with
//!   it.)
//! - A declared known bug that the run did **not** find is a
//!   [`Verdict::Violation`]: the checker lost its teeth. Only a complete
//!   exploration can lose them (an `incomplete` run stays incomplete).
//! - Anything else is left as the engine said: a violation the scheme does
//!   not declare stays a violation, an expected one (a property the scheme
//!   does not claim) stays expected.
//!
//! An engine that stops at the first violation (loom) finds one bug per
//! run; the catalogue declares at most one known bug per scheme and
//! scenario, so that "found" is well defined (a test checks it).

use crate::engines::{Outcome, Verdict};
use crate::properties::Violation;
use pinref_model::KnownBug;

/// The declared known bugs of `bugs` that `scenario` reproduces.
pub fn on_scenario(bugs: &[KnownBug], scenario: &str) -> Vec<KnownBug> {
    bugs.iter()
        .filter(|bug| bug.scenarios.contains(&scenario))
        .copied()
        .collect()
}

/// Whether `violation`, found on `scenario`, is one of the declared known
/// bugs `bugs` (the same rule as [`classify`]).
pub fn explains(bugs: &[KnownBug], scenario: &str, violation: &Violation) -> bool {
    matching(&on_scenario(bugs, scenario), violation).is_some()
}

/// The declared known bug of `expected` that `violation` is, if any.
fn matching<'b>(expected: &'b [KnownBug], violation: &Violation) -> Option<&'b KnownBug> {
    expected
        .iter()
        .find(|bug| bug.property == violation.property)
}

/// Judges `outcome`, a run of `scenario` on a scheme that declares `bugs`:
/// see the module docs.
pub fn classify(mut outcome: Outcome, bugs: &[KnownBug], scenario: &str) -> Outcome {
    let expected = on_scenario(bugs, scenario);
    if expected.is_empty() || outcome.verdict == Verdict::Incomplete {
        return outcome;
    }
    let matched: Vec<KnownBug> = expected
        .iter()
        .filter(|bug| {
            outcome
                .violations
                .iter()
                .any(|violation| violation.property == bug.property)
        })
        .copied()
        .collect();
    let unmatched_violation = outcome.verdict == Verdict::Violation
        && outcome
            .violations
            .iter()
            .any(|violation| matching(&expected, violation).is_none());
    if unmatched_violation {
        // A finding beyond the known bugs: it stays a violation.
        outcome.known_bugs = matched;
        return outcome;
    }
    let missed: Vec<&KnownBug> = expected
        .iter()
        .filter(|bug| !matched.iter().any(|found| found.id == bug.id))
        .collect();
    if !missed.is_empty() {
        for bug in missed {
            outcome.violations.push(Violation {
                property: bug.property,
                message: format!(
                    "the known bug {} ({}) was not found on {scenario}: the checker lost its \
                     teeth, or the scheme does not have it (fixed in {}: \"{}\")",
                    bug.id, bug.summary, bug.fixed_in, bug.fix
                ),
                counterexample: String::new(),
                replay: String::new(),
            });
        }
        outcome.verdict = Verdict::Violation;
        return outcome;
    }
    outcome.verdict = Verdict::KnownBug;
    outcome.known_bugs = matched;
    outcome
}
