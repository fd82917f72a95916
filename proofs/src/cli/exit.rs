//! The exit status of `pinref`, in a documented order of precedence: what
//! the checker found always outranks what went wrong around it, so that a
//! violation is never hidden behind a report that could not be written.

use std::process::ExitCode;

/// How a run of `pinref` ended, from the most to the least important; the
/// status of a run is the first that applies ([`Findings::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// 1: a property a scheme claims was violated, a flawed variant
    /// survived every engine, or a scheme's declared known bug was not
    /// found by a run that should have shown it.
    Failed,
    /// 4: the runs went as printed, but a report, trace or replay file
    /// could not be written.
    Io,
    /// 3: a run was cut short (a cap, SIGINT / SIGTERM), or a replay did
    /// not reproduce: not a pass.
    Incomplete,
    /// 0: every run passed or violated only what its scheme does not claim,
    /// and every flawed variant hunted was caught.
    Pass,
    /// 2: bad arguments or a bad replay file, found before anything ran.
    Usage,
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Status::Pass => 0,
            Status::Failed => 1,
            Status::Usage => 2,
            Status::Incomplete => 3,
            Status::Io => 4,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// `--help`'s and the README's words for the exit status.
pub const EXIT_STATUS_HELP: &str = "Exit status, the first that applies: 1 when a property a \
     scheme claims was violated, a flawed variant survived, or a declared known bug was not \
     found; 4 when a report, trace or replay file could not be written (the verdicts were \
     printed); 3 when a run was cut short by --max-executions / --max-seconds or by SIGINT / \
     SIGTERM, or a replay did not reproduce (incomplete, never a pass); 0 when every run passed \
     (or violated only what its scheme does not claim) and every flawed variant was caught. 2 \
     means bad arguments or a bad replay file, found before anything ran.";

/// What a finished (or interrupted) run counted, for its exit status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Findings {
    /// Runs that violated a property their scheme claims.
    pub violations: usize,
    /// Flawed variants no engine caught.
    pub survivors: usize,
    /// Known bugs a scheme declares that its runs did not show.
    pub known_bugs_missed: usize,
    /// Files that could not be written.
    pub io_failures: usize,
    /// Runs cut short, replays that did not reproduce, and an interrupted
    /// job (one more).
    pub incomplete: usize,
}

impl Findings {
    /// The exit status: the first of [`Status`]'s order that applies.
    pub fn status(&self) -> Status {
        if self.violations + self.survivors + self.known_bugs_missed > 0 {
            Status::Failed
        } else if self.io_failures > 0 {
            Status::Io
        } else if self.incomplete > 0 {
            Status::Incomplete
        } else {
            Status::Pass
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_violation_outranks_a_report_that_could_not_be_written() {
        let findings = Findings {
            violations: 1,
            io_failures: 2,
            incomplete: 1,
            ..Findings::default()
        };
        assert_eq!(findings.status().code(), 1);
    }

    #[test]
    fn a_survivor_and_a_missed_known_bug_each_fail_the_run() {
        let survivor = Findings {
            survivors: 1,
            ..Findings::default()
        };
        let missed = Findings {
            known_bugs_missed: 1,
            ..Findings::default()
        };
        assert_eq!(
            (survivor.status(), missed.status()),
            (Status::Failed, Status::Failed)
        );
    }

    #[test]
    fn an_io_failure_outranks_an_incomplete_run_and_has_its_own_code() {
        let findings = Findings {
            io_failures: 1,
            incomplete: 3,
            ..Findings::default()
        };
        assert_eq!(findings.status(), Status::Io);
        assert_eq!(Status::Io.code(), 4);
    }

    #[test]
    fn an_incomplete_run_is_never_a_pass() {
        let findings = Findings {
            incomplete: 1,
            ..Findings::default()
        };
        assert_eq!(findings.status().code(), 3);
        assert_eq!(Findings::default().status().code(), 0);
    }

    #[test]
    fn every_code_is_distinct_and_documented() {
        let all = [
            Status::Failed,
            Status::Io,
            Status::Incomplete,
            Status::Pass,
            Status::Usage,
        ];
        let mut codes: Vec<u8> = all.iter().map(|status| status.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes, [0, 1, 2, 3, 4]);
        for code in codes {
            assert!(
                EXIT_STATUS_HELP.contains(&format!("{code} ")),
                "--help does not mention exit status {code}"
            );
        }
    }
}
