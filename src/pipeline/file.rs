//! `--output FILE|-`: the copy as one plain SQL file that
//! `psql -v ON_ERROR_STOP=1 -f FILE` loads into an empty database: the
//! source's pre-data schema, one `COPY … FROM stdin` block per table (the
//! same masked rows the database sink loads), sequence values, post-data
//! (indexes, constraints, triggers), materialized view refreshes and the
//! grants of `access:` (for whatever database the file is loaded into). Tables
//! are written one after another in name order, so the same input gives
//! the same file. A file is written beside its final name and renamed when
//! complete: a failed run never leaves a half-written file behind.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::{job::JobStats, PipelineOptions};
use crate::copy::FormatChoice;
use crate::pg::{quote_ident, session, ConnInfo, QualifiedName};
use crate::plan::{LeafJob, Plan};
use crate::report::Progress;
use crate::Error;

/// Everything of the copy except the rows.
pub struct SqlDump<'a> {
    /// The source.
    pub source: &'a ConnInfo,
    /// The exported snapshot every read imports.
    pub snapshot: &'a str,
    /// The plan.
    pub plan: &'a Plan,
    /// pg_dump's pre-data section.
    pub pre_data: &'a str,
    /// pg_dump's post-data section.
    pub post_data: &'a str,
    /// Sequence values read in the snapshot.
    pub sequences: &'a [(QualifiedName, i64, bool)],
    /// sha256 of the rules file.
    pub rules_sha256: &'a str,
}

/// Write the SQL file (`None`: standard output).
pub async fn write_sql(
    dump: &SqlDump<'_>,
    out: &Option<PathBuf>,
    mut jobs: Vec<LeafJob>,
    options: &PipelineOptions,
    progress: &Progress,
) -> Result<Vec<JobStats>, Error> {
    jobs.sort_by(|a, b| a.table.cmp(&b.table));
    match out {
        None => {
            let mut w = tokio::io::BufWriter::new(tokio::io::stdout());
            let stats =
                write_all(dump, &mut w, "standard output", &jobs, options, progress).await?;
            w.flush()
                .await
                .map_err(|e| Error::runtime(format!("standard output: {e}")))?;
            Ok(stats)
        }
        Some(path) => {
            let partial = PartialFile(partial_path(path));
            let file = tokio::fs::File::create(&partial.0).await.map_err(|e| {
                Error::runtime(format!(
                    "--output {}: cannot create {}: {e}",
                    path.display(),
                    partial.0.display()
                ))
            })?;
            let mut w = tokio::io::BufWriter::with_capacity(1 << 20, file);
            let label = format!("--output {}", path.display());
            let result = write_all(dump, &mut w, &label, &jobs, options, progress).await;
            let result = match result {
                Ok(stats) => w
                    .flush()
                    .await
                    .map(|_| stats)
                    .map_err(|e| Error::runtime(format!("--output {}: {e}", path.display()))),
                Err(e) => Err(e),
            };
            let stats = result?;
            tokio::fs::rename(&partial.0, path).await.map_err(|e| {
                Error::runtime(format!(
                    "--output {}: cannot rename {}: {e}",
                    path.display(),
                    partial.0.display()
                ))
            })?;
            Ok(stats)
        }
    }
}

/// Write `bytes` to `path` whole or not at all: into `.NAME.partial`
/// beside it, renamed once complete (the partial file is removed on any
/// failure). `label` names the output in errors (`--output rules.yaml`).
pub fn write_atomically(path: &Path, bytes: &[u8], label: &str) -> Result<(), Error> {
    let partial = PartialFile(partial_path(path));
    std::fs::write(&partial.0, bytes).map_err(|e| {
        Error::runtime(format!(
            "{label}: cannot write {}: {e}",
            partial.0.display()
        ))
    })?;
    std::fs::rename(&partial.0, path).map_err(|e| {
        Error::runtime(format!(
            "{label}: cannot rename {}: {e}",
            partial.0.display()
        ))
    })
}

/// The file being written: removed when dropped, so that an error, a
/// signal or a cancelled run never leaves it behind; once renamed to its
/// final name the removal finds nothing.
struct PartialFile(PathBuf);

impl Drop for PartialFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `dir/.name.partial`: beside the final file, so the rename is atomic.
fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "doppel.sql".into());
    path.with_file_name(format!(".{name}.partial"))
}

/// Write `bytes`; an error names the output (`label`).
async fn put<W: AsyncWrite + Unpin>(w: &mut W, label: &str, bytes: &[u8]) -> Result<(), Error> {
    w.write_all(bytes)
        .await
        .map_err(|e| Error::runtime(format!("{label}: writing: {e}")))
}

async fn write_all<W: AsyncWrite + Unpin>(
    dump: &SqlDump<'_>,
    w: &mut W,
    label: &str,
    jobs: &[LeafJob],
    options: &PipelineOptions,
    progress: &Progress,
) -> Result<Vec<JobStats>, Error> {
    let header = format!(
        "-- doppel: a masked copy of {} (snapshot {}), rules sha256 {}{}\n\
         -- Load into an empty database: psql -v ON_ERROR_STOP=1 -f FILE\n\n",
        dump.source.describe(),
        dump.snapshot,
        dump.rules_sha256,
        dump.plan
            .key_fingerprint
            .as_ref()
            .map(|k| format!(", key {k}"))
            .unwrap_or_default()
    );
    put(w, label, header.as_bytes()).await?;
    put(w, label, dump.pre_data.as_bytes()).await?;
    // The rows are in the text form this session wrote them in.
    put(
        w,
        label,
        format!("\n{};\n\n", session::SESSION_SETTINGS).as_bytes(),
    )
    .await?;

    let src = super::connect_source(dump.source, "reader", &options.source_limits).await?;
    let mut stats = Vec::new();
    for job in jobs {
        session::import_snapshot(&src, dump.snapshot)
            .await
            .map_err(|e| Error::runtime(format!("source: {}", crate::pg::pg_text(&e))))?;
        stats.push(copy_table(&src, w, label, job, options, progress).await?);
        src.batch_execute("COMMIT")
            .await
            .map_err(|e| Error::runtime(format!("source: {}", crate::pg::pg_text(&e))))?;
    }

    let mut tail = crate::sink::DatabaseSink::sequences_sql(dump.sequences);
    tail.push('\n');
    tail.push_str(dump.post_data);
    tail.push('\n');
    for m in &dump.plan.matviews {
        tail.push_str(&format!("REFRESH MATERIALIZED VIEW {};\n", m.quoted()));
    }
    tail.push_str(&crate::sink::access::file_sql(&dump.plan.access));
    put(w, label, tail.as_bytes()).await?;
    Ok(stats)
}

async fn copy_table<W: AsyncWrite + Unpin>(
    src: &tokio_postgres::Client,
    w: &mut W,
    label: &str,
    job: &LeafJob,
    options: &PipelineOptions,
    progress: &Progress,
) -> Result<JobStats, Error> {
    let started = Instant::now();
    let counter = progress.start_table(&job.table, job.estimate_rows, job.bytes);
    let cols: Vec<String> = job.columns.iter().map(|c| quote_ident(c)).collect();
    put(
        w,
        label,
        format!(
            "COPY {} ({}) FROM stdin;\n",
            job.table.quoted(),
            cols.join(", ")
        )
        .as_bytes(),
    )
    .await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(options.queue_batches.max(1));
    // A failed write ends the read too (and a failed read the write): the
    // reader would otherwise wait forever for room in the queue.
    let out = &mut *w;
    let write = async move {
        let mut written = 0u64;
        while let Some(chunk) = rx.recv().await {
            written += chunk.len() as u64;
            put(out, label, &chunk).await?;
        }
        Ok::<_, Error>(written)
    };
    // SQL files hold text COPY blocks, whatever the run asks for.
    let text = PipelineOptions {
        copy_format: FormatChoice::Text,
        ..options.clone()
    };
    let read = async {
        super::job::read_table(src, job, &text, &counter, tx)
            .await
            .map_err(|e| Error::runtime(e.to_string()))
    };
    let ((rows, bytes_read), bytes_written) = tokio::try_join!(read, write)?;
    put(w, label, b"\\.\n\n").await?;
    counter.finish();
    Ok(JobStats {
        table: job.table.clone(),
        rule_table: job.rule_table.clone(),
        rows_read: rows,
        rows_written: rows,
        bytes_read,
        bytes_written,
        duration: started.elapsed(),
    })
}
