//! `run --swap`: the copy is built beside the live one and swapped in at
//! the end. A reader looping on the live copy through a refresh only ever
//! sees the old or the new data; a run killed with SIGKILL at any step
//! leaves the live copy as it was, and the next run removes the leftovers;
//! sessions on the live copy are waited for or ended, as asked.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::harness::*;

static LIVE: AtomicU32 = AtomicU32::new(0);

const SOURCE: &str = "
CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE notes (id int PRIMARY KEY, account_id int NOT NULL REFERENCES accounts(id), body text);
CREATE INDEX notes_account ON notes (account_id);
CREATE VIEW account_notes AS SELECT a.id, count(n.id) AS notes FROM accounts a LEFT JOIN notes n ON n.account_id = a.id GROUP BY a.id;
CREATE TABLE stall_on (on_ boolean);
CREATE FUNCTION stall(i int) RETURNS text LANGUAGE sql AS
  $$ SELECT CASE WHEN i = 300 AND EXISTS (SELECT 1 FROM stall_on) THEN (SELECT '' FROM pg_sleep(60)) ELSE '' END $$;
INSERT INTO accounts SELECT g, 'user' || g || '@corp.example' FROM generate_series(1, 500) g;
INSERT INTO notes SELECT g, 1 + g % 500, 'note ' || g FROM generate_series(1, 2000) g;
";

const RULES: &str = "version: 1
key: ${DOPPEL_KEY}
tables:
  public.accounts:
    columns:
      id: keep
      email: { fake: email }
  public.notes:
    columns:
      id: keep
      account_id: keep
      body: { sql: \"body || stall(id)\" }
  public.stall_on: { rows: none }
";

/// A live database name for one test, with its `_doppel_next` and
/// `_doppel_old` companions dropped at the end.
struct Live {
    name: String,
}

impl Live {
    fn new(label: &str) -> Live {
        let n = LIVE.fetch_add(1, Ordering::Relaxed);
        Live {
            name: format!("doppel_t_live_{label}_{}_{n}", std::process::id()),
        }
    }

    fn url(&self) -> String {
        db_url(&self.name)
    }

    fn names(&self) -> [String; 3] {
        [
            self.name.clone(),
            format!("{}_doppel_next", self.name),
            format!("{}_doppel_old", self.name),
        ]
    }

    /// Which of the live, next and old databases exist.
    async fn existing(&self) -> Vec<String> {
        let admin = connect(&server_url()).await;
        admin
            .query(
                "SELECT datname::text FROM pg_database WHERE datname = ANY($1) ORDER BY 1",
                &[&self.names().to_vec()],
            )
            .await
            .expect("list databases")
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// Row count and a digest of both tables of the live copy.
    async fn state(&self) -> String {
        let c = connect(&self.url()).await;
        state_of(&c).await.expect("read the live copy")
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let names = self.names();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                let admin = connect(&server_url()).await;
                for n in names {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{n}\" WITH (FORCE)"))
                        .await;
                }
            })
        })
        .join();
    }
}

async fn state_of(c: &tokio_postgres::Client) -> Result<String, tokio_postgres::Error> {
    let row = c
        .query_one(
            "SELECT (SELECT count(*) FROM accounts)::text || '/' || (SELECT count(*) FROM notes)::text || '/' || \
                    (SELECT md5(string_agg(id::text || email, ',' ORDER BY id)) FROM accounts) || '/' || \
                    (SELECT md5(string_agg(id::text || body, ',' ORDER BY id)) FROM notes) || '/' || \
                    (SELECT sum(notes)::text FROM account_notes)",
            &[],
        )
        .await?;
    row.try_get(0)
}

fn swap_run(src: &TestDb, live: &Live, rules: &Rules, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--swap"];
    args.extend_from_slice(extra);
    run_urls(&src.url(), &live.url(), &rules.path, &args, &[])
}

/// Start a `--swap` run that pauses before `step` (or runs on when empty).
fn spawn_swap(src: &TestDb, live: &Live, rules: &Rules, pause: &str) -> Child {
    spawn_run_urls(
        &src.url(),
        &live.url(),
        &rules.path,
        &["--swap"],
        &[("DOPPEL_PAUSE_BEFORE", pause)],
    )
}

/// Wait until the run is loading `notes` into the new database.
async fn wait_for_copy_into(next: &str) {
    let admin = connect(&server_url()).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'COPY%notes%'",
                &[&next],
            )
            .await
            .expect("read activity")
            .get(0);
        if n > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the run never started loading notes"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_at_any_step_leaves_the_live_copy_and_the_next_run_cleans_up() {
    let src = TestDb::create("swapkill_src").await;
    src.exec(SOURCE).await;
    let live = Live::new("kill");
    let rules = Rules::new(RULES);
    // The first run: no live copy yet.
    assert_ok(&swap_run(&src, &live, &rules, &[]));
    assert_eq!(live.existing().await, vec![live.name.clone()]);
    let mut expected = live.state().await;
    for (i, step) in [
        "pre-data",
        "data",
        "mid-copy",
        "post-data",
        "analyze",
        "swap",
    ]
    .into_iter()
    .enumerate()
    {
        src.exec(&format!(
            "INSERT INTO accounts VALUES ({}, 'new{i}@corp.example'); UPDATE notes SET body = body || '+' WHERE id % 7 = {i};",
            1000 + i
        ))
        .await;
        let mut child = if step == "mid-copy" {
            src.exec("INSERT INTO stall_on VALUES (true)").await;
            let child = spawn_swap(&src, &live, &rules, "");
            wait_for_copy_into(&format!("{}_doppel_next", live.name)).await;
            child
        } else {
            let mut child = spawn_swap(&src, &live, &rules, step);
            wait_for_line(&mut child, &format!("paused before {step}"));
            child
        };
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        src.exec("DELETE FROM stall_on").await;
        assert_eq!(
            live.state().await,
            expected,
            "killed at {step}: the live copy changed"
        );
        let next = swap_run(&src, &live, &rules, &[]);
        assert_ok(&next);
        let log = String::from_utf8_lossy(&next.stderr);
        assert!(
            log.contains("left by an earlier --swap run"),
            "after a kill at {step}, the next run names the leftovers: {log}"
        );
        assert_eq!(
            live.existing().await,
            vec![live.name.clone()],
            "after {step}"
        );
        let now = live.state().await;
        assert_ne!(now, expected, "after {step}: the refresh changed nothing");
        expected = now;
    }
}

/// One reader loop: a session that queries the live copy until `stop`,
/// reconnecting when its session ends; returns every state seen and every
/// error.
async fn read_until(url: String, stop: Arc<AtomicBool>) -> (Vec<String>, Vec<String>) {
    let (mut seen, mut errors) = (Vec::new(), Vec::new());
    let mut client: Option<tokio_postgres::Client> = None;
    while !stop.load(Ordering::Relaxed) {
        let c = match &client {
            Some(c) if !c.is_closed() => c,
            _ => match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
                Ok((c, conn)) => {
                    tokio::spawn(conn);
                    client.insert(c)
                }
                Err(e) => {
                    errors.push(error_text(&e));
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            },
        };
        match state_of(c).await {
            Ok(s) => {
                if seen.last() != Some(&s) {
                    seen.push(s);
                }
            }
            Err(e) => errors.push(error_text(&e)),
        }
    }
    (seen, errors)
}

fn error_text(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{}: {}", d.code().code(), d.message()),
        None => e.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn readers_see_the_old_copy_or_the_new_one_through_a_swap() {
    let src = TestDb::create("swapread_src").await;
    src.exec(SOURCE).await;
    let live = Live::new("read");
    let rules = Rules::new(RULES);
    let report = rules.sibling("report.json");
    assert_ok(&swap_run(&src, &live, &rules, &[]));
    let old = live.state().await;
    src.exec("UPDATE accounts SET email = 'x' || email WHERE id % 3 = 0; DELETE FROM notes WHERE id % 5 = 0; INSERT INTO accounts VALUES (9999, 'late@corp.example');")
        .await;

    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| tokio::spawn(read_until(live.url(), stop.clone())))
        .collect();
    let (s, l, r, rep) = (
        src.url(),
        live.url(),
        rules.path.clone(),
        report.to_string_lossy().to_string(),
    );
    let out = tokio::task::spawn_blocking(move || {
        run_urls(
            &s,
            &l,
            &r,
            &["--swap", "--swap-readers", "terminate", "--report", &rep],
            &[],
        )
    })
    .await
    .expect("run");
    assert_ok(&out);
    // Let the readers see the new copy.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let new = live.state().await;
    assert_ne!(old, new);
    for reader in readers {
        let (seen, errors) = reader.await.expect("reader");
        assert_eq!(
            seen.first(),
            Some(&old),
            "the reader starts on the old copy"
        );
        for s in &seen {
            assert!(
                s == &old || s == &new,
                "a reader saw a state that is neither copy: {s}"
            );
        }
        assert_eq!(seen.last(), Some(&new), "the reader ends on the new copy");
        // What --swap-readers terminate documents: the session is ended,
        // and a connection attempt during the rename is told the database
        // was just renamed.
        for e in &errors {
            assert!(
                e.starts_with("57P01")
                    || e.starts_with("3D000")
                    || e.contains("connection closed")
                    || e.contains("unexpected EOF")
                    || e.contains("error communicating"),
                "a reader got an error --swap-readers terminate does not document: {e} (all: {errors:?})"
            );
        }
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
    assert_eq!(report["swap"]["readers"], "terminate", "{report}");
    assert_eq!(report["swap"]["first"], false);
    assert!(report["swap"]["held_seconds"].as_f64().is_some());
    assert!(
        report["swap"]["sessions_ended"].as_u64() >= Some(1),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn waiting_for_readers_gives_up_after_the_timeout_with_the_live_copy_unchanged() {
    let src = TestDb::create("swapwait_src").await;
    src.exec(SOURCE).await;
    let live = Live::new("wait");
    let rules = Rules::new(RULES);
    assert_ok(&swap_run(&src, &live, &rules, &[]));
    let before = live.state().await;
    src.exec("INSERT INTO accounts VALUES (7777, 'w@corp.example')")
        .await;
    // An idle support session that never disconnects.
    let idle = connect(&live.url()).await;
    let err = assert_fails(&swap_run(&src, &live, &rules, &["--swap-timeout", "1"]), 1);
    assert!(err.contains("--swap-timeout"), "{err}");
    assert!(err.contains("is unchanged"), "{err}");
    assert_eq!(state_of(&idle).await.expect("still connected"), before);
    assert_eq!(live.existing().await, vec![live.name.clone()]);
    drop(idle);
    // Once it is gone, the swap goes through.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_ok(&swap_run(&src, &live, &rules, &["--swap-timeout", "10"]));
    assert_ne!(live.state().await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_swap_run_is_refused_naming_the_first() {
    let src = TestDb::create("swaptwo_src").await;
    src.exec(SOURCE).await;
    let live = Live::new("two");
    let rules = Rules::new(RULES);
    let mut first = spawn_swap(&src, &live, &rules, "swap");
    wait_for_line(&mut first, "paused before swap");
    let err = assert_fails(&swap_run(&src, &live, &rules, &[]), 1);
    assert!(err.contains("is being refreshed by doppel pid"), "{err}");
    first.kill().expect("SIGKILL");
    let _ = first.wait();
    // The lock went with the killed run.
    assert_ok(&swap_run(&src, &live, &rules, &[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_before_the_swap_drops_the_new_database_and_keeps_the_live_copy() {
    let src = TestDb::create("swapterm_src").await;
    src.exec(SOURCE).await;
    let live = Live::new("term");
    let rules = Rules::new(RULES);
    assert_ok(&swap_run(&src, &live, &rules, &[]));
    let before = live.state().await;
    src.exec("INSERT INTO accounts VALUES (8888, 't@corp.example')")
        .await;
    let mut child = spawn_swap(&src, &live, &rules, "swap");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut lines = BufReader::new(stderr).lines().map_while(Result::ok);
    assert!(
        lines.by_ref().any(|l| l.contains("paused before swap")),
        "the run never reached the swap"
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let rest: Vec<String> = lines.collect();
    let code = child.wait().expect("wait").code();
    assert_eq!(code, Some(143), "{rest:?}");
    let log = rest.join("\n");
    assert!(
        log.contains("is unchanged; removed the new copy's database"),
        "{log}"
    );
    assert_eq!(live.existing().await, vec![live.name.clone()]);
    assert_eq!(live.state().await, before);
}
