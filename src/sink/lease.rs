//! What a run holds on its target database from before its first write to
//! its end: the one-run-per-target lock, the checks that the target can be
//! written at all, and what is needed to give the target back as it was
//! found when the run fails or is stopped.
//!
//! The lock is a session-level advisory lock on the target database, held
//! by one dedicated connection whose `application_name` names the holder
//! (its pid and host); the server drops it with that session, so a killed
//! run never leaves it behind. The same connection does the clean-up.
//!
//! Giving the target back: before the first write the lease records which
//! schemas, extensions and objects (relations, types, routines, collations,
//! operators, text search objects) the target holds. After a failure it
//! ends the run's other sessions on the target and drops, in one
//! transaction, everything that is not in that record. With `--replace`
//! the schemas being replaced are renamed aside rather than dropped, and
//! only dropped once the new copy is complete; a failure renames them back.

use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::inventory::{summary, Inventory};
use super::DatabaseSink;
use crate::pg::{quote_ident, quote_literal, session, ConnInfo};
use crate::Error;

/// The advisory lock key every doppel run takes on its target ("doppel" 1).
pub(super) const LOCK_KEY: i64 = 0x646f_7070_656c_0001;

/// The target, held for one run.
pub struct TargetLease {
    client: Client,
    sink: DatabaseSink,
    before: Option<Inventory>,
    aside: Vec<Aside>,
}

impl std::fmt::Debug for TargetLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetLease")
            .field("target", &self.sink.conn().describe())
            .field("recorded", &self.before.is_some())
            .field("aside", &self.aside)
            .finish()
    }
}

/// A schema renamed aside by `--replace`, and the extensions moved out of it.
#[derive(Debug, Clone)]
struct Aside {
    schema: String,
    renamed: String,
    extensions: Vec<String>,
}

/// A target error while doing `what`, with the database's message.
pub(super) fn target_err(what: &str) -> impl Fn(tokio_postgres::Error) -> Error + '_ {
    move |e| Error::runtime(format!("target: {what}: {}", crate::pg::pg_text(&e)))
}

impl TargetLease {
    /// Take the target for this run: refuse a target that cannot be written
    /// (a hot standby, read-only sessions) and one that another doppel run
    /// is loading, naming that run.
    pub async fn acquire(sink: &DatabaseSink) -> Result<TargetLease, Error> {
        let info = sink.conn();
        let client = info
            .connect()
            .await
            .map_err(|e| Error::runtime(format!("target: {}", crate::pg::pg_text(&e))))?;
        // Not registered for cancel requests: this session does the
        // clean-up after a failure, and a cancel request still on its way
        // would stop that instead.
        session::prepare(&client, &holder_name())
            .await
            .map_err(target_err("cannot set session options"))?;
        refuse_read_only(&client, info).await?;
        let got: bool = client
            .query_one("SELECT pg_catalog.pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .and_then(|r| r.try_get(0))
            .map_err(target_err("taking the run lock"))?;
        if !got {
            return Err(Error::runtime(holder_message(&client, info).await));
        }
        Ok(TargetLease {
            client,
            sink: sink.clone(),
            before: None,
            aside: Vec::new(),
        })
    }

    /// The lease's own session (idle, outside any transaction).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Refuse before any write when the target role cannot create what the
    /// copy needs: schemas in the database, objects in existing schemas.
    pub async fn check_privileges(&self, schemas: &[String], replace: bool) -> Result<(), Error> {
        let rows = self
            .client
            .query(
                "SELECT s.name, n.oid IS NOT NULL, \
                        COALESCE(pg_catalog.has_schema_privilege(n.oid, 'CREATE'), false), \
                        COALESCE(pg_catalog.pg_has_role(n.nspowner, 'USAGE'), false), \
                        pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE'), \
                        current_user::text, pg_catalog.current_database()::text \
                 FROM unnest($1::text[]) AS s(name) \
                 LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = s.name",
                &[&schemas],
            )
            .await
            .map_err(target_err("reading privileges"))?;
        let mut problems = Vec::new();
        for r in &rows {
            let (name, exists, create, owner, db_create, user, db): (
                String,
                bool,
                bool,
                bool,
                bool,
                String,
                String,
            ) = (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
            );
            if !exists && !db_create {
                problems.push(format!(
                    "role {user} lacks CREATE on database {db} (schema {name} must be created): GRANT CREATE ON DATABASE {} TO {}",
                    quote_ident(&db),
                    quote_ident(&user)
                ));
            } else if exists && replace && !(owner && db_create) {
                problems.push(format!(
                    "role {user} cannot replace schema {name} (--replace renames it aside and drops it, which needs its owner and CREATE on database {db})"
                ));
            } else if exists && !create {
                problems.push(format!(
                    "role {user} lacks CREATE on schema {name}: GRANT CREATE ON SCHEMA {} TO {} (PostgreSQL 15 no longer grants it on public to everyone), or connect as the database owner",
                    quote_ident(&name),
                    quote_ident(&user)
                ));
            }
        }
        if problems.is_empty() {
            return Ok(());
        }
        Err(Error::usage(format!(
            "the target {} cannot take the copy, nothing was written: {}",
            self.sink.conn().describe(),
            problems.join("; ")
        )))
    }

    /// Record what the target holds: the state a failed run gives back.
    pub async fn record(&mut self) -> Result<(), Error> {
        self.before = Some(Inventory::read(&self.client).await?);
        Ok(())
    }

    /// `--replace`: rename each of `schemas` that the target holds aside
    /// (to be dropped once the copy is complete, or renamed back if it
    /// fails) and recreate `public`, moving its relocatable extensions
    /// into the new one so that the schema loads as on an empty database.
    pub async fn set_aside(&mut self, schemas: &[String]) -> Result<(), Error> {
        let existing: Vec<String> = self
            .client
            .query(
                "SELECT nspname::text FROM pg_catalog.pg_namespace WHERE nspname = ANY($1) ORDER BY 1",
                &[&schemas],
            )
            .await
            .map_err(target_err("--replace"))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut sql = String::from("BEGIN;\n");
        let mut aside = Vec::new();
        for s in &existing {
            let renamed = aside_name(s);
            let taken: bool = self
                .client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)",
                    &[&renamed],
                )
                .await
                .and_then(|r| r.try_get(0))
                .map_err(target_err("--replace"))?;
            if taken {
                return Err(Error::runtime(format!(
                    "target: --replace: schema {renamed} already exists: an earlier run was stopped while replacing {s}, and {renamed} may hold the copy from before that run. Rename it back (ALTER SCHEMA {} RENAME TO {}, after dropping {}) or drop it, then run again",
                    quote_ident(&renamed),
                    quote_ident(s),
                    quote_ident(s)
                )));
            }
            let extensions = self.extensions_in(s).await?;
            let fixed: Vec<&(String, bool)> = extensions.iter().filter(|(_, r)| !r).collect();
            if let Some((name, _)) = fixed.first() {
                return Err(Error::usage(format!(
                    "target: --replace: extension {name} lives in schema {s} and cannot be moved (not relocatable), so {s} cannot be set aside while the copy loads: drop the schema yourself or move the extension to a schema that is not copied"
                )));
            }
            if s != "public" && !extensions.is_empty() {
                return Err(Error::usage(format!(
                    "target: --replace: schema {s} holds extension{} {}: only extensions in public can follow a replaced schema; move them to a schema that is not copied",
                    if extensions.len() == 1 { "" } else { "s" },
                    extensions.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
            sql.push_str(&format!(
                "ALTER SCHEMA {} RENAME TO {};\n",
                quote_ident(s),
                quote_ident(&renamed)
            ));
            if s == "public" {
                // pg_dump assumes the public schema exists.
                sql.push_str("CREATE SCHEMA public; GRANT USAGE ON SCHEMA public TO PUBLIC;\n");
                for (e, _) in &extensions {
                    sql.push_str(&format!(
                        "ALTER EXTENSION {} SET SCHEMA public;\n",
                        quote_ident(e)
                    ));
                }
            }
            aside.push(Aside {
                schema: s.clone(),
                renamed,
                extensions: extensions.into_iter().map(|(n, _)| n).collect(),
            });
        }
        sql.push_str("COMMIT;");
        if aside.is_empty() {
            return Ok(());
        }
        tracing::warn!(
            "--replace: schema{} {} of the target set aside; dropped when the new copy is complete",
            if aside.len() == 1 { "" } else { "s" },
            existing.join(", ")
        );
        self.client
            .batch_execute(&sql)
            .await
            .map_err(target_err("--replace: setting the old schemas aside"))?;
        self.aside = aside;
        Ok(())
    }

    async fn extensions_in(&self, schema: &str) -> Result<Vec<(String, bool)>, Error> {
        Ok(self
            .client
            .query(
                "SELECT e.extname::text, e.extrelocatable FROM pg_catalog.pg_extension e \
                 JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname = $1 ORDER BY 1",
                &[&schema],
            )
            .await
            .map_err(target_err("--replace: reading extensions"))?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    /// The copy is complete: drop the schemas set aside and release the lock.
    pub async fn complete(self) -> Result<(), Error> {
        if !self.aside.is_empty() {
            let sql: String = self
                .aside
                .iter()
                .map(|a| format!("DROP SCHEMA {} CASCADE;\n", quote_ident(&a.renamed)))
                .collect();
            self.client
                .batch_execute(&format!("BEGIN;\n{sql}COMMIT;"))
                .await
                .map_err(target_err(
                    "--replace: dropping the previous copy's schemas",
                ))?;
        }
        let _ = self
            .client
            .batch_execute(&format!("SELECT pg_catalog.pg_advisory_unlock({LOCK_KEY})"))
            .await;
        Ok(())
    }

    /// The run failed: end its other sessions on the target and give the
    /// target back as it was recorded. Returns what was done, for the error
    /// message; an error when the target could not be restored, naming what
    /// is left.
    ///
    /// `patience` bounds each wait for a lock (an autovacuum worker on a
    /// freshly loaded table gives way after the server's deadlock_timeout,
    /// 1 s by default): short after a signal, longer after an error.
    pub async fn give_back(self, patience: Duration) -> Result<String, String> {
        let lock_timeout = quote_literal(&format!("{}ms", patience.as_millis().max(1)));
        let Some(before) = self.before.clone() else {
            return Ok("nothing had been written to the target".into());
        };
        let client = match self.client.is_closed() {
            false => self.client,
            true => reconnect(self.sink.conn()).await?,
        };
        end_sessions(
            &client,
            &self.sink.pids(),
            patience.min(Duration::from_secs(2)),
        )
        .await;
        let mut sql = format!("BEGIN;\nSET LOCAL lock_timeout = {};\n", lock_timeout);
        for a in &self.aside {
            for e in &a.extensions {
                sql.push_str(&format!(
                    "ALTER EXTENSION {} SET SCHEMA {};\n",
                    quote_ident(e),
                    quote_ident(&a.renamed)
                ));
            }
            sql.push_str(&format!(
                "DROP SCHEMA IF EXISTS {} CASCADE;\nALTER SCHEMA {} RENAME TO {};\n",
                quote_ident(&a.schema),
                quote_ident(&a.renamed),
                quote_ident(&a.schema)
            ));
        }
        if !self.aside.is_empty() {
            client
                .batch_execute(&format!("{sql}COMMIT;"))
                .await
                .map_err(|e| {
                    format!(
                        "the target could not be given back: renaming the previous copy's schemas back failed: {}; they are {}",
                        crate::pg::pg_text(&e),
                        self.aside.iter().map(|a| format!("{} (was {})", a.renamed, a.schema)).collect::<Vec<_>>().join(", ")
                    )
                })?;
            sql = format!("BEGIN;\nSET LOCAL lock_timeout = {};\n", lock_timeout);
        }
        let created = Inventory::created(&client, &before)
            .await
            .map_err(|e| format!("the target could not be given back: {e}"))?;
        if created.is_empty() && self.aside.is_empty() {
            return Ok("the target is as it was before the run".into());
        }
        for c in &created {
            sql.push_str(&c.drop_sql());
        }
        client
            .batch_execute(&format!("{sql}COMMIT;"))
            .await
            .map_err(|e| {
                format!(
                    "the target could not be given back ({}): what this run created is still there: {}",
                    crate::pg::pg_text(&e),
                    summary(&created)
                )
            })?;
        let _ = client
            .batch_execute(&format!("SELECT pg_catalog.pg_advisory_unlock({LOCK_KEY})"))
            .await;
        let mut done = Vec::new();
        if !created.is_empty() {
            done.push(format!(
                "removed what this run created ({})",
                summary(&created)
            ));
        }
        if !self.aside.is_empty() {
            done.push(format!(
                "put back the previous copy's schema{} {}",
                if self.aside.len() == 1 { "" } else { "s" },
                self.aside
                    .iter()
                    .map(|a| a.schema.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(format!(
            "the target is as it was before the run: {}",
            done.join("; ")
        ))
    }
}

/// Our `application_name` on the lock session: it names the holder.
pub(super) fn holder_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "?".into());
    let mut name = format!("lock pid {} on {}", std::process::id(), host.trim());
    // application_name keeps 63 bytes, "doppel " included.
    while name.len() > 56 {
        name.pop();
    }
    name
}

/// The message for a target another run holds.
async fn holder_message(client: &Client, info: &ConnInfo) -> String {
    let lock = AdvisoryLock::Big(LOCK_KEY);
    let who = holder(client, None, lock)
        .await
        .unwrap_or_else(|| "another doppel run".into());
    format!(
        "target: {} is being loaded by {who}: doppel loads one copy into a target at a time. Wait for that run to end, or stop it, then run again",
        info.describe()
    )
}

/// An advisory lock key, as `pg_locks` shows it.
#[derive(Debug, Clone, Copy)]
pub(super) enum AdvisoryLock {
    /// `pg_advisory_lock(bigint)`.
    Big(i64),
    /// `pg_advisory_lock(int, int)`.
    Pair(i32, i32),
}

/// Who holds `lock` in the database `database` (the session's own when
/// `None`): its `application_name`, where it connected from, its server
/// pid and since when. `None` when nobody does (or it cannot be read).
pub(super) async fn holder(
    client: &Client,
    database: Option<u32>,
    lock: AdvisoryLock,
) -> Option<String> {
    // pg_locks shows a bigint key as (high, low, 1), a pair as (a, b, 2).
    let (class, obj, sub) = match lock {
        AdvisoryLock::Big(k) => (k >> 32, k & 0xffff_ffff, 1i32),
        AdvisoryLock::Pair(a, b) => (i64::from(a as u32), i64::from(b as u32), 2),
    };
    let r = client
        .query_opt(
            "SELECT a.application_name::text, a.pid, \
                    to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', \
                    COALESCE(a.client_hostname, host(a.client_addr), 'local socket') \
             FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted \
               AND l.database = COALESCE($1::oid, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())) \
               AND l.classid::bigint = $2 AND l.objid::bigint = $3 AND l.objsubid::int = $4 \
             LIMIT 1",
            &[&database, &class, &obj, &sub],
        )
        .await
        .ok()??;
    let text = |i: usize| {
        r.try_get::<_, Option<String>>(i)
            .ok()
            .flatten()
            .unwrap_or_else(|| "?".into())
    };
    let (app, since, from) = (text(0), text(2), text(3));
    let pid = r.try_get::<_, i32>(1).unwrap_or_default();
    Some(format!(
        "{} (connected from {from}, server pid {pid}, since {since})",
        app.strip_prefix("doppel lock ")
            .map(|s| format!("doppel {s}"))
            .unwrap_or(app)
    ))
}

/// Refuse a target that cannot be written.
pub(super) async fn refuse_read_only(client: &Client, info: &ConnInfo) -> Result<(), Error> {
    let row = client
        .query_one(
            "SELECT pg_catalog.pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on'",
            &[],
        )
        .await
        .map_err(target_err("reading its state"))?;
    let (standby, read_only): (bool, bool) = (row.get(0), row.get(1));
    if standby {
        return Err(Error::usage(format!(
            "target: {} is a hot standby (in recovery) and cannot be written: give the primary server as --target",
            info.describe()
        )));
    }
    if read_only {
        return Err(Error::usage(format!(
            "target: {} is read-only for this role (default_transaction_read_only = on): load into a writable database, or ALTER DATABASE/ROLE … SET default_transaction_read_only = off if the copy belongs there",
            info.describe()
        )));
    }
    Ok(())
}

/// A fresh session for the clean-up when the lease's own one was lost.
async fn reconnect(info: &ConnInfo) -> Result<Client, String> {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        match info.connect().await {
            Ok(c) => {
                let _ = session::prepare(&c, "cleanup").await;
                return Ok(c);
            }
            Err(e) if Instant::now() >= deadline => {
                return Err(format!(
                    "the target could not be given back: cannot reconnect to it ({}); drop what the run created by hand or run again with --replace",
                    crate::pg::pg_text(&e)
                ))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// End the run's other sessions on the target and wait (briefly) until they
/// are gone, so that their locks do not hold up the clean-up.
async fn end_sessions(client: &Client, pids: &[i32], wait: Duration) {
    if pids.is_empty() {
        return;
    }
    let _ = client
        .query(
            "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity \
             WHERE pid = ANY($1) AND pid <> pg_catalog.pg_backend_pid()",
            &[&pids],
        )
        .await;
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        let left: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE pid = ANY($1) AND pid <> pg_catalog.pg_backend_pid()",
                &[&pids],
            )
            .await
            .and_then(|r| r.try_get(0))
            .unwrap_or(0);
        if left == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The name a replaced schema is kept under while the new copy loads.
fn aside_name(schema: &str) -> String {
    let mut base = schema.to_string();
    while base.len() > 50 {
        base.pop();
    }
    format!("{base}_doppel_prev")
}
