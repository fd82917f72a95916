//! `--list`: the scenarios (with their size and parameters), engines,
//! schemes and flawed variants.

use super::output::Terminal;
use crate::catalogue::builtin_schemes;
use crate::{engines, scenarios, variants};

/// Prints every name `pinref` takes.
pub fn print(terminal: &Terminal) {
    terminal.line("scenarios:");
    for scenario in scenarios::catalogue() {
        let properties: Vec<_> = scenario.properties().iter().map(|p| p.id()).collect();
        let size = match scenario.threads() {
            Some(_) => format!("{} threads", scenario.info().threads),
            None => "sequential".to_string(),
        };
        terminal.line(format_args!(
            "  {:<18} {size:<10} {}",
            scenario.name(),
            properties.join(" ")
        ));
        for parameter in scenario.parameters() {
            terminal.line(format_args!(
                "  {:<18}   --param {}={} ({}..={}): {}",
                "", parameter.name, parameter.value, parameter.min, parameter.max, parameter.help
            ));
        }
    }
    terminal.line("engines:");
    for engine in engines::registry() {
        terminal.line(format_args!("  {:<18} {}", engine.name(), engine.summary()));
    }
    terminal.line("schemes:");
    for scheme in builtin_schemes() {
        terminal.line(format_args!("  {:<18} {}", scheme.name, scheme.description));
    }
    terminal.line("flawed variants (the mutation run):");
    for variant in variants::catalogue() {
        terminal.line(format_args!("  {:<38} {}", variant.name(), variant.flaw));
    }
}
