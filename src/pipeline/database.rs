//! A whole copy, in order: snapshot → catalog → plan → guards → pre-data
//! schema → data (parallel) → sequences → post-data → materialized views.
//! Every check that can refuse the run happens before the target is touched.

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use tokio_postgres::Client;

use super::{probe, JobStats, PipelineOptions};
use crate::catalog::Catalog;
use crate::config::LoadedRules;
use crate::mask::MaskKey;
use crate::pg::dump::PgDump;
use crate::pg::{quote_ident, session, ConnInfo, QualifiedName};
use crate::plan::{self, Plan, PlanOptions};
use crate::report::{Progress, ProgressStyle};
use crate::sink::DatabaseSink;
use crate::Error;

/// Everything a copy needs.
pub struct CopyRequest {
    /// The source database.
    pub source: ConnInfo,
    /// Where the copy goes.
    pub target: Destination,
    /// The parsed rules.
    pub rules: LoadedRules,
    /// The masking key, if any.
    pub key: Option<MaskKey>,
    /// Parallelism and batching.
    pub options: PipelineOptions,
    /// How progress is shown.
    pub progress: ProgressStyle,
    /// Drop and recreate the schemas being copied when the target holds them.
    pub replace: bool,
    /// Which tenants to copy (all, when empty).
    pub selection: crate::subset::Selection,
}

/// Where a copy goes.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A database, loaded directly.
    Database(Box<ConnInfo>),
    /// One plain SQL file (`None`: standard output) that psql loads into an
    /// empty database.
    File(Option<PathBuf>),
}

impl Destination {
    /// For logs and reports: the database (never its password) or the file.
    pub fn describe(&self) -> String {
        match self {
            Destination::Database(c) => c.describe(),
            Destination::File(Some(p)) => format!("file {}", p.display()),
            Destination::File(None) => "standard output".into(),
        }
    }
}

/// What a copy did so far; filled in as it goes, so that a failed run can
/// still be reported.
#[derive(Debug, Default)]
pub struct CopyRecord {
    /// When it started.
    pub started: Option<SystemTime>,
    /// The exported snapshot.
    pub snapshot: Option<String>,
    /// The plan, once built.
    pub plan: Option<Plan>,
    /// Per-job statistics.
    pub stats: Vec<JobStats>,
    /// The tenant subset, when the copy is one.
    pub subset: Option<crate::subset::Subset>,
    /// Seconds per phase: (name, seconds).
    pub phases: Vec<(String, f64)>,
    /// Where the report goes.
    pub report: Option<PathBuf>,
}

/// Copy `req.source` into `req.target` as the rules say.
pub async fn copy_database(req: &CopyRequest, record: &mut CopyRecord) -> Result<(), Error> {
    record.started = Some(SystemTime::now());
    let mut clock = Instant::now();
    let mut phase = |record: &mut CopyRecord, name: &str| {
        record
            .phases
            .push((name.to_string(), clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };

    let src = req
        .source
        .connect()
        .await
        .map_err(|e| Error::runtime(format!("source: {}", crate::pg::pg_text(&e))))?;
    session::prepare(&src, "snapshot").await.map_err(|e| {
        Error::runtime(format!(
            "source: cannot set session options: {}",
            crate::pg::pg_text(&e)
        ))
    })?;
    req.options
        .source_limits
        .apply(&src)
        .await
        .map_err(|e| Error::runtime(format!("source: {}", crate::pg::pg_text(&e))))?;
    let snapshot = session::export_snapshot(&src).await.map_err(|e| {
        Error::runtime(format!(
            "source: cannot export a snapshot: {}",
            crate::pg::pg_text(&e)
        ))
    })?;
    record.snapshot = Some(snapshot.clone());
    let catalog = Catalog::load(&src).await.map_err(|e| {
        Error::runtime(format!(
            "source: reading the catalog: {}",
            crate::pg::pg_text(&e)
        ))
    })?;
    let env = |name: &str| std::env::var(name).ok();
    let mut plan = plan::build(
        &req.rules,
        &catalog,
        &PlanOptions {
            key: req.key.as_ref(),
            env: &env,
            require_key: true,
        },
    )
    .map_err(Error::usage)?;
    let subset = crate::subset::prepare(&src, &req.rules, &catalog, &plan, &req.selection).await?;
    if let Some(s) = &subset {
        tracing::debug!("{}", s.summary());
        s.apply(&mut plan);
        phase(record, "subset");
    }
    record.subset = subset;
    record.plan = Some(plan.clone());

    // Everything up to the first write only reads: the target is checked
    // and the source probed before anything is written anywhere.
    let db = match &req.target {
        Destination::Database(conn) => {
            let sink = DatabaseSink::new(conn.as_ref().clone());
            let tgt = sink.connect("schema").await?;
            guard_not_source(&src, &tgt).await?;
            let schemas: Vec<String> = {
                let mut v: Vec<String> =
                    plan.tables.iter().map(|t| t.name.schema.clone()).collect();
                v.sort();
                v.dedup();
                v
            };
            let occupied = tables_in_schemas(&tgt, &schemas).await?;
            Some((conn, sink, tgt, schemas, occupied))
        }
        Destination::File(_) => None,
    };
    let problems = probe::all(&src, &plan, &catalog).await?;
    if !problems.is_empty() {
        return Err(Error::usage(probe::summary(&problems)));
    }
    let server = session::server_major(&src)
        .await
        .map_err(|e| Error::runtime(format!("source: {}", crate::pg::pg_text(&e))))?;
    let mut pg_dump = PgDump::find(server).await.map_err(Error::runtime)?;
    pg_dump.lock_wait_timeout = Some(req.options.source_limits.lock_timeout.clone());
    let (pre, post) = tokio::try_join!(
        pg_dump.schema_section(&req.source, "pre-data", Some(&snapshot)),
        pg_dump.schema_section(&req.source, "post-data", Some(&snapshot)),
    )
    .map_err(|e| Error::runtime(format!("source: {}", crate::pg::pg_text(&e))))?;
    let sequences = read_sequences(&src, &plan.sequences).await?;
    let jobs = plan.jobs();
    let total_rows: u64 = jobs.iter().map(|j| j.estimate_rows).sum();
    let progress = Progress::new(req.progress, total_rows);
    let Some((conn, sink, tgt, schemas, occupied)) = db else {
        let Destination::File(out) = &req.target else {
            unreachable!("a database destination has a connection")
        };
        phase(record, "prepare");
        let result = super::file::write_sql(
            &super::file::SqlDump {
                source: &req.source,
                snapshot: &snapshot,
                plan: &plan,
                pre_data: &pre,
                post_data: &post,
                sequences: &sequences,
                rules_sha256: &req.rules.sha256,
            },
            out,
            jobs,
            &req.options,
            &progress,
        )
        .await;
        let _ = src.batch_execute("COMMIT").await;
        record.stats = result?;
        phase(record, "data");
        return Ok(());
    };
    clear_target(&tgt, conn, &schemas, &occupied, req.replace).await?;
    phase(record, "prepare");

    DatabaseSink::apply_schema(&tgt, "pre-data", &pre)
        .await
        .map_err(Error::runtime)?;
    phase(record, "pre-data");

    tracing::info!(
        tables = jobs.len(),
        estimate_rows = total_rows,
        jobs = req.options.jobs,
        "copying data"
    );
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let drawer = {
        let p = progress.clone();
        tokio::spawn(async move { p.draw_until(stop_rx).await })
    };
    let result = super::run(&req.source, &snapshot, &sink, jobs, &req.options, &progress).await;
    let _ = stop_tx.send(());
    let _ = drawer.await;
    record.stats = result?;
    // The snapshot is no longer needed once every reader has finished.
    let _ = src.batch_execute("COMMIT").await;
    phase(record, "data");

    DatabaseSink::set_sequences(&tgt, &sequences)
        .await
        .map_err(Error::runtime)?;
    sink.apply_post_data(&tgt, &post, req.options.jobs).await?;
    DatabaseSink::refresh_matviews(&tgt, &plan.matviews)
        .await
        .map_err(Error::runtime)?;
    phase(record, "post-data");
    Ok(())
}

async fn guard_not_source(src: &Client, tgt: &Client) -> Result<(), Error> {
    let a = session::database_identity(src)
        .await
        .map_err(|e| Error::runtime(format!("source: {}", crate::pg::pg_text(&e))))?;
    let b = session::database_identity(tgt)
        .await
        .map_err(|e| Error::runtime(format!("target: {}", crate::pg::pg_text(&e))))?;
    let same_server = match (a.system_identifier, b.system_identifier) {
        (Some(x), Some(y)) => x == y && a.started == b.started,
        _ => a.started == b.started,
    };
    if same_server && a.oid == b.oid {
        return Err(Error::usage(format!(
            "the target is the source database ({}): doppel never writes into its source; give another database as --target",
            a.database
        )));
    }
    Ok(())
}

/// Tables (and views, sequences) of `schemas` that the target already has.
async fn tables_in_schemas(tgt: &Client, schemas: &[String]) -> Result<Vec<String>, Error> {
    let rows = tgt
        .query(
            "SELECT n.nspname::text || '.' || c.relname::text FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') \
               AND n.nspname = ANY($1) \
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') \
             ORDER BY 1",
            &[&schemas],
        )
        .await
        .map_err(|e| Error::runtime(format!("target: {}", crate::pg::pg_text(&e))))?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<_, String>(0).ok())
        .collect())
}

/// The target must not hold tables of the schemas being copied, unless
/// `--replace` was given: then those schemas are dropped (with everything in
/// them) and recreated empty, in one transaction, before the schema is loaded.
async fn clear_target(
    tgt: &Client,
    conn: &ConnInfo,
    schemas: &[String],
    occupied: &[String],
    replace: bool,
) -> Result<(), Error> {
    if occupied.is_empty() {
        return Ok(());
    }
    if !replace {
        return Err(Error::usage(format!(
            "the target {} is not empty: it already holds {} table{} of the schemas being copied ({}{}): pass --replace to drop and recreate {}, or load into an empty database",
            conn.describe(),
            occupied.len(),
            if occupied.len() == 1 { "" } else { "s" },
            occupied.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            if occupied.len() > 3 { ", …" } else { "" },
            schemas.join(", ")
        )));
    }
    let mut sql = String::from("BEGIN;\n");
    for s in schemas {
        sql.push_str(&format!(
            "DROP SCHEMA IF EXISTS {} CASCADE;\n",
            quote_ident(s)
        ));
    }
    if schemas.iter().any(|s| s == "public") {
        // pg_dump assumes the public schema exists.
        sql.push_str("CREATE SCHEMA public; GRANT USAGE ON SCHEMA public TO PUBLIC;\n");
    }
    sql.push_str("COMMIT;");
    tracing::warn!(
        "--replace: dropping {} table{} in schema{} {} of the target",
        occupied.len(),
        if occupied.len() == 1 { "" } else { "s" },
        if schemas.len() == 1 { "" } else { "s" },
        schemas.join(", ")
    );
    tgt.batch_execute(&sql)
        .await
        .map_err(|e| Error::runtime(format!("target: --replace: {}", crate::pg::pg_text(&e))))
}

async fn read_sequences(
    src: &Client,
    names: &[QualifiedName],
) -> Result<Vec<(QualifiedName, i64, bool)>, Error> {
    let mut out = Vec::with_capacity(names.len());
    for chunk in names.chunks(200) {
        let sql: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, n)| format!("SELECT {i} AS i, last_value, is_called FROM {}", n.quoted()))
            .collect();
        let rows = src
            .query(&sql.join(" UNION ALL "), &[])
            .await
            .map_err(|e| {
                Error::runtime(format!(
                    "source: reading sequences: {}",
                    crate::pg::pg_text(&e)
                ))
            })?;
        for r in rows {
            let i: i32 = r.try_get(0).map_err(|e| Error::runtime(e.to_string()))?;
            let v: i64 = r.try_get(1).map_err(|e| Error::runtime(e.to_string()))?;
            let called: bool = r.try_get(2).map_err(|e| Error::runtime(e.to_string()))?;
            out.push((chunk[i as usize].clone(), v, called));
        }
    }
    Ok(out)
}
