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

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

/// How to run the server programs as the `postgres` OS user when this
/// process is root.
#[derive(Debug, Clone)]
struct RunAs {
    runuser: PathBuf,
    uid: u32,
    gid: u32,
}

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

/// The directory holding initdb, pg_ctl and postgres: the first on `PATH`
/// (following a symlinked initdb to its real directory, as Debian links
/// initdb and pg_ctl without postgres), else the newest
/// `/usr/lib/postgresql/*/bin`.
fn find_server_bin() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if !is_executable(&initdb) {
                continue;
            }
            let resolved = std::fs::canonicalize(&initdb)
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf));
            for candidate in [Some(dir.clone()), resolved].into_iter().flatten() {
                if has_server_programs(&candidate) {
                    return Some(candidate);
                }
            }
        }
    }
    newest_versioned_bin(Path::new(VERSIONED_ROOT))
}

/// The `<version>/bin` under `root` with every server program, highest
/// version first (`15` > `9.6`).
fn newest_versioned_bin(root: &Path) -> Option<PathBuf> {
    let mut found: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(root)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let version: Vec<u32> = name
                .to_str()?
                .split('.')
                .map(|part| part.parse().ok())
                .collect::<Option<_>>()?;
            let bin = entry.path().join("bin");
            has_server_programs(&bin).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn has_server_programs(dir: &Path) -> bool {
    SERVER_PROGRAMS.iter().all(|p| is_executable(&dir.join(p)))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Whether this process's effective user is root.
fn is_root() -> bool {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(uid) = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
        {
            return uid == "0";
        }
    }
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `runuser` and the `postgres` OS user's ids, for running as root.
async fn server_user() -> Result<RunAs, ClusterError> {
    let runuser = find_runuser().ok_or_else(|| ClusterError::NoServerUser {
        detail: "`runuser` was not found on PATH, in /usr/sbin or in /sbin".to_string(),
    })?;
    let uid = id_of("-u").await?;
    let gid = id_of("-g").await?;
    if uid == 0 {
        return Err(ClusterError::NoServerUser {
            detail: "the `postgres` OS user has uid 0".to_string(),
        });
    }
    Ok(RunAs { runuser, uid, gid })
}

fn find_runuser() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join("runuser"))
        .find(|p| is_executable(p))
}

/// `id -u postgres` or `id -g postgres`.
async fn id_of(flag: &str) -> Result<u32, ClusterError> {
    let output = tokio::process::Command::new("id")
        .args([flag, "postgres"])
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|source| ClusterError::Spawn {
            program: format!("id {flag} postgres"),
            source,
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    match text.trim().parse() {
        Ok(id) if output.status.success() => Ok(id),
        _ => Err(ClusterError::NoServerUser {
            detail: format!(
                "`id {flag} postgres` said: {}",
                output_text(&output).trim_end()
            ),
        }),
    }
}

/// A new private (0700) directory under the system's temporary directory.
fn make_temp_dir() -> Result<PathBuf, ClusterError> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let base = std::env::temp_dir();
    let mut last_error = None;
    for _ in 0..16 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "doppel-pg-{}-{}-{nanos:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = base.join(name);
        match std::fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(source) => return Err(ClusterError::TempDir { path, source }),
        }
    }
    Err(ClusterError::TempDir {
        path: base,
        source: last_error.unwrap_or_else(|| std::io::Error::other("no unused name")),
    })
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16, ClusterError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|source| ClusterError::NoFreePort { source })
}

fn socket_path_fits(dir: &Path) -> bool {
    // The server's socket file is `.s.PGSQL.<port>`, its lock file `.lock` more.
    dir.as_os_str().len() + "/.s.PGSQL.65535.lock".len() <= MAX_SOCKET_PATH
}

/// Quote a value for postgresql.conf's single-quoted strings.
fn conf_quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "''")
}

/// What a program said: its stderr, or its stdout if stderr is empty (the
/// server programs print progress on stdout and errors on stderr).
fn output_text(output: &Output) -> String {
    [&output.stderr, &output.stdout]
        .iter()
        .map(|bytes| String::from_utf8_lossy(bytes).trim().to_string())
        .find(|text| !text.is_empty())
        .unwrap_or_else(|| "(no output)".to_string())
}

/// The last lines of a log file, or why there are none.
async fn tail(path: &Path) -> String {
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
fn percent_encode(segment: &str) -> String {
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

/// Log in to database `postgres` as user `postgres` on 127.0.0.1:`port`
/// with the frontend/backend protocol, until ReadyForQuery; then say
/// goodbye. Blocking, with short timeouts.
fn probe(port: u16) -> Result<(), String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).map_err(|e| e.to_string())?;
    let timeout = Some(Duration::from_secs(3));
    stream
        .set_read_timeout(timeout)
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(timeout)
        .map_err(|e| e.to_string())?;

    let mut body = 196_608u32.to_be_bytes().to_vec(); // protocol 3.0
    for (key, value) in [("user", "postgres"), ("database", "postgres")] {
        body.extend_from_slice(key.as_bytes());
        body.push(0);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    let len = u32::try_from(body.len() + 4).map_err(|e| e.to_string())?;
    let mut startup = len.to_be_bytes().to_vec();
    startup.extend_from_slice(&body);
    stream.write_all(&startup).map_err(|e| e.to_string())?;

    loop {
        let mut header = [0u8; 5];
        stream
            .read_exact(&mut header)
            .map_err(|e| format!("reading the server's answer: {e}"))?;
        let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        if !(4..=1 << 20).contains(&len) {
            return Err(format!("unexpected message length {len} from the server"));
        }
        let mut payload = vec![0u8; len - 4];
        stream
            .read_exact(&mut payload)
            .map_err(|e| format!("reading the server's answer: {e}"))?;
        match header[0] {
            b'R' => {
                let code = payload
                    .get(..4)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                    .unwrap_or(u32::MAX);
                if code != 0 {
                    return Err(format!(
                        "the server asks for authentication (method {code}), trust was expected"
                    ));
                }
            }
            b'Z' => {
                // Terminate; the server closes the connection.
                let _ = stream.write_all(&[b'X', 0, 0, 0, 4]);
                return Ok(());
            }
            b'E' => return Err(error_message(&payload)),
            _ => {} // ParameterStatus, BackendKeyData, NoticeResponse
        }
    }
}

/// The severity and message fields of an ErrorResponse.
fn error_message(payload: &[u8]) -> String {
    let mut severity = "";
    let mut message = String::new();
    for field in payload.split(|b| *b == 0) {
        match field.split_first() {
            Some((b'S', value)) => severity = std::str::from_utf8(value).unwrap_or(""),
            Some((b'M', value)) => message = String::from_utf8_lossy(value).into_owned(),
            _ => {}
        }
    }
    format!("server error: {severity} {message}")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run psql from the cluster's bin directory (or PATH) and return stdout.
    fn psql(cluster: &TempCluster, sql: &str) -> String {
        let local = cluster.bin_dir().join("psql");
        let program = if is_executable(&local) {
            local
        } else {
            PathBuf::from("psql")
        };
        let output = std::process::Command::new(program)
            .args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(cluster.url("postgres"))
            .args(["-c", sql])
            .env_remove("PGPASSWORD")
            .env_remove("PGSERVICE")
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    #[tokio::test]
    async fn starts_answers_and_stops() {
        let cluster = TempCluster::start().await.expect("cluster starts");
        let root = cluster.root.clone();
        let port = cluster.port();
        assert!(port > 0);
        assert!(cluster.data_dir().join("PG_VERSION").is_file());
        assert!(cluster.data_dir().starts_with(&root));
        assert!(cluster.bin_dir().join("initdb").is_file());

        assert_eq!(psql(&cluster, "SELECT 1"), "1");
        assert_eq!(
            psql(&cluster, "SHOW listen_addresses"),
            "127.0.0.1",
            "listens on loopback only"
        );
        assert_eq!(psql(&cluster, "SHOW fsync"), "off");
        assert_eq!(psql(&cluster, "SHOW server_encoding"), "UTF8");
        assert_eq!(psql(&cluster, "SELECT current_user"), "postgres");
        let socket_dir = psql(&cluster, "SHOW unix_socket_directories");
        assert_eq!(Path::new(&socket_dir), root.as_path());
        assert!(root.join(format!(".s.PGSQL.{port}")).exists());
        psql(&cluster, "CREATE DATABASE \"scratch db\"");
        let url = cluster.url("scratch db");
        assert!(url.ends_with("/scratch%20db"), "{url}");

        cluster.stop().await.expect("cluster stops");
        assert!(!root.exists(), "{} still exists", root.display());
        assert!(probe(port).is_err(), "server still answers on {port}");
    }

    #[tokio::test]
    async fn drop_stops_and_removes() {
        let cluster = TempCluster::start().await.expect("cluster starts");
        let root = cluster.root.clone();
        let port = cluster.port();
        assert!(probe(port).is_ok());
        drop(cluster);
        assert!(!root.exists(), "{} still exists", root.display());
        assert!(probe(port).is_err(), "server still answers on {port}");
    }

    #[tokio::test]
    async fn loads_the_bundled_demo_database() {
        let cluster = TempCluster::start().await.expect("cluster starts");
        psql(&cluster, "CREATE DATABASE demo");
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
        let status = std::process::Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(cluster.url("demo"))
            .arg("-f")
            .arg(demo.join("schema.sql"))
            .arg("-f")
            .arg(demo.join("data.sql"))
            .status()
            .expect("psql runs");
        assert!(status.success(), "demo/schema.sql + demo/data.sql load");
        let url = cluster.url("demo");
        let count = |table: &str| {
            let output = std::process::Command::new("psql")
                .args(["-X", "-At", "-d", &url, "-c"])
                .arg(format!("SELECT count(*) FROM {table}"))
                .output()
                .expect("psql runs");
            String::from_utf8_lossy(&output.stdout).trim().to_string()
        };
        assert_eq!(count("public.organisations"), "8");
        assert_eq!(count("public.users"), "300");
        assert_eq!(count("auth.sessions"), "400");
        assert_eq!(count("public.memberships"), "350");
        cluster.stop().await.expect("cluster stops");
    }

    #[test]
    fn url_and_encoding() {
        assert_eq!(percent_encode("demo_prod"), "demo_prod");
        assert_eq!(percent_encode("a b/é"), "a%20b%2F%C3%A9");
        let cluster = TempCluster {
            bin: PathBuf::from("/nonexistent/bin"),
            root: PathBuf::from("/nonexistent/doppel-pg-test"),
            data: PathBuf::from("/nonexistent/doppel-pg-test/data"),
            port: 54321,
            run_as: None,
            running: false,
            removed: true,
        };
        assert_eq!(
            cluster.url("demo"),
            "postgres://postgres@127.0.0.1:54321/demo"
        );
    }

    #[test]
    fn finds_the_newest_versioned_bin() {
        let root = make_temp_dir().expect("temp dir");
        for version in ["9.6", "13", "15", "notaversion"] {
            let bin = root.join(version).join("bin");
            std::fs::create_dir_all(&bin).expect("mkdir");
            for program in SERVER_PROGRAMS {
                let path = bin.join(program);
                std::fs::write(&path, "#!/bin/sh\n").expect("write");
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                    .expect("chmod");
            }
        }
        // 16 lacks postgres, so it does not count.
        let partial = root.join("16").join("bin");
        std::fs::create_dir_all(&partial).expect("mkdir");
        std::fs::write(partial.join("initdb"), "").expect("write");
        assert_eq!(
            newest_versioned_bin(&root),
            Some(root.join("15").join("bin"))
        );
        std::fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn finds_server_programs_here() {
        let bin = find_server_bin().expect("PostgreSQL server programs are installed");
        assert!(has_server_programs(&bin), "{}", bin.display());
    }

    #[test]
    fn errors_say_what_to_do() {
        let text = ClusterError::ServerNotFound.to_string();
        assert!(text.contains("apt-get install postgresql"), "{text}");
        let text = ClusterError::NoServerUser {
            detail: "no such user".into(),
        }
        .to_string();
        assert!(
            text.contains("no such user") && text.contains("runuser"),
            "{text}"
        );
    }

    #[test]
    fn error_responses_are_readable() {
        let payload = b"SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0";
        assert_eq!(
            error_message(payload),
            "server error: FATAL the database system is starting up"
        );
    }

    #[test]
    fn conf_values_are_quoted() {
        assert_eq!(conf_quote("/tmp/it's"), "/tmp/it''s");
        assert!(socket_path_fits(Path::new("/tmp/doppel-pg-1-2-3")));
        assert!(!socket_path_fits(&PathBuf::from("/".repeat(100))));
    }
}
