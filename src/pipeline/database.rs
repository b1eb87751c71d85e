//! A whole copy, in order: snapshot → catalog → plan → guards and the
//! target's lease → pre-data schema → data (parallel) → sequences →
//! post-data → materialized views → ANALYZE → the grants of `access:`.
//! Every check that can refuse the run happens before the target is
//! touched; from the first write on, the lease can give the target back as
//! it was found. Loading a target database is `load`.

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use tokio_postgres::Client;

use super::load::load_database;
use super::target::hold_target;
use super::{probe, JobStats, PipelineOptions};
use crate::catalog::Catalog;
use crate::config::LoadedRules;
use crate::mask::MaskKey;
use crate::pg::dump::PgDump;
use crate::pg::{session, ConnInfo, QualifiedName};
use crate::plan::{self, Plan, PlanOptions};
use crate::report::{Progress, ProgressStyle};
use crate::sink::{Swap, SwapOptions, SwapOutcome, TargetLease};
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
    /// ANALYZE the copy before the run ends.
    pub analyze: bool,
    /// `--swap`: build the copy in a database of its own and swap it in.
    pub swap: Option<SwapOptions>,
    /// Which tenants to copy (all, when empty).
    pub selection: crate::subset::Selection,
    /// `--verify`: check the loaded copy before the run completes.
    pub verify: Option<crate::verify::Options>,
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
/// still be reported, and its target given back.
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
    /// The target held for this run, from before its first write until it
    /// completes; a failed run gives the target back through it.
    pub lease: Option<TargetLease>,
    /// `--swap`: the live database held for this run until the swap; a
    /// failed run drops the new database through it.
    pub swap: Option<Swap>,
    /// What the swap did.
    pub swapped: Option<SwapOutcome>,
    /// What each role of `access:` was given, read back from the target.
    pub access: Vec<crate::sink::AccessApplied>,
}

impl CopyRecord {
    /// Close the phase `name`: its seconds since `clock`, which starts the next.
    pub(super) fn phase(&mut self, clock: &mut Instant, name: &str) {
        self.phases
            .push((name.to_string(), clock.elapsed().as_secs_f64()));
        *clock = Instant::now();
    }
}

/// What the source gives the copy, read in the snapshot before any write.
pub(super) struct Prepared {
    pub(super) src: Client,
    pub(super) snapshot: String,
    pub(super) catalog: Catalog,
    pub(super) plan: Plan,
    pub(super) pre: String,
    pub(super) post: String,
    pub(super) sequences: Vec<(QualifiedName, i64, bool)>,
    /// The source's major version.
    pub(super) server: u32,
}

/// Copy `req.source` into `req.target` as the rules say.
///
/// Nothing is written before every check has passed. Once the target is
/// held, `record.lease` is set: if this returns an error, or its future is
/// dropped (a signal), the caller gives the target back through it.
pub async fn copy_database(req: &CopyRequest, record: &mut CopyRecord) -> Result<(), Error> {
    record.started = Some(SystemTime::now());
    let mut clock = Instant::now();
    let src = super::connect_source(&req.source, "snapshot", &req.options.source_limits).await?;
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
    let plan = build_plan(req, &src, &catalog, record, &mut clock).await?;

    // Everything up to the first write only reads: the target is checked
    // and held, and the source probed, before anything is written anywhere.
    let held = match (&req.target, &req.swap) {
        (Destination::Database(conn), Some(options)) => {
            let swap = Swap::prepare(conn, &src, *options).await?;
            // Roles are the cluster's: a missing one is refused before the
            // new database is created.
            crate::sink::access::refuse_missing_roles(swap.admin(), &plan.access, &conn.describe())
                .await?;
            record.swap = Some(swap);
            None
        }
        (Destination::Database(conn), None) => {
            Some(hold_target(req, conn, &src, &plan, record).await?)
        }
        (Destination::File(_), _) => None,
    };
    let prepared = read_source(req, src, snapshot, catalog, plan).await?;
    let held = match (held, record.swap.as_mut()) {
        (None, Some(swap)) => {
            let next = swap.create_next().await?;
            Some(hold_target(req, &next, &prepared.src, &prepared.plan, record).await?)
        }
        (held, _) => held,
    };
    match (held, &req.target) {
        (Some(held), _) => {
            load_database(req, prepared, held, record, &mut clock).await?;
            publish(record, &mut clock).await
        }
        (None, Destination::File(out)) => write_file(req, prepared, out, record, &mut clock).await,
        (None, Destination::Database(_)) => Err(Error::runtime(
            "internal: a database destination without a target connection",
        )),
    }
}

/// `--swap`: the new copy replaces the live one.
async fn publish(record: &mut CopyRecord, clock: &mut Instant) -> Result<(), Error> {
    let Some(swap) = record.swap.as_mut() else {
        return Ok(());
    };
    super::interrupt::pause_before("swap").await;
    let outcome = swap.publish().await?;
    record.swap = None;
    tracing::info!(
        "{}",
        if outcome.first {
            format!(
                "--swap: {} is in place (there was no copy before)",
                outcome.database
            )
        } else {
            format!(
                "--swap: {} replaced; new connections waited {:.3}s{}{}",
                outcome.database,
                outcome.held_seconds,
                if outcome.waited_seconds >= 0.001 {
                    format!(
                        " after {:.1}s waiting for readers to disconnect",
                        outcome.waited_seconds
                    )
                } else {
                    String::new()
                },
                match outcome.sessions_ended {
                    0 => String::new(),
                    n => format!(", {n} session(s) on the old copy ended"),
                }
            )
        }
    );
    record.swapped = Some(outcome);
    record.phase(clock, "swap");
    Ok(())
}

/// The plan, with the tenant subset applied when one is asked for.
async fn build_plan(
    req: &CopyRequest,
    src: &Client,
    catalog: &Catalog,
    record: &mut CopyRecord,
    clock: &mut Instant,
) -> Result<Plan, Error> {
    let env = |name: &str| std::env::var(name).ok();
    let mut plan = plan::build(
        &req.rules,
        catalog,
        &PlanOptions {
            key: req.key.as_ref(),
            env: &env,
            require_key: true,
            subset: req.selection.is_subset(),
        },
    )
    .map_err(Error::usage)?;
    let subset = crate::subset::prepare(src, &req.rules, catalog, &plan, &req.selection).await?;
    if let Some(s) = &subset {
        tracing::debug!("{}", s.summary());
        s.apply(&mut plan);
        record.phase(clock, "subset");
    }
    record.subset = subset;
    record.plan = Some(plan.clone());
    Ok(plan)
}

/// Probe the masked values, and read the schema and the sequences in the
/// snapshot.
async fn read_source(
    req: &CopyRequest,
    src: Client,
    snapshot: String,
    catalog: Catalog,
    plan: Plan,
) -> Result<Prepared, Error> {
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
    Ok(Prepared {
        src,
        snapshot,
        catalog,
        plan,
        pre,
        post,
        sequences,
        server,
    })
}

/// `--output`: the SQL file.
async fn write_file(
    req: &CopyRequest,
    p: Prepared,
    out: &Option<PathBuf>,
    record: &mut CopyRecord,
    clock: &mut Instant,
) -> Result<(), Error> {
    let jobs = p.plan.jobs();
    let total_rows: u64 = jobs.iter().map(|j| j.estimate_rows).sum();
    let progress = Progress::new(req.progress, total_rows);
    record.phase(clock, "prepare");
    let result = super::file::write_sql(
        &super::file::SqlDump {
            source: &req.source,
            snapshot: &p.snapshot,
            plan: &p.plan,
            pre_data: &p.pre,
            post_data: &p.post,
            sequences: &p.sequences,
            rules_sha256: &req.rules.sha256,
        },
        out,
        jobs,
        &req.options,
        &progress,
    )
    .await;
    let _ = p.src.batch_execute("COMMIT").await;
    record.stats = result?;
    record.phase(clock, "data");
    Ok(())
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
