//! Resumable explorations: where an exhaustive run cut short by its time or
//! execution cap keeps its position, so that the same command, run again
//! (the next night's shard), carries on instead of starting over
//! (`--checkpoint-dir`).
//!
//! A resume file belongs to one run (engine, scenario with its parameters,
//! scheme, bound: the [`ReplayKey`]) and to one build of pinref: its name
//! holds a digest of the running executable, because a position recorded
//! by other code would steer the exploration down paths that no longer
//! exist. A file of another build is removed and the run starts over. The
//! envelope is a replay file's ([`super::replay`]), so a damaged file is
//! refused, never followed: the run starts over and says so.

use super::outcome::{Outcome, Verdict};
use super::replay::{self, ReplayKey};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What a resume file's envelope says it found: nothing yet.
const IN_PROGRESS: &str = "in progress";

/// The digest of the running executable (computed once): which build a
/// resume file belongs to.
pub fn build_digest() -> &'static str {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| {
        let bytes = std::env::current_exe()
            .and_then(std::fs::read)
            .unwrap_or_default();
        let digest = replay::digest(&bytes);
        // `fnv1a64:0123…`: the hexadecimal part names the build.
        digest.rsplit(':').next().unwrap_or("unknown").to_string()
    })
}

/// The resume file of one run under a checkpoint directory.
#[derive(Debug)]
pub struct Resume {
    /// The envelope, kept between runs.
    pub path: PathBuf,
    key: ReplayKey,
    /// The engine's own checkpoint, where the engine reads and writes it
    /// during the run.
    pub scratch: PathBuf,
    /// Whether the run starts from a saved position.
    pub resumed: bool,
    /// Why a file that was there could not be used, if so.
    pub refused: Option<String>,
}

impl Resume {
    /// Opens the resume file of `key` under `dir`: unpacks a saved
    /// position of this build into `scratch`; removes files of other builds
    /// of the same run.
    pub fn open(dir: &Path, key: &ReplayKey, scratch: PathBuf) -> Resume {
        let build = build_digest();
        let stem = format!(
            "{}-{}-{}-{}",
            key.scenario,
            key.scheme,
            key.engine,
            key.bound
                .map_or("unbounded".to_string(), |b| format!("bound{b}"))
        );
        let path = dir.join(format!("{stem}.{build}.resume.json"));
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(&format!("{stem}.")) && entry.path() != path {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let _ = std::fs::remove_file(&scratch);
        let mut resume = Resume {
            path,
            key: key.clone(),
            scratch,
            resumed: false,
            refused: None,
        };
        if resume.path.exists() {
            match replay::load(&resume.path, key) {
                Ok(file) if file.finding == IN_PROGRESS => {
                    match std::fs::write(&resume.scratch, &file.payload) {
                        Ok(()) => resume.resumed = true,
                        Err(error) => resume.refused = Some(error.to_string()),
                    }
                }
                Ok(file) => {
                    resume.refused = Some(format!("it records a finding ({})", file.finding));
                }
                Err(error) => resume.refused = Some(error.to_string()),
            }
        }
        resume
    }

    /// After the run: an `incomplete` run keeps its position for the next
    /// one (and its note says so); any other verdict is final and the
    /// files go.
    pub fn settle(&self, outcome: &mut Outcome) {
        let mut notes: Vec<String> = outcome.note.take().into_iter().collect();
        if self.resumed {
            outcome.counters.push(("resumed", 1));
            notes.push("resumed from a checkpoint: the figures count this run only".to_string());
        }
        if let Some(why) = &self.refused {
            notes.push(format!(
                "the checkpoint at {} was not used ({why}): started over",
                self.path.display()
            ));
        }
        if outcome.verdict == Verdict::Incomplete {
            let saved = std::fs::read_to_string(&self.scratch)
                .and_then(|payload| replay::write(&self.path, &self.key, IN_PROGRESS, &payload));
            notes.push(match saved {
                Ok(()) => format!(
                    "checkpoint saved to {}: the same command resumes from it",
                    self.path.display()
                ),
                Err(error) => format!("no checkpoint saved: {error}"),
            });
        } else {
            let _ = std::fs::remove_file(&self.path);
        }
        let _ = std::fs::remove_file(&self.scratch);
        outcome.note = (!notes.is_empty()).then(|| notes.join("; "));
    }
}
