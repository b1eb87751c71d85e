//! A table split into ranges of heap blocks ([`crate::plan::split`]),
//! read by several workers and loaded through one COPY.
//!
//! The worker that takes the table opens its load as for any table
//! (`TRUNCATE` + `COPY … FREEZE` in one transaction on its target session)
//! and reads ranges; workers that come free help read the ranges left.
//! Each range is read in its own read-only transaction importing the shared
//! snapshot and cut into whole rows, and every reader feeds the same COPY.
//! In binary COPY each range's stream has its own header and trailer: the
//! readers send rows only, and the loader writes one header before the
//! first range and one trailer after the last.
//! The load commits only once every range was read and the target loaded
//! as many rows as the ranges gave; on any failure nothing of the table
//! stays, as for a table read whole.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_postgres::Client;

use super::job::{self, JobError, JobStats};
use super::PipelineOptions;
use crate::pg::session;
use crate::plan::LeafJob;
use crate::report::{Progress, TableCounter};
use crate::sink::DatabaseSink;
use crate::Error;

/// What was read of a split table so far.
#[derive(Debug, Default)]
struct Read {
    ranges: usize,
    rows: u64,
    bytes: u64,
    failed: Option<String>,
}

/// One table read in ranges.
pub(super) struct SplitTable {
    job: LeafJob,
    total: usize,
    ranges: Mutex<VecDeque<LeafJob>>,
    /// Where helpers send rows, while ranges are left to start.
    feed: Mutex<Option<mpsc::Sender<Bytes>>>,
    counter: OnceLock<Arc<TableCounter>>,
    read: Mutex<Read>,
}

impl SplitTable {
    /// `job` (the whole table) read as `ranges`.
    pub fn new(job: LeafJob, ranges: Vec<LeafJob>) -> SplitTable {
        SplitTable {
            job,
            total: ranges.len(),
            ranges: Mutex::new(ranges.into()),
            feed: Mutex::new(None),
            counter: OnceLock::new(),
            read: Mutex::new(Read::default()),
        }
    }

    /// The number of ranges.
    pub fn ranges(&self) -> usize {
        self.total
    }

    /// Load the table on `tgt`, reading ranges on `src`; `invite` is called
    /// once other workers may help.
    pub async fn load(
        &self,
        src: &Client,
        tgt: &Client,
        snapshot: &str,
        options: &PipelineOptions,
        progress: &Progress,
        invite: impl FnOnce(),
    ) -> Result<JobStats, Error> {
        let started = Instant::now();
        let job = &self.job;
        let fail = |e: JobError| Error::runtime(e.to_string());
        tracing::info!(
            table = %job.table,
            ranges = self.total,
            "read in {} ranges of heap blocks by the jobs that come free",
            self.total
        );
        let counter = progress.start_table(&job.table, job.estimate_rows, job.bytes);
        let _ = self.counter.set(Arc::clone(&counter));
        let format = job.format(options.copy_format).0;
        let writer = DatabaseSink::open_table(tgt, &job.table, &job.columns, format)
            .await
            .map_err(|e| fail(e.into()))?;
        let (tx, rx) = mpsc::channel::<Bytes>(2 * options.queue_batches.max(1));
        let (header, trailer) = format.frame();
        if !header.is_empty() {
            // The channel is empty: the header goes first.
            let _ = tx.send(Bytes::from_static(header)).await;
        }
        if let Ok(mut feed) = self.feed.lock() {
            *feed = Some(tx.clone());
        }
        invite();
        let read = async {
            let r = self.read_ranges(src, snapshot, options, tx).await;
            // Every range has started: helpers that come now find nothing.
            if let Ok(mut feed) = self.feed.lock() {
                feed.take();
            }
            r
        };
        let write = async {
            job::write_batches(tgt, writer, rx, &job.table)
                .await
                .map_err(fail)
        };
        // The writer ends once every reader has dropped its sender.
        let ((), (mut writer, mut bytes_written)) = tokio::try_join!(read, write)?;
        let (ranges, rows_read, bytes_read, failed) = match self.read.lock() {
            Ok(mut r) => (r.ranges, r.rows, r.bytes, r.failed.take()),
            Err(_) => (0, 0, 0, None),
        };
        if ranges != self.total {
            // Dropping the writer aborts the COPY and its transaction.
            return Err(Error::runtime(failed.unwrap_or_else(|| {
                format!(
                    "{}: {} of {} ranges were read",
                    job.table, ranges, self.total
                )
            })));
        }
        if !trailer.is_empty() {
            writer
                .write(Bytes::from_static(trailer))
                .await
                .map_err(|e| fail(e.into()))?;
            bytes_written += trailer.len() as u64;
        }
        job::finish_load(
            job,
            writer,
            &counter,
            (rows_read, bytes_read),
            bytes_written,
            started,
        )
        .await
        .map_err(fail)
    }

    /// Help read the ranges of this table, which another worker loads.
    pub async fn help(
        &self,
        src: &Client,
        snapshot: &str,
        options: &PipelineOptions,
    ) -> Result<(), Error> {
        let feed = self.feed.lock().ok().and_then(|f| f.clone());
        match feed {
            Some(tx) => self.read_ranges(src, snapshot, options, tx).await,
            None => Ok(()),
        }
    }

    /// Read ranges until none is left, each in its own transaction in the
    /// snapshot, sending whole rows to `tx`.
    async fn read_ranges(
        &self,
        src: &Client,
        snapshot: &str,
        options: &PipelineOptions,
        tx: mpsc::Sender<Bytes>,
    ) -> Result<(), Error> {
        let Some(counter) = self.counter.get() else {
            return Ok(());
        };
        loop {
            let next = self.ranges.lock().ok().and_then(|mut q| q.pop_front());
            let Some(part) = next else { return Ok(()) };
            let r = read_range(src, snapshot, &part, options, counter, tx.clone()).await;
            let Ok(mut read) = self.read.lock() else {
                return Err(Error::runtime("internal: a range's record is poisoned"));
            };
            match r {
                Ok((rows, bytes)) => {
                    read.ranges += 1;
                    read.rows += rows;
                    read.bytes += bytes;
                }
                Err(e) => {
                    // Recorded before this reader's sender goes, so that the
                    // loading worker names the cause, not a missing range.
                    read.failed = Some(e.to_string());
                    return Err(e);
                }
            }
        }
    }
}

/// Read one range in its own transaction in the snapshot.
async fn read_range(
    src: &Client,
    snapshot: &str,
    part: &LeafJob,
    options: &PipelineOptions,
    counter: &TableCounter,
    tx: mpsc::Sender<Bytes>,
) -> Result<(u64, u64), Error> {
    let pg =
        |e: tokio_postgres::Error| Error::runtime(format!("source: {}", crate::pg::pg_text(&e)));
    session::import_snapshot(src, snapshot).await.map_err(pg)?;
    let read = job::read_table(src, part, options, counter, tx)
        .await
        .map_err(|e| Error::runtime(e.to_string()))?;
    src.batch_execute("COMMIT").await.map_err(pg)?;
    Ok(read)
}
