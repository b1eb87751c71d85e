//! Why a throwaway cluster could not be started, stopped or removed.

use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use super::VERSIONED_ROOT;

/// Why a throwaway cluster could not be started, stopped or removed. Each
/// message says what failed and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// initdb, pg_ctl and postgres were found neither on `PATH` nor in
    /// `/usr/lib/postgresql/*/bin`.
    #[error(
        "PostgreSQL server programs (initdb, pg_ctl, postgres) were not found on PATH \
         or in {VERSIONED_ROOT}/*/bin; install the PostgreSQL server \
         (Debian/Ubuntu: `apt-get install postgresql`; other systems: the \
         postgresql-server package) or put its bin directory on PATH"
    )]
    ServerNotFound,

    /// The process runs as root but cannot switch to the `postgres` OS user.
    #[error(
        "running as root, but the server cannot be run as the `postgres` OS user \
         (initdb refuses to run as root): {detail}; create that user \
         (Debian: `adduser --system --group postgres`, or install the postgresql \
         package) and make sure `runuser` (util-linux) is installed, or run doppel \
         as an ordinary user"
    )]
    NoServerUser {
        /// What was missing.
        detail: String,
    },

    /// The temporary directory could not be created or prepared.
    #[error(
        "could not prepare the temporary directory {path}: {source}; set TMPDIR \
         to a writable directory with free space"
    )]
    TempDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// A program could not be run at all.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The underlying error.
        source: std::io::Error,
    },

    /// initdb ran and failed.
    #[error("initdb failed ({status}) for {data_dir}:\n{output}\n{hint}")]
    Initdb {
        /// The data directory it was creating.
        data_dir: PathBuf,
        /// How it exited.
        status: ExitStatus,
        /// What it printed (stderr, or stdout when stderr is empty).
        output: String,
        /// What to check.
        hint: String,
    },

    /// No free TCP port could be had on 127.0.0.1.
    #[error(
        "could not find a free TCP port on 127.0.0.1: {source}; check that the \
         loopback interface is up"
    )]
    NoFreePort {
        /// The underlying error.
        source: std::io::Error,
    },

    /// The server configuration could not be written.
    #[error("could not write the server configuration {path}: {source}")]
    Config {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// `pg_ctl start` failed.
    #[error(
        "pg_ctl could not start the server on 127.0.0.1:{port} ({status}):\n{output}\n\
         server log (last lines):\n{log_tail}\n\
         check the log above; common causes are too little shared memory or disk \
         space, or the port being taken"
    )]
    Start {
        /// The port it was to listen on.
        port: u16,
        /// How pg_ctl exited.
        status: ExitStatus,
        /// What pg_ctl printed.
        output: String,
        /// The end of the server log.
        log_tail: String,
    },

    /// The server started but did not accept a login in time.
    #[error(
        "the server started but did not accept a login on 127.0.0.1:{port} within \
         {waited:?} (last attempt: {last_error}); server log (last lines):\n\
         {log_tail}\nif the machine is very busy, try again"
    )]
    NotReady {
        /// The port.
        port: u16,
        /// How long it was waited for.
        waited: Duration,
        /// Why the last login attempt failed.
        last_error: String,
        /// The end of the server log.
        log_tail: String,
    },

    /// `pg_ctl stop` failed.
    #[error(
        "pg_ctl could not stop the server of {data_dir} ({status}):\n{output}\n\
         an immediate shutdown and the removal of the directory are tried next; if a \
         postgres process of that directory remains, stop it with \
         `pg_ctl -D {data_dir} stop -m immediate` (as the postgres user when root)"
    )]
    Stop {
        /// The data directory.
        data_dir: PathBuf,
        /// How pg_ctl exited.
        status: ExitStatus,
        /// What pg_ctl printed.
        output: String,
    },

    /// The server stopped but its directory could not be removed.
    #[error("the server stopped, but {path} could not be removed: {source}; remove it by hand")]
    Remove {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}
