//! Progress: workers bump atomic counters; one reporter task draws them,
//! as indicatif bars on a terminal or as log lines every few seconds.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget};

use super::human_bytes;
use crate::pg::QualifiedName;

/// How progress is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStyle {
    /// A bar per active table and an overall bar.
    Bars,
    /// A log line per table start and finish, and a progress line every few seconds.
    Log,
    /// Nothing.
    Quiet,
}

/// Counters of one table being copied.
#[derive(Debug)]
pub struct TableCounter {
    /// The relation.
    pub table: QualifiedName,
    /// Planner's estimate of its rows.
    pub estimate_rows: u64,
    /// Its size on the source.
    pub bytes_estimate: u64,
    rows: AtomicU64,
    bytes: AtomicU64,
    done: AtomicBool,
    started: Instant,
}

impl TableCounter {
    /// Set the rows and bytes read so far.
    pub fn add(&self, rows: u64, bytes: u64) {
        self.rows.store(rows, Ordering::Relaxed);
        self.bytes.store(bytes, Ordering::Relaxed);
    }

    /// Add rows and bytes read: a table read in several ranges at once
    /// counts each range's progress.
    pub fn advance(&self, rows: u64, bytes: u64) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Mark the table done.
    pub fn finish(&self) {
        self.done.store(true, Ordering::Release);
    }

    fn snapshot(&self) -> (u64, u64, bool) {
        (
            self.rows.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
            self.done.load(Ordering::Acquire),
        )
    }
}

#[derive(Debug, Default)]
struct Inner {
    tables: Vec<Arc<TableCounter>>,
}

/// Shared progress state; cheap to clone.
#[derive(Debug, Clone)]
pub struct Progress {
    inner: Arc<Mutex<Inner>>,
    style: ProgressStyle,
    total_rows: u64,
}

impl Progress {
    /// Progress for a run expected to move `total_rows` rows.
    pub fn new(style: ProgressStyle, total_rows: u64) -> Progress {
        Progress {
            inner: Arc::new(Mutex::new(Inner::default())),
            style,
            total_rows,
        }
    }

    /// Register a table job and get its counters.
    pub fn start_table(
        &self,
        table: &QualifiedName,
        estimate_rows: u64,
        bytes: u64,
    ) -> Arc<TableCounter> {
        let c = Arc::new(TableCounter {
            table: table.clone(),
            estimate_rows,
            bytes_estimate: bytes,
            rows: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            done: AtomicBool::new(false),
            started: Instant::now(),
        });
        if let Ok(mut g) = self.inner.lock() {
            g.tables.push(Arc::clone(&c));
        }
        c
    }

    fn tables(&self) -> Vec<Arc<TableCounter>> {
        self.inner
            .lock()
            .map(|g| g.tables.clone())
            .unwrap_or_default()
    }

    /// Await `work` while progress is drawn; drawing has ended when this
    /// returns `work`'s output.
    pub async fn draw_while<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let drawer = {
            let p = self.clone();
            tokio::spawn(async move { p.draw_until(stopped).await })
        };
        let out = work.await;
        let _ = stop.send(());
        let _ = drawer.await;
        out
    }

    /// Draw progress until `stop` resolves; returns when drawing has ended.
    pub async fn draw_until(&self, stop: tokio::sync::oneshot::Receiver<()>) {
        match self.style {
            ProgressStyle::Quiet => {
                let _ = stop.await;
            }
            ProgressStyle::Bars => self.draw_bars(stop).await,
            ProgressStyle::Log => self.draw_log(stop).await,
        }
    }

    async fn draw_bars(&self, mut stop: tokio::sync::oneshot::Receiver<()>) {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8));
        let overall_style = indicatif::ProgressStyle::with_template(
            "{prefix:>12.bold} [{bar:30}] {pos}/{len} rows  {per_sec}  eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
        let table_style = indicatif::ProgressStyle::with_template(
            "{prefix:>12} [{bar:30}] {pos}/{len} rows  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
        let overall = multi.add(ProgressBar::new(self.total_rows.max(1)));
        overall.set_style(overall_style);
        overall.set_prefix("all tables");
        let mut bars: Vec<(Arc<TableCounter>, ProgressBar)> = Vec::new();
        let mut finished_rows = 0u64;
        let mut registered = 0usize;
        loop {
            let stopping = matches!(
                stop.try_recv(),
                Ok(()) | Err(tokio::sync::oneshot::error::TryRecvError::Closed)
            );
            // Counters are only ever appended: add the ones registered since last time.
            let tables = self.tables();
            for t in tables.into_iter().skip(registered) {
                registered += 1;
                {
                    let b = multi.add(ProgressBar::new(t.estimate_rows.max(1)));
                    b.set_style(table_style.clone());
                    b.set_prefix(short(&t.table.to_string(), 12));
                    bars.push((t, b));
                }
            }
            let mut active_rows = 0;
            bars.retain(|(c, b)| {
                let (rows, bytes, done) = c.snapshot();
                if rows > b.length().unwrap_or(0) {
                    b.set_length(rows);
                }
                b.set_position(rows);
                b.set_message(human_bytes(bytes));
                if done {
                    finished_rows += rows;
                    b.finish_and_clear();
                    multi.remove(b);
                    false
                } else {
                    active_rows += rows;
                    true
                }
            });
            let pos = finished_rows + active_rows;
            if pos > overall.length().unwrap_or(0) {
                overall.set_length(pos);
            }
            overall.set_position(pos);
            if stopping {
                overall.finish_and_clear();
                let _ = multi.clear();
                return;
            }
            tokio::select! {
                _ = &mut stop => {}
                _ = tokio::time::sleep(Duration::from_millis(150)) => {}
            }
        }
    }

    async fn draw_log(&self, mut stop: tokio::sync::oneshot::Receiver<()>) {
        let mut seen_start: Vec<usize> = Vec::new();
        let mut seen_done: Vec<usize> = Vec::new();
        let mut last_line = Instant::now();
        loop {
            let stopping = matches!(
                stop.try_recv(),
                Ok(()) | Err(tokio::sync::oneshot::error::TryRecvError::Closed)
            );
            let tables = self.tables();
            let mut total = 0u64;
            for (i, t) in tables.iter().enumerate() {
                let (rows, bytes, done) = t.snapshot();
                total += rows;
                if !seen_start.contains(&i) {
                    seen_start.push(i);
                    tracing::info!(table = %t.table, estimate_rows = t.estimate_rows, "table started");
                }
                if done && !seen_done.contains(&i) {
                    seen_done.push(i);
                    let secs = t.started.elapsed().as_secs_f64();
                    tracing::info!(table = %t.table, rows, bytes = %human_bytes(bytes), seconds = format!("{secs:.1}"), "table done");
                }
            }
            if last_line.elapsed() >= Duration::from_secs(5) && !stopping {
                last_line = Instant::now();
                let active = tables.len() - seen_done.len();
                tracing::info!(
                    rows = total,
                    expected = self.total_rows,
                    active_tables = active,
                    "progress"
                );
            }
            if stopping {
                return;
            }
            tokio::select! {
                _ = &mut stop => {}
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
        }
    }
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let tail: String = s
            .chars()
            .rev()
            .take(n - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}
