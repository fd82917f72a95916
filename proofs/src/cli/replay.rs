//! `--replay FILE`: the replay file is read and checked against the run the
//! command line asks for before anything runs ([`crate::engines::replay`]),
//! and the replay's report goes to a directory of its own, so that it never
//! replaces the main job's report, traces or replay files.

use super::args::Cli;
use crate::engines::replay::{self, ReplayFile};
use crate::engines::{self, Engine, RunOptions};
use crate::scenarios::ScenarioEntry;
use crate::schemes::SchemeEntry;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A replay the command line asks for, checked.
pub struct Replay {
    /// The file, read and checked against this run.
    pub file: ReplayFile,
    /// The engine that replays it.
    pub engine: Arc<dyn Engine>,
    /// Where the replay's report goes.
    pub out: PathBuf,
}

/// Reads and checks the replay file `path` for the one scenario and scheme
/// the command line names, with the engine it names or, if none, the
/// engine that wrote the file; `Err` says why it cannot be replayed.
pub fn prepare(
    cli: &Cli,
    path: &Path,
    scenarios: &[ScenarioEntry],
    schemes: &[SchemeEntry],
    options: &RunOptions,
) -> Result<Replay, String> {
    let (Some(scenario), Some(scheme), 1, 1) = (
        scenarios.first(),
        schemes.first(),
        cli.scenarios.len(),
        cli.schemes.len(),
    ) else {
        return Err(
            "--replay needs exactly one --scenario and one --scheme (the command the report \
             prints has them)"
                .to_string(),
        );
    };
    let file = replay::read(path).map_err(|error| error.to_string())?;
    let engine = match cli.engines.as_slice() {
        [] => engines::find(&file.key.engine).ok_or_else(|| {
            format!(
                "replay file {} was written by engine `{}`, which this pinref does not have",
                path.display(),
                file.key.engine
            )
        })?,
        [name] => engines::find(name).ok_or_else(|| format!("unknown engine '{name}'"))?,
        _ => return Err("--replay replays with one engine: give at most one --engine".into()),
    };
    if !engine.supports(scenario) {
        return Err(format!(
            "engine {} does not run scenario {}",
            engine.name(),
            scenario.name()
        ));
    }
    file.check(&engine.replay_key(scenario, scheme, options))
        .map_err(|error| error.to_string())?;
    let name = path.file_name().map_or_else(
        || "replay".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let stem = name.trim_end_matches(".json").trim_end_matches(".replay");
    let out = cli.out.join("replays").join(stem);
    Ok(Replay { file, engine, out })
}
