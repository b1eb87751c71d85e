//! A private, throwaway PostgreSQL cluster (for `doppel demo`): initdb into
//! a temporary directory, start on a free port on 127.0.0.1, stop and delete
//! on drop.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// Why a throwaway cluster could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No server binaries.
    #[error("PostgreSQL server binaries (initdb, pg_ctl) were found neither on PATH nor in /usr/lib/postgresql/*/bin; install them (Debian: apt-get install postgresql)")]
    NoBinaries,
    /// A step failed.
    #[error("{step} failed: {detail}")]
    Step {
        /// What was being done.
        step: String,
        /// What it said.
        detail: String,
    },
}

/// A running private cluster, stopped and removed when dropped.
#[derive(Debug)]
pub struct TempCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    stopped: bool,
}

fn step(step: &str, detail: impl std::fmt::Display) -> ClusterError {
    ClusterError::Step {
        step: step.to_string(),
        detail: detail.to_string(),
    }
}

/// The directory holding initdb and pg_ctl: PATH first, else the newest
/// `/usr/lib/postgresql/*/bin`.
pub fn find_server_bin() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Some(dir);
            }
        }
    }
    super::versioned_bin_dirs(&["initdb", "pg_ctl"])
        .into_iter()
        .next()
        .map(|(_, p)| p)
}

fn is_root() -> bool {
    // SAFETY-free check: root's home is /root and `id -u` prints 0; read it from /proc.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// A command for a server binary; as root it runs as the `postgres` user (initdb refuses root).
fn server_cmd(bin: &Path, tool: &str) -> tokio::process::Command {
    let exe = bin.join(tool);
    if is_root() {
        let mut c = tokio::process::Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(exe);
        c
    } else {
        tokio::process::Command::new(exe)
    }
}

async fn run(mut cmd: tokio::process::Command, what: &str) -> Result<(), ClusterError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| step(what, e))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(step(
            what,
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&out.stdout).trim()
            ),
        ))
    }
}

fn free_port() -> Result<u16, ClusterError> {
    let l =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| step("finding a free port", e))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| step("finding a free port", e))
}

impl TempCluster {
    /// initdb, configure and start a private cluster on a free port.
    pub async fn start() -> Result<TempCluster, ClusterError> {
        let bin = find_server_bin().ok_or(ClusterError::NoBinaries)?;
        let dir = std::env::temp_dir().join(format!(
            "doppel-cluster-{}-{}",
            std::process::id(),
            free_port()?
        ));
        std::fs::create_dir_all(&dir).map_err(|e| step("creating the cluster directory", e))?;
        if is_root() {
            run(
                {
                    let mut c = tokio::process::Command::new("chown");
                    c.arg("postgres:").arg(&dir);
                    c
                },
                "chown to the postgres user",
            )
            .await?;
        }
        let mut cluster = TempCluster {
            bin,
            dir,
            port: 0,
            stopped: true,
        };
        let data = cluster.data_dir();
        let mut init = server_cmd(&cluster.bin, "initdb");
        init.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]);
        run(init, "initdb").await?;
        cluster.port = free_port()?;
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {} -c unix_socket_directories={} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            cluster.port,
            cluster.dir.display()
        );
        let mut start = server_cmd(&cluster.bin, "pg_ctl");
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(cluster.dir.join("server.log"))
            .args(["-w", "-t", "60", "-o", &opts, "start"]);
        cluster.stopped = false;
        if let Err(e) = run(start, "pg_ctl start").await {
            let log = std::fs::read_to_string(cluster.dir.join("server.log")).unwrap_or_default();
            let tail: Vec<&str> = log
                .lines()
                .rev()
                .take(10)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            return Err(step(
                "starting the cluster",
                format!("{e}\n{}", tail.join("\n")),
            ));
        }
        // pg_ctl -w waited for the server; a short grace for the TCP socket.
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(cluster)
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL for database `db` as the superuser.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// The server binaries' directory.
    pub fn bin_dir(&self) -> &Path {
        &self.bin
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Stop the server and delete its directory.
    pub async fn stop(mut self) -> Result<(), ClusterError> {
        let mut stop = server_cmd(&self.bin, "pg_ctl");
        stop.arg("-D")
            .arg(self.data_dir())
            .args(["-m", "fast", "-w", "stop"]);
        let r = run(stop, "pg_ctl stop").await;
        self.stopped = true;
        let _ = std::fs::remove_dir_all(&self.dir);
        r
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        if !self.stopped {
            let exe = self.bin.join("pg_ctl");
            let data = self.data_dir();
            let mut cmd = if is_root() {
                let mut c = std::process::Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(exe);
                c
            } else {
                std::process::Command::new(exe)
            };
            let _ = cmd
                .arg("-D")
                .arg(data)
                .args(["-m", "immediate", "-w", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
