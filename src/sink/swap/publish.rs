//! The swap itself (the live copy's settings carried over, readers waited
//! for or ended, the two renames in one transaction) and what a failed run
//! does with the new database.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::{connect_maintenance, Readers, Swap, SwapOutcome};
use crate::pg::{quote_ident, quote_literal};
use crate::sink::lease::target_err;
use crate::Error;

/// The swap itself, and what a failed run does with the new database.
impl Swap {
    /// The new copy is complete: give it the live database's settings,
    /// privileges and comment, then swap it in (waiting for or ending the
    /// live copy's sessions) and drop the previous copy.
    pub async fn publish(&mut self) -> Result<SwapOutcome, Error> {
        let mut outcome = SwapOutcome {
            database: self.live.dbname.clone(),
            first: !self.live_exists,
            readers: match self.options.readers {
                Readers::Wait => "wait",
                Readers::Terminate => "terminate",
            },
            waited_seconds: 0.0,
            held_seconds: 0.0,
            sessions_ended: 0,
            previous_dropped: false,
        };
        let (live, next) = (quote_ident(&self.live.dbname), quote_ident(&self.next));
        if !self.live_exists {
            self.admin
                .batch_execute(&format!(
                    "COMMENT ON DATABASE {next} IS NULL; ALTER DATABASE {next} RENAME TO {live}"
                ))
                .await
                .map_err(target_err("--swap: renaming the new copy"))?;
            return Ok(outcome);
        }
        let carry = self.carry_over_sql().await?;
        self.admin
            .batch_execute(&format!("BEGIN;\n{carry}COMMIT;"))
            .await
            .map_err(target_err(
                "--swap: giving the new copy the live one's settings",
            ))?;
        let started = Instant::now();
        if self.options.readers == Readers::Wait {
            self.wait_for_readers().await?;
        }
        outcome.waited_seconds = started.elapsed().as_secs_f64();
        let (held, ended) = self.rename().await?;
        outcome.held_seconds = held.as_secs_f64();
        outcome.sessions_ended = ended;
        outcome.previous_dropped = match self
            .admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&self.old)
            ))
            .await
        {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(
                    "--swap: the previous copy, now {}, could not be dropped ({}); the next run drops it",
                    self.old,
                    crate::pg::pg_text(&e)
                );
                false
            }
        };
        Ok(outcome)
    }

    /// SQL that gives the new database what belongs to the live one rather
    /// than to the copy: its comment, per-database settings
    /// (`ALTER DATABASE … SET`), connection limit and privileges.
    async fn carry_over_sql(&self) -> Result<String, Error> {
        let next = quote_ident(&self.next);
        let db = &self.live.dbname;
        let read = target_err("--swap: reading the live copy's settings");
        let r = self
            .admin
            .query_one(
                "SELECT pg_catalog.shobj_description(d.oid, 'pg_database'), d.datconnlimit, d.datacl IS NOT NULL, \
                        ARRAY(SELECT unnest(s.setconfig) FROM pg_catalog.pg_db_role_setting s \
                              WHERE s.setdatabase = d.oid AND s.setrole = 0) \
                 FROM pg_catalog.pg_database d WHERE d.datname = $1",
                &[db],
            )
            .await
            .map_err(&read)?;
        let (comment, limit, has_acl, settings): (Option<String>, i32, bool, Vec<String>) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        let mut sql = format!(
            "COMMENT ON DATABASE {next} IS {};\n",
            comment.as_deref().map_or("NULL".into(), quote_literal)
        );
        if limit >= 0 {
            sql.push_str(&format!(
                "ALTER DATABASE {next} CONNECTION LIMIT {limit};\n"
            ));
        }
        for s in settings {
            let Some((name, value)) = s.split_once('=') else {
                continue;
            };
            // List settings are stored as SQL lists of quoted identifiers.
            let value = match name {
                "search_path" | "temp_tablespaces" => value.to_string(),
                _ => quote_literal(value),
            };
            sql.push_str(&format!(
                "ALTER DATABASE {next} SET {} = {value};\n",
                quote_ident(name)
            ));
        }
        if has_acl {
            sql.push_str(&format!("REVOKE ALL ON DATABASE {next} FROM PUBLIC;\n"));
            let grants = self
                .admin
                .query(
                    "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END, \
                            a.privilege_type, a.is_grantable \
                     FROM pg_catalog.pg_database d, pg_catalog.aclexplode(d.datacl) a \
                     WHERE d.datname = $1 AND a.grantee <> d.datdba",
                    &[db],
                )
                .await
                .map_err(&read)?;
            for g in grants {
                let (who, what, grantable): (String, String, bool) = (g.get(0), g.get(1), g.get(2));
                sql.push_str(&format!(
                    "GRANT {what} ON DATABASE {next} TO {who}{};\n",
                    if grantable { " WITH GRANT OPTION" } else { "" }
                ));
            }
        }
        Ok(sql)
    }
}

/// Readers, and the rename.
impl Swap {
    /// Sessions connected to the live copy, other than ours.
    async fn readers(&self) -> Result<Vec<String>, Error> {
        let rows = self
            .admin
            .query(
                "SELECT COALESCE(usename::text, '?') || COALESCE(' (' || NULLIF(application_name, '') || ')', '') \
                 FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()",
                &[&self.live.dbname],
            )
            .await
            .map_err(target_err("--swap: reading the live copy's sessions"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Wait until nobody is connected to the live copy, up to the timeout.
    async fn wait_for_readers(&self) -> Result<(), Error> {
        let deadline = Instant::now() + self.options.timeout;
        let mut said = false;
        loop {
            let readers = self.readers().await?;
            if readers.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let mut who: Vec<String> = readers.into_iter().take(5).collect();
                who.dedup();
                return Err(Error::runtime(format!(
                    "--swap: sessions stayed connected to {} for {}s (--swap-readers wait, --swap-timeout): {}. Ask them to disconnect, raise --swap-timeout, or use --swap-readers terminate",
                    self.live.dbname,
                    self.options.timeout.as_secs(),
                    who.join(", ")
                )));
            }
            if !said {
                tracing::info!(
                    "--swap: waiting up to {}s for {} session(s) on {} to disconnect",
                    self.options.timeout.as_secs(),
                    readers.len(),
                    self.live.dbname
                );
                said = true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Rename the live copy aside and the new one into its place, in one
    /// transaction; with `terminate`, a second session ends the live copy's
    /// sessions while the rename waits for them. Returns how long new
    /// connections were held up and how many sessions were ended.
    async fn rename(&self) -> Result<(Duration, usize), Error> {
        let (live, next, old) = (
            quote_ident(&self.live.dbname),
            quote_ident(&self.next),
            quote_ident(&self.old),
        );
        let sql = format!(
            "BEGIN;\nALTER DATABASE {live} RENAME TO {old};\nALTER DATABASE {next} RENAME TO {live};\nCOMMIT;"
        );
        let mut ended = HashSet::new();
        for attempt in 1.. {
            let started = Instant::now();
            let result = match self.options.readers {
                Readers::Wait => self.admin.batch_execute(&sql).await,
                Readers::Terminate => {
                    let killer = connect_maintenance(&self.live, "swap").await?;
                    let (done_tx, done_rx) = tokio::sync::watch::channel(false);
                    let ending = end_readers(&killer, &self.live.dbname, done_rx);
                    let renaming = async {
                        let r = self.admin.batch_execute(&sql).await;
                        let _ = done_tx.send(true);
                        r
                    };
                    let (r, pids) = tokio::join!(renaming, ending);
                    ended.extend(pids);
                    r
                }
            };
            let held = started.elapsed();
            match result {
                Ok(()) => return Ok((held, ended.len())),
                Err(e) => {
                    let _ = self.admin.batch_execute("ROLLBACK").await;
                    // Someone connected between the wait and the rename:
                    // wait again (a few times), or end them again.
                    let busy = e.code() == Some(&tokio_postgres::error::SqlState::OBJECT_IN_USE);
                    if !busy || attempt >= 5 {
                        return Err(Error::runtime(format!(
                            "--swap: replacing {} failed: {}; the live copy is unchanged",
                            self.live.dbname,
                            crate::pg::pg_text(&e)
                        )));
                    }
                    if self.options.readers == Readers::Wait {
                        self.wait_for_readers().await?;
                    }
                }
            }
        }
        unreachable!("the loop returns")
    }

    /// The run failed or was stopped: drop the new database (the live copy
    /// was never touched). Returns what was done, for the error message.
    pub async fn abandon(self, patience: Duration) -> String {
        let admin = if self.admin.is_closed() {
            match connect_maintenance(&self.live, "cleanup").await {
                Ok(c) => c,
                Err(e) => {
                    return format!(
                        "the live copy {} is unchanged; the new copy's database {} is left ({e}); the next run drops it",
                        self.live.dbname, self.next
                    )
                }
            }
        } else {
            self.admin
        };
        let _ = admin.batch_execute("ROLLBACK").await;
        let exists = |name: String| {
            let admin = &admin;
            async move {
                admin
                    .query_opt(
                        "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1",
                        &[&name],
                    )
                    .await
                    .map(|r| r.is_some())
                    .unwrap_or(true)
            }
        };
        let (drop_name, done) = if exists(self.next.clone()).await {
            (
                self.next.clone(),
                format!(
                    "the live copy {} is unchanged; removed the new copy's database {}",
                    self.live.dbname, self.next
                ),
            )
        } else {
            (
                self.old.clone(),
                format!(
                    "the new copy had already replaced {}; removed the previous copy",
                    self.live.dbname
                ),
            )
        };
        let drop_sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&drop_name)
        );
        let drop = admin.batch_execute(&drop_sql);
        match tokio::time::timeout(patience + Duration::from_secs(3), drop).await {
            Ok(Ok(())) => done,
            Ok(Err(e)) => format!(
                "the live copy {} is unchanged; database {drop_name} is left ({}); the next run drops it",
                self.live.dbname,
                crate::pg::pg_text(&e)
            ),
            Err(_) => format!(
                "the live copy {} is unchanged; database {drop_name} is left (dropping it did not finish in time); the next run drops it",
                self.live.dbname
            ),
        }
    }
}

/// End every session on `db` (but the caller's) until `done` turns true;
/// returns the pids ended.
async fn end_readers(
    killer: &Client,
    db: &str,
    mut done: tokio::sync::watch::Receiver<bool>,
) -> HashSet<i32> {
    let mut ended = HashSet::new();
    loop {
        // pg_terminate_backend in the select list, never in WHERE: the
        // planner may run a WHERE function before the other conditions,
        // on every session of the server.
        if let Ok(rows) = killer
            .query(
                "SELECT pid, pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity \
                 WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()",
                &[&db],
            )
            .await
        {
            ended.extend(
                rows.iter()
                    .filter(|r| r.get::<_, bool>(1))
                    .map(|r| r.get::<_, i32>(0)),
            );
        }
        if *done.borrow() {
            return ended;
        }
        let _ = tokio::time::timeout(Duration::from_millis(50), done.changed()).await;
        if *done.borrow() {
            return ended;
        }
    }
}
