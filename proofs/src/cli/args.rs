//! The command line: what `pinref` accepts, as clap parses it, and the
//! bound it asks for.

use crate::engines::Bound;
use clap::Parser;
use std::path::PathBuf;

/// The command line of `pinref`.
#[derive(Debug, Parser)]
#[command(
    name = "pinref",
    version,
    about = "Model-checks the Linux page refcount with the GUP pin bias",
    long_about = "Explores every interleaving of pinref's scenario catalogue under loom, on \
                  every built-in scheme, checks properties P1-P10 at every step where they must \
                  hold, prints a table and writes target/pinref/report.json and report.md.\n\n\
                  It then runs the flawed-variant catalogue (the mutation run) and reports which \
                  engine and property caught each variant.\n\n\
                  It prints the history table too: the counter's known kernel bugs on each \
                  version, reproduced where the version had them and passing where it had the \
                  fix.\n\n\
                  Exit status: 0 when every run passed (or violated only what its scheme does \
                  not claim, or found exactly the known bugs of its version: known_bug) and \
                  every flawed variant was caught, 1 on a violation (a known bug not found \
                  included) or a surviving variant, 2 on bad arguments, 3 when a run was cut \
                  short (incomplete)."
)]
pub struct Cli {
    /// Only these scenarios (repeatable). `--list` shows the names.
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// Only these schemes (repeatable): seed, v5_7, folio, devmap.
    #[arg(long = "scheme", value_name = "NAME")]
    pub schemes: Vec<String>,
    /// Only these engines (repeatable; `--list` shows them) [default: all].
    #[arg(long = "engine", value_name = "NAME")]
    pub engines: Vec<String>,
    /// Loom's preemption bound for every run [default: LOOM_MAX_PREEMPTIONS,
    /// else each scenario's own: exhaustive where cheap, 2 where not].
    #[arg(long, value_name = "N", conflicts_with = "unbounded")]
    pub preemption_bound: Option<usize>,
    /// Explore every interleaving, with no preemption bound, even if
    /// LOOM_MAX_PREEMPTIONS is set.
    #[arg(long)]
    pub unbounded: bool,
    /// Stop a run after this many executions (iterations, programs): an
    /// exhaustive engine reports it incomplete, a sampling one (shuttle
    /// random and PCT, proptest) takes it as its sample size.
    #[arg(long, value_name = "N", default_value_t = 5_000_000)]
    pub max_executions: u64,
    /// Stop a run after this many seconds and report it incomplete.
    #[arg(long, value_name = "SECONDS", default_value_t = 240)]
    pub max_seconds: u64,
    /// The seed of the randomised engines (shuttle random and PCT, proptest)
    /// [default: a fresh one, printed]. The same seed reruns the same
    /// schedules.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Runs at once, one per worker thread [default: the cores available].
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Where the reports go.
    #[arg(long, value_name = "DIR", default_value = "target/pinref")]
    pub out: PathBuf,
    /// Replay a failing execution from the file its report named: a loom
    /// checkpoint or a shuttle schedule (with exactly one --engine, one
    /// --scenario and one --scheme, as the replay command gives them).
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// Skip the mutation run (the flawed-variant catalogue). It also runs
    /// only when no --scenario or --scheme filter is given, unless
    /// --variant names variants to hunt.
    #[arg(long)]
    pub skip_mutants: bool,
    /// Hunt only these flawed variants (repeatable).
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Set a size parameter of the scenarios that take it (repeatable):
    /// `--param pinners=3`. `--list` shows each scenario's parameters.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, u64)>,
    /// Shorthand for `--param pinners=N` (pin_get_mix).
    #[arg(long, value_name = "N")]
    pub pinners: Option<u64>,
    /// Shorthand for `--param getters=N` (pin_get_mix).
    #[arg(long, value_name = "N")]
    pub getters: Option<u64>,
    /// List the scenarios, schemes and flawed variants, and exit.
    #[arg(long)]
    pub list: bool,
}

/// The preemption bound the command line asks for: `--unbounded`,
/// `--preemption-bound N`, `LOOM_MAX_PREEMPTIONS`, or each scenario's own.
pub fn preemption_bound(cli: &Cli) -> Result<Bound, String> {
    if cli.unbounded {
        return Ok(Bound::Unbounded);
    }
    if let Some(bound) = cli.preemption_bound {
        return Ok(Bound::At(bound));
    }
    match std::env::var("LOOM_MAX_PREEMPTIONS") {
        Ok(text) if text.trim().is_empty() => Err(
            "LOOM_MAX_PREEMPTIONS is set but empty (loom would panic): unset it or give a number"
                .to_string(),
        ),
        Ok(text) => text
            .trim()
            .parse()
            .map(Bound::At)
            .map_err(|_| format!("LOOM_MAX_PREEMPTIONS={text:?} is not a number")),
        Err(_) => Ok(Bound::ScenarioDefault),
    }
}

/// How a bound is described on the terminal.
pub fn describe(bound: Bound) -> String {
    match bound {
        Bound::ScenarioDefault => {
            "each scenario's default (exhaustive where cheap; see the table)".to_string()
        }
        Bound::Unbounded => "none (exhaustive)".to_string(),
        Bound::At(bound) => bound.to_string(),
    }
}

/// `NAME=VALUE` of `--param`.
fn parse_param(text: &str) -> Result<(String, u64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {text:?}"))?;
    let value = value
        .trim()
        .parse()
        .map_err(|_| format!("{name}: {value:?} is not a non-negative number"))?;
    Ok((name.trim().to_string(), value))
}

impl Cli {
    /// Every size parameter asked for, `--pinners` / `--getters` included.
    pub fn parameters(&self) -> Vec<(String, u64)> {
        let mut params = self.params.clone();
        params.extend(self.pinners.map(|n| ("pinners".to_string(), n)));
        params.extend(self.getters.map(|n| ("getters".to_string(), n)));
        params
    }
}
