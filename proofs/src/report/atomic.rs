//! Files that are never seen half-written: every report, trace and replay
//! file pinref writes goes to a temporary file beside its destination,
//! reaches the disk, and is renamed over it. A reader (a CI step, a
//! concurrent `pinref`, the next run after a crash) sees the previous file
//! or the new one, whole; a run killed mid-write leaves at most a
//! temporary file, named `.<name>.tmp-<pid>-<n>`, which the next main job
//! removes ([`remove_stale_temporaries`]).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `contents` to `path` atomically: see the module docs.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |file| file.write_all(contents))
}

/// Writes `path` atomically with `fill`, which writes the contents into
/// the temporary file. If `fill` fails (or the process dies while it
/// runs), `path` keeps its previous contents and the temporary file is
/// removed (or left for [`remove_stale_temporaries`]).
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} names no file", path.display()),
        )
    })?;
    fs::create_dir_all(dir)?;
    let temporary = dir.join(temporary_name(&name.to_string_lossy()));
    let written = (|| {
        let mut file = File::create(&temporary)?;
        fill(&mut file)?;
        // On the disk before the rename: a crash after the rename must not
        // leave a renamed but empty file.
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Removes the temporary files a killed run left in `dir` (not below it).
pub fn remove_stale_temporaries(dir: &Path) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let entry = entry?;
        if is_temporary(&entry.file_name().to_string_lossy()) && entry.file_type()?.is_file() {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// The temporary files [`write_atomic`] would leave in `dir` if killed.
pub fn temporaries_in(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| is_temporary(&entry.file_name().to_string_lossy()))
                .map(|entry| entry.path())
                .collect()
        })
        .unwrap_or_default()
}

const MARK: &str = ".tmp-";

/// A name no other writer uses: this process, and a count of its writes
/// (two threads may write the same destination).
fn temporary_name(name: &str) -> String {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    format!(".{name}{MARK}{}-{n}", std::process::id())
}

fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(MARK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pinref-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    }

    #[test]
    fn a_write_that_dies_half_way_leaves_the_previous_file_whole() {
        let dir = scratch("dies");
        let path = dir.join("report.json");
        write_atomic(&path, b"{\"previous\": true}").expect("the first write");

        // The writer stops after half the new contents, as a killed
        // process would.
        let died = write_atomic_with(&path, |file| {
            file.write_all(b"{\"new\": ")?;
            Err(io::Error::other("killed mid-write"))
        });

        assert!(died.is_err());
        assert_eq!(
            fs::read_to_string(&path).expect("the report"),
            "{\"previous\": true}"
        );
        assert_eq!(temporaries_in(&dir), Vec::<PathBuf>::new());
    }

    #[test]
    fn a_finished_write_replaces_the_file_whole_and_leaves_no_temporary() {
        let dir = scratch("replaces");
        let path = dir.join("report.md");
        write_atomic(&path, b"old, and longer than the new one").expect("the first write");
        write_atomic(&path, b"new").expect("the second write");
        assert_eq!(fs::read_to_string(&path).expect("the report"), "new");
        assert_eq!(temporaries_in(&dir), Vec::<PathBuf>::new());
    }

    #[test]
    fn the_temporaries_of_a_killed_run_are_removed_and_nothing_else() {
        let dir = scratch("stale");
        let stale = dir.join(temporary_name("report.json"));
        fs::write(&stale, b"{\"half").expect("a stale temporary");
        fs::write(dir.join("report.json"), b"{}").expect("a report");
        fs::write(dir.join(".hidden"), b"kept").expect("a hidden file");

        remove_stale_temporaries(&dir).expect("the clean-up");

        assert!(!stale.exists());
        assert!(dir.join("report.json").is_file());
        assert!(dir.join(".hidden").is_file());
    }

    #[test]
    fn a_destination_that_is_a_directory_is_an_error_and_is_left_alone() {
        let dir = scratch("directory");
        let path = dir.join("report.json");
        fs::create_dir_all(&path).expect("a directory in the way");
        assert!(write_atomic(&path, b"{}").is_err());
        assert!(path.is_dir());
        assert_eq!(temporaries_in(&dir), Vec::<PathBuf>::new());
    }
}
