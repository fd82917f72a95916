//! Choosing what to run: schemes, scenarios, engines and flawed variants by
//! name, each name checked up front with the known names in the error.

use crate::catalogue::{builtin_schemes, find_scheme};
use crate::engines::{self, Engine};
use crate::scenarios::{self, ScenarioEntry};
use crate::schemes::SchemeEntry;
use crate::variants::{self, Variant};
use std::sync::Arc;

/// The schemes to run: the built-ins, or those named (a built-in or a
/// flawed variant, so that a variant's counterexample can be replayed).
pub fn select_schemes(names: &[String]) -> Result<Vec<SchemeEntry>, String> {
    by_name(names, builtin_schemes, find_scheme, |name| {
        let known: Vec<_> = builtin_schemes().iter().map(|scheme| scheme.name).collect();
        format!(
            "unknown scheme '{name}'; known: {} (and the flawed variants: --list)",
            known.join(", ")
        )
    })
}

pub fn select_variants(names: &[String]) -> Result<Vec<Variant>, String> {
    let all = variants::catalogue();
    let find = |name: &str| all.iter().find(|variant| variant.name() == name).cloned();
    by_name(
        names,
        || all.clone(),
        find,
        |name| format!("unknown variant '{name}'; `--list` shows the catalogue"),
    )
}

pub fn select_scenarios(names: &[String]) -> Result<Vec<ScenarioEntry>, String> {
    by_name(names, scenarios::catalogue, scenarios::find, |name| {
        let known: Vec<_> = scenarios::catalogue().iter().map(|s| s.name()).collect();
        format!("unknown scenario '{name}'; known: {}", known.join(", "))
    })
}

pub fn select_engines(names: &[String]) -> Result<Vec<Arc<dyn Engine>>, String> {
    by_name(names, engines::registry, engines::find, |name| {
        let known: Vec<_> = engines::registry().iter().map(|e| e.name()).collect();
        format!("unknown engine '{name}'; known: {}", known.join(", "))
    })
}

/// Every one (`all`) when no name is given, else the one `find` gives for
/// each name, in the order named; the first name it does not know is the
/// error `unknown` writes for it.
fn by_name<T>(
    names: &[String],
    all: impl FnOnce() -> Vec<T>,
    find: impl Fn(&str) -> Option<T>,
    unknown: impl Fn(&str) -> String,
) -> Result<Vec<T>, String> {
    if names.is_empty() {
        return Ok(all());
    }
    names
        .iter()
        .map(|name| find(name).ok_or_else(|| unknown(name)))
        .collect()
}

/// Sets `params` on every scenario that takes them; a parameter that no
/// chosen scenario takes is an error.
pub fn with_params(
    scenarios: Vec<ScenarioEntry>,
    params: &[(String, u64)],
) -> Result<Vec<ScenarioEntry>, String> {
    for (name, _) in params {
        if !scenarios
            .iter()
            .any(|s| s.parameters().iter().any(|p| p.name == name))
        {
            return Err(format!(
                "no scenario chosen takes the parameter {name} (see --list)"
            ));
        }
    }
    scenarios
        .into_iter()
        .map(|scenario| {
            let own: Vec<(String, u64)> = params
                .iter()
                .filter(|(name, _)| scenario.parameters().iter().any(|p| p.name == name))
                .cloned()
                .collect();
            scenario
                .with_parameters(&own)
                .map_err(|error| error.to_string())
        })
        .collect()
}
