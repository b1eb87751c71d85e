//! Masking one table's rows on several threads, with the output in the
//! source's order. The COPY stream is cut into batches of complete rows;
//! each batch is transformed by its own clone of the row format on a
//! blocking thread, and the results are handed on in the order the batches
//! were cut. Maskers are pure functions of (key, spec, value) and a row's
//! output depends only on the row, so the output is byte for byte what the
//! serial [`RowTransform`] gives, and an error names the same row.
//!
//! The layer knows nothing of a format's fields: it needs (a) the length of
//! the complete rows at the start of a buffer and (b) a transformation of a
//! run of complete rows given the number of the first ([`BatchFormat`]). A
//! format with a header and a trailer (binary) has them checked and written
//! by the layer, once: the header before the first batch is cut, the
//! trailer after the last batch's output.
//!
//! Memory: at most `depth` batches are in flight per table; a batch holds
//! about `batch_bytes` of input (more only when one row is larger) and its
//! output, so a table holds about `depth × batch_bytes × (1 + output/input)`
//! beside the input not yet cut into a batch (less than one batch and the
//! row in progress).

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use super::{StreamTransform, TransformError};

/// What the parallel layer needs from a row format.
pub trait BatchFormat: Clone + Send + 'static {
    /// The length of the complete rows at the start of `buf`, and how many
    /// rows that is (`(0, 0)` when no row is complete).
    fn complete_rows(&self, buf: &[u8]) -> (usize, u64);

    /// Transform `rows` (complete rows, as [`BatchFormat::complete_rows`]
    /// cut them), the first of which is row `first_row` (1-based) of the
    /// stream, appending the output to `out`.
    fn transform_rows(
        &mut self,
        rows: &[u8],
        first_row: u64,
        out: &mut BytesMut,
    ) -> Result<(), TransformError>;

    /// The length of the stream's header at the start of `buf` (`None`:
    /// more bytes are needed), appending the target's header to `out`.
    /// Formats without a header have one of length 0.
    fn header(&self, buf: &[u8], out: &mut BytesMut) -> Result<Option<usize>, TransformError>;

    /// The stream ended; `rest` is what followed its last complete row.
    /// Appends the target's trailer to `out`. Formats without a trailer
    /// must have nothing left.
    fn trailer(&self, rest: &[u8], out: &mut BytesMut) -> Result<(), TransformError>;
}

/// Either format, as the table's plan chose it: text rows end with `\n`
/// (a `\n` inside a value is escaped) and have neither header nor
/// trailer; binary has a header, tuples and a trailer
/// ([`super::BinaryTransform`]).
impl BatchFormat for StreamTransform {
    fn complete_rows(&self, buf: &[u8]) -> (usize, u64) {
        match self {
            StreamTransform::Text(t) => t.complete_rows(buf),
            StreamTransform::Binary(t) => t.complete_rows(buf),
        }
    }

    fn transform_rows(
        &mut self,
        rows: &[u8],
        first_row: u64,
        out: &mut BytesMut,
    ) -> Result<(), TransformError> {
        match self {
            StreamTransform::Text(t) => t.transform_rows(rows, first_row, out),
            StreamTransform::Binary(t) => t.transform_rows(rows, first_row, out),
        }
    }

    fn header(&self, buf: &[u8], out: &mut BytesMut) -> Result<Option<usize>, TransformError> {
        match self {
            StreamTransform::Text(_) => Ok(Some(0)),
            StreamTransform::Binary(t) => t.header(buf, out),
        }
    }

    fn trailer(&self, rest: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        match self {
            StreamTransform::Text(_) => match rest.is_empty() {
                true => Ok(()),
                false => Err(TransformError::Truncated),
            },
            StreamTransform::Binary(t) => t.trailer(rest, out),
        }
    }
}

/// The threads that mask, shared by every table of a run: at most
/// `threads` batches are transformed at once, whatever the number of jobs.
#[derive(Debug, Clone)]
pub struct MaskPool {
    permits: Arc<Semaphore>,
    threads: usize,
    /// Input bytes per batch.
    pub batch_bytes: usize,
}

impl MaskPool {
    /// A pool of `threads` masking threads, cutting batches of about
    /// `batch_bytes`.
    pub fn new(threads: usize, batch_bytes: usize) -> MaskPool {
        let threads = threads.max(1);
        MaskPool {
            permits: Arc::new(Semaphore::new(threads)),
            threads,
            batch_bytes: batch_bytes.max(1),
        }
    }

    /// Threads that mask at once.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Batches in flight per table: enough to keep every thread busy while
    /// the oldest batch is handed on.
    pub fn depth(&self) -> usize {
        2 * self.threads
    }
}

type Pending = JoinHandle<Result<(BytesMut, u64), TransformError>>;

/// One table's stream, transformed in batches on a [`MaskPool`], output
/// in order.
pub struct Ordered<F: BatchFormat> {
    format: F,
    pool: MaskPool,
    input: BytesMut,
    /// Whether the stream's header was read.
    started: bool,
    submitted: u64,
    done: u64,
    in_flight: VecDeque<Pending>,
}

impl<F: BatchFormat> Ordered<F> {
    /// Transform rows with clones of `format` on `pool`.
    pub fn new(format: F, pool: &MaskPool) -> Ordered<F> {
        Ordered {
            format,
            pool: pool.clone(),
            input: BytesMut::new(),
            started: false,
            submitted: 0,
            done: 0,
            in_flight: VecDeque::new(),
        }
    }

    /// The format rows are transformed with.
    pub fn format(&self) -> &F {
        &self.format
    }

    /// Rows whose output has been handed on.
    pub fn rows(&self) -> u64 {
        self.done
    }

    /// Feed one chunk of the stream (rows may be split across chunks);
    /// append to `out` the output of every batch finished so far, in order.
    pub async fn push(&mut self, chunk: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        self.input.extend_from_slice(chunk);
        if !self.started && !self.start(out)? {
            return Ok(());
        }
        if self.input.len() >= self.pool.batch_bytes {
            self.submit(out).await?;
        }
        self.collect(out, false).await
    }

    /// The stream ended: transform what is left and append every output,
    /// then the trailer. There must be no partial row left.
    pub async fn finish(&mut self, out: &mut BytesMut) -> Result<(), TransformError> {
        if !self.started && !self.start(out)? {
            return Err(TransformError::Truncated);
        }
        self.submit(out).await?;
        self.collect(out, true).await?;
        self.format.trailer(&self.input, out)
    }

    /// Take the stream's header off the input once it is complete, and
    /// write the target's; false while more bytes are needed.
    fn start(&mut self, out: &mut BytesMut) -> Result<bool, TransformError> {
        match self.format.header(&self.input, out)? {
            Some(len) => {
                let _ = self.input.split_to(len);
                self.started = true;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Cut the complete rows of the input into a batch and start it, once
    /// there is room in flight.
    async fn submit(&mut self, out: &mut BytesMut) -> Result<(), TransformError> {
        let (len, count) = self.format.complete_rows(&self.input);
        if len == 0 {
            return Ok(());
        }
        while self.in_flight.len() >= self.pool.depth() {
            self.take_oldest(out).await?;
        }
        let rows: Bytes = self.input.split_to(len).freeze();
        if self.input.is_empty() && self.input.capacity() > 4 * self.pool.batch_bytes {
            // A very large row grew the buffer: give it back.
            self.input = BytesMut::new();
        }
        let first = self.submitted + 1;
        self.submitted += count;
        let permit = Arc::clone(&self.pool.permits)
            .acquire_owned()
            .await
            .map_err(|e| TransformError::Stopped(e.to_string()))?;
        let mut format = self.format.clone();
        self.in_flight
            .push_back(tokio::task::spawn_blocking(move || {
                let mut o = BytesMut::with_capacity(rows.len() + rows.len() / 4);
                let r = format.transform_rows(&rows, first, &mut o);
                drop(permit);
                r.map(|()| (o, count))
            }));
        Ok(())
    }

    /// Hand on finished batches from the oldest; with `all`, wait for
    /// every batch.
    async fn collect(&mut self, out: &mut BytesMut, all: bool) -> Result<(), TransformError> {
        while let Some(oldest) = self.in_flight.front() {
            if !all && !oldest.is_finished() {
                break;
            }
            self.take_oldest(out).await?;
        }
        Ok(())
    }

    async fn take_oldest(&mut self, out: &mut BytesMut) -> Result<(), TransformError> {
        let Some(oldest) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let (batch, count) = oldest
            .await
            .map_err(|e| TransformError::Stopped(e.to_string()))??;
        if out.is_empty() {
            // Hand the batch's buffer on instead of copying it.
            *out = batch;
        } else {
            out.extend_from_slice(&batch);
        }
        self.done += count;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
