//! What `pinref` prints: results on stdout, progress on stderr. A reader
//! that goes away (`pinref | head -1`, a closed pipe) ends the printing
//! quietly: the rest of the output is dropped, the run still writes its
//! reports, and the exit status is still the run's own. Printing never
//! panics.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Write};

/// Standard output that goes quiet once its reader is gone.
#[derive(Debug, Default)]
pub struct Terminal {
    closed: Cell<bool>,
}

impl Terminal {
    /// Prints `text` as it is; after the first failed write, nothing.
    pub fn print(&self, text: impl fmt::Display) {
        if self.closed.get() {
            return;
        }
        let mut out = io::stdout().lock();
        if write!(out, "{text}").and_then(|()| out.flush()).is_err() {
            // A broken pipe or a closed descriptor: the reader is gone, and
            // so is any point in printing more.
            self.closed.set(true);
        }
    }

    /// Prints `text` and a newline.
    pub fn line(&self, text: impl fmt::Display) {
        self.print(format_args!("{text}\n"));
    }

    /// Whether stdout's reader went away.
    pub fn closed(&self) -> bool {
        self.closed.get()
    }
}

/// Prints progress or a message on stderr; a closed stderr loses it.
pub fn progress(text: impl fmt::Display) {
    let _ = write!(io::stderr(), "{text}");
}

/// [`progress`], with a newline.
pub fn note(text: impl fmt::Display) {
    progress(format_args!("{text}\n"));
}
