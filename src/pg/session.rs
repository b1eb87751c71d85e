//! Session settings both sides run with, and the exported snapshot every
//! source reader imports so that all tables come from one instant.

use tokio_postgres::Client;

use super::quote_literal;

/// Settings for every connection, as pg_dump sets them, so that the text
/// form of every value reads back exactly: UTF8, ISO dates, postgres
/// intervals, shortest-exact floats, hex bytea, UTC.
pub const SESSION_SETTINGS: &str = "SET client_encoding = 'UTF8'; \
     SET DateStyle = 'ISO, YMD'; \
     SET IntervalStyle = 'postgres'; \
     SET extra_float_digits = 3; \
     SET bytea_output = 'hex'; \
     SET standard_conforming_strings = on; \
     SET TimeZone = 'UTC'; \
     SET statement_timeout = 0; \
     SET idle_in_transaction_session_timeout = 0";

/// Apply [`SESSION_SETTINGS`] and name the connection in pg_stat_activity.
pub async fn prepare(client: &Client, role: &str) -> Result<(), tokio_postgres::Error> {
    client
        .batch_execute(&format!(
            "{SESSION_SETTINGS}; SET application_name = {}",
            quote_literal(&format!("doppel {role}"))
        ))
        .await
}

/// Limits every source session runs with, so that doppel never waits long
/// behind production DDL and never runs one statement without bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLimits {
    /// `lock_timeout`: how long to wait for a table lock (PostgreSQL interval syntax).
    pub lock_timeout: String,
    /// `statement_timeout`: the longest one statement (one table's COPY) may run.
    pub statement_timeout: String,
}

impl Default for SourceLimits {
    fn default() -> Self {
        SourceLimits {
            lock_timeout: "10s".into(),
            statement_timeout: "4h".into(),
        }
    }
}

impl SourceLimits {
    /// Check a duration as the options take it: a number with an optional
    /// unit (ms, s, min, h, d); `0` means no limit.
    pub fn parse_duration(s: &str) -> Result<String, String> {
        let t = s.trim();
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        let unit = &t[digits..];
        if digits == 0 || !["", "ms", "s", "min", "h", "d"].contains(&unit) {
            return Err(format!(
                "`{s}` is not a duration: write a number with ms, s, min, h or d (e.g. 10s, 4h), or 0 for no limit"
            ));
        }
        Ok(t.to_string())
    }

    /// Apply the limits to a session.
    pub async fn apply(&self, client: &Client) -> Result<(), tokio_postgres::Error> {
        client
            .batch_execute(&format!(
                "SET lock_timeout = {}; SET statement_timeout = {}",
                quote_literal(&self.lock_timeout),
                quote_literal(&self.statement_timeout)
            ))
            .await
    }
}

/// Open the snapshot-exporting transaction on `client` and return the snapshot id.
/// The transaction must stay open (the client alive) while others import it.
pub async fn export_snapshot(client: &Client) -> Result<String, tokio_postgres::Error> {
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await?;
    snapshot_id(client).await
}

/// Export the snapshot of the repeatable-read transaction open on `client`
/// and return its id, for other sessions to import while it stays open.
pub async fn snapshot_id(client: &Client) -> Result<String, tokio_postgres::Error> {
    let row = client
        .query_one("SELECT pg_catalog.pg_export_snapshot()", &[])
        .await?;
    row.try_get(0)
}

/// Start a read-only repeatable-read transaction on `client` that sees snapshot `id`.
pub async fn import_snapshot(client: &Client, id: &str) -> Result<(), tokio_postgres::Error> {
    client
        .batch_execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT {}",
            quote_literal(id)
        ))
        .await
}

/// What identifies one database of one running server, to tell whether two
/// connections reach the same database (without needing superuser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseIdentity {
    /// `current_database()`.
    pub database: String,
    /// The database's oid.
    pub oid: u32,
    /// The postmaster's start time, as text.
    pub started: String,
    /// The system identifier, when the role may read it.
    pub system_identifier: Option<i64>,
}

impl DatabaseIdentity {
    /// Whether `other` is the same database of the same running server.
    pub fn same_database(&self, other: &DatabaseIdentity) -> bool {
        let same_server = match (self.system_identifier, other.system_identifier) {
            (Some(x), Some(y)) => x == y && self.started == other.started,
            _ => self.started == other.started,
        };
        same_server && self.oid == other.oid
    }
}

/// Read the identity of the database `client` is connected to.
pub async fn database_identity(client: &Client) -> Result<DatabaseIdentity, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT current_database()::text, d.oid, pg_catalog.pg_postmaster_start_time()::text, \
                    CASE WHEN pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE') \
                         THEN (SELECT system_identifier FROM pg_catalog.pg_control_system()) END \
             FROM pg_catalog.pg_database d WHERE d.datname = current_database()",
            &[],
        )
        .await?;
    Ok(DatabaseIdentity {
        database: row.try_get(0)?,
        oid: row.try_get(1)?,
        started: row.try_get(2)?,
        system_identifier: row.try_get(3)?,
    })
}

/// The server's major version (e.g. 15) from `server_version_num`.
pub async fn server_major(client: &Client) -> Result<u32, tokio_postgres::Error> {
    let row = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .await?;
    let n: i32 = row.try_get(0)?;
    Ok((n / 10000) as u32)
}
