//! A failing execution's schedule: shuttle's encoded string (what
//! `shuttle::replay` takes), the payload of the engine's replay file
//! ([`crate::engines::replay`], what `pinref --replay` takes).

use shuttle::scheduler::Schedule;
use shuttle_engine::scheduler::serialization::{deserialize_schedule, serialize_schedule};
use std::fmt;
use std::path::PathBuf;

/// Why a replay file's payload could not be used.
#[derive(Debug)]
pub enum ScheduleError {
    /// The file does not hold a shuttle schedule string.
    NotASchedule(PathBuf),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
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
