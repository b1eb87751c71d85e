//! A private, throwaway PostgreSQL cluster (for `doppel demo` and tests).
//!
//! [`TempCluster::start`] runs `initdb` into a fresh temporary directory,
//! starts the server with `pg_ctl` on a free TCP port of 127.0.0.1 (unix
//! socket inside the temporary directory, `fsync` off) and waits until it
//! accepts a login. [`TempCluster::stop`], or dropping the value, stops the
//! server and deletes the directory.
//!
//! The cluster uses `trust` authentication for the `postgres` superuser:
//! while it runs, any local user who can reach 127.0.0.1 can log in. It is
//! meant for demo and test data only.
//!
//! As root, the server programs run as the `postgres` OS user through
//! `runuser` (initdb refuses to run as root) and the directory is given to
//! that user.
//!
//! This file runs the cluster; `host` finds what the machine provides (the
//! programs, the OS user, a directory, a port), `probe` logs in to see that
//! the server is up, and `error` says what went wrong.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

mod error;
mod host;
mod probe;
#[cfg(test)]
mod tests;

pub use error::ClusterError;
use host::{
    find_server_bin, free_port, is_root, make_temp_dir, server_user, socket_path_fits, RunAs,
};
use probe::probe;

/// Where the server programs are looked for when they are not on `PATH`
/// (Debian's and Ubuntu's layout: one `bin` directory per major version).
const VERSIONED_ROOT: &str = "/usr/lib/postgresql";

/// The programs a cluster needs, all from one directory.
const SERVER_PROGRAMS: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

/// How long to wait for the server to accept a login after `pg_ctl` says it
/// is up.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Seconds `pg_ctl` waits for the server to start or stop.
const PG_CTL_TIMEOUT_SECS: &str = "60";

/// How many ports to try when another process takes the chosen one first.
const PORT_ATTEMPTS: u32 = 3;

/// Lines of the server log quoted in an error.
const LOG_TAIL_LINES: usize = 25;

/// Longest unix socket path (`sun_path` is 108 bytes with the final NUL).
const MAX_SOCKET_PATH: usize = 107;

/// A private PostgreSQL cluster in a temporary directory, stopped and
/// deleted on drop.
///
/// Connect as the `postgres` superuser without a password at
/// [`url`](Self::url). Prefer [`stop`](Self::stop), which reports errors;
/// dropping the value does the same synchronously, logging failures instead.
#[derive(Debug)]
pub struct TempCluster {
    bin: PathBuf,
    root: PathBuf,
    data: PathBuf,
    port: u16,
    run_as: Option<RunAs>,
    /// A server may be running (set just before `pg_ctl start`).
    running: bool,
    /// The directory is gone.
    removed: bool,
}

impl TempCluster {
    /// Find initdb/pg_ctl/postgres: from PATH, else the newest
    /// /usr/lib/postgresql/*/bin; a clear error saying what to install
    /// (Debian: `apt-get install postgresql`) if none.
    ///
    /// Then initdb (`-U postgres --auth=trust -E UTF8 --locale=C.UTF-8
    /// --no-sync`) into a fresh temporary directory (as root: run as the
    /// `postgres` OS user via `runuser -u postgres --`, the directory given to
    /// it), pick a free TCP port on 127.0.0.1, listen only there with the unix
    /// socket in the temporary directory and `fsync` off, start with
    /// `pg_ctl -w`, and wait until the server accepts a login.
    ///
    /// On any error, whatever was created is stopped and removed.
    pub async fn start() -> Result<TempCluster, ClusterError> {
        let bin = find_server_bin().ok_or(ClusterError::ServerNotFound)?;
        let run_as = if is_root() {
            Some(server_user().await?)
        } else {
            None
        };
        let root = make_temp_dir()?;
        // From here on, dropping `cluster` cleans up.
        let mut cluster = TempCluster {
            data: root.join("data"),
            bin,
            root,
            port: 0,
            run_as,
            running: false,
            removed: false,
        };
        tracing::debug!(
            bin = %cluster.bin.display(),
            dir = %cluster.root.display(),
            as_postgres_user = cluster.run_as.is_some(),
            "creating a throwaway PostgreSQL cluster"
        );
        if let Some(run_as) = &cluster.run_as {
            std::os::unix::fs::chown(&cluster.root, Some(run_as.uid), Some(run_as.gid)).map_err(
                |source| ClusterError::TempDir {
                    path: cluster.root.clone(),
                    source,
                },
            )?;
        }
        cluster.initdb().await?;
        cluster.configure().await?;
        cluster.start_server().await?;
        cluster.wait_ready().await?;
        tracing::debug!(port = cluster.port, "throwaway PostgreSQL cluster ready");
        Ok(cluster)
    }

    /// The TCP port the server listens on (on 127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A libpq URL for database `dbname` as the `postgres` superuser, e.g.
    /// `postgres://postgres@127.0.0.1:PORT/DBNAME` (the name percent-encoded
    /// where needed).
    pub fn url(&self, dbname: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{}",
            self.port,
            percent_encode(dbname)
        )
    }

    /// The directory holding the server programs in use (initdb, pg_ctl,
    /// postgres, and usually psql, pg_dump and pg_isready of the same major
    /// version).
    pub fn bin_dir(&self) -> &Path {
        &self.bin
    }

    /// The cluster's data directory (`pg_ctl -D` takes it), inside the
    /// temporary directory.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// Stop the server (`pg_ctl -m fast`) and remove the temporary directory.
    ///
    /// If stopping fails, the error is returned and the value's drop still
    /// tries an immediate shutdown and the removal.
    pub async fn stop(mut self) -> Result<(), ClusterError> {
        if self.running {
            let output = self
                .run(
                    "pg_ctl",
                    pg_ctl_stop_args(&self.data, "fast"),
                    "stopping the server",
                )
                .await?;
            if !output.status.success() {
                return Err(ClusterError::Stop {
                    data_dir: self.data.clone(),
                    status: output.status,
                    output: output_text(&output),
                });
            }
            self.running = false;
        }
        if !self.removed {
            tokio::fs::remove_dir_all(&self.root)
                .await
                .map_err(|source| ClusterError::Remove {
                    path: self.root.clone(),
                    source,
                })?;
            self.removed = true;
        }
        tracing::debug!(dir = %self.root.display(), "throwaway PostgreSQL cluster removed");
        Ok(())
    }

    /// initdb into `data`; retried with `--locale=C` if the system lacks the
    /// C.UTF-8 locale.
    async fn initdb(&self) -> Result<(), ClusterError> {
        let mut last = None;
        for locale in ["C.UTF-8", "C"] {
            let args: Vec<OsString> = vec![
                "-D".into(),
                self.data.clone().into(),
                "-U".into(),
                "postgres".into(),
                "--auth=trust".into(),
                "-E".into(),
                "UTF8".into(),
                format!("--locale={locale}").into(),
                "--no-sync".into(),
            ];
            let output = self.run("initdb", args, "creating the cluster").await?;
            if output.status.success() {
                return Ok(());
            }
            // e.g. `initdb: error: invalid locale name "C.UTF-8"`
            let locale_problem = String::from_utf8_lossy(&output.stderr).contains("locale");
            last = Some((output.status, output_text(&output)));
            if !locale_problem {
                break;
            }
            tracing::debug!("initdb failed with locale {locale}; retrying with another locale");
            // initdb removes a data directory it created; make sure.
            if tokio::fs::metadata(&self.data).await.is_ok() {
                let _ = tokio::fs::remove_dir_all(&self.data).await;
            }
        }
        let (status, output) = last.unwrap_or_default();
        let hint = match &self.run_as {
            Some(_) => format!(
                "check free disk space, and that the postgres OS user can reach {} \
                 (every parent directory must be searchable by it; set TMPDIR to \
                 e.g. /tmp)",
                self.root.display()
            ),
            None => "check free disk space and that TMPDIR is writable".to_string(),
        };
        Err(ClusterError::Initdb {
            data_dir: self.data.clone(),
            status,
            output,
            hint,
        })
    }

    /// Point postgresql.conf at `doppel.conf`, which [`Self::write_settings`]
    /// writes for each port tried.
    async fn configure(&self) -> Result<(), ClusterError> {
        let path = self.data.join("postgresql.conf");
        let mut conf =
            tokio::fs::read_to_string(&path)
                .await
                .map_err(|source| ClusterError::Config {
                    path: path.clone(),
                    source,
                })?;
        conf.push_str("\n# Settings of the throwaway cluster.\ninclude = 'doppel.conf'\n");
        tokio::fs::write(&path, conf)
            .await
            .map_err(|source| ClusterError::Config { path, source })
    }

    /// Write `doppel.conf` for `port`.
    async fn write_settings(&self, port: u16) -> Result<(), ClusterError> {
        let socket_dir = if socket_path_fits(&self.root) {
            self.root.display().to_string()
        } else {
            tracing::debug!(
                dir = %self.root.display(),
                "temporary directory too long for a unix socket; TCP only"
            );
            String::new()
        };
        let settings = format!(
            "listen_addresses = '127.0.0.1'\n\
             port = {port}\n\
             unix_socket_directories = '{}'\n\
             unix_socket_permissions = 0700\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             max_connections = 50\n\
             shared_buffers = '32MB'\n\
             max_wal_size = '256MB'\n\
             logging_collector = off\n\
             log_min_messages = warning\n\
             log_timezone = 'UTC'\n\
             timezone = 'UTC'\n",
            conf_quote(&socket_dir)
        );
        let path = self.data.join("doppel.conf");
        tokio::fs::write(&path, settings)
            .await
            .map_err(|source| ClusterError::Config {
                path: path.clone(),
                source,
            })?;
        if let Some(run_as) = &self.run_as {
            std::os::unix::fs::chown(&path, Some(run_as.uid), Some(run_as.gid))
                .map_err(|source| ClusterError::Config { path, source })?;
        }
        Ok(())
    }

    /// `pg_ctl start -w` on a free port, trying another port if the chosen
    /// one was taken in the meantime.
    async fn start_server(&mut self) -> Result<(), ClusterError> {
        let log_file = self.log_file();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = free_port()?;
            self.port = port;
            self.write_settings(port).await?;
            let args: Vec<OsString> = vec![
                "-D".into(),
                self.data.clone().into(),
                "-l".into(),
                log_file.clone().into(),
                "-w".into(),
                "-t".into(),
                PG_CTL_TIMEOUT_SECS.into(),
                "-s".into(),
                "start".into(),
            ];
            // pg_ctl may leave a server behind even when it fails.
            self.running = true;
            let output = self.run("pg_ctl", args, "starting the server").await?;
            if output.status.success() {
                return Ok(());
            }
            let log_tail = tail(&log_file).await;
            let port_taken = log_tail.contains("Address already in use");
            if port_taken && attempt < PORT_ATTEMPTS {
                tracing::debug!(port, "port taken before the server could bind it; retrying");
                continue;
            }
            return Err(ClusterError::Start {
                port,
                status: output.status,
                output: output_text(&output),
                log_tail,
            });
        }
    }

    /// Log in over TCP until the server answers ReadyForQuery.
    async fn wait_ready(&self) -> Result<(), ClusterError> {
        let started = Instant::now();
        let port = self.port;
        loop {
            let attempt = tokio::task::spawn_blocking(move || probe(port)).await;
            let last_error = match attempt {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) => e,
                Err(e) => format!("the readiness check did not finish: {e}"),
            };
            if started.elapsed() >= READY_TIMEOUT {
                return Err(ClusterError::NotReady {
                    port,
                    waited: READY_TIMEOUT,
                    last_error,
                    log_tail: tail(&self.log_file()).await,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_file(&self) -> PathBuf {
        self.root.join("server.log")
    }

    /// The command that runs server program `program` with `args`: directly,
    /// or through `runuser -u postgres --` as root; in the temporary
    /// directory, without the caller's PG* variables.
    fn command(&self, program: &str, args: Vec<OsString>) -> std::process::Command {
        let exe = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(run_as) => {
                let mut cmd = std::process::Command::new(&run_as.runuser);
                cmd.args(["-u", "postgres", "--"]).arg(exe);
                cmd
            }
            None => std::process::Command::new(exe),
        };
        cmd.args(args)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PG") {
                cmd.env_remove(name);
            }
        }
        cmd
    }

    /// Run a server program to completion, collecting its output.
    async fn run(
        &self,
        program: &str,
        args: Vec<OsString>,
        what: &str,
    ) -> Result<Output, ClusterError> {
        let mut cmd = tokio::process::Command::from(self.command(program, args));
        cmd.kill_on_drop(true);
        tracing::trace!(program, what, "running");
        cmd.output().await.map_err(|source| ClusterError::Spawn {
            program: format!("{} ({what})", self.program_label(program)),
            source,
        })
    }

    fn program_label(&self, program: &str) -> String {
        let exe = self.bin.join(program).display().to_string();
        match &self.run_as {
            Some(run_as) => format!("{} -u postgres -- {exe}", run_as.runuser.display()),
            None => exe,
        }
    }

    /// Best-effort synchronous cleanup for `Drop`: fast shutdown, then
    /// immediate, then remove the directory. Never panics.
    fn cleanup_blocking(&mut self) {
        if self.running {
            let stopped = ["fast", "immediate"].iter().any(|mode| {
                self.command("pg_ctl", pg_ctl_stop_args(&self.data, mode))
                    .output()
                    .map(|o| o.status.success())
                    .unwrap_or(false)
            });
            if !stopped {
                tracing::warn!(
                    data_dir = %self.data.display(),
                    "could not stop the throwaway PostgreSQL server"
                );
            }
            self.running = false;
        }
        if !self.removed {
            match std::fs::remove_dir_all(&self.root) {
                Ok(()) => self.removed = true,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.removed = true,
                Err(e) => tracing::warn!(
                    dir = %self.root.display(),
                    "could not remove the throwaway cluster's directory: {e}"
                ),
            }
        }
    }
}

impl Drop for TempCluster {
    /// Stop the server and remove the directory, synchronously and best
    /// effort (failures are logged, never raised).
    fn drop(&mut self) {
        self.cleanup_blocking();
    }
}

fn pg_ctl_stop_args(data: &Path, mode: &str) -> Vec<OsString> {
    vec![
        "-D".into(),
        data.into(),
        "-m".into(),
        mode.into(),
        "-w".into(),
        "-t".into(),
        PG_CTL_TIMEOUT_SECS.into(),
        "-s".into(),
        "stop".into(),
    ]
}

/// Quote a value for postgresql.conf's single-quoted strings.
pub(super) fn conf_quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "''")
}

/// What a program said: its stderr, or its stdout if stderr is empty (the
/// server programs print progress on stdout and errors on stderr).
pub(super) fn output_text(output: &Output) -> String {
    [&output.stderr, &output.stdout]
        .iter()
        .map(|bytes| String::from_utf8_lossy(bytes).trim().to_string())
        .find(|text| !text.is_empty())
        .unwrap_or_else(|| "(no output)".to_string())
}

/// The last lines of a log file, or why there are none.
pub(super) async fn tail(path: &Path) -> String {
    match tokio::fs::read(path).await {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.len().saturating_sub(LOG_TAIL_LINES);
            let tail = lines[start..].join("\n");
            if tail.trim().is_empty() {
                "(empty)".to_string()
            } else {
                tail
            }
        }
        Err(e) => format!("(could not read it: {e})"),
    }
}

/// Percent-encode a URL path segment (RFC 3986 unreserved characters stay).
pub(super) fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
