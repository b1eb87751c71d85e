//! `run --swap`: the new copy is built in a database of its own beside the
//! live one and replaces it in one transaction at the end.
//!
//! The target URL names the live database, say `staging`. The run builds
//! `staging_doppel_next` from scratch (pre-data, rows, post-data,
//! sequences, materialized views, ANALYZE, access grants); the live copy is
//! not touched while it does. Then, in one transaction on the server's
//! maintenance database, `staging` is renamed `staging_doppel_old` and
//! `staging_doppel_next` is renamed `staging`; the old copy is dropped
//! after the commit. Readers connect to the old copy or the new one, never
//! to a half-built or empty one.
//!
//! Why a database and not schemas renamed in place: pg_dump's schema
//! writes schema names into function bodies, defaults and policies, so a
//! copy cannot be loaded under other schema names; and a reader's open
//! transaction could see renamed schemas without their rows. A database
//! is built exactly as a plain run builds it, and PostgreSQL renames one
//! only when nobody is connected: sessions on the live copy at swap time
//! are waited for or ended (`--swap-readers`), and new connections wait
//! on the rename's lock for the few milliseconds the swap holds it.
//!
//! Killed at any point (SIGKILL included), the live copy is untouched: the
//! rename is one transaction, and the only other databases are the
//! `_doppel_next` and `_doppel_old` ones, which the next run names and
//! drops. One run per live database: a session-level advisory lock, held
//! on the maintenance database by a session that names its holder.

mod publish;

use std::time::Duration;

use tokio_postgres::Client;

use super::lease::{holder, holder_name, refuse_read_only, target_err, AdvisoryLock};
use crate::pg::{quote_ident, quote_literal, session, ConnInfo};

use crate::Error;

/// The advisory lock class of `--swap` runs ("dopp"); the other half is a
/// hash of the live database's name.
const LOCK_CLASS: i32 = 0x646f_7070;

/// What happens to sessions connected to the live copy at swap time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readers {
    /// Wait until they have disconnected, up to the timeout; then fail,
    /// leaving the live copy as it is.
    Wait,
    /// End them (`pg_terminate_backend`); their clients see the session
    /// end and reconnect to the new copy.
    Terminate,
}

/// How the swap treats readers.
#[derive(Debug, Clone, Copy)]
pub struct SwapOptions {
    /// Wait for readers, or end them.
    pub readers: Readers,
    /// How long to wait for readers to disconnect (with [`Readers::Wait`]).
    pub timeout: Duration,
}

/// What the swap did, for the log and the report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SwapOutcome {
    /// The live database.
    pub database: String,
    /// There was no live copy before: the new one was only renamed.
    pub first: bool,
    /// `wait` or `terminate`.
    pub readers: &'static str,
    /// Seconds spent waiting for readers to disconnect before the swap.
    pub waited_seconds: f64,
    /// Seconds the rename held new connections up.
    pub held_seconds: f64,
    /// Sessions on the live copy that were ended.
    pub sessions_ended: usize,
    /// The previous copy was dropped (otherwise the next run drops it).
    pub previous_dropped: bool,
}

/// A `--swap` run's hold on the live database's server.
pub struct Swap {
    admin: Client,
    live: ConnInfo,
    next: String,
    old: String,
    options: SwapOptions,
    live_exists: bool,
}

impl std::fmt::Debug for Swap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Swap")
            .field("live", &self.live.describe())
            .field("next", &self.next)
            .finish()
    }
}

/// `<live>_doppel_<what>`, shortened to PostgreSQL's 63 bytes with a hash
/// of the whole name when the live name is long.
pub fn shadow_name(live: &str, what: &str) -> String {
    let suffix = format!("_doppel_{what}");
    if live.len() + suffix.len() <= 63 {
        return format!("{live}{suffix}");
    }
    let mut base = live.to_string();
    while base.len() + suffix.len() + 9 > 63 {
        base.pop();
    }
    format!("{base}_{:08x}{suffix}", name_key(live) as u32)
}

/// A stable 32-bit hash (FNV-1a) of a database name.
fn name_key(name: &str) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h as i32
}

/// A session on the server's maintenance database (`postgres`, else
/// `template1`, as `createdb` does).
async fn connect_maintenance(live: &ConnInfo, role: &str) -> Result<Client, Error> {
    let mut last = None;
    for db in ["postgres", "template1"] {
        match live.with_dbname(db).connect().await {
            Ok(c) => {
                session::prepare(&c, role)
                    .await
                    .map_err(target_err("cannot set session options"))?;
                return Ok(c);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(Error::runtime(format!(
        "target: --swap creates and renames databases from the server's maintenance database (postgres or template1), and cannot connect to it: {}",
        last.map(|e| crate::pg::pg_text(&e)).unwrap_or_default()
    )))
}

impl Swap {
    /// Take the live database for this run and check, before anything is
    /// written, that the role can build and swap a copy; then drop what an
    /// earlier run that did not finish left behind.
    pub async fn prepare(
        live: &ConnInfo,
        source: &Client,
        options: SwapOptions,
    ) -> Result<Swap, Error> {
        // Not registered for cancel requests, like the lease's session: it
        // is the one that cleans up.
        let admin = connect_maintenance(live, &holder_name()).await?;
        refuse_read_only(&admin, live).await?;
        let key = name_key(&live.dbname);
        let got: bool = admin
            .query_one(
                "SELECT pg_catalog.pg_try_advisory_lock($1::int4, $2::int4)",
                &[&LOCK_CLASS, &key],
            )
            .await
            .and_then(|r| r.try_get(0))
            .map_err(target_err("taking the run lock"))?;
        if !got {
            let who = holder(&admin, None, AdvisoryLock::Pair(LOCK_CLASS, key))
                .await
                .unwrap_or_else(|| "another doppel run".into());
            return Err(Error::runtime(format!(
                "target: {} is being refreshed by {who}: doppel loads one copy into a target at a time. Wait for that run to end, or stop it, then run again",
                live.describe()
            )));
        }
        let mut swap = Swap {
            live: live.clone(),
            next: shadow_name(&live.dbname, "next"),
            old: shadow_name(&live.dbname, "old"),
            options,
            live_exists: false,
            admin,
        };
        let live_oid = swap.check_live(source).await?;
        swap.live_exists = live_oid.is_some();
        swap.remove_leftovers().await?;
        Ok(swap)
    }

    /// The live database's oid, if it exists, after checking that it is
    /// not the source, that no run without `--swap` is loading it, and that
    /// the role may create databases and rename this one.
    async fn check_live(&self, source: &Client) -> Result<Option<u32>, Error> {
        let db = &self.live.dbname;
        let row = self
            .admin
            .query_one(
                "SELECT r.rolsuper, r.rolcreatedb, d.oid, \
                        COALESCE(pg_catalog.pg_has_role(d.datdba, 'USAGE'), true), \
                        pg_catalog.pg_get_userbyid(d.datdba)::text, current_user::text, \
                        pg_catalog.pg_has_role('pg_signal_backend', 'MEMBER') \
                 FROM pg_catalog.pg_roles r LEFT JOIN pg_catalog.pg_database d ON d.datname = $1 \
                 WHERE r.rolname = current_user",
                &[db],
            )
            .await
            .map_err(target_err("reading the role's privileges"))?;
        let (superuser, createdb, oid, owns): (bool, bool, Option<u32>, bool) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let (owner, user, signal): (Option<String>, String, bool) =
            (row.get(4), row.get(5), row.get(6));
        if self.options.readers == Readers::Terminate && !superuser && !signal {
            return Err(Error::usage(format!(
                "target: --swap-readers terminate ends other roles' sessions on {db}, which role {user} may not do: GRANT pg_signal_backend TO {}, or use --swap-readers wait",
                quote_ident(&user)
            )));
        }
        if !superuser && !createdb {
            return Err(Error::usage(format!(
                "target: --swap builds the copy in a new database, and role {user} may not create databases: ALTER ROLE {} CREATEDB, or connect as a role that may",
                quote_ident(&user)
            )));
        }
        if !superuser && !owns {
            return Err(Error::usage(format!(
                "target: --swap renames database {db} to replace it, which only its owner ({}) may do: ALTER DATABASE {} OWNER TO {}, or connect as {0}",
                owner.unwrap_or_default(),
                quote_ident(db),
                quote_ident(&user)
            )));
        }
        let Some(oid) = oid else { return Ok(None) };
        let src = session::database_identity(source)
            .await
            .map_err(|e| Error::runtime(format!("source: {}", crate::pg::pg_text(&e))))?;
        let mut tgt = session::database_identity(&self.admin)
            .await
            .map_err(target_err("reading its identity"))?;
        tgt.oid = oid;
        if src.same_database(&tgt) {
            return Err(Error::usage(format!(
                "the target is the source database ({db}): doppel never writes into its source; give another database as --target"
            )));
        }
        if let Some(who) = holder(
            &self.admin,
            Some(oid),
            AdvisoryLock::Big(super::lease::LOCK_KEY),
        )
        .await
        {
            return Err(Error::runtime(format!(
                "target: {} is being loaded by {who}, a run without --swap: wait for it to end, or stop it, then run again",
                self.live.describe()
            )));
        }
        Ok(Some(oid))
    }

    /// Drop the `_doppel_next` and `_doppel_old` databases an earlier run
    /// left (killed before it could clean up), saying so.
    async fn remove_leftovers(&self) -> Result<(), Error> {
        let rows = self
            .admin
            .query(
                "SELECT datname::text FROM pg_catalog.pg_database WHERE datname = ANY($1)",
                &[&vec![self.next.clone(), self.old.clone()]],
            )
            .await
            .map_err(target_err("looking for leftovers"))?;
        for r in rows {
            let name: String = r.get(0);
            tracing::warn!(
                "removing database {name}, left by an earlier --swap run into {} that did not finish",
                self.live.dbname
            );
            self.admin
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    quote_ident(&name)
                ))
                .await
                .map_err(|e| {
                    Error::runtime(format!(
                        "target: cannot drop {name}, left by an earlier --swap run: {}; drop it by hand",
                        crate::pg::pg_text(&e)
                    ))
                })?;
        }
        Ok(())
    }

    /// The run's session on the server's maintenance database (idle,
    /// outside any transaction): what is the cluster's, such as roles, can
    /// be read through it before the new database exists.
    pub fn admin(&self) -> &Client {
        &self.admin
    }

    /// Create the database the new copy is built in, with the live one's
    /// encoding and locale; returns how to connect to it.
    pub async fn create_next(&mut self) -> Result<ConnInfo, Error> {
        let like = if self.live_exists {
            let r = self
                .admin
                .query_one(
                    "SELECT pg_catalog.pg_encoding_to_char(encoding)::text, datcollate::text, datctype::text \
                     FROM pg_catalog.pg_database WHERE datname = $1",
                    &[&self.live.dbname],
                )
                .await
                .map_err(target_err("reading the live copy's encoding"))?;
            let (enc, collate, ctype): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            format!(
                " ENCODING {} LC_COLLATE {} LC_CTYPE {}",
                quote_literal(&enc),
                quote_literal(&collate),
                quote_literal(&ctype)
            )
        } else {
            String::new()
        };
        let next = quote_ident(&self.next);
        self.admin
            .batch_execute(&format!("CREATE DATABASE {next} TEMPLATE template0{like}"))
            .await
            .map_err(target_err(
                "--swap: creating the database the copy is built in",
            ))?;
        let comment = format!(
            "doppel --swap: the next copy of {}, being built by {}",
            self.live.dbname,
            holder_name()
        );
        self.admin
            .batch_execute(&format!(
                "COMMENT ON DATABASE {next} IS {}",
                quote_literal(&comment)
            ))
            .await
            .map_err(target_err("--swap: marking the new database"))?;
        Ok(self.live.with_dbname(&self.next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shadow_names_fit_and_stay_distinct() {
        assert_eq!(shadow_name("staging", "next"), "staging_doppel_next");
        let long = "x".repeat(63);
        let a = shadow_name(&long, "next");
        let b = shadow_name(&format!("{}y", "x".repeat(62)), "next");
        assert!(a.len() <= 63 && b.len() <= 63, "{a} {b}");
        assert_ne!(a, b);
        assert!(a.ends_with("_doppel_next"));
    }
}
