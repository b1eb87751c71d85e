//! One table job: COPY out of the source → row transform → COPY into the target.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::Client;

use super::PipelineOptions;
use crate::copy::{FieldOp, Ordered, StreamTransform, TransformError};
use crate::pg::{quote_ident, QualifiedName};
use crate::plan::LeafJob;
use crate::report::{Progress, TableCounter};
use crate::sink::database::{SinkError, TableWriter};
use crate::sink::DatabaseSink;

/// What one job did.
#[derive(Debug, Clone)]
pub struct JobStats {
    /// The relation copied.
    pub table: QualifiedName,
    /// The rules-level table it belongs to.
    pub rule_table: QualifiedName,
    /// Rows read from the source.
    pub rows_read: u64,
    /// Rows the target loaded.
    pub rows_written: u64,
    /// Bytes of the source's COPY stream.
    pub bytes_read: u64,
    /// Bytes of the target's COPY stream.
    pub bytes_written: u64,
    /// Wall time of the job.
    pub duration: Duration,
}

impl JobStats {
    /// What `job` did: `read` and `written` are (rows, bytes) on either side.
    fn new(job: &LeafJob, read: (u64, u64), written: (u64, u64), started: Instant) -> JobStats {
        JobStats {
            table: job.table.clone(),
            rule_table: job.rule_table.clone(),
            rows_read: read.0,
            rows_written: written.0,
            bytes_read: read.1,
            bytes_written: written.1,
            duration: started.elapsed(),
        }
    }
}

/// Why a job failed; every variant names the table.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Reading from the source failed.
    #[error("source: reading {table}: {}", crate::pg::pg_text(.source))]
    Source {
        /// The table.
        table: QualifiedName,
        /// The cause.
        source: tokio_postgres::Error,
    },
    /// A row could not be transformed.
    #[error("{table}: {source}")]
    Transform {
        /// The table.
        table: QualifiedName,
        /// The cause.
        source: TransformError,
    },
    /// Writing to the target failed.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// The writer ended before the reader.
    #[error("{table}: the target stopped accepting rows")]
    WriterGone {
        /// The table.
        table: QualifiedName,
    },
    /// The target session ended while the table was loading.
    #[error("target: loading {table}: the connection to the target was lost (the server ended the session or the network failed)")]
    TargetLost {
        /// The table.
        table: QualifiedName,
    },
    /// Source and target row counts differ.
    #[error("{table}: read {read} rows but the target loaded {written}")]
    CountMismatch {
        /// The table.
        table: QualifiedName,
        /// Rows read.
        read: u64,
        /// Rows loaded.
        written: u64,
    },
}

/// The source query of a job: `COPY table (cols) TO STDOUT`, or a SELECT
/// with `FROM ONLY` when a filter applies.
pub fn source_copy_sql(job: &LeafJob, options: &PipelineOptions) -> String {
    let fmt = job.format(options.copy_format).0.copy_options();
    if !job.needs_select() {
        let cols: Vec<String> = job.columns.iter().map(|c| quote_ident(c)).collect();
        return format!(
            "COPY {} ({}) TO STDOUT WITH ({fmt})",
            job.table.quoted(),
            cols.join(", ")
        );
    }
    format!("COPY ({}) TO STDOUT WITH ({fmt})", source_select_sql(job))
}

/// The SELECT a job reads when the source computes values or filters rows.
pub fn source_select_sql(job: &LeafJob) -> String {
    let mut sql = format!(
        "SELECT {} FROM ONLY {}",
        job.select.join(", "),
        job.table.quoted()
    );
    let conditions: Vec<String> = job
        .filter
        .iter()
        .map(|f| format!("({f})"))
        .chain(job.range.map(|r| r.predicate()))
        .collect();
    if !conditions.is_empty() {
        sql.push_str(&format!(" WHERE {}", conditions.join(" AND ")));
    }
    sql
}

/// Read one table from the source, transform its rows and send them in
/// batches of about `options.batch_bytes` to `tx`; returns (rows, bytes read).
/// Shared by the database sink and the SQL file.
pub(super) async fn read_table(
    src: &Client,
    job: &LeafJob,
    options: &PipelineOptions,
    counter: &TableCounter,
    tx: mpsc::Sender<Bytes>,
) -> Result<(u64, u64), JobError> {
    let sql = source_copy_sql(job, options);
    let table = job.table.clone();
    let stream = src
        .copy_out(&sql)
        .await
        .map_err(|source| JobError::Source {
            table: table.clone(),
            source,
        })?;
    let mut rows = StreamTransform::new(
        job.format(options.copy_format).0,
        job.columns.clone(),
        job.fields.clone(),
        job.wire.clone(),
        job.select.len(),
    );
    if job.range.is_some() {
        // One range of a table whose ranges share one COPY: its loader
        // writes the header and the trailer once.
        rows = rows.unframed();
    }
    let mut transform = match &options.mask_pool {
        Some(pool) if job.fields.iter().any(FieldOp::is_costly) => {
            Rows::Parallel(Box::new(Ordered::new(rows, pool)))
        }
        _ => Rows::Serial(Box::new(rows)),
    };
    let mut out = BytesMut::with_capacity(options.batch_bytes * 2);
    let mut bytes_read = 0u64;
    let mut reported = (0, 0);
    let mut stream = std::pin::pin!(stream);
    let failed = |source| JobError::Transform {
        table: table.clone(),
        source,
    };
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|source| JobError::Source {
            table: table.clone(),
            source,
        })?;
        bytes_read += chunk.len() as u64;
        transform.push(&chunk, &mut out).await.map_err(failed)?;
        // A chunk can hold a whole large row: free it before sending, and
        // send a large batch in pieces (sharing its buffer) so that the sink
        // never copies more than one piece at a time.
        drop(chunk);
        let batch = options.batch_bytes.max(1);
        if out.len() >= batch {
            reported = report(counter, reported, (transform.rows(), bytes_read));
        }
        while out.len() >= batch {
            // Pieces end at a row's end, so that the ranges of a split
            // table can share one COPY.
            let cut = match transform.complete_rows(&out[..batch]) {
                0 => transform.complete_rows(&out),
                n => n,
            };
            let piece = out.split_to(cut.max(1)).freeze();
            tx.send(piece).await.map_err(|_| JobError::WriterGone {
                table: table.clone(),
            })?;
        }
    }
    transform.finish(&mut out).await.map_err(failed)?;
    if !out.is_empty() {
        tx.send(out.split().freeze())
            .await
            .map_err(|_| JobError::WriterGone {
                table: table.clone(),
            })?;
    }
    report(counter, reported, (transform.rows(), bytes_read));
    Ok((transform.rows(), bytes_read))
}

/// Add to `counter` what was read since `before`; returns `now`.
fn report(counter: &TableCounter, before: (u64, u64), now: (u64, u64)) -> (u64, u64) {
    counter.advance(now.0 - before.0, now.1 - before.1);
    now
}

/// A table's row transformation: on the calling task, or (a costly masker
/// and a mask pool) in batches on the pool's threads.
enum Rows {
    Serial(Box<StreamTransform>),
    Parallel(Box<Ordered<StreamTransform>>),
}

impl Rows {
    async fn push(&mut self, chunk: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        match self {
            Rows::Serial(t) => t.push(chunk, out),
            Rows::Parallel(t) => t.push(chunk, out).await,
        }
    }

    async fn finish(&mut self, out: &mut BytesMut) -> Result<(), TransformError> {
        match self {
            Rows::Serial(t) => t.finish(),
            Rows::Parallel(t) => t.finish(out).await,
        }
    }

    /// Where the target stream at the start of `buf` may be cut (at a
    /// row's end; the target stream has the source's row format).
    fn complete_rows(&self, buf: &[u8]) -> usize {
        match self {
            Rows::Serial(t) => t.output_rows(buf),
            Rows::Parallel(t) => t.format().output_rows(buf),
        }
    }

    fn rows(&self) -> u64 {
        match self {
            Rows::Serial(t) => t.rows(),
            Rows::Parallel(t) => t.rows(),
        }
    }
}

/// Feed the batches of `rx` to `writer` until every sender is gone;
/// returns the writer (to finish) and the bytes written.
pub(super) async fn write_batches<'c>(
    tgt: &Client,
    mut writer: TableWriter<'c>,
    mut rx: mpsc::Receiver<Bytes>,
    table: &QualifiedName,
) -> Result<(TableWriter<'c>, u64), JobError> {
    let mut written = 0u64;
    // A lost target session is noticed even while the source is slow to
    // send the next rows, instead of at the next write.
    let mut watch = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            chunk = rx.recv() => {
                let Some(chunk) = chunk else { break };
                written += chunk.len() as u64;
                writer.write(chunk).await?;
            }
            _ = watch.tick() => {
                if tgt.is_closed() {
                    return Err(JobError::TargetLost { table: table.clone() });
                }
            }
        }
    }
    Ok((writer, written))
}

/// Copy one table. The target side runs in its own transaction, committed
/// only after the last row; on any error nothing of this table stays.
pub async fn copy_table(
    src: &Client,
    tgt: &Client,
    job: &LeafJob,
    options: &PipelineOptions,
    progress: &Progress,
) -> Result<JobStats, JobError> {
    let started = Instant::now();
    let counter = progress.start_table(&job.table, job.estimate_rows, job.bytes);
    let format = job.format(options.copy_format).0;
    let writer = DatabaseSink::open_table(tgt, &job.table, &job.columns, format).await?;
    let (tx, rx) = mpsc::channel::<Bytes>(options.queue_batches.max(1));

    let write = write_batches(tgt, writer, rx, &job.table);
    let read = read_table(src, job, options, &counter, tx);

    // The first side to fail ends the job (the other is dropped: a source
    // read stalled in the server must not keep a failed load waiting). The
    // writer fails first when the target goes, so a reader's "writer gone"
    // never hides the cause.
    let ((rows_read, bytes_read), (writer, bytes_written)) = tokio::try_join!(read, write)?;
    finish_load(
        job,
        writer,
        &counter,
        (rows_read, bytes_read),
        bytes_written,
        started,
    )
    .await
}

/// End a table's load: commit, and check that the target loaded the rows
/// read (`read`: rows, bytes).
pub(super) async fn finish_load(
    job: &LeafJob,
    writer: TableWriter<'_>,
    counter: &TableCounter,
    read: (u64, u64),
    bytes_written: u64,
    started: Instant,
) -> Result<JobStats, JobError> {
    let rows_written = writer.finish().await?;
    counter.finish();
    if rows_written != read.0 {
        return Err(JobError::CountMismatch {
            table: job.table.clone(),
            read: read.0,
            written: rows_written,
        });
    }
    Ok(JobStats::new(
        job,
        read,
        (rows_written, bytes_written),
        started,
    ))
}
