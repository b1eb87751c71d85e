//! `verify`: proof that a finished copy leaks nothing and is whole.
//!
//! Two checks, both read-only on both sides:
//! - leaks: the values of every sensitive source column are fingerprinted
//!   (keyed 64-bit hashes, never the values; [`fingerprints`]), then every
//!   target table is read once and each field is looked up whole and, in
//!   text and json columns, by substring ([`scan`]). Whether a match is a
//!   leak or a coincidence is decided by [`scan::Rule`].
//! - integrity: row counts against the run (or the source), and every
//!   primary key, unique, check and foreign key constraint of the source
//!   present, alike and holding in the target ([`integrity`]).
//!
//! The sensitive columns come in as a list of [`Sensitive`] (column, why):
//! today the rules' masked columns ([`sensitive_columns`]); a classifier of
//! personal columns can add its own to the same list.
//! Nothing here connects or prints: the caller hands in sessions (the
//! source's inside one snapshot) and prints the [`Report`].

pub mod findings;
pub mod fingerprints;
pub mod integrity;
pub mod scan;

use std::collections::HashMap;
use std::time::Instant;

use tokio_postgres::Client;

pub use findings::Report;

use crate::catalog::Catalog;
use crate::pg::QualifiedName;
use crate::plan::{ColumnAction, Decision, OmitReason, Plan};
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
    /// anywhere a kept column holds it, it is a leak.
    pub rare: u32,
    /// The most findings listed one by one (all are counted).
    pub max_listed: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            min_length: 6,
            rare: 2,
            max_listed: 1000,
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

/// Run both checks. `src` must be inside a REPEATABLE READ snapshot.
pub async fn verify(
    src: &Client,
    tgt: &Client,
    plan: &Plan,
    catalog: &Catalog,
    sensitive: &[Sensitive],
    expected: &Expected,
    opts: &Options,
) -> Result<Report, Error> {
    let started = Instant::now();
    let fp = fingerprints::collect(src, plan, catalog, sensitive, opts).await?;
    let fingerprint_seconds = started.elapsed().as_secs_f64();
    let mut report = Report::new(opts, &fp);
    let tables = scan::target_tables(tgt, plan).await?;
    let rule = scan::Rule::new(&fp, plan, opts);
    for t in &tables {
        scan::scan_table(tgt, t, &rule, &mut report).await?;
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

/// Stream the rows of `select` in COPY text format, one at a time (without
/// its `\n`): only the rows in flight are held.
pub(crate) async fn copy_rows(
    client: &Client,
    select: &str,
    each: &mut dyn FnMut(&[u8]),
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
