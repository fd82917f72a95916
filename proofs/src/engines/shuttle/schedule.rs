//! A failing execution's schedule: shuttle's encoded string (what
//! `shuttle::replay` takes), written to and read from a replay file (what
//! `shuttle::replay_from_file` and `pinref --replay` take).

use shuttle::scheduler::Schedule;
use shuttle_engine::scheduler::serialization::{deserialize_schedule, serialize_schedule};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a replay file could not be used.
#[derive(Debug)]
pub enum ScheduleError {
    /// The file could not be read.
    Read(PathBuf, std::io::Error),
    /// The file does not hold a shuttle schedule string.
    NotASchedule(PathBuf),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::Read(path, error) => {
                write!(f, "cannot read the schedule {}: {error}", path.display())
            }
            ScheduleError::NotASchedule(path) => write!(
                f,
                "{} does not hold a shuttle schedule string (the file a shuttle failure wrote)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ScheduleError {}

/// `schedule` as shuttle encodes it, on one line.
pub fn encode(schedule: &Schedule) -> String {
    serialize_schedule(schedule).split_whitespace().collect()
}

/// Writes `schedule` to `path` in shuttle's format.
pub fn write(path: &Path, schedule: &Schedule) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, format!("{}\n", encode(schedule)))
}

/// Reads the schedule a replay file holds.
pub fn read(path: &Path) -> Result<Schedule, ScheduleError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| ScheduleError::Read(path.to_path_buf(), error))?;
    decode(&text).ok_or_else(|| ScheduleError::NotASchedule(path.to_path_buf()))
}

/// Decodes a schedule string (`None`: not one). shuttle's decoder indexes
/// its input without checking it, so garbage is caught here rather than
/// allowed to panic.
pub fn decode(text: &str) -> Option<Schedule> {
    let hex: String = text.split_whitespace().collect();
    if hex.is_empty() || !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    super::super::exploring(|| {
        std::panic::catch_unwind(|| deserialize_schedule(&hex))
            .ok()
            .flatten()
    })
}
