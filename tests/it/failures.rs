//! Failure as a designed path: a run that fails or is stopped after its
//! first write leaves the target exactly as it found it (compared with
//! pg_dump), names what failed with the database's SQLSTATE, and leaves no
//! session of doppel's on either server; one run per target at a time;
//! targets that cannot be written are refused before anything is written.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::*;

/// A source whose `lines` COPY stalls at one row (a `sql:` masker that
/// sleeps there), so a test can act while rows are in flight.
const SOURCE: &str = "
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE invoices (id int PRIMARY KEY, total numeric, email citext);
CREATE TABLE lines (id int PRIMARY KEY, invoice_id int NOT NULL REFERENCES invoices(id), note text);
INSERT INTO invoices SELECT g, g * 1.5, 'u' || g || '@x.test' FROM generate_series(1, 1000) g;
INSERT INTO lines SELECT g, 1 + g % 1000, repeat('n', 100) FROM generate_series(1, 50000) g;
CREATE FUNCTION stall(i int) RETURNS text LANGUAGE sql AS
  $$ SELECT CASE WHEN i = 30000 THEN (SELECT '' FROM pg_sleep(60)) ELSE '' END $$;
";

fn rules(lines_note: &str, invoice_filter: &str, lines_filter: &str) -> Rules {
    Rules::new(&format!(
        "version: 1
key: ${{DOPPEL_KEY}}
tables:
  public.invoices:
    {invoice_filter}
    columns:
      id: keep
      total: keep
      email: {{ fake: email }}
  public.lines:
    {lines_filter}
    columns:
      id: keep
      invoice_id: keep
      note: {lines_note}
"
    ))
}

fn stalling_rules() -> Rules {
    rules(r#"{ sql: "note || stall(id)" }"#, "", "")
}

fn plain_rules() -> Rules {
    rules("keep", "", "")
}

/// The target holds something of its own that must survive every failure.
async fn target_with_own_data() -> TestDb {
    let tgt = TestDb::create("fail_tgt").await;
    tgt.exec(
        "CREATE SCHEMA own; CREATE TABLE own.notes (id int PRIMARY KEY, body text);
         INSERT INTO own.notes VALUES (1, 'kept');
         CREATE FUNCTION public.own_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';",
    )
    .await;
    tgt
}

/// Assert the target's dump is unchanged, showing the lines that differ.
fn assert_same(before: &str, after: &str, err: &str) {
    if before == after {
        return;
    }
    let b: std::collections::HashSet<&str> = before.lines().collect();
    let a: std::collections::HashSet<&str> = after.lines().collect();
    let gone: Vec<&&str> = b.difference(&a).take(20).collect();
    let new: Vec<&&str> = a.difference(&b).take(20).collect();
    panic!("the target changed: lines gone {gone:?}, lines new {new:?}; doppel said: {err}");
}

/// Start `doppel run` without waiting for it.
fn spawn_run(src: &TestDb, tgt: &TestDb, rules: &Rules, extra: &[&str]) -> Child {
    spawn_run_urls(&src.url(), &tgt.url(), &rules.path, extra, &[])
}

/// Wait (up to a minute) until doppel's reader is copying `lines` on `src`.
async fn wait_for_copy(src: &TestDb) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pid = src
            .value(
                "SELECT max(pid)::text FROM pg_stat_activity WHERE datname = current_database() \
                 AND application_name LIKE 'doppel reader%' AND state = 'active' \
                 AND query LIKE 'COPY%stall%'",
            )
            .await;
        if let Some(pid) = pid {
            return pid.parse().expect("a pid");
        }
        assert!(Instant::now() < deadline, "doppel never started copying");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Wait for the process to end (a hang fails the test), returning its
/// exit code and stderr.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, String) {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for doppel") {
            let out = child.wait_with_output().expect("doppel's output");
            return (status.code(), String::from_utf8_lossy(&out.stderr).into());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("doppel did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// No session of doppel's on `db` (they may take a moment to go).
async fn assert_no_doppel_sessions(db: &TestDb) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = db
            .value(
                "SELECT string_agg(application_name || ' ' || state, ', ') FROM pg_stat_activity \
                 WHERE datname = current_database() AND application_name LIKE 'doppel%'",
            )
            .await;
        match left {
            None => return,
            Some(s) if Instant::now() > deadline => {
                panic!("doppel sessions left on {}: {s}", db.name)
            }
            Some(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

/// Which side's session a test ends mid-COPY.
enum Side {
    Source,
    Target,
}

/// End doppel's session on `side` while `lines` is being copied; the run
/// fails naming the table, and the target is given back. Returns the error.
async fn end_session_mid_copy(label: &str, side: Side) -> String {
    let src = TestDb::create(label).await;
    src.exec(SOURCE).await;
    let tgt = target_with_own_data().await;
    let before = dump(&tgt);
    let rules = stalling_rules();
    let child = spawn_run(&src, &tgt, &rules, &[]);
    let reader = wait_for_copy(&src).await;
    let (db, pid) = match side {
        Side::Source => (&src, reader.to_string()),
        Side::Target => (
            &tgt,
            tgt.value(
                "SELECT max(pid)::text FROM pg_stat_activity WHERE datname = current_database() \
                 AND application_name LIKE 'doppel writer%' AND query LIKE 'COPY%lines%'",
            )
            .await
            .expect("doppel's writer into lines"),
        ),
    };
    db.exec(&format!("SELECT pg_terminate_backend({pid})"))
        .await;
    let (code, err) = finish(child, Duration::from_secs(60));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("public.lines"), "names the table: {err}");
    assert!(
        err.contains("the target is as it was before the run"),
        "{err}"
    );
    assert_same(&before, &dump(&tgt), &err);
    assert_no_doppel_sessions(&src).await;
    assert_no_doppel_sessions(&tgt).await;
    err
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_backend_killed_mid_copy_leaves_the_target_as_found() {
    let err = end_session_mid_copy("fail_src", Side::Source).await;
    // The server's FATAL message (57P01) reaches the driver before the
    // socket closes most of the time; when the close wins, the driver only
    // knows the connection closed.
    assert!(
        err.contains("SQLSTATE 57P01") || err.contains("connection closed"),
        "says why: {err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_connection_lost_mid_copy_leaves_the_target_as_found() {
    end_session_mid_copy("tlost_src", Side::Target).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_mid_load_cancels_cleans_up_and_exits_143() {
    let src = TestDb::create("term_src").await;
    src.exec(SOURCE).await;
    let tgt = target_with_own_data().await;
    let before = dump(&tgt);
    let rules = stalling_rules();
    let child = spawn_run(&src, &tgt, &rules, &["--jobs", "2"]);
    wait_for_copy(&src).await;
    signal(&child, "-TERM");
    let (code, err) = finish(child, Duration::from_secs(30));
    assert_eq!(code, Some(143), "{err}");
    assert!(err.contains("stopped by SIGTERM"), "{err}");
    assert_same(&before, &dump(&tgt), &err);
    // The stalled source query was cancelled, not left sleeping.
    assert_no_doppel_sessions(&src).await;
    assert_no_doppel_sessions(&tgt).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_stops_a_sql_file_and_leaves_no_file() {
    let src = TestDb::create("int_src").await;
    src.exec(SOURCE).await;
    let rules = stalling_rules();
    let out = rules.sibling("copy.sql");
    let r = rules.path.to_string_lossy().to_string();
    let o = out.to_string_lossy().to_string();
    let s = src.url();
    let child = Command::new(env!("CARGO_BIN_EXE_doppel"))
        .args(["run", "--source", &s, "--output", &o, "--rules", &r])
        .env("DOPPEL_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start doppel");
    wait_for_copy(&src).await;
    signal(&child, "-INT");
    let (code, err) = finish(child, Duration::from_secs(30));
    assert_eq!(code, Some(130), "{err}");
    let left: Vec<_> = std::fs::read_dir(rules.sibling(""))
        .expect("rules dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != "rules.yaml")
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
    assert_no_doppel_sessions(&src).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_into_the_same_target_is_refused_naming_the_first() {
    let src = TestDb::create("lock_src").await;
    src.exec(SOURCE).await;
    let tgt = TestDb::create("lock_tgt").await;
    let stalling = stalling_rules();
    let first = spawn_run(&src, &tgt, &stalling, &[]);
    wait_for_copy(&src).await;
    let started = Instant::now();
    let plain = plain_rules();
    let err = assert_fails(&run(&src, &tgt, &plain.path, &[], &[]), 1);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the second run waited instead of being refused"
    );
    assert!(err.contains("is being loaded by doppel"), "{err}");
    assert!(
        err.contains(&format!("pid {}", first.id())),
        "names the holder's pid: {err}"
    );
    assert!(err.contains("since 20"), "names when it started: {err}");
    signal(&first, "-INT");
    let (code, _) = finish(first, Duration::from_secs(30));
    assert_eq!(code, Some(130));
    // Once the first run is gone the target is free again.
    assert_ok(&run(&src, &tgt, &plain.path, &[], &[]));
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM lines")
            .await
            .as_deref(),
        Some("50000")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_key_the_data_breaks_is_named_with_its_orphans() {
    let src = TestDb::create("orph_src").await;
    src.exec(SOURCE).await;
    let tgt = target_with_own_data().await;
    let before = dump(&tgt);
    // Both tables filtered: only the data can tell that lines 501..1000
    // reference invoices that are not copied.
    let rules = rules("keep", r#"filter: "id <= 500""#, r#"filter: "id <= 2000""#);
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 1);
    assert!(err.contains("lines_invoice_id_fkey"), "{err}");
    assert!(err.contains("SQLSTATE 23503"), "{err}");
    // lines 1..2000 reference invoices 2..1000 and 1; ids 501..1000 are
    // missing: lines 500..999 and 1500..1999.
    assert!(err.contains(": 1000 copied rows of public.lines"), "{err}");
    assert_same(&before, &dump(&tgt), &err);
    assert_no_doppel_sessions(&tgt).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_replace_keeps_the_previous_copy() {
    let src = TestDb::create("repl_src").await;
    src.exec(SOURCE).await;
    let tgt = target_with_own_data().await;
    let plain = plain_rules();
    assert_ok(&run(&src, &tgt, &plain.path, &[], &[]));
    let before = dump(&tgt);
    src.exec("UPDATE invoices SET total = 0").await;
    let stalling = stalling_rules();
    let child = spawn_run(&src, &tgt, &stalling, &["--replace"]);
    wait_for_copy(&src).await;
    signal(&child, "-TERM");
    let (code, err) = finish(child, Duration::from_secs(30));
    assert_eq!(code, Some(143), "{err}");
    assert!(err.contains("put back the previous copy"), "{err}");
    assert_same(&before, &dump(&tgt), &err);
    // A successful --replace loads the new data and keeps nothing aside.
    assert_ok(&run(&src, &tgt, &plain.path, &["--replace"], &[]));
    assert_eq!(
        tgt.value("SELECT sum(total)::text FROM invoices")
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM pg_namespace WHERE nspname LIKE '%doppel%'")
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        tgt.value("SELECT body FROM own.notes").await.as_deref(),
        Some("kept")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn targets_that_cannot_be_written_are_refused_before_any_write() {
    let src = TestDb::create("ro_src").await;
    src.exec(SOURCE).await;
    let rules = plain_rules();

    // Read-only sessions.
    let tgt = TestDb::create("ro_tgt").await;
    let admin = connect(&server_url()).await;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" SET default_transaction_read_only = on",
            tgt.name
        ))
        .await
        .expect("make the target read-only");
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(tgt.user_tables().await, 0);

    // A role without CREATE on the target's public schema (PostgreSQL 15's
    // default for everyone but the database owner).
    let tgt2 = TestDb::create("nocreate_tgt").await;
    let role = format!("doppel_nocreate_{}", std::process::id());
    admin
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN"
        ))
        .await
        .expect("create the role");
    let url = tgt2
        .url()
        .replacen("://postgres@", &format!("://{role}@"), 1);
    assert!(
        url.contains(&role),
        "the test server URL names user postgres: {url}"
    );
    let out = run_urls(&src.url(), &url, &rules.path, &[], &[]);
    let _ = admin
        .batch_execute(&format!("DROP ROLE IF EXISTS {role}"))
        .await;
    let err = assert_fails(&out, 2);
    assert!(err.contains("lacks CREATE on schema public"), "{err}");
    assert!(err.contains("GRANT CREATE ON SCHEMA \"public\""), "{err}");
    assert_eq!(tgt2.user_tables().await, 0);
}

/// Start a run, wait until `invoices` is loaded and `lines` is stalled, and
/// hold a lock on the loaded `invoices` from another session, so that the
/// clean-up has to wait. The caller waits for the child.
#[allow(clippy::zombie_processes)]
async fn run_with_blocked_cleanup(
    src: &TestDb,
    tgt: &TestDb,
    rules: &Rules,
) -> (Child, tokio_postgres::Client) {
    let child = spawn_run(src, tgt, rules, &[]);
    wait_for_copy(src).await;
    let reader = tgt.client().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let loaded = reader
            .query_one(
                "SELECT count(*) FROM pg_class WHERE relname = 'invoices' AND relkind = 'r'",
                &[],
            )
            .await
            .map(|r| r.get::<_, i64>(0))
            .unwrap_or(0);
        if loaded == 1
            && reader
                .batch_execute("BEGIN; LOCK TABLE public.invoices IN ACCESS SHARE MODE NOWAIT")
                .await
                .is_ok()
        {
            return (child, reader);
        }
        let _ = reader.batch_execute("ROLLBACK").await;
        assert!(Instant::now() < deadline, "invoices never loaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clean_up_that_cannot_finish_says_what_is_left() {
    let src = TestDb::create("left_src").await;
    src.exec(SOURCE).await;
    let tgt = TestDb::create("left_tgt").await;
    let rules = stalling_rules();
    let (child, reader) = run_with_blocked_cleanup(&src, &tgt, &rules).await;
    signal(&child, "-TERM");
    let (code, err) = finish(child, Duration::from_secs(30));
    drop(reader);
    assert_eq!(code, Some(143), "{err}");
    assert!(err.contains("could not be given back"), "{err}");
    assert!(err.contains("lock timeout"), "says why: {err}");
    assert!(err.contains("2 tables"), "says what is left: {err}");
    assert_no_doppel_sessions(&src).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_signal_during_the_clean_up_exits_at_once() {
    let src = TestDb::create("twice_src").await;
    src.exec(SOURCE).await;
    let tgt = TestDb::create("twice_tgt").await;
    let rules = stalling_rules();
    let (child, reader) = run_with_blocked_cleanup(&src, &tgt, &rules).await;
    signal(&child, "-INT");
    tokio::time::sleep(Duration::from_millis(500)).await;
    signal(&child, "-INT");
    let (code, err) = finish(child, Duration::from_secs(30));
    drop(reader);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("SIGINT again while cleaning up"), "{err}");
    // Even then the stalled source query was cancelled.
    assert_no_doppel_sessions(&src).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_schema_object_the_target_refuses_is_named() {
    let src = TestDb::create("pre_src").await;
    src.exec(
        "CREATE TYPE mood AS ENUM ('ok', 'sad');
         CREATE TABLE people (id int PRIMARY KEY, m mood);
         INSERT INTO people VALUES (1, 'ok');",
    )
    .await;
    let tgt = target_with_own_data().await;
    tgt.exec("CREATE TYPE public.mood AS (a int)").await;
    let before = dump(&tgt);
    let rules = Rules::new("version: 1\ntables:\n  public.people: keep\n");
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 1);
    assert!(
        err.contains("loading the pre-data schema, at TYPE public.mood"),
        "names the object: {err}"
    );
    assert!(err.contains("SQLSTATE 42710"), "{err}");
    assert_same(&before, &dump(&tgt), &err);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_while_keys_wait_for_validation_puts_back_the_previous_copy() {
    let src = TestDb::create("keyterm_src").await;
    src.exec(SOURCE).await;
    let tgt = target_with_own_data().await;
    let plain = plain_rules();
    assert_ok(&run(&src, &tgt, &plain.path, &[], &[]));
    let before = dump(&tgt);
    // Stopped before the last step: the new copy's foreign key is in, added
    // NOT VALID, and not yet validated.
    let mut child = spawn_run_urls(
        &src.url(),
        &tgt.url(),
        &plain.path,
        &["--replace", "--jobs", "2"],
        &[("DOPPEL_PAUSE_BEFORE", "analyze")],
    );
    let log = wait_for_line(&mut child, "paused before analyze");
    assert_eq!(
        tgt.value("SELECT string_agg(conname || ' ' || convalidated, ', ') FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE contype = 'f' AND n.nspname = 'public'")
            .await
            .as_deref(),
        Some("lines_invoice_id_fkey false"),
        "the key waits for validation"
    );
    signal(&child, "-TERM");
    let status = child.wait().expect("wait for doppel");
    // The log's reader ends at the pipe's end, just after the process.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut err = String::new();
    while !err.contains("put back") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        err = log.lock().map(|l| l.clone()).unwrap_or_default();
    }
    assert_eq!(status.code(), Some(143), "{err}");
    assert!(err.contains("put back the previous copy"), "{err}");
    assert_same(&before, &dump(&tgt), &err);
    assert_no_doppel_sessions(&tgt).await;
}
