//! What the machine provides for a throwaway cluster: the server programs,
//! the `postgres` OS user when running as root, a private temporary
//! directory and a free port.

use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{output_text, ClusterError, MAX_SOCKET_PATH, SERVER_PROGRAMS, VERSIONED_ROOT};

/// How to run the server programs as the `postgres` OS user when this
/// process is root.
#[derive(Debug, Clone)]
pub(super) struct RunAs {
    pub(super) runuser: PathBuf,
    pub(super) uid: u32,
    pub(super) gid: u32,
}

/// The directory holding initdb, pg_ctl and postgres: the first on `PATH`
/// (following a symlinked initdb to its real directory, as Debian links
/// initdb and pg_ctl without postgres), else the newest
/// `/usr/lib/postgresql/*/bin`.
pub(super) fn find_server_bin() -> Option<PathBuf> {
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
pub(super) fn newest_versioned_bin(root: &Path) -> Option<PathBuf> {
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

pub(super) fn has_server_programs(dir: &Path) -> bool {
    SERVER_PROGRAMS.iter().all(|p| is_executable(&dir.join(p)))
}

pub(super) fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Whether this process's effective user is root.
pub(super) fn is_root() -> bool {
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
pub(super) async fn server_user() -> Result<RunAs, ClusterError> {
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

pub(super) fn find_runuser() -> Option<PathBuf> {
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
pub(super) async fn id_of(flag: &str) -> Result<u32, ClusterError> {
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
pub(super) fn make_temp_dir() -> Result<PathBuf, ClusterError> {
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
pub(super) fn free_port() -> Result<u16, ClusterError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|source| ClusterError::NoFreePort { source })
}

pub(super) fn socket_path_fits(dir: &Path) -> bool {
    // The server's socket file is `.s.PGSQL.<port>`, its lock file `.lock` more.
    dir.as_os_str().len() + "/.s.PGSQL.65535.lock".len() <= MAX_SOCKET_PATH
}
