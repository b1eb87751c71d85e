//! `verify`: proof that a finished copy leaks nothing and is whole.
//!
//! Two checks, both read-only on both sides:
//! - leaks: the values of every sensitive source column are fingerprinted
//!   (keyed 64-bit hashes, never the values, in compact sorted sets;
//!   [`fingerprints`]), then every target table is read once and each field
//!   is looked up whole and, in text and json columns, by substring
//!   ([`scan`]). Whether a match is a leak or a coincidence is decided by
//!   [`scan::Rule`]. Both sides read tables on `jobs` sessions at once,
//!   each inside its side's one snapshot ([`Sessions`]).
//! - integrity: row counts against the run (or the source), and every
//!   primary key, unique, check and foreign key constraint of the source
//!   present, alike and holding in the target ([`integrity`]).
//!
//! The sensitive columns come in as a list of [`Sensitive`] (column, why):
//! today the rules' masked columns ([`sensitive_columns`]); a classifier of
//! personal columns can add its own to the same list.
//! Nothing here prints: the caller hands in a session on each side, each
//! inside a snapshot it exported, says how to open more in them
//! ([`Sessions`]), and prints the [`Report`].

pub mod findings;
pub mod fingerprints;
pub mod hashes;
pub mod integrity;
pub mod parts;
pub mod scan;
pub mod sorted;

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::task::JoinSet;
use tokio_postgres::Client;

pub use findings::Report;

use crate::catalog::Catalog;
use crate::pg::{session, ConnInfo, QualifiedName};
use crate::plan::{ColumnAction, Decision, OmitReason, Plan};
use crate::sink::DatabaseSink;
use crate::Error;

/// One source column whose values must not be found in the copy.
#[derive(Debug, Clone)]
pub struct Sensitive {
    /// The table as the rules name it (a partitioned parent covers its partitions).
    pub table: QualifiedName,
    /// The column.
    pub column: String,
    /// Why it is sensitive, for the report (e.g. `masked: fake(email, en)`).
    pub why: String,
}

/// How strict the leak search is.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Values shorter than this many characters are never looked for.
    pub min_length: usize,
    /// A value held by at most this many source rows is rare: found
    /// anywhere a kept column holds it, it is a leak (at most 254: rows
    /// are counted up to 255).
    pub rare: u32,
    /// The most findings listed one by one (all are counted).
    pub max_listed: usize,
    /// Tables read at once, on each side.
    pub jobs: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            min_length: 6,
            rare: 2,
            max_listed: 1000,
            jobs: 2,
        }
    }
}

/// How `verify` opens more sessions inside the snapshots its callers hold:
/// the source's (the run's own, for `run --verify`) and the target's.
pub struct Sessions {
    /// The source.
    pub source: ConnInfo,
    /// Limits on source sessions.
    pub limits: session::SourceLimits,
    /// The source snapshot every source session imports.
    pub source_snapshot: String,
    /// The target.
    pub target: DatabaseSink,
    /// The target snapshot every target session imports.
    pub target_snapshot: String,
}

/// Which side a session reads.
#[derive(Debug, Clone, Copy)]
pub enum Side {
    /// The source.
    Source,
    /// The copy.
    Target,
}

impl Sessions {
    /// A session on `side` inside its snapshot, for worker `w`.
    pub async fn open(&self, side: Side, w: usize) -> Result<Client, Error> {
        let (client, name, id) = match side {
            Side::Source => {
                let role = format!("verify source {w}");
                let c = crate::pipeline::connect_source(&self.source, &role, &self.limits).await?;
                (c, "source", &self.source_snapshot)
            }
            Side::Target => {
                let c = self.target.connect(&format!("verify target {w}")).await?;
                (c, "target", &self.target_snapshot)
            }
        };
        match session::import_snapshot(&client, id).await {
            Ok(()) => Ok(client),
            Err(e) => Err(Error::runtime(format!(
                "{name}: cannot import snapshot {id}: {}",
                crate::pg::pg_text(&e)
            ))),
        }
    }
}

/// What the target's row counts are compared with.
#[derive(Debug, Clone)]
pub enum Expected {
    /// Rows written per table, from the run (its report, or the run itself).
    Run(HashMap<String, u64>),
    /// The source's rows, with the plan's filter applied.
    Source,
}

/// Every column the plan changes (masks, sets NULL, computes, leaves to
/// the target's default) in a table whose rows are copied: the values the
/// copy must not hold. Kept and generated columns are left out, and so are
/// columns masked by a masker that keeps the rest of the text by design
/// (`scrub`, `replace`, `partial`): their whole value is expected in the
/// copy when nothing in it had to go. A `json` masker's column counts
/// with the values at its paths only.
pub fn sensitive_columns(plan: &Plan) -> Vec<Sensitive> {
    plan.tables
        .iter()
        .filter(|t| t.decision == Decision::Copy)
        .flat_map(|t| {
            t.columns.iter().filter_map(|c| {
                let sensitive = match &c.action {
                    ColumnAction::Keep | ColumnAction::Omit(OmitReason::Generated) => false,
                    ColumnAction::Mask(m) => {
                        !m.keeps_input_text() || m.json_scalars("null", &mut |_| {})
                    }
                    _ => true,
                };
                sensitive.then(|| Sensitive {
                    table: t.name.clone(),
                    column: c.name.clone(),
                    why: format!("{}: {}", c.rule, c.action.describe()),
                })
            })
        })
        .collect()
}

/// Run both checks. `src` and `tgt` must be inside the snapshots
/// `sessions` names (the integrity checks run on them).
#[allow(clippy::too_many_arguments)]
pub async fn verify(
    src: &Client,
    tgt: &Client,
    sessions: Arc<Sessions>,
    plan: &Plan,
    catalog: &Catalog,
    sensitive: &[Sensitive],
    expected: &Expected,
    opts: &Options,
) -> Result<Report, Error> {
    let started = Instant::now();
    let fp = Arc::new(fingerprints::collect(&sessions, plan, catalog, sensitive, opts).await?);
    let fingerprint_seconds = started.elapsed().as_secs_f64();
    let mut report = Report::new(opts, &fp);
    let mut tables = scan::target_tables(tgt, plan).await?;
    tables.sort_by_key(|t| std::cmp::Reverse(t.bytes));
    let names: Vec<QualifiedName> = tables.iter().map(|t| t.name.clone()).collect();
    let rule = Arc::new(scan::Rule::new(fp, plan, opts));
    let scans = on_sessions(
        &sessions,
        Side::Target,
        opts.jobs,
        tables,
        move |client, table| {
            let rule = Arc::clone(&rule);
            async move { scan::scan_table(&client, &table, &rule).await }
        },
    )
    .await?;
    // Findings in the tables' order, whatever order they were read in.
    let mut scans: Vec<_> = names.into_iter().zip(scans).collect();
    scans.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, t) in scans {
        report.add_table(t);
    }
    let scan_seconds = started.elapsed().as_secs_f64() - fingerprint_seconds;
    report.integrity = integrity::check(src, tgt, plan, expected).await?;
    report.seconds = findings::Seconds {
        fingerprints: fingerprint_seconds,
        scan: scan_seconds,
        integrity: started.elapsed().as_secs_f64() - fingerprint_seconds - scan_seconds,
    };
    Ok(report)
}

/// Do `jobs` on up to `workers` tasks at once, each with a session of its
/// own on `side`; the results come back in the jobs' order. The first
/// failure stops the others.
async fn on_sessions<J, R, W, WF>(
    sessions: &Arc<Sessions>,
    side: Side,
    workers: usize,
    jobs: Vec<J>,
    work: W,
) -> Result<Vec<R>, Error>
where
    J: Send + 'static,
    R: Send + 'static,
    W: Fn(Arc<Client>, J) -> WF + Send + Sync + 'static,
    WF: Future<Output = Result<R, Error>> + Send,
{
    let n = jobs.len();
    let queue = Arc::new(Mutex::new(
        jobs.into_iter().enumerate().collect::<VecDeque<_>>(),
    ));
    let work = Arc::new(work);
    let mut set = JoinSet::new();
    for w in 0..workers.max(1).min(n) {
        let (queue, sessions, work) = (Arc::clone(&queue), Arc::clone(sessions), Arc::clone(&work));
        set.spawn(async move {
            let client = Arc::new(sessions.open(side, w).await?);
            let mut done = Vec::new();
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some((i, job)) = next else { break };
                done.push((i, work(Arc::clone(&client), job).await?));
            }
            Ok::<_, Error>(done)
        });
    }
    let mut results: Vec<Option<R>> = (0..n).map(|_| None).collect();
    while let Some(res) = set.join_next().await {
        match res {
            Ok(Ok(done)) => {
                for (i, r) in done {
                    results[i] = Some(r);
                }
            }
            Ok(Err(e)) => {
                set.abort_all();
                return Err(e);
            }
            Err(join) => {
                set.abort_all();
                return Err(Error::runtime(format!(
                    "verify: a reader stopped unexpectedly: {join}"
                )));
            }
        }
    }
    results
        .into_iter()
        .map(|r| r.ok_or_else(|| Error::runtime("verify: a table was left unread")))
        .collect()
}

/// Stream the rows of `select` in COPY text format, one at a time (without
/// its `\n`): only the rows in flight are held.
pub(crate) async fn copy_rows(
    client: &Client,
    select: &str,
    each: &mut (dyn FnMut(&[u8]) + Send),
) -> Result<(), tokio_postgres::Error> {
    use futures_util::StreamExt;
    let sql = format!(
        "COPY ({select}) TO STDOUT WITH ({})",
        crate::copy::Format::default().copy_options()
    );
    let stream = client.copy_out(&sql).await?;
    let mut stream = std::pin::pin!(stream);
    let mut pending: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        let mut data: &[u8] = &chunk;
        if !pending.is_empty() {
            match memchr::memchr(b'\n', data) {
                Some(i) => {
                    pending.extend_from_slice(&data[..i]);
                    each(&pending);
                    pending.clear();
                    data = &data[i + 1..];
                }
                None => {
                    pending.extend_from_slice(data);
                    continue;
                }
            }
        }
        while let Some(i) = memchr::memchr(b'\n', data) {
            each(&data[..i]);
            data = &data[i + 1..];
        }
        pending.extend_from_slice(data);
    }
    if !pending.is_empty() {
        each(&pending);
    }
    Ok(())
}
