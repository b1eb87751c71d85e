//! Loading a target database from a prepared source, in order: the
//! target's previous copy set aside, pre-data, rows (in parallel),
//! sequences, post-data and materialized views, foreign keys validated and
//! tables ANALYZEd, the grants of `access:`, and `--verify`. The lease on
//! the target completes only when all of it is in.

use std::time::Instant;

use tokio_postgres::Client;

use super::database::{CopyRecord, CopyRequest, Prepared};
use super::target::HeldTarget;
use super::JobStats;
use crate::pg::session;
use crate::plan::Plan;
use crate::report::Progress;
use crate::sink::{DatabaseSink, PendingKeys, PostDataError, Weights};
use crate::Error;

/// The target database: record it (or set the old copy aside), then
/// pre-data, rows, sequences, post-data and materialized views; the lease
/// completes only when all of it is in.
pub(super) async fn load_database(
    req: &CopyRequest,
    p: Prepared,
    held: HeldTarget,
    record: &mut CopyRecord,
    clock: &mut Instant,
) -> Result<(), Error> {
    let HeldTarget {
        sink,
        tgt,
        schemas,
        occupied,
    } = held;
    take_target(record, &schemas, &occupied).await?;
    record.phase(clock, "prepare");

    super::interrupt::pause_before("pre-data").await;
    DatabaseSink::apply_schema(&tgt, "pre-data", &p.pre)
        .await
        .map_err(Error::runtime)?;
    record.phase(clock, "pre-data");

    super::interrupt::pause_before("data").await;
    record.stats = copy_rows(req, &p, &sink).await?;
    // The snapshot is no longer needed once every reader has finished,
    // unless `--verify` will read the source in it again.
    if req.verify.is_none() {
        let _ = p.src.batch_execute("COMMIT").await;
    }
    record.phase(clock, "data");

    super::interrupt::pause_before("post-data").await;
    let weights = table_weights(&p.plan);
    let keys = post_data(req, &p, &sink, &tgt, &weights).await?;
    record.phase(clock, "post-data");
    if let Some(phase) = finish_tables(req, &p, &sink, &tgt, keys, &weights).await? {
        record.phase(clock, phase);
    }
    // Readers get their access last, in the complete copy, before the lease
    // lets the copy go.
    if !p.plan.access.is_empty() {
        record.access = crate::sink::access::apply(&tgt, &p.plan.access).await?;
        record.phase(clock, "access");
    }
    if let Some(opts) = &req.verify {
        super::interrupt::pause_before("verify").await;
        verify_copy(req, &sink, &p, record, opts).await?;
        record.phase(clock, "verify");
    }
    if let Some(lease) = record.lease.take() {
        lease.complete().await?;
    }
    Ok(())
}

/// The held target before its first write: what it holds is recorded, and
/// the `schemas` that hold a previous copy (`occupied`) set aside.
async fn take_target(
    record: &mut CopyRecord,
    schemas: &[String],
    occupied: &[String],
) -> Result<(), Error> {
    let Some(lease) = record.lease.as_mut() else {
        return Err(Error::runtime("internal: the target is not held"));
    };
    lease.record().await?;
    if !occupied.is_empty() {
        lease.set_aside(schemas).await?;
    }
    Ok(())
}

/// The rows of every table, masked, on `req.options.jobs` sessions in the
/// snapshot, with progress drawn; each job's statistics.
async fn copy_rows(
    req: &CopyRequest,
    p: &Prepared,
    sink: &DatabaseSink,
) -> Result<Vec<JobStats>, Error> {
    let jobs = p.plan.jobs();
    let total_rows: u64 = jobs.iter().map(|j| j.estimate_rows).sum();
    let progress = Progress::new(req.progress, total_rows);
    tracing::info!(
        tables = jobs.len(),
        estimate_rows = total_rows,
        jobs = req.options.jobs,
        "copying data"
    );
    let mut options = req.options.clone();
    if p.server < 14 {
        // Before PostgreSQL 14 a ctid range is a filter on a whole scan.
        options.split_above = 0;
    }
    progress
        .draw_while(super::run(
            &req.source,
            &p.snapshot,
            sink,
            jobs,
            &options,
            &progress,
        ))
        .await
}

/// Sequences set, post-data built (its foreign keys added NOT VALID) and
/// materialized views refreshed; the foreign keys left to validate.
async fn post_data(
    req: &CopyRequest,
    p: &Prepared,
    sink: &DatabaseSink,
    tgt: &Client,
    weights: &Weights,
) -> Result<PendingKeys, Error> {
    DatabaseSink::set_sequences(tgt, &p.sequences)
        .await
        .map_err(Error::runtime)?;
    let keys = sink
        .apply_post_data(tgt, &p.post, req.options.jobs, weights)
        .await;
    let keys = explain_post_data(tgt, p, keys).await?;
    DatabaseSink::refresh_matviews(tgt, &p.plan.matviews)
        .await
        .map_err(Error::runtime)?;
    Ok(keys)
}

/// Foreign keys validated, and the tables (and materialized views)
/// ANALYZEd when asked, table by table; the phase's name when there was
/// anything to do.
async fn finish_tables(
    req: &CopyRequest,
    p: &Prepared,
    sink: &DatabaseSink,
    tgt: &Client,
    keys: PendingKeys,
    weights: &Weights,
) -> Result<Option<&'static str>, Error> {
    let mut analyze = Vec::new();
    if req.analyze {
        super::interrupt::pause_before("analyze").await;
        analyze.extend(p.plan.tables.iter().map(|t| t.name.clone()));
        analyze.extend(p.plan.matviews.iter().cloned());
    }
    if keys.is_empty() && analyze.is_empty() {
        return Ok(None);
    }
    let finished = sink
        .finish_tables(keys, &analyze, weights, req.options.jobs)
        .await;
    explain_post_data(tgt, p, finished).await?;
    Ok(Some(if req.analyze { "keys+analyze" } else { "keys" }))
}

/// `--verify`: the loaded copy checked against the source, read in the
/// run's own snapshot (so rows changed on the source since are not
/// findings), and the rows this run wrote; a finding fails the run.
async fn verify_copy(
    req: &CopyRequest,
    sink: &DatabaseSink,
    p: &Prepared,
    record: &CopyRecord,
    opts: &crate::verify::Options,
) -> Result<(), Error> {
    let tgt = sink.connect("verify").await?;
    let target_snapshot = session::export_snapshot(&tgt)
        .await
        .map_err(|e| Error::runtime(format!("target: {}", crate::pg::pg_text(&e))))?;
    let sessions = std::sync::Arc::new(crate::verify::Sessions {
        source: req.source.clone(),
        limits: req.options.source_limits.clone(),
        source_snapshot: p.snapshot.clone(),
        target: sink.clone(),
        target_snapshot,
    });
    let mut written = std::collections::HashMap::new();
    for s in &record.stats {
        *written.entry(s.rule_table.to_string()).or_insert(0u64) += s.rows_written;
    }
    let mut report = crate::verify::verify(
        &p.src,
        &tgt,
        sessions,
        &p.plan,
        &p.catalog,
        &crate::verify::sensitive_columns(&p.plan),
        &crate::verify::Expected::Run(written),
        opts,
    )
    .await?;
    let _ = p.src.batch_execute("COMMIT").await;
    let lines = report.summary();
    if !report.has_findings() {
        if let Some(last) = lines.last() {
            tracing::info!("{last}");
        }
        return Ok(());
    }
    Err(Error::Findings(format!(
        "--verify found what the copy must not hold or lacks:\n  {}",
        lines.join("\n  ")
    )))
}

/// How much work each table is, for the order of post-data's parallel
/// steps: its bytes of data (a partitioned table's, its partitions').
fn table_weights(plan: &Plan) -> crate::sink::Weights {
    let mut weights = crate::sink::Weights::new();
    for t in &plan.tables {
        let mut total = 0;
        for leaf in &t.leaves {
            weights.insert(leaf.table.clone(), leaf.bytes);
            total += leaf.bytes;
        }
        weights.insert(t.name.clone(), total);
    }
    weights
}

/// A post-data failure, and a foreign key that does not validate explained
/// with the rows that break it.
async fn explain_post_data<T>(
    tgt: &Client,
    p: &Prepared,
    result: Result<T, PostDataError>,
) -> Result<T, Error> {
    let e = match result {
        Ok(v) => return Ok(v),
        Err(PostDataError::Session(e)) => return Err(e),
        Err(PostDataError::Statement(e)) => e,
    };
    let why = match e.violated_foreign_key() {
        Some((schema, table, constraint)) => {
            super::orphans::explain(tgt, &p.catalog, &schema, &table, &constraint).await
        }
        None => None,
    };
    Err(Error::runtime(match why {
        Some(why) => format!("{why}. {e}"),
        None => e.to_string(),
    }))
}
