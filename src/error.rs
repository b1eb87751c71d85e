//! The error every command returns, and the exit code it maps to (SPEC §2).
//!
//! Inner modules keep their own typed errors; this enum only groups them by
//! what the user must do about them, and prints each cause once.

use std::fmt;

/// Process exit codes, as SPEC §2 defines them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything went well.
    Success = 0,
    /// A runtime failure: database, network, I/O.
    Runtime = 1,
    /// Bad command line or rules.
    Usage = 2,
    /// `check` found uncovered or unsafe columns.
    Check = 3,
    /// `verify` found a leak or an integrity failure.
    Verify = 4,
    /// Stopped by SIGINT (128 + 2), after cleaning up.
    Interrupted = 130,
    /// Stopped by SIGTERM (128 + 15), after cleaning up.
    Terminated = 143,
}

/// A failure of a command, classified by what the user has to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The rules file or the command line is wrong; the message lists every problem.
    #[error("{0}")]
    Usage(String),
    /// Something failed while running: database, network, files, external tools.
    #[error("{0}")]
    Runtime(String),
    /// `verify` found a leak or an integrity failure; the message sums them up.
    #[error("{0}")]
    Findings(String),
    /// A signal stopped the command; the message says what was cleaned up.
    #[error("{1}")]
    Stopped(ExitCode, String),
}

impl Error {
    /// The exit code this error maps to.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) => ExitCode::Usage,
            Error::Runtime(_) => ExitCode::Runtime,
            Error::Findings(_) => ExitCode::Verify,
            Error::Stopped(code, _) => *code,
        }
    }

    /// A usage error from anything printable.
    pub fn usage(msg: impl fmt::Display) -> Error {
        Error::Usage(msg.to_string())
    }

    /// The same error with `more` appended to its message.
    pub fn with_note(self, more: &str) -> Error {
        match self {
            Error::Usage(m) => Error::Usage(format!("{m}; {more}")),
            Error::Runtime(m) => Error::Runtime(format!("{m}; {more}")),
            Error::Findings(m) => Error::Findings(format!("{m}; {more}")),
            Error::Stopped(c, m) => Error::Stopped(c, format!("{m}; {more}")),
        }
    }

    /// A runtime error from anything printable.
    pub fn runtime(msg: impl fmt::Display) -> Error {
        Error::Runtime(msg.to_string())
    }
}
