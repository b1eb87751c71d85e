//! The target database: schema sections, per-table COPY writers, sequences
//! and materialized views.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::SinkExt;
use tokio_postgres::{Client, CopyInSink};

use crate::copy::Format;
use crate::pg::{quote_ident, quote_literal, session, ConnInfo, QualifiedName};

/// A failure on the target, naming what was being done; shown with the
/// database's own message and SQLSTATE.
#[derive(Debug, thiserror::Error)]
#[error("target: {what}: {}", crate::pg::pg_text(.source))]
pub struct SinkError {
    what: String,
    #[source]
    source: tokio_postgres::Error,
}

impl SinkError {
    /// The foreign key the server found violated, as (schema, table,
    /// constraint), when that is why this failed.
    pub fn violated_foreign_key(&self) -> Option<(String, String, String)> {
        let db = self.source.as_db_error()?;
        if db.code() != &tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION {
            return None;
        }
        Some((
            db.schema()?.to_string(),
            db.table()?.to_string(),
            db.constraint()?.to_string(),
        ))
    }

    pub(super) fn new(what: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> SinkError {
        let what = what.into();
        move |source| SinkError { what, source }
    }
}

/// The target database.
#[derive(Debug, Clone)]
pub struct DatabaseSink {
    conn: ConnInfo,
    /// Server pids of every session this sink opened, so that a failed run
    /// can end them before it removes what they created.
    pids: Arc<Mutex<Vec<i32>>>,
}

impl DatabaseSink {
    /// A sink writing to the database `conn` points at.
    pub fn new(conn: ConnInfo) -> DatabaseSink {
        DatabaseSink {
            conn,
            pids: Arc::default(),
        }
    }

    /// What the sink connects to.
    pub fn conn(&self) -> &ConnInfo {
        &self.conn
    }

    /// The server pids of the sessions opened so far.
    pub fn pids(&self) -> Vec<i32> {
        self.pids.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Open a prepared connection to the target, registered for cancel
    /// requests.
    pub async fn connect(&self, role: &str) -> Result<Client, crate::Error> {
        let client =
            self.conn.connect().await.map_err(|e| {
                crate::Error::runtime(format!("target: {}", crate::pg::pg_text(&e)))
            })?;
        crate::pg::cancel::register(&client, role, &self.conn);
        session::prepare(&client, role).await.map_err(|e| {
            crate::Error::runtime(format!(
                "target: cannot set session options: {}",
                crate::pg::pg_text(&e)
            ))
        })?;
        let pid: i32 = client
            .query_one("SELECT pg_catalog.pg_backend_pid()", &[])
            .await
            .and_then(|r| r.try_get(0))
            .map_err(|e| crate::Error::runtime(format!("target: {}", crate::pg::pg_text(&e))))?;
        if let Ok(mut p) = self.pids.lock() {
            p.push(pid);
        }
        Ok(client)
    }

    /// Run a schema section (pg_dump output) in one transaction: all or nothing.
    pub async fn apply_schema(client: &Client, section: &str, sql: &str) -> Result<(), SinkError> {
        if let Err(e) = client
            .batch_execute(&format!("BEGIN;\n{sql}\n;COMMIT;"))
            .await
        {
            // Leave the session usable (out of the failed transaction) for
            // whatever explains or cleans up after this.
            let _ = client.batch_execute("ROLLBACK").await;
            // A constraint's error names it; anything else is found by
            // replaying the section one object at a time, rolled back.
            let named = e.as_db_error().is_some_and(|d| d.constraint().is_some());
            let at = match named {
                true => None,
                false => failing_entry(client, sql).await,
            };
            let what = match at {
                Some(at) => format!("loading the {section} schema, at {at}"),
                None => format!("loading the {section} schema"),
            };
            return Err(SinkError::new(what)(e));
        }
        // Each pg_dump section resets search_path; put it back for what follows.
        client
            .batch_execute("RESET search_path")
            .await
            .map_err(SinkError::new("resetting search_path"))
    }

    /// Start loading `table`: a transaction that empties it and a COPY into it.
    /// Dropping the writer without [`TableWriter::finish`] aborts the COPY and
    /// the transaction, so a failed or cancelled table leaves nothing behind.
    pub async fn open_table<'c>(
        client: &'c Client,
        table: &QualifiedName,
        columns: &[String],
        format: Format,
    ) -> Result<TableWriter<'c>, SinkError> {
        let t = table.quoted();
        client
            .batch_execute(&format!("BEGIN; TRUNCATE ONLY {t}"))
            .await
            .map_err(SinkError::new(format!("preparing {table}")))?;
        let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
        let sql = format!(
            "COPY {t} ({}) FROM STDIN WITH ({}, FREEZE)",
            cols.join(", "),
            format.copy_options()
        );
        let sink = client
            .copy_in::<_, Bytes>(&sql)
            .await
            .map_err(SinkError::new(format!("starting COPY into {table}")))?;
        Ok(TableWriter {
            client,
            table: table.clone(),
            sink: Box::pin(sink),
        })
    }

    /// The statements that set each sequence to the source's value.
    pub fn sequences_sql(values: &[(QualifiedName, i64, bool)]) -> String {
        values
            .iter()
            .map(|(name, v, called)| {
                format!(
                    "SELECT pg_catalog.setval({}, {v}, {called});\n",
                    quote_literal(&name.quoted())
                )
            })
            .collect()
    }

    /// Set each sequence on the target to the source's value.
    pub async fn set_sequences(
        client: &Client,
        values: &[(QualifiedName, i64, bool)],
    ) -> Result<(), SinkError> {
        if values.is_empty() {
            return Ok(());
        }
        client
            .batch_execute(&DatabaseSink::sequences_sql(values))
            .await
            .map_err(SinkError::new("setting sequences"))
    }

    /// Refresh materialized views from the copied (masked) data. Views that
    /// depend on other views are retried until every one is refreshed.
    pub async fn refresh_matviews(
        client: &Client,
        views: &[QualifiedName],
    ) -> Result<(), SinkError> {
        let mut pending: Vec<&QualifiedName> = views.iter().collect();
        while !pending.is_empty() {
            let mut failed = Vec::new();
            let mut last_err = None;
            for v in &pending {
                if let Err(e) = client
                    .batch_execute(&format!("REFRESH MATERIALIZED VIEW {}", v.quoted()))
                    .await
                {
                    failed.push(*v);
                    last_err = Some((v.to_string(), e));
                }
            }
            if failed.len() == pending.len() {
                if let Some((name, e)) = last_err {
                    return Err(SinkError::new(format!(
                        "refreshing materialized view {name}"
                    ))(e));
                }
            }
            pending = failed;
        }
        Ok(())
    }
}

/// The first object of a schema section that fails, found by running the
/// section one object at a time in a transaction that is rolled back.
async fn failing_entry(client: &Client, sql: &str) -> Option<String> {
    let (preamble, entries) = crate::pg::dump::split_entries(sql);
    if client
        .batch_execute(&format!("BEGIN;\n{preamble}"))
        .await
        .is_err()
    {
        let _ = client.batch_execute("ROLLBACK").await;
        return Some("its settings".into());
    }
    let mut found = None;
    for (i, e) in entries.iter().enumerate() {
        if client.batch_execute(&e.sql).await.is_err() {
            found = Some(format!(
                "{} (object {} of {})",
                e.describe(),
                i + 1,
                entries.len()
            ));
            break;
        }
    }
    let _ = client.batch_execute("ROLLBACK").await;
    found
}

/// An open COPY into one table on the target.
pub struct TableWriter<'c> {
    client: &'c Client,
    table: QualifiedName,
    sink: std::pin::Pin<Box<CopyInSink<Bytes>>>,
}

impl TableWriter<'_> {
    /// Send one chunk of COPY data (whole rows).
    pub async fn write(&mut self, chunk: Bytes) -> Result<(), SinkError> {
        self.sink
            .send(chunk)
            .await
            .map_err(SinkError::new(format!("COPY into {}", self.table)))
    }

    /// End the COPY and commit; returns the rows the server loaded.
    pub async fn finish(mut self) -> Result<u64, SinkError> {
        let rows = self
            .sink
            .as_mut()
            .finish()
            .await
            .map_err(SinkError::new(format!("COPY into {}", self.table)))?;
        self.client
            .batch_execute("COMMIT")
            .await
            .map_err(SinkError::new(format!("committing {}", self.table)))?;
        Ok(rows)
    }
}
