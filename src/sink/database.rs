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

    fn new(what: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> SinkError {
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

    /// Load the post-data section: indexes and primary/unique/exclusion
    /// constraints first, on up to `jobs` connections (one table's objects on
    /// one connection, so they never wait on each other), then everything
    /// else (foreign keys, triggers, index attachments, rules, policies) in
    /// pg_dump's order on one connection.
    pub async fn apply_post_data(
        &self,
        client: &Client,
        sql: &str,
        jobs: usize,
    ) -> Result<(), PostDataError> {
        use std::collections::BTreeMap;

        let (preamble, entries) = crate::pg::dump::split_entries(sql);
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut rest = String::new();
        for e in entries {
            match (e.kind.as_str(), e.relation()) {
                ("INDEX" | "CONSTRAINT", Some(rel)) => {
                    groups.entry(rel.to_string()).or_default().push(e.sql)
                }
                _ => rest.push_str(&e.to_sql()),
            }
        }
        let mut groups: Vec<(String, Vec<String>)> = groups.into_iter().collect();
        // Tables with more objects first: they take longest.
        groups.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        let work = groups
            .into_iter()
            .map(|(rel, stmts)| {
                (
                    format!("building indexes and keys of {rel}"),
                    stmts.concat(),
                )
            })
            .collect();
        self.run_parallel("post-data", jobs, &preamble, work)
            .await
            .map_err(PostDataError::Build)?;
        DatabaseSink::apply_schema(client, "post-data", &format!("{preamble}{rest}"))
            .await
            .map_err(PostDataError::Rest)
    }

    /// Update the planner's statistics of `tables` (ANALYZE), on up to
    /// `jobs` connections, so that the first queries on the copy get good
    /// plans. A partitioned table's ANALYZE covers its partitions.
    pub async fn analyze(&self, tables: &[QualifiedName], jobs: usize) -> Result<(), crate::Error> {
        let work = tables
            .iter()
            .map(|t| (format!("analyzing {t}"), format!("ANALYZE {}", t.quoted())))
            .collect();
        self.run_parallel("analyze", jobs, "", work).await
    }

    /// Run each `(what, sql)` of `work` in turn on up to `jobs` new
    /// connections (each first runs `setup`); the first failure stops the
    /// rest and is reported with its `what`.
    async fn run_parallel(
        &self,
        role: &str,
        jobs: usize,
        setup: &str,
        work: Vec<(String, String)>,
    ) -> Result<(), crate::Error> {
        use std::collections::VecDeque;

        let workers = jobs.max(1).min(work.len());
        let queue = Arc::new(Mutex::new(work.into_iter().collect::<VecDeque<_>>()));
        let mut set = tokio::task::JoinSet::new();
        for w in 0..workers {
            let queue = Arc::clone(&queue);
            let sink = self.clone();
            let setup = setup.to_string();
            let role = format!("{role} {w}");
            set.spawn(async move {
                let c = sink.connect(&role).await?;
                c.batch_execute(&setup).await.map_err(|e| {
                    crate::Error::runtime(format!(
                        "target: {role} settings: {}",
                        crate::pg::pg_text(&e)
                    ))
                })?;
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some((what, sql)) = next else { break };
                    c.batch_execute(&sql)
                        .await
                        .map_err(|e| crate::Error::runtime(SinkError::new(what)(e)))?;
                }
                Ok::<_, crate::Error>(())
            });
        }
        while let Some(r) = set.join_next().await {
            let failed = match r {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e,
                Err(e) => crate::Error::runtime(format!("a {role} worker stopped: {e}")),
            };
            set.abort_all();
            return Err(failed);
        }
        Ok(())
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

/// Why the post-data section failed.
#[derive(Debug, thiserror::Error)]
pub enum PostDataError {
    /// Building an index or a key failed.
    #[error(transparent)]
    Build(crate::Error),
    /// The rest (foreign keys, triggers, rules, policies) failed.
    #[error(transparent)]
    Rest(SinkError),
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
