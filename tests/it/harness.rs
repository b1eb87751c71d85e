//! Test databases, running the binary, and comparing tables.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_postgres::{Client, NoTls};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The server's admin URL.
pub fn server_url() -> String {
    std::env::var("DOPPEL_TEST_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// URL of database `db` on the test server.
pub fn db_url(db: &str) -> String {
    let base = server_url();
    match base.rfind('/') {
        Some(i) if base[..i].contains("://") && !base[..i].ends_with('/') => {
            let (head, tail) = base.split_at(i);
            let query = tail.find('?').map(|q| &tail[q..]).unwrap_or("");
            format!("{head}/{db}{query}")
        }
        _ => format!("{base}/{db}"),
    }
}

/// Connect to a URL and spawn the connection.
pub async fn connect(url: &str) -> Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test server at {url}: {e}. Start PostgreSQL or set DOPPEL_TEST_URL"));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// A database created for one test; dropped on success, kept on failure.
pub struct TestDb {
    /// Its name.
    pub name: String,
}

impl TestDb {
    /// Create an empty database named after the test.
    pub async fn create(label: &str) -> TestDb {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("doppel_t_{label}_{}_{n}", std::process::id());
        let admin = connect(&server_url()).await;
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
            .expect("drop stale test database");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        TestDb { name }
    }

    /// Its URL.
    pub fn url(&self) -> String {
        db_url(&self.name)
    }

    /// A connection to it.
    pub async fn client(&self) -> Client {
        connect(&self.url()).await
    }

    /// Run SQL on it.
    pub async fn exec(&self, sql: &str) {
        self.client()
            .await
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("SQL failed on {}: {e:?}\n{sql}", self.name));
    }

    /// One text value.
    pub async fn value(&self, sql: &str) -> Option<String> {
        let c = self.client().await;
        let row = c
            .query_one(sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        row.get(0)
    }

    /// Every row of a query as text, first column.
    pub async fn column(&self, sql: &str) -> Vec<Option<String>> {
        let c = self.client().await;
        c.query(sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// Number of user tables (the target must be empty after a refused run).
    pub async fn user_tables(&self) -> i64 {
        let c = self.client().await;
        c.query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname !~ '^pg_toast'",
            &[],
        )
        .await
        .unwrap()
        .get(0)
    }

    /// Ordered md5 of a table's rows (as text), for exact comparisons. (The
    /// alias is one no test table has as a column, so `alias::text` is the row.)
    pub async fn table_md5(&self, table: &str) -> String {
        self.value(&format!(
            "SELECT coalesce(md5(string_agg(whole_row::text, E'\\n' ORDER BY whole_row::text)), 'empty') || ':' || count(*) FROM {table} whole_row"
        ))
        .await
        .unwrap_or_default()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept test database {} for inspection", self.name);
            return;
        }
        clean_up(vec![(
            server_url(),
            format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
        )]);
    }
}

/// Run each `(url, sql)` in order from a fresh thread with its own runtime
/// (Drop cannot await); a step that fails is passed over: clean-up does
/// what it can.
fn clean_up(steps: Vec<(String, String)>) {
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        rt.block_on(async move {
            for (url, sql) in steps {
                if let Ok((c, conn)) = tokio_postgres::connect(&url, NoTls).await {
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                    let _ = c.batch_execute(&sql).await;
                }
            }
            Some(())
        })
    })
    .join();
}

/// A login role created for one test, dropped (with its grants in each of
/// its databases) when the test ends, whether it passed or not.
pub struct TestRole {
    /// Its name.
    pub name: String,
    dbs: Vec<String>,
}

impl TestRole {
    /// Create a login role named after `label`; `dbs` are the databases
    /// where it may be granted something (cleaned with DROP OWNED).
    pub async fn create(label: &str, dbs: &[&TestDb]) -> TestRole {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("doppel_t_{label}_{}_{n}", std::process::id());
        connect(&server_url())
            .await
            .batch_execute(&format!(
                "DROP ROLE IF EXISTS \"{name}\"; CREATE ROLE \"{name}\" LOGIN"
            ))
            .await
            .expect("create role");
        TestRole {
            name,
            dbs: dbs.iter().map(|d| d.name.clone()).collect(),
        }
    }

    /// The database's URL, connecting as this role.
    pub fn url(&self, db: &TestDb) -> String {
        let u = db.url();
        let sep = if u.contains('?') { '&' } else { '?' };
        format!("{u}{sep}user={}", self.name)
    }
}

impl Drop for TestRole {
    fn drop(&mut self) {
        let name = &self.name;
        let mut steps: Vec<(String, String)> = self
            .dbs
            .iter()
            .map(|db| (db_url(db), format!("DROP OWNED BY \"{name}\"")))
            .collect();
        steps.push((server_url(), format!("DROP ROLE IF EXISTS \"{name}\"")));
        clean_up(steps);
    }
}

/// A database holding `schema` (SQL that creates and fills it) whose
/// sessions are all READ ONLY afterwards, as on a hot standby.
pub async fn read_only_source(label: &str, schema: &str) -> TestDb {
    let src = TestDb::create(label).await;
    src.exec(schema).await;
    src.exec(&format!(
        "ALTER DATABASE \"{}\" SET default_transaction_read_only = on",
        src.name
    ))
    .await;
    src
}

/// A rules file written into a temporary directory for one test.
pub struct Rules {
    dir: PathBuf,
    /// The file.
    pub path: PathBuf,
}

impl Rules {
    /// Write `text` as a rules file.
    pub fn new(text: &str) -> Rules {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("doppel-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rules.yaml");
        std::fs::write(&path, text).unwrap();
        Rules { dir, path }
    }

    /// A path next to the rules (for reports).
    pub fn sibling(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Rules {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The test key.
pub const KEY: &str = "test-key-0123456789abcdef";

/// Run the doppel binary with `args` and environment `envs`.
pub fn doppel(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_doppel"));
    cmd.args(args).env("DOPPEL_KEY", KEY).env("NO_COLOR", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run doppel")
}

/// Start doppel without waiting for it, its output piped.
pub fn spawn_doppel(args: &[&str], envs: &[(&str, &str)]) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_doppel"));
    cmd.args(args).env("DOPPEL_KEY", KEY).env("NO_COLOR", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start doppel")
}

/// Read the child's log until a line contains `marker` (a minute at most);
/// the log read so far, and on until the child ends, is in the returned
/// buffer.
pub fn wait_for_line(child: &mut Child, marker: &str) -> Arc<Mutex<String>> {
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    let marker = marker.to_string();
    let log = Arc::new(Mutex::new(String::new()));
    let keep = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(mut l) = keep.lock() {
                l.push_str(&line);
                l.push('\n');
            }
            if line.contains(&marker) {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the run never reached the step");
    log
}

/// `doppel run` from `src` to `tgt` with `rules`; extra args appended.
pub fn run(
    src: &TestDb,
    tgt: &TestDb,
    rules: &Path,
    extra: &[&str],
    envs: &[(&str, &str)],
) -> Output {
    run_urls(&src.url(), &tgt.url(), rules, extra, envs)
}

/// The arguments of `doppel run` between two URLs, `extra` appended.
pub fn run_args(src: &str, tgt: &str, rules: &Path, extra: &[&str]) -> Vec<String> {
    let r = rules.to_string_lossy().to_string();
    let mut args: Vec<String> = [
        "run",
        "--source",
        src,
        "--target",
        tgt,
        "--rules",
        &r,
        "--progress",
        "log",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// `doppel run` between two URLs.
pub fn run_urls(
    src: &str,
    tgt: &str,
    rules: &Path,
    extra: &[&str],
    envs: &[(&str, &str)],
) -> Output {
    let args = run_args(src, tgt, rules, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    doppel(&args, envs)
}

/// `doppel run` between two URLs, started without waiting for it.
pub fn spawn_run_urls(
    src: &str,
    tgt: &str,
    rules: &Path,
    extra: &[&str],
    envs: &[(&str, &str)],
) -> std::process::Child {
    let args = run_args(src, tgt, rules, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    spawn_doppel(&args, envs)
}

/// `doppel run` from `src` into the SQL file `file` with `rules`.
pub fn run_to_file(src: &TestDb, file: &Path, rules: &Path) -> Output {
    let (s, f, r) = (
        src.url(),
        file.to_string_lossy().to_string(),
        rules.to_string_lossy().to_string(),
    );
    doppel(
        &[
            "run",
            "--source",
            &s,
            "--output",
            &f,
            "--rules",
            &r,
            "--progress",
            "log",
        ],
        &[],
    )
}

/// Everything a database holds, schema and rows, as pg_dump prints it.
pub fn dump(db: &TestDb) -> String {
    dump_with(db, &[])
}

/// What pg_dump prints of a database with `extra` arguments (e.g.
/// `--section=post-data`), owners left out.
pub fn dump_with(db: &TestDb, extra: &[&str]) -> String {
    let out = std::process::Command::new("pg_dump")
        .args(["--no-owner", "--dbname", &db.url()])
        .args(extra)
        .output()
        .expect("run pg_dump (PostgreSQL's client binaries must be on PATH)");
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Load the SQL file `file` into `db` with psql, stopping at the first error.
pub fn psql_file(db: &TestDb, file: &str) {
    let psql = std::process::Command::new("psql")
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            &db.url(),
            "-f",
            file,
        ])
        .output()
        .expect("psql");
    assert!(
        psql.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&psql.stderr)
    );
}

/// Assert the process succeeded, showing its output if not.
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "doppel failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Assert `text` contains every one of `parts`, showing it if not.
pub fn assert_contains(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "expected `{p}` in:\n{text}");
    }
}

/// Assert the process failed with `code`; return its stderr.
pub fn assert_fails(out: &Output, code: i32) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}, got {}:\n{err}",
        out.status
    );
    err
}
