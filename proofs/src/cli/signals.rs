//! SIGINT and SIGTERM stop `pinref` cleanly: the first asks every
//! exploration to stop at its next execution ([`crate::engines::stop`]),
//! so that the job prints its partial table, marks it incomplete and
//! writes a whole report; a second one of either ends the process at once
//! (exit status 130), for a job that does not stop soon enough. Reports on
//! disk are then the previous ones or the new ones, whole: every write is
//! a rename ([`crate::report::atomic`]).
//!
//! The handlers come from `signal-hook`: its flag actions are a single
//! atomic store in the handler (async-signal-safe), with no thread and no
//! allocation, and it chains with any handler already installed. `ctrlc`
//! would spawn a thread and needs a feature for SIGTERM.

use crate::engines::stop::STOP;
use signal_hook::consts::signal::{SIGINT, SIGTERM};
use std::io;
use std::sync::atomic::AtomicBool;

/// Set by the first signal, so that the second one exits.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

/// The exit status after a second signal: 128 + SIGINT, the shell's
/// convention for a process ended by Ctrl-C.
const SECOND_SIGNAL_STATUS: i32 = 130;

/// Installs the handlers: see the module docs.
pub fn install() -> io::Result<()> {
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so it runs first: on the second signal the flag
        // is already set, and the process ends.
        signal_hook::flag::register_conditional_shutdown(signal, SECOND_SIGNAL_STATUS, &SIGNALLED)?;
        signal_hook::flag::register(signal, &SIGNALLED)?;
        let number = usize::try_from(signal).unwrap_or(usize::MAX);
        signal_hook::flag::register_usize(signal, &STOP, number)?;
    }
    Ok(())
}
