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
    if names.is_empty() {
        return Ok(builtin_schemes());
    }
    names
        .iter()
        .map(|name| {
            find_scheme(name).ok_or_else(|| {
                let known: Vec<_> = builtin_schemes().iter().map(|scheme| scheme.name).collect();
                format!(
                    "unknown scheme '{name}'; known: {} (and the flawed variants: --list)",
                    known.join(", ")
                )
            })
        })
        .collect()
}

pub fn select_variants(names: &[String]) -> Result<Vec<Variant>, String> {
    let all = variants::catalogue();
    if names.is_empty() {
        return Ok(all);
    }
    names
        .iter()
        .map(|name| {
            all.iter()
                .find(|variant| variant.name() == name)
                .cloned()
                .ok_or_else(|| format!("unknown variant '{name}'; `--list` shows the catalogue"))
        })
        .collect()
}

pub fn select_scenarios(names: &[String]) -> Result<Vec<ScenarioEntry>, String> {
    if names.is_empty() {
        return Ok(scenarios::catalogue());
    }
    names
        .iter()
        .map(|name| {
            scenarios::find(name).ok_or_else(|| {
                let known: Vec<_> = scenarios::catalogue().iter().map(|s| s.name()).collect();
                format!("unknown scenario '{name}'; known: {}", known.join(", "))
            })
        })
        .collect()
}

pub fn select_engines(names: &[String]) -> Result<Vec<Arc<dyn Engine>>, String> {
    if names.is_empty() {
        return Ok(engines::registry());
    }
    names
        .iter()
        .map(|name| {
            engines::find(name).ok_or_else(|| {
                let known: Vec<_> = engines::registry().iter().map(|e| e.name()).collect();
                format!("unknown engine '{name}'; known: {}", known.join(", "))
            })
        })
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
