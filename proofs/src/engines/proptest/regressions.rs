//! Regression files: proptest's failure persistence at a path of our
//! choosing, in proptest's own file format, so that a committed file
//! replays its seeds before a check draws new cases.

use crate::report::atomic::write_atomic;
use proptest::test_runner::{FailurePersistence, PersistedSeed};
use std::any::Any;
use std::fmt;
use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// proptest's failure persistence, at a path of our choosing (proptest's
/// own `FileFailurePersistence::Direct` wants a `&'static str`), in
/// proptest's file format. Remembers the last seed it saved, for the
/// failure report. I/O errors are reported on stderr and otherwise
/// ignored: a check must not fail because a file could not be written.
/// Each save rewrites the file atomically ([`write_atomic`]).
#[derive(Debug, Clone)]
pub(crate) struct RegressionFile {
    pub(crate) path: PathBuf,
    pub(crate) scheme: &'static str,
    pub(crate) saved: Arc<Mutex<Option<String>>>,
}

impl FailurePersistence for RegressionFile {
    fn load_persisted_failures2(&self, _source_file: Option<&'static str>) -> Vec<PersistedSeed> {
        let Ok(text) = fs::read_to_string(&self.path) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|line| {
                let seed = line.split('#').next().unwrap_or("").trim();
                (!seed.is_empty()).then(|| seed.parse().ok()).flatten()
            })
            .collect()
    }

    fn save_persisted_failure2(
        &mut self,
        _source_file: Option<&'static str>,
        seed: PersistedSeed,
        shrunken_value: &dyn fmt::Debug,
    ) {
        // The whole file is rewritten and renamed over the old one, so that
        // a check killed here leaves the previous seeds whole.
        let mut text = fs::read_to_string(&self.path).unwrap_or_default();
        if text.is_empty() {
            text.push_str(&format!(
                "# Seeds of programs that failed pinref's sequential check of scheme `{}`.\n\
                 # Each check of that scheme (same edges) replays them before new cases.\n\
                 # Commit this file. Format: proptest's (`cc <seed> # shrinks to <case>`).\n",
                self.scheme
            ));
        } else if !text.ends_with('\n') {
            text.push('\n');
        }
        let case = format!("{shrunken_value:?}").replace(['\n', '\r'], " ");
        text.push_str(&format!("{seed} # shrinks to {case}\n"));
        if let Err(error) = write_atomic(&self.path, text.as_bytes()) {
            eprintln!(
                "pinref: could not save the failing seed to {}: {error}",
                self.path.display()
            );
        }
        if let Ok(mut saved) = self.saved.lock() {
            *saved = Some(seed.to_string());
        }
    }

    fn box_clone(&self) -> Box<dyn FailurePersistence> {
        Box::new(self.clone())
    }

    fn eq(&self, other: &dyn FailurePersistence) -> bool {
        other
            .as_any()
            .downcast_ref::<RegressionFile>()
            .is_some_and(|other| other.path == self.path)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
