//! Reading a bounded sample of every table, inside the session's one
//! read-only snapshot: `LIMIT N` for a small table, `TABLESAMPLE SYSTEM (p)
//! REPEATABLE (0)` (a few pages, the same ones every time) with `LIMIT N`
//! for one the planner estimates at more than ten times N rows. Only the
//! columns whose values can say something are read (text, json, arrays of
//! text, dates, inet, and bigint and numeric, which can hold card numbers
//! and NIKs), each cut to a few KiB. Each table's read runs in a
//! savepoint, so a table that cannot be read (a lock timeout, a missing
//! privilege) is named and the scan goes on; once the time budget is spent
//! the remaining tables are judged by their names alone.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::maskers::{family, Family};
use crate::catalog::{Catalog, Column, Table};
use crate::pg::quote_ident;
use crate::report::Progress;
use crate::Error;

/// How much to read.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Rows read per table, at most.
    pub rows: u64,
    /// Stop starting new tables after this long (`None`: no limit).
    pub budget: Option<Duration>,
}

impl SampleOptions {
    /// A time budget as the option takes it: a number with a unit (ms, s,
    /// min, h; seconds without one); `0` for no limit.
    pub fn parse_budget(s: &str) -> Result<Option<Duration>, String> {
        let t = s.trim();
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        let n: u64 = t[..digits].parse().map_err(|_| {
            format!("`{s}` is not a duration: write e.g. 120s, 10min or 0 for no limit")
        })?;
        let unit = match &t[digits..] {
            "ms" => Duration::from_millis(1),
            "" | "s" => Duration::from_secs(1),
            "min" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            _ => {
                return Err(format!(
                    "`{s}` is not a duration: write e.g. 120s, 10min or 0 for no limit"
                ))
            }
        };
        let total = u32::try_from(n)
            .ok()
            .and_then(|n| unit.checked_mul(n))
            .ok_or_else(|| format!("`{s}` is too long a time budget"))?;
        Ok((n > 0).then_some(total))
    }
}

/// How a table was read.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Read; how (`LIMIT 1000`, `TABLESAMPLE SYSTEM (0.5%)`).
    Sampled(String),
    /// Not read, and why (judged by names alone).
    NotSampled(String),
}

/// What was read from one table.
#[derive(Debug, Clone)]
pub struct TableSample {
    /// How it was read.
    pub status: Status,
    /// Rows read.
    pub rows: usize,
    /// Non-NULL values per column name.
    pub values: HashMap<String, Vec<String>>,
}

/// Longest text read per value of a text column (bytes of text, about).
const TEXT_CHARS: usize = 4096;
/// Longest json document (or array) read; longer ones are not parsed.
pub const DOC_CHARS: usize = 32768;

/// The expression that reads a column's sample, when its values can say something.
fn expr(col: &Column) -> Option<String> {
    let c = quote_ident(&col.name);
    match family(col) {
        Family::Text => Some(format!("left({c}::text, {TEXT_CHARS})")),
        Family::Json => Some(format!("left({c}::text, {})", DOC_CHARS + 1)),
        Family::TextArray => Some(format!("left(array_to_json({c})::text, {})", DOC_CHARS + 1)),
        Family::Inet => Some(format!("host({c})")),
        Family::Date | Family::Timestamp => Some(format!("{c}::text")),
        // Numbers wide enough for a card number or a NIK.
        Family::Integer | Family::Other if matches!(col.base_type.as_str(), "int8" | "numeric") => {
            Some(format!("{c}::text"))
        }
        Family::Integer | Family::Other => None,
    }
}

/// The rows the planner expects in `table` (its partitions' for a partitioned table).
fn estimate(catalog: &Catalog, table: &Table) -> f64 {
    catalog.leaves(table).iter().map(|t| t.estimate_rows).sum()
}

/// The query that samples `table`, and how it samples.
fn query(catalog: &Catalog, table: &Table, cols: &[&Column], rows: u64) -> (String, String) {
    let list: Vec<String> = cols.iter().filter_map(|c| expr(c)).collect();
    let est = estimate(catalog, table);
    let (sample, how) = if est > (rows as f64) * 10.0 {
        // SYSTEM reads whole pages: ask for about three times the rows wanted.
        let p = (300.0 * rows as f64 / est).clamp(0.0001, 100.0);
        let p = format!("{p:.4}");
        (
            format!(" TABLESAMPLE SYSTEM ({p}) REPEATABLE (0)"),
            format!(
                "TABLESAMPLE SYSTEM ({}%), LIMIT {rows}",
                p.trim_end_matches('0').trim_end_matches('.')
            ),
        )
    } else {
        (String::new(), format!("LIMIT {rows}"))
    };
    (
        format!(
            "SELECT {} FROM {}{sample} LIMIT {rows}",
            list.join(", "),
            table.name.quoted()
        ),
        how,
    )
}

/// The tables a scan reads: those rules can name (partitioned tables
/// through their partitions), in catalog order.
fn scanned(catalog: &Catalog) -> impl Iterator<Item = &Table> {
    catalog.tables.iter().filter(|t| t.parent.is_none())
}

/// How many tables a scan reads.
pub fn table_count(catalog: &Catalog) -> usize {
    scanned(catalog).count()
}

/// Sample every table rules can name (partitioned tables through their
/// partitions), in catalog order. `client` is inside the read-only
/// snapshot's transaction. Progress counts rows read per table.
pub async fn sample_all(
    client: &Client,
    catalog: &Catalog,
    opts: &SampleOptions,
    progress: &Progress,
) -> Result<HashMap<u32, TableSample>, Error> {
    let started = Instant::now();
    let mut out = HashMap::new();
    for table in scanned(catalog) {
        let not = |why: String| TableSample {
            status: Status::NotSampled(why),
            rows: 0,
            values: HashMap::new(),
        };
        let cols: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| c.can_select && !c.generated && expr(c).is_some())
            .collect();
        if let Some(b) = opts.budget.filter(|b| started.elapsed() >= *b) {
            out.insert(
                table.oid,
                not(format!("the time budget of {b:?} was spent")),
            );
            continue;
        }
        if cols.is_empty() {
            out.insert(table.oid, not("no column whose values can tell".into()));
            continue;
        }
        if !table.can_select || !table.schema_usage {
            out.insert(
                table.oid,
                not(format!("role {} cannot read it", catalog.role.name)),
            );
            continue;
        }
        let counter = progress.start_table(&table.name, opts.rows, 0);
        let (sql, how) = query(catalog, table, &cols, opts.rows);
        let result = crate::pipeline::probe::in_savepoint(client, client.query(&sql, &[])).await?;
        let sample = match result {
            Err(e) => not(format!(
                "reading it failed: {}",
                crate::pipeline::probe::db_message(&e)
            )),
            Ok(rows) => {
                let mut values: HashMap<String, Vec<String>> = HashMap::new();
                let mut bytes = 0u64;
                for row in &rows {
                    for (i, c) in cols.iter().enumerate() {
                        if let Ok(Some(v)) = row.try_get::<_, Option<String>>(i) {
                            bytes += v.len() as u64;
                            values.entry(c.name.clone()).or_default().push(v);
                        }
                    }
                }
                counter.add(rows.len() as u64, bytes);
                TableSample {
                    status: Status::Sampled(how),
                    rows: rows.len(),
                    values,
                }
            }
        };
        counter.finish();
        out.insert(table.oid, sample);
    }
    Ok(out)
}
