//! The command line: what `pinref` accepts, as clap parses it, and the
//! bound it asks for.

use super::exit::EXIT_STATUS_HELP;
use crate::engines::Bound;
use clap::Parser;
use std::path::PathBuf;

const LONG_ABOUT: &str = "Explores pinref's scenario catalogue with every engine that runs \
     it (loom, shuttle random / PCT / DFS, the stateful explorer) and its sequential program \
     space under proptest, on every built-in scheme, checks \
     properties P1-P10 at every step where they must hold, prints a table and writes \
     target/pinref/report.json and report.md (each run starts afresh: the traces and replay \
     files of earlier runs are removed).\n\n\
     It then runs the flawed-variant catalogue (the mutation run) and reports which engine and \
     property caught each variant, with its counterexample and a replay command.\n\n\
     It prints the history table too: the counter's known kernel bugs on each version, \
     reproduced where the version had them (known_bug, not a failure) and passing where it \
     had the fix.\n\n\
     A run at a preemption bound is not exhaustive, and the table says so. SIGINT or SIGTERM \
     stops the job at its next execution with a partial, incomplete report (a second signal \
     ends it at once).";

/// The command line of `pinref`.
#[derive(Debug, Parser)]
#[command(
    name = "pinref",
    version,
    about = "Model-checks the Linux page refcount with the GUP pin bias",
    long_about = LONG_ABOUT,
    after_help = "Exit status: 0 pass, 1 violation / surviving variant, 2 bad arguments, \
                  3 incomplete, 4 report not written (--help: the order of precedence).",
    after_long_help = EXIT_STATUS_HELP
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
    /// Runs at once, one per worker thread, at least 1 [default: the cores
    /// available].
    #[arg(long, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Where the reports go.
    #[arg(long, value_name = "DIR", default_value = "target/pinref")]
    pub out: PathBuf,
    /// Replay the failing execution a replay file recorded (the command a
    /// report prints): a loom checkpoint or a shuttle schedule, with
    /// exactly one --scenario and one --scheme (and at most one --engine:
    /// the file's own by default). The file is checked first: a missing,
    /// empty or malformed one, or one written for another engine, scenario,
    /// scheme, bound or pinref version, is refused (exit status 2). The
    /// replay's report goes to `DIR/replays/<file name>/`, never over the
    /// main job's.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["variants", "skip_mutants"])]
    pub replay: Option<PathBuf>,
    /// Skip the mutation run (the flawed-variant catalogue). It also runs
    /// only when no --scenario or --scheme filter is given, unless
    /// --variant names variants to hunt.
    #[arg(long, conflicts_with = "variants")]
    pub skip_mutants: bool,
    /// Hunt only these flawed variants (repeatable; checked before anything
    /// runs), and run no catalogue unless --scenario or --scheme asks for
    /// one. --engine limits the hunt to those engines.
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
    /// Run only shard K of N (1-based): every N-th run of the catalogue
    /// and every N-th flawed variant, starting at the K-th, so that N
    /// machines share one job (the nightly workflow's matrix).
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Stop starting runs after this many seconds in all, and give each run
    /// at most what is left (it reports `incomplete` when that cuts it
    /// short): one shard's time limit.
    #[arg(long, value_name = "SECONDS")]
    pub total_seconds: Option<u64>,
    /// Keep the position of an exhaustive (loom) run that a cap cuts short
    /// in this directory, and resume from it when the same run is asked
    /// for again by the same build of pinref.
    #[arg(long, value_name = "DIR")]
    pub checkpoint_dir: Option<PathBuf>,
    /// List the scenarios, schemes and flawed variants, and exit.
    #[arg(long)]
    pub list: bool,
}

/// `--shard K/N`: the K-th (1-based) of N shares of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1 to `count`.
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Whether the `position`-th (0-based) item of a list is this shard's.
    pub fn takes(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let (index, count) = text
        .split_once('/')
        .ok_or_else(|| format!("expected K/N (shard K of N), got {text:?}"))?;
    let number = |part: &str| {
        part.trim()
            .parse::<usize>()
            .map_err(|_| format!("{part:?} is not a number"))
    };
    let (index, count) = (number(index)?, number(count)?);
    if count == 0 || index == 0 || index > count {
        return Err(format!("shard {index} of {count}: K must be 1 to N"));
    }
    Ok(Shard { index, count })
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

/// `--jobs N`: a count of workers, at least one (0 would run nothing).
fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("at least 1 worker is needed".to_string()),
        Ok(jobs) => Ok(jobs),
        Err(_) => Err(format!("{text:?} is not a count of workers")),
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
