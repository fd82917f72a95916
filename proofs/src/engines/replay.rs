//! Replay files: one versioned envelope for every engine's recording of a
//! failure (loom's checkpoint, a shuttle schedule, a seed), so that a file
//! is checked before it is used and a replay can only ever reproduce what
//! was recorded, never invent a violation.
//!
//! The envelope is JSON:
//!
//! ```json
//! {
//!   "format": "pinref-replay", "format_version": 1, "pinref_version": "0.1.0",
//!   "engine": "loom", "scenario": "pin_vs_unpin", "scheme": "v5_7", "bound": 2,
//!   "scenario_digest": "fnv1a64:…", "scheme_digest": "fnv1a64:…",
//!   "finding": "P2", "payload_digest": "fnv1a64:…", "payload": "…"
//! }
//! ```
//!
//! [`load`] refuses, with a [`ReplayError`] that names what did not match,
//! a missing, unreadable, empty or malformed file (truncated JSON included),
//! a file that is not a pinref replay (loom's bare checkpoint, say), one of
//! another format or pinref version, one written for another engine,
//! scenario, scheme or bound, one whose scenario or scheme has changed
//! since ([`ReplayKey::scenario_digest`], [`ReplayKey::scheme_digest`]), and
//! one whose payload was altered. Files are written with
//! [`crate::report::atomic::write_atomic`]. An engine that replays calls
//! [`load`] with the key of the run it is asked for; the `pinref` command
//! calls it before any run, so a bad file ends the command with exit status
//! 2 and runs nothing.

use crate::report::PINREF_VERSION;
use crate::report::atomic::write_atomic;
use crate::scenarios::{ScenarioEntry, ScenarioKind};
use crate::schemes::SchemeEntry;
use serde_json::{Value, json};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The envelope's `format` field.
pub const FORMAT: &str = "pinref-replay";

/// The envelope's layout version: raised when a field changes meaning.
pub const FORMAT_VERSION: u64 = 1;

/// What a replay file was written for, and what a run that replays it must
/// be: compared field by field by [`ReplayFile::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayKey {
    /// The engine's name.
    pub engine: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scheme's name.
    pub scheme: String,
    /// The preemption bound (`None`: unbounded, or an engine without one).
    pub bound: Option<usize>,
    /// A digest of what the scenario is: its [`crate::scenarios::ScenarioInfo`]
    /// (name, words, properties, threads, default bound), its size
    /// parameters as run (`--param`), and, for a program space, its
    /// parameters.
    pub scenario_digest: String,
    /// A digest of what the scheme is: its name, description, claims and
    /// known bugs.
    pub scheme_digest: String,
}

impl ReplayKey {
    /// The key of a run of `scenario` on `scheme` with `engine` at `bound`.
    pub fn new(
        engine: &str,
        scenario: &ScenarioEntry,
        scheme: &SchemeEntry,
        bound: Option<usize>,
    ) -> ReplayKey {
        ReplayKey {
            engine: engine.to_string(),
            scenario: scenario.name().to_string(),
            scheme: scheme.name.to_string(),
            bound,
            scenario_digest: scenario_digest(scenario),
            scheme_digest: scheme_digest(scheme),
        }
    }
}

/// The digest of what `scenario` is: see [`ReplayKey::scenario_digest`].
pub fn scenario_digest(scenario: &ScenarioEntry) -> String {
    let mut what = format!("{:?}", scenario.info());
    let parameters: Vec<(&str, u64)> = scenario
        .parameters()
        .iter()
        .map(|parameter| (parameter.name, parameter.value))
        .collect();
    if !parameters.is_empty() {
        what.push_str(&format!(" {parameters:?}"));
    }
    if let ScenarioKind::Programs(space) = scenario.kind() {
        what.push_str(&format!(" {space:?}"));
    }
    digest(what.as_bytes())
}

/// The digest of what `scheme` is: see [`ReplayKey::scheme_digest`].
pub fn scheme_digest(scheme: &SchemeEntry) -> String {
    let what = format!(
        "{} {} {:?} {:?}",
        scheme.name,
        scheme.description,
        scheme.claims,
        scheme.known_bugs()
    );
    digest(what.as_bytes())
}

/// A replay file, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// What it was written for.
    pub key: ReplayKey,
    /// The pinref version that wrote it.
    pub pinref_version: String,
    /// What the recorded run found (a property's id), which the replay
    /// must find again.
    pub finding: String,
    /// The engine's own recording.
    pub payload: String,
}

/// Why a replay file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayError {
    /// There is no such file.
    Missing(PathBuf),
    /// It could not be read.
    Unreadable(PathBuf, String),
    /// It is empty.
    Empty(PathBuf),
    /// It is not JSON, or JSON cut short (a truncated file).
    Malformed(PathBuf, String),
    /// It is JSON, but not a pinref replay file (a bare loom checkpoint,
    /// a report, ...), or one missing a field.
    NotAReplay(PathBuf, String),
    /// Its envelope is of another format version.
    FormatVersion { path: PathBuf, found: u64 },
    /// Another pinref version wrote it.
    PinrefVersion { path: PathBuf, found: String },
    /// It was written for another run: each field that differs, as
    /// (field, in the file, in this run).
    Mismatch {
        path: PathBuf,
        fields: Vec<(&'static str, String, String)>,
    },
    /// Its payload does not match the digest written with it: altered or
    /// cut.
    PayloadAltered(PathBuf),
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::Missing(path) => {
                write!(f, "replay file {} does not exist", path.display())
            }
            ReplayError::Unreadable(path, error) => {
                write!(f, "replay file {} cannot be read: {error}", path.display())
            }
            ReplayError::Empty(path) => write!(f, "replay file {} is empty", path.display()),
            ReplayError::Malformed(path, error) => write!(
                f,
                "replay file {} is not valid JSON (truncated or corrupt?): {error}",
                path.display()
            ),
            ReplayError::NotAReplay(path, why) => write!(
                f,
                "{} is not a pinref replay file ({why}); replay the file a report names",
                path.display()
            ),
            ReplayError::FormatVersion { path, found } => write!(
                f,
                "replay file {} is of format version {found}; this pinref reads version \
                 {FORMAT_VERSION}",
                path.display()
            ),
            ReplayError::PinrefVersion { path, found } => write!(
                f,
                "replay file {} was written by pinref {found}; this is pinref \
                 {PINREF_VERSION}: run the scenario again to record a new one",
                path.display()
            ),
            ReplayError::Mismatch { path, fields } => {
                write!(
                    f,
                    "replay file {} was written for another run:",
                    path.display()
                )?;
                for (field, found, expected) in fields {
                    write!(f, " {field} is {found} in the file but {expected} here;")?;
                }
                write!(f, " replay it with the command the report gives")
            }
            ReplayError::PayloadAltered(path) => write!(
                f,
                "replay file {} has been altered or cut: its payload does not match its digest",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ReplayError {}

/// Where an engine keeps the replay file of `scenario` on `scheme` under
/// `dir` (one file per engine, scenario and scheme).
pub fn path_in(dir: &Path, engine: &str, scenario: &str, scheme: &str) -> PathBuf {
    dir.join(format!("{scenario}-{scheme}-{engine}.replay.json"))
}

/// Writes a replay file for `key` at `path`, atomically: `finding` is what
/// the run found (a property's id), `payload` the engine's recording.
pub fn write(path: &Path, key: &ReplayKey, finding: &str, payload: &str) -> io::Result<()> {
    let envelope = json!({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "pinref_version": PINREF_VERSION,
        "engine": key.engine,
        "scenario": key.scenario,
        "scheme": key.scheme,
        "bound": key.bound,
        "scenario_digest": key.scenario_digest,
        "scheme_digest": key.scheme_digest,
        "finding": finding,
        "payload_digest": digest(payload.as_bytes()),
        "payload": payload,
    });
    let text = serde_json::to_string_pretty(&envelope).map_err(io::Error::other)?;
    write_atomic(path, text.as_bytes())
}

/// Reads the replay file at `path` and checks its envelope (format,
/// versions, payload digest), not yet what it was written for.
pub fn read(path: &Path) -> Result<ReplayFile, ReplayError> {
    let owned = || path.to_path_buf();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(ReplayError::Missing(owned()));
        }
        Err(error) => return Err(ReplayError::Unreadable(owned(), error.to_string())),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReplayError::Empty(owned()));
    }
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|error| ReplayError::Malformed(owned(), error.to_string()))?;
    let Some(object) = value.as_object() else {
        return Err(ReplayError::NotAReplay(owned(), "not a JSON object".into()));
    };
    if object.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(ReplayError::NotAReplay(
            owned(),
            format!("no \"format\": \"{FORMAT}\" field"),
        ));
    }
    let text = |field: &str| {
        object
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| ReplayError::NotAReplay(owned(), format!("no text field `{field}`")))
    };
    let found = object
        .get("format_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| ReplayError::NotAReplay(owned(), "no field `format_version`".into()))?;
    if found != FORMAT_VERSION {
        return Err(ReplayError::FormatVersion {
            path: owned(),
            found,
        });
    }
    let pinref_version = text("pinref_version")?;
    if pinref_version != PINREF_VERSION {
        return Err(ReplayError::PinrefVersion {
            path: owned(),
            found: pinref_version,
        });
    }
    let bound = match object.get("bound") {
        Some(Value::Null) => None,
        Some(bound) => Some(
            bound
                .as_u64()
                .and_then(|bound| usize::try_from(bound).ok())
                .ok_or_else(|| ReplayError::NotAReplay(owned(), "a `bound` not a count".into()))?,
        ),
        None => return Err(ReplayError::NotAReplay(owned(), "no field `bound`".into())),
    };
    let payload = text("payload")?;
    if text("payload_digest")? != digest(payload.as_bytes()) {
        return Err(ReplayError::PayloadAltered(owned()));
    }
    Ok(ReplayFile {
        path: owned(),
        key: ReplayKey {
            engine: text("engine")?,
            scenario: text("scenario")?,
            scheme: text("scheme")?,
            bound,
            scenario_digest: text("scenario_digest")?,
            scheme_digest: text("scheme_digest")?,
        },
        pinref_version,
        finding: text("finding")?,
        payload,
    })
}

/// Reads the replay file at `path` and checks that it was written for the
/// run `expected` describes: see the module docs.
pub fn load(path: &Path, expected: &ReplayKey) -> Result<ReplayFile, ReplayError> {
    let file = read(path)?;
    file.check(expected)?;
    Ok(file)
}

impl ReplayFile {
    /// Whether this file was written for the run `expected` describes;
    /// `Err` lists every field that differs.
    pub fn check(&self, expected: &ReplayKey) -> Result<(), ReplayError> {
        let bound = |bound: Option<usize>| {
            bound.map_or_else(|| "unbounded".to_string(), |bound| bound.to_string())
        };
        let mut fields = Vec::new();
        let mut compare = |field, found: String, wanted: String| {
            if found != wanted {
                fields.push((field, found, wanted));
            }
        };
        let (file, run) = (&self.key, expected);
        compare("engine", file.engine.clone(), run.engine.clone());
        compare("scenario", file.scenario.clone(), run.scenario.clone());
        compare("scheme", file.scheme.clone(), run.scheme.clone());
        compare("preemption bound", bound(file.bound), bound(run.bound));
        // A digest is compared only where the names agree: under another
        // name it says nothing new.
        if file.scenario == run.scenario {
            compare(
                "the scenario's digest (its definition or its --param values differ)",
                file.scenario_digest.clone(),
                run.scenario_digest.clone(),
            );
        }
        if file.scheme == run.scheme {
            compare(
                "the scheme's digest (its definition changed)",
                file.scheme_digest.clone(),
                run.scheme_digest.clone(),
            );
        }
        if fields.is_empty() {
            Ok(())
        } else {
            Err(ReplayError::Mismatch {
                path: self.path.clone(),
                fields,
            })
        }
    }
}

/// A digest of `bytes`: 64-bit FNV-1a, in hex, with its name. It guards
/// against mix-ups and damage, not against forgery (a replay file is a
/// user's own).
pub fn digest(bytes: &[u8]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = bytes.iter().fold(OFFSET, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    });
    format!("fnv1a64:{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::find_scheme;
    use crate::scenarios;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pinref-replay-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    }

    fn key(scenario: &str, scheme: &str, bound: Option<usize>) -> ReplayKey {
        ReplayKey::new(
            "loom",
            &scenarios::find(scenario).expect("a catalogued scenario"),
            &find_scheme(scheme).expect("a known scheme"),
            bound,
        )
    }

    #[test]
    fn the_digest_is_fnv1a_64() {
        // The published test vectors of 64-bit FNV-1a.
        assert_eq!(digest(b""), "fnv1a64:cbf29ce484222325");
        assert_eq!(digest(b"a"), "fnv1a64:af63dc4c8601ec8c");
    }

    #[test]
    fn a_written_file_reads_back_and_fits_the_run_it_was_written_for() {
        let path = scratch("roundtrip").join("r.json");
        let key = key("pin_vs_unpin", "v5_7", Some(2));
        write(&path, &key, "P2", "{\"loom\": 1}").expect("written");
        let file = load(&path, &key).expect("it fits");
        assert_eq!(
            (file.finding.as_str(), file.payload.as_str()),
            ("P2", "{\"loom\": 1}")
        );
    }

    #[test]
    fn every_field_that_differs_is_named() {
        let path = scratch("mismatch").join("r.json");
        write(&path, &key("pin_vs_unpin", "v5_7", Some(2)), "P2", "x").expect("written");
        let Err(ReplayError::Mismatch { fields, .. }) =
            load(&path, &key("get_put_vs_pin", "seed", None))
        else {
            panic!("a mismatch");
        };
        let names: Vec<_> = fields.iter().map(|(field, _, _)| *field).collect();
        assert_eq!(names, ["scenario", "scheme", "preemption bound"]);
    }

    #[test]
    fn a_changed_scenario_definition_is_refused_under_the_same_name() {
        let path = scratch("digest").join("r.json");
        let mut written = key("pin_vs_unpin", "v5_7", Some(2));
        written.scenario_digest = digest(b"an older pin_vs_unpin");
        write(&path, &written, "P2", "x").expect("written");
        let refused = load(&path, &key("pin_vs_unpin", "v5_7", Some(2)));
        assert!(
            matches!(&refused, Err(ReplayError::Mismatch { fields, .. })
                if fields.len() == 1 && fields[0].0.starts_with("the scenario's digest")),
            "{refused:?}"
        );
    }

    #[test]
    fn an_altered_payload_is_refused() {
        let path = scratch("altered").join("r.json");
        write(&path, &key("pin_vs_unpin", "v5_7", Some(2)), "P2", "abc").expect("written");
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace("\"abc\"", "\"abd\"")).expect("altered");
        assert_eq!(read(&path), Err(ReplayError::PayloadAltered(path.clone())));
    }
}
