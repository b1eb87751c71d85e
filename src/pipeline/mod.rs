//! The data pass: `--jobs` workers, each with its own source connection
//! inside the shared snapshot and its own target connection, take table jobs
//! largest first; a table larger than `--split-above` is read in ranges by
//! every worker that comes free ([`ranges`]). A job streams `COPY … TO STDOUT` from the source, turns it
//! row by row into the target's stream (masking what the plan says) and
//! feeds `COPY … FROM STDIN` on the target through a bounded channel, so
//! memory stays bounded whatever the table size. The first failure cancels
//! every other job; each table loads in its own transaction, so a cancelled
//! table leaves nothing half-written.

mod database;
pub mod file;
pub mod interrupt;
mod job;
mod load;
mod orphans;
pub mod probe;
mod ranges;
mod target;
pub mod token;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;

use crate::copy::{FormatChoice, MaskPool};
use crate::pg::{session, ConnInfo};
use crate::plan::LeafJob;
use crate::report::Progress;
use crate::sink::DatabaseSink;

pub use database::{copy_database, CopyRecord, CopyRequest, Destination};
pub use job::{source_copy_sql, source_select_sql, JobError, JobStats};

/// How the data pass runs.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// Workers (tables copied at once).
    pub jobs: usize,
    /// Bytes gathered before one write to the target.
    pub batch_bytes: usize,
    /// Batches queued between a job's reader and writer.
    pub queue_batches: usize,
    /// The COPY format asked for (`--copy-format`); each table's plan says
    /// whether it can be copied in binary.
    pub copy_format: FormatChoice,
    /// Limits on the source sessions.
    pub source_limits: session::SourceLimits,
    /// Tables (leaf relations) larger than this many bytes are read in
    /// ranges by several workers (0: never).
    pub split_above: u64,
    /// Threads that mask tables with costly maskers in batches (`None`:
    /// every table is masked on its job's task).
    pub mask_pool: Option<MaskPool>,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            jobs: 2,
            batch_bytes: 64 * 1024,
            queue_batches: 4,
            copy_format: FormatChoice::Auto,
            source_limits: session::SourceLimits::default(),
            split_above: crate::plan::SPLIT_ABOVE,
            mask_pool: mask_pool(
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1),
            ),
        }
    }
}

/// Input bytes per batch of rows masked on the pool: ~400 rows of the
/// bench's long texts, a few milliseconds of scrubbing.
pub const MASK_BATCH_BYTES: usize = 256 * 1024;

/// The mask pool for `threads` threads: none for one thread (each table is
/// masked on its job's task, as cheaply as possible).
pub fn mask_pool(threads: usize) -> Option<MaskPool> {
    (threads > 1).then(|| MaskPool::new(threads, MASK_BATCH_BYTES))
}

/// A source session for `role`: connected, with doppel's session settings
/// and the source limits, and registered for cancel requests.
pub(crate) async fn connect_source(
    source: &ConnInfo,
    role: &str,
    limits: &session::SourceLimits,
) -> Result<tokio_postgres::Client, crate::Error> {
    let fail = |what: &str, e: &(dyn std::error::Error + 'static)| {
        crate::Error::runtime(format!("source: {what}{}", crate::pg::pg_text(e)))
    };
    let src = source.connect().await.map_err(|e| fail("", &e))?;
    crate::pg::cancel::register(&src, role, source);
    session::prepare(&src, role)
        .await
        .map_err(|e| fail("cannot set session options: ", &e))?;
    limits.apply(&src).await.map_err(|e| fail("", &e))?;
    Ok(src)
}

/// What a worker takes from the queue.
enum Work {
    /// A table read whole.
    Table(Box<LeafJob>),
    /// A table read in ranges, loaded by the worker that takes this.
    Split(Arc<ranges::SplitTable>),
    /// Help read the ranges of a table another worker loads.
    Help(Arc<ranges::SplitTable>),
}

type Queue = Arc<Mutex<VecDeque<Work>>>;

/// The ranges `job` is read in (none: read whole): a table above
/// `options.split_above` bytes, in either COPY format.
pub fn ranges_of(job: &LeafJob, options: &PipelineOptions) -> Vec<LeafJob> {
    crate::plan::split(job, options.split_above)
}

/// The work of `jobs` (largest first): tables above `split_above` bytes
/// in ranges, and how many workers could be busy at once.
fn queue(jobs: Vec<LeafJob>, options: &PipelineOptions) -> (Queue, usize) {
    let mut units = 0;
    let work: VecDeque<Work> = jobs
        .into_iter()
        .map(|job| {
            let parts = ranges_of(&job, options);
            if parts.is_empty() {
                units += 1;
                Work::Table(Box::new(job))
            } else {
                units += parts.len();
                Work::Split(Arc::new(ranges::SplitTable::new(job, parts)))
            }
        })
        .collect();
    (Arc::new(Mutex::new(work)), units)
}

/// Copy one table read whole, in its own read-only transaction in the
/// shared snapshot: a table's lock is held only while it is copied, so DDL
/// on the source waits for one table's copy at most.
async fn copy_whole(
    src: &tokio_postgres::Client,
    tgt: &tokio_postgres::Client,
    snapshot: &str,
    job: &LeafJob,
    options: &PipelineOptions,
    progress: &Progress,
) -> Result<JobStats, crate::Error> {
    session::import_snapshot(src, snapshot).await.map_err(|e| {
        crate::Error::runtime(format!("source: cannot import snapshot {snapshot}: {e}"))
    })?;
    let s = job::copy_table(src, tgt, job, options, progress)
        .await
        .map_err(|e| crate::Error::runtime(e.to_string()))?;
    src.batch_execute("COMMIT")
        .await
        .map_err(|e| crate::Error::runtime(format!("source: {}", crate::pg::pg_text(&e))))?;
    Ok(s)
}

/// Copy every job's rows from the source (in `snapshot`) to the sink.
/// Returns per-table statistics in the order tables finished.
pub async fn run(
    source: &ConnInfo,
    snapshot: &str,
    sink: &DatabaseSink,
    jobs: Vec<LeafJob>,
    options: &PipelineOptions,
    progress: &Progress,
) -> Result<Vec<JobStats>, crate::Error> {
    let (queue, units) = queue(jobs, options);
    let workers = options.jobs.max(1).min(units.max(1));
    let mut set = JoinSet::new();
    for w in 0..workers {
        let queue = Arc::clone(&queue);
        let source = source.clone();
        let snapshot = snapshot.to_string();
        let sink = sink.clone();
        let options = options.clone();
        let progress = progress.clone();
        set.spawn(async move {
            let src =
                connect_source(&source, &format!("reader {w}"), &options.source_limits).await?;
            let tgt = sink.connect(&format!("writer {w}")).await?;
            let mut stats = Vec::new();
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some(work) = next else { break };
                match work {
                    Work::Table(job) => stats
                        .push(copy_whole(&src, &tgt, &snapshot, &job, &options, &progress).await?),
                    Work::Split(table) => {
                        // Every other worker that comes free helps first.
                        let invite = || {
                            if let Ok(mut q) = queue.lock() {
                                for _ in 1..workers.min(table.ranges()) {
                                    q.push_front(Work::Help(Arc::clone(&table)));
                                }
                            }
                        };
                        let s = table
                            .load(&src, &tgt, &snapshot, &options, &progress, invite)
                            .await?;
                        stats.push(s);
                    }
                    Work::Help(table) => table.help(&src, &snapshot, &options).await?,
                }
            }
            Ok::<_, crate::Error>(stats)
        });
    }
    let mut all = Vec::new();
    while let Some(res) = set.join_next().await {
        match res {
            Ok(Ok(stats)) => all.extend(stats),
            Ok(Err(e)) => {
                set.abort_all();
                // Give aborted COPYs a moment to send their cancellation.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Err(e);
            }
            Err(join) => {
                set.abort_all();
                return Err(crate::Error::runtime(format!(
                    "a copy worker stopped unexpectedly: {join}"
                )));
            }
        }
    }
    Ok(all)
}
