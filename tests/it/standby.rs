//! A hot standby as the target is refused before anything is attempted:
//! the test builds a real primary and a streaming standby of it (initdb,
//! pg_basebackup) in a temporary directory, and stops and removes both
//! whatever happens.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::*;

/// A directory with PostgreSQL's server binaries and pg_basebackup: where
/// PATH's initdb is, else Debian's newest.
fn bin_dir() -> Option<PathBuf> {
    let complete = |d: &Path| {
        ["initdb", "pg_ctl", "pg_basebackup"]
            .iter()
            .all(|t| d.join(t).is_file())
    };
    if let Ok(out) = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output()
    {
        let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if let Some(dir) = Path::new(&p).parent().filter(|d| complete(d)) {
            return Some(dir.to_path_buf());
        }
    }
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            complete(&bin).then_some((v, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, d)| d)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Run a server binary, as the postgres user when we are root (initdb and
/// the server refuse to run as root).
fn pg_output(bin: &Path, tool: &str, args: &[&str]) -> std::io::Result<std::process::Output> {
    let exe = bin.join(tool);
    if is_root() {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&exe)
            .args(args)
            .output()
    } else {
        Command::new(&exe).args(args).output()
    }
}

/// [`pg_output`], which must succeed.
fn pg(bin: &Path, tool: &str, args: &[&str]) {
    let out = pg_output(bin, tool, args).unwrap_or_else(|e| panic!("run {tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A primary and its standby; stopped and removed when dropped.
struct Pair {
    bin: PathBuf,
    dir: PathBuf,
    standby_port: u16,
}

impl Pair {
    fn start(bin: PathBuf) -> Pair {
        let dir = std::env::temp_dir().join(format!("doppel-standby-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        if is_root() {
            let _ = Command::new("chown").arg("postgres:").arg(&dir).status();
        }
        let pair = Pair {
            bin,
            dir,
            standby_port: free_port(),
        };
        let d = pair.dir.to_string_lossy().to_string();
        let (primary, standby) = (format!("{d}/primary"), format!("{d}/standby"));
        let primary_port = free_port().to_string();
        pg(
            &pair.bin,
            "initdb",
            &[
                "-D",
                &primary,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
            ],
        );
        let opts = |port: &str| {
            format!("-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={d} -c fsync=off")
        };
        pg(
            &pair.bin,
            "pg_ctl",
            &[
                "-D",
                &primary,
                "-w",
                "-l",
                &format!("{d}/primary.log"),
                "-o",
                &opts(&primary_port),
                "start",
            ],
        );
        pg(
            &pair.bin,
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary_port,
                "-U",
                "postgres",
                "-D",
                &standby,
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast",
            ],
        );
        pg(
            &pair.bin,
            "pg_ctl",
            &[
                "-D",
                &standby,
                "-w",
                "-l",
                &format!("{d}/standby.log"),
                "-o",
                &opts(&pair.standby_port.to_string()),
                "start",
            ],
        );
        pair
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for node in ["standby", "primary"] {
            let data = self.dir.join(node).to_string_lossy().to_string();
            let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
            let _ = pg_output(&self.bin, "pg_ctl", &args);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hot_standby_target_is_refused() {
    let bin = bin_dir().expect("PostgreSQL's server binaries (initdb, pg_basebackup)");
    let pair = Pair::start(bin);
    let target = format!(
        "postgres://postgres@127.0.0.1:{}/postgres",
        pair.standby_port
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok((c, conn)) = tokio_postgres::connect(&target, tokio_postgres::NoTls).await {
            tokio::spawn(conn);
            let standby = c
                .query_one("SELECT pg_is_in_recovery()", &[])
                .await
                .map(|r| r.get::<_, bool>(0));
            if let Ok(true) = standby {
                break;
            }
        }
        assert!(Instant::now() < deadline, "the standby never came up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let src = TestDb::create("standby_src").await;
    src.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);")
        .await;
    let rules = Rules::new("version: 1\ntables:\n  public.t: keep\n");
    let err = assert_fails(&run_urls(&src.url(), &target, &rules.path, &[], &[]), 2);
    assert!(err.contains("is a hot standby"), "{err}");
    assert!(
        err.contains("give the primary server"),
        "says what to do: {err}"
    );
}
