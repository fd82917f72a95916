//! Replaying inputs kept in files: the committed seed corpus
//! (`fuzz/corpus/<target>/`) and the findings kept as regressions
//! (`fuzz/regressions/<target>/`). The corpus replay test runs both on
//! every correct scheme, so that a finding becomes a regression test by
//! adding its file.
//!
//! A file holds one whole input, the scheme byte first (as libFuzzer saves
//! it); the byte is ignored here, since every file runs on every scheme
//! given. A file in a subdirectory named after a scheme (a flawed variant,
//! `fuzz/regressions/concurrent/put-load-store/<file>`) must also still be
//! caught on that scheme: a regression keeps its teeth.

use super::{InputVerdict, Target};
use crate::catalogue::find_scheme;
use crate::schemes::SchemeEntry;
use std::io;
use std::path::{Path, PathBuf};

/// What replaying a directory found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replay {
    /// Files replayed.
    pub files: usize,
    /// Runs that ran (a file on a scheme whose start it can reach).
    pub ran: usize,
    /// Every failing case, one line each: a violation on a correct scheme,
    /// or a regression no longer caught on the scheme it names.
    pub failures: Vec<String>,
}

/// Every input file under `dir`, recursively, in name order (files whose
/// name starts with `.` or ends in `.md` are notes, not inputs). A missing
/// directory holds none.
pub fn input_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if !dir.exists() {
        return Ok(files);
    }
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                pending.push(path);
            } else if !name.starts_with('.') && !name.ends_with(".md") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Replays every input file under `dir` as `target` inputs on each of
/// `schemes` (the correct ones: none may fail), and each file in a
/// subdirectory named after a scheme on that scheme too (it must fail).
pub fn replay_dir(target: Target, dir: &Path, schemes: &[SchemeEntry]) -> io::Result<Replay> {
    let mut replay = Replay::default();
    for file in input_files(dir)? {
        let data = std::fs::read(&file)?;
        let input = data.get(1..).unwrap_or(&[]);
        replay.files += 1;
        for scheme in schemes {
            let verdict = target.check(scheme.object(), input);
            replay.ran += usize::from(verdict.ran());
            if let InputVerdict::Violated(violation) = verdict {
                replay.failures.push(format!(
                    "{} on {}: {violation}",
                    file.display(),
                    scheme.name
                ));
            }
        }
        if let Some(flawed) = named_scheme(dir, &file) {
            let verdict = target.check(flawed.object(), input);
            if verdict.violation().is_none() {
                replay.failures.push(format!(
                    "{} no longer catches {} (its directory's scheme): {verdict:?}",
                    file.display(),
                    flawed.name
                ));
            }
        }
    }
    Ok(replay)
}

/// The scheme the subdirectory of `dir` holding `file` is named after.
fn named_scheme(dir: &Path, file: &Path) -> Option<SchemeEntry> {
    let parent = file.parent()?;
    if parent == dir {
        return None;
    }
    find_scheme(parent.file_name()?.to_str()?)
}
