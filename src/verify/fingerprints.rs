//! The source side of `verify`: every value of the sensitive columns, read
//! in the caller's snapshot on `--jobs` sessions, kept only as keyed 64-bit
//! hashes ([`super::hashes`]) in compact sorted sets ([`super::sorted`]).
//!
//! Three sets, and nothing else, are held (the memory bound):
//! - value hash → (source column, rows holding it): 8 + 4 bytes per
//!   distinct value of at least `min_length` characters;
//! - hash of (table, primary key, value): 8 bytes per row and column, when
//!   the table has a primary key the copy keeps: it tells "this row kept its
//!   own value" from "another row holds the same value";
//! - the hash of a value's first `min_length` bytes with its byte length in
//!   the low 16 bits: 8 bytes per distinct value longer than the window, for
//!   the substring search (values of 64 KiB or more also keep their length
//!   in a side list).
//!
//! Each set adds 1 to 2 bytes per key of directory, and the values and
//! starts 1.5 bytes per key of filter; while reading, a set also holds a
//! pending batch of at most a quarter of its keys (16 bytes each) before it
//! is merged in.

use std::sync::{Arc, Mutex};

use tokio_postgres::Client;

use super::hashes::{chars, Hashes};
use super::parts::{self, Shape, Strings};
use super::sorted::{Builder, SortedHashes};
use super::{Options, Sensitive, Sessions, Side};
use crate::catalog::Catalog;
use crate::copy::text;
use crate::mask::Masker;
use crate::pg::{quote_ident, QualifiedName};
use crate::plan::{ColumnAction, Plan};
use crate::Error;

/// A source column whose values are fingerprinted.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The table, as the rules name it.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
    /// Why it is sensitive.
    pub why: String,
    /// Its values are text (string types, json, or scalars taken out of json).
    pub texty: bool,
    /// The base type's category (pg_type.typcategory).
    pub category: char,
}

/// One distinct value: the first source column holding it (by the order of
/// [`Fingerprints::origins`]) and how many rows hold it (at most 255).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen(u32);

/// Source columns a [`Seen`] can name.
const MAX_ORIGINS: usize = 1 << 24;

impl Seen {
    fn once(origin: u32) -> Seen {
        Seen(origin << 8 | 1)
    }

    /// Index into [`Fingerprints::origins`].
    pub fn origin(self) -> u32 {
        self.0 >> 8
    }

    /// Source rows holding the value (255 stands for 255 or more).
    pub fn rows(self) -> u32 {
        self.0 & 0xff
    }

    fn combine(a: &mut Seen, b: Seen) {
        let rows = (a.rows() + b.rows()).min(255);
        *a = Seen(a.origin().min(b.origin()) << 8 | rows);
    }
}

/// Low bits of a prefix entry that hold the value's byte length.
const LEN_BITS: u32 = 16;
const LONG: u64 = (1 << LEN_BITS) - 1;

/// The fingerprints of every sensitive value.
pub struct Fingerprints {
    /// The hash functions.
    pub hashes: Arc<Hashes>,
    /// The columns fingerprinted.
    pub origins: Vec<Origin>,
    /// Value hash → where and how often.
    pub values: SortedHashes<Seen>,
    /// Hashes of (table, key, value).
    pub rows: SortedHashes<()>,
    /// Spread window hash of a value's start, its length in the low bits.
    pub prefixes: SortedHashes<()>,
    /// (spread window hash without the low bits, byte length) of values of
    /// 64 KiB or more, sorted.
    pub long_prefixes: Vec<(u64, u32)>,
    /// Tables whose rows are tied to the target's by a kept primary key.
    pub keyed_tables: Vec<QualifiedName>,
    /// Source rows read.
    pub rows_read: u64,
    /// The most bytes the sets held while they were built.
    pub peak_bytes: u64,
}

impl Fingerprints {
    /// Bytes the sets hold.
    pub fn bytes(&self) -> u64 {
        self.values.bytes()
            + self.rows.bytes()
            + self.prefixes.bytes()
            + (self.long_prefixes.capacity() * 16) as u64
    }

    /// Where and how often the value `v` is held, if it is sensitive.
    pub fn seen(&self, v: &[u8]) -> Option<Seen> {
        self.values.get(self.hashes.value(v)).copied()
    }

    /// Whether `v` is the value of a sensitive column in this row of this table.
    pub fn in_row(&self, table: &str, key: &[u8], v: &[u8]) -> bool {
        self.rows.contains(self.hashes.in_row(table, key, v))
    }

    /// Call `each` with the byte length of every sensitive value whose
    /// first `window` bytes have the rolling hash `h`.
    pub fn starts(&self, h: u64, each: &mut impl FnMut(usize)) {
        let k = Hashes::spread(h);
        for e in self.prefixes.agreeing(k, LEN_BITS) {
            match e & LONG {
                LONG => {
                    let high = k & !LONG;
                    let i = self.long_prefixes.partition_point(|&(p, _)| p < high);
                    for &(_, len) in self.long_prefixes[i..]
                        .iter()
                        .take_while(|(p, _)| *p == high)
                    {
                        each(len as usize);
                    }
                }
                len => each(len as usize),
            }
        }
    }
}

/// The sets being built, shared by the readers.
struct Collector {
    values: Builder<Seen>,
    rows: Builder<()>,
    prefixes: Builder<()>,
    long: Vec<(u64, u32)>,
    peak: u64,
}

impl Collector {
    fn new() -> Collector {
        Collector {
            values: Builder::new(Seen::combine),
            rows: Builder::new(|_, _| {}),
            prefixes: Builder::new(|_, _| {}),
            long: Vec::new(),
            peak: 0,
        }
    }
}

/// One reader's entries, handed to the [`Collector`] in batches.
#[derive(Default)]
struct Batch {
    values: Vec<(u64, Seen)>,
    rows: Vec<(u64, ())>,
    prefixes: Vec<(u64, ())>,
    long: Vec<(u64, u32)>,
}

impl Batch {
    const FULL: usize = 8192;

    fn add(&mut self, h: &Hashes, origin: u32, row: Option<(&str, &[u8])>, v: &[u8], min: usize) {
        if chars(v) < min {
            return;
        }
        self.values.push((h.value(v), Seen::once(origin)));
        if let Some((table, key)) = row {
            self.rows.push((h.in_row(table, key, v), ()));
        }
        let w = h.window;
        if v.len() > w {
            let k = Hashes::spread(h.window_of(&v[..w])) & !LONG;
            let len = v.len() as u64;
            if len >= LONG {
                self.long.push((k, u32::try_from(len).unwrap_or(u32::MAX)));
            }
            self.prefixes.push((k | len.min(LONG), ()));
        }
    }

    fn full(&self) -> bool {
        self.values.len() >= Self::FULL || self.rows.len() >= Self::FULL
    }

    fn flush(&mut self, into: &Mutex<Collector>) -> Result<(), Error> {
        let mut c = into
            .lock()
            .map_err(|_| Error::runtime("verify: a source reader stopped while adding values"))?;
        c.values.extend(&mut self.values);
        c.rows.extend(&mut self.rows);
        c.prefixes.extend(&mut self.prefixes);
        c.long.append(&mut self.long);
        let held = c.values.bytes() + c.rows.bytes() + c.prefixes.bytes();
        c.peak = c.peak.max(held);
        Ok(())
    }
}

/// One source table to read: its kept key and its sensitive columns.
struct TableJob {
    table: QualifiedName,
    key: Vec<String>,
    cols: Vec<SourceColumn>,
}

/// A sensitive column to read, and how its values are taken apart.
struct SourceColumn {
    origin: u32,
    name: String,
    /// A `json` masker: only the scalars at its paths.
    json: Option<Masker>,
    shape: Shape,
}

/// The primary key columns of `table` when the plan keeps every one of
/// them (so the target's rows carry the source's keys).
pub fn kept_key(plan: &Plan, catalog: &Catalog, table: &QualifiedName) -> Option<Vec<String>> {
    let t = catalog.tables.iter().find(|t| &t.name == table)?;
    let pk = t.unique_keys.iter().find(|k| k.primary)?;
    let tp = plan.tables.iter().find(|p| &p.name == table)?;
    let kept = pk.columns.iter().all(|c| {
        tp.columns
            .iter()
            .any(|pc| &pc.name == c && matches!(pc.action, ColumnAction::Keep))
    });
    (kept && !pk.columns.is_empty()).then(|| pk.columns.clone())
}

/// The origins and one job per table, largest table first; no I/O.
fn table_jobs(
    plan: &Plan,
    catalog: &Catalog,
    sensitive: &[Sensitive],
) -> Result<(Vec<Origin>, Vec<TableJob>), Error> {
    let mut origins = Vec::new();
    let mut jobs = Vec::new();
    let mut tables: Vec<&QualifiedName> = sensitive.iter().map(|s| &s.table).collect();
    tables.sort();
    tables.dedup();
    for table in tables {
        let Some(cat) = catalog.tables.iter().find(|t| &t.name == table) else {
            return Err(Error::usage(format!(
                "verify: {table} is named as sensitive but the source has no such table"
            )));
        };
        let mut cols = Vec::new();
        for s in sensitive.iter().filter(|s| &s.table == table) {
            let Some(c) = cat.columns.iter().find(|c| c.name == s.column) else {
                return Err(Error::usage(format!(
                    "verify: {table}.{} is named as sensitive but the source table has no such column",
                    s.column
                )));
            };
            let json = plan
                .tables
                .iter()
                .find(|p| &p.name == table)
                .and_then(|p| p.columns.iter().find(|pc| pc.name == s.column))
                .and_then(|pc| match &pc.action {
                    ColumnAction::Mask(m) if m.json_scalars("null", &mut |_| {}) => Some(m.clone()),
                    _ => None,
                });
            let shape = Shape::of(c.category, &c.base_type);
            // Scalars out of json and array elements are compared as text.
            let as_text = json.is_some() || shape == Shape::Array;
            origins.push(Origin {
                table: table.clone(),
                column: s.column.clone(),
                why: s.why.clone(),
                texty: as_text || c.category == 'S' || shape == Shape::Json,
                category: if as_text { 'S' } else { c.category },
            });
            cols.push(SourceColumn {
                origin: origins.len() as u32 - 1,
                name: s.column.clone(),
                json,
                shape,
            });
        }
        jobs.push(TableJob {
            table: table.clone(),
            key: kept_key(plan, catalog, table).unwrap_or_default(),
            cols,
        });
    }
    if origins.len() > MAX_ORIGINS {
        return Err(Error::usage(format!(
            "verify: {} sensitive columns, more than the {MAX_ORIGINS} one run can look for; verify the copy schema by schema",
            origins.len()
        )));
    }
    let size = |t: &QualifiedName| tree_bytes(catalog, t);
    jobs.sort_by_key(|j| std::cmp::Reverse(size(&j.table)));
    Ok((origins, jobs))
}

/// Bytes of a table and all its partitions.
fn tree_bytes(catalog: &Catalog, table: &QualifiedName) -> i64 {
    let Some(t) = catalog.tables.iter().find(|t| &t.name == table) else {
        return 0;
    };
    let mut total = t.bytes;
    let mut parents = vec![t.oid];
    while let Some(p) = parents.pop() {
        for c in catalog.tables.iter().filter(|c| c.parent == Some(p)) {
            total += c.bytes;
            parents.push(c.oid);
        }
    }
    total
}

/// Read every sensitive column's values in the source's snapshot, one
/// COPY per table, tables on `opts.jobs` sessions at once.
pub async fn collect(
    sessions: &Arc<Sessions>,
    plan: &Plan,
    catalog: &Catalog,
    sensitive: &[Sensitive],
    opts: &Options,
) -> Result<Fingerprints, Error> {
    let hashes = Arc::new(Hashes::new(opts.min_length));
    let (origins, jobs) = table_jobs(plan, catalog, sensitive)?;
    let keyed_tables = jobs
        .iter()
        .filter(|j| !j.key.is_empty())
        .map(|j| j.table.clone())
        .collect();
    let collector = Arc::new(Mutex::new(Collector::new()));
    let (h, c, min) = (Arc::clone(&hashes), Arc::clone(&collector), opts.min_length);
    let rows = super::on_sessions(
        sessions,
        Side::Source,
        opts.jobs,
        jobs,
        move |client, job| {
            let (h, c) = (Arc::clone(&h), Arc::clone(&c));
            async move { read_table(&client, &job, &h, &c, min).await }
        },
    )
    .await?;
    let c = {
        let mut guard = collector
            .lock()
            .map_err(|_| Error::runtime("verify: a source reader stopped while adding values"))?;
        std::mem::replace(&mut *guard, Collector::new())
    };
    // Values and starts are looked up for every target field and word:
    // filtered. Rows only once a value is found.
    let values = c.values.finish(true);
    let rows_set = c.rows.finish(false);
    let prefixes = c.prefixes.finish(true);
    let mut long = c.long;
    long.sort_unstable();
    long.dedup();
    let mut fp = Fingerprints {
        hashes,
        origins,
        values,
        rows: rows_set,
        prefixes,
        long_prefixes: long,
        keyed_tables,
        rows_read: rows.iter().sum(),
        peak_bytes: c.peak,
    };
    fp.peak_bytes = fp.peak_bytes.max(fp.bytes());
    Ok(fp)
}

/// One table's sensitive columns (after its key columns, if any); returns
/// the rows read.
async fn read_table(
    src: &Client,
    job: &TableJob,
    hashes: &Hashes,
    into: &Mutex<Collector>,
    min: usize,
) -> Result<u64, Error> {
    let list: Vec<String> = job
        .key
        .iter()
        .chain(job.cols.iter().map(|c| &c.name))
        .map(|c| quote_ident(c))
        .collect();
    let sql = format!("SELECT {} FROM {}", list.join(", "), job.table.quoted());
    let name = job.table.to_string();
    let nkey = job.key.len();
    let mut raw = Vec::new();
    let mut scalars: Vec<Vec<u8>> = Vec::new();
    let mut batch = Batch::default();
    let mut failed = None;
    let mut n = 0u64;
    super::copy_rows(src, &sql, &mut |row: &[u8]| {
        n += 1;
        let fields: Vec<&[u8]> = text::fields(row).collect();
        let row_key = (nkey > 0).then(|| row_key(&fields[..nkey.min(fields.len())]));
        let at = row_key.as_deref().map(|k| (name.as_str(), k));
        for (col, field) in job.cols.iter().zip(fields.iter().skip(nkey)) {
            if *field == text::NULL {
                continue;
            }
            text::unescape(field, &mut raw);
            let mut add = |v: &[u8]| batch.add(hashes, col.origin, at, v, min);
            match (&col.json, col.shape) {
                (Some(m), _) => {
                    scalars.clear();
                    let doc = String::from_utf8_lossy(&raw);
                    m.json_scalars(&doc, &mut |s| scalars.push(s.as_bytes().to_vec()));
                    for s in &scalars {
                        add(s);
                    }
                }
                (None, Shape::Array) => {
                    if !parts::array_elements(&raw, &mut add) {
                        add(&raw);
                    }
                }
                (None, Shape::Json) => {
                    add(&raw);
                    parts::json_strings(&raw, Strings::Values, &mut add);
                }
                (None, Shape::Plain) => add(&raw),
            }
        }
        if batch.full() && failed.is_none() {
            failed = batch.flush(into).err();
        }
    })
    .await
    .map_err(|e| {
        Error::runtime(format!(
            "source: reading {}: {}",
            job.table,
            crate::pg::pg_text(&e)
        ))
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    batch.flush(into)?;
    Ok(n)
}

/// A row's key: its key fields as COPY text writes them, tab-separated.
pub fn row_key(fields: &[&[u8]]) -> Vec<u8> {
    fields.join(&b'\t')
}
