//! Checking your own scheme, as the README shows it: a scheme written
//! outside pinref (v5.7 with a relaxed final put), checked on every
//! scenario of the catalogue with every engine, each verdict saying
//! whether a violation is expected for the scheme's claims, with the
//! counterexample.
//!
//! ```text
//! cargo run --release -p pinref-tests --example own_scheme              # every scenario
//! cargo run --release -p pinref-tests --example own_scheme -- last_reference overflow
//! ```
//!
//! The exit status is 0 when the check passes, 1 when it does not (this
//! scheme breaks P4, which v5.7's claims include: loom sees its free race a
//! use of the page).

// README: begin
use pinref_model::free::free_page;
use pinref_model::page_ref::{RmwOrder, page_ref_sub_and_test_ordered};
use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{V5_7, sync::Platform};
use pinref_proofs::check::{Check, SchemeReport};
use pinref_proofs::scenarios;

/// v5.7, except that the final put is relaxed.
pub struct RelaxedPut;

impl BiasScheme for RelaxedPut {
    const RULES: BiasRules = V5_7::RULES;
    fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
        if page_ref_sub_and_test_ordered(release.head, release.delta, RmwOrder::Relaxed) {
            free_page(release.head);
        }
    }
    const NAME: &'static str = "relaxed-put";
    const DESCRIPTION: &'static str = "v5_7, but the final put is relaxed";
}

/// Checks `RelaxedPut` on the scenarios named (every one if none is),
/// with every engine pinref has.
pub fn check(names: &[String]) -> SchemeReport {
    let chosen = scenarios::catalogue()
        .into_iter()
        .filter(|scenario| names.is_empty() || names.iter().any(|name| name == scenario.name()))
        .collect();
    Check::scheme(RelaxedPut).scenarios(chosen).run()
}

fn main() {
    let names: Vec<String> = std::env::args().skip(1).collect();
    let report = check(&names);
    println!("{report}");
    std::process::exit(if report.passed() { 0 } else { 1 });
}
// README: end
