//! The source side of `verify`: every value of the sensitive columns, read
//! in the caller's snapshot, kept only as keyed 64-bit hashes.
//!
//! Three sets, and nothing else, are held (the memory bound):
//! - value hash → (source column, rows holding it), one entry per distinct
//!   value of at least `min_length` characters;
//! - hash of (table, primary key, value) → source column, one per row and
//!   column, when the table has a primary key the copy keeps: it tells
//!   "this row kept its own value" from "another row holds the same value";
//! - rolling hash of a value's first `min_length` bytes → the byte lengths
//!   of the values that start so, for the substring search.
//!
//! The hashes are SipHash-1-3 with a key drawn for this process
//! (`RandomState`), over the value's bytes with ASCII letters lower-cased,
//! so a value with another case is found too. A 64-bit collision between
//! two different values is ~n/2^64 per look-up: never seen in practice.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher as _};

use tokio_postgres::Client;

use super::{Options, Sensitive};
use crate::catalog::Catalog;
use crate::copy::text;
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

/// One distinct value: where it was first seen and how many rows hold it.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    /// Index into [`Fingerprints::origins`].
    pub origin: u32,
    /// Source rows holding it (saturating).
    pub rows: u32,
}

/// The keyed hash functions, shared by the source and the target side.
pub struct Hashes {
    state: std::collections::hash_map::RandomState,
    base: u64,
    /// Bytes in a substring window: `min_length`.
    pub window: usize,
    pow: u64,
}

impl Hashes {
    fn new(window: usize) -> Hashes {
        let state = std::collections::hash_map::RandomState::new();
        let base = state.hash_one(0x5eed_u64) | 1;
        let pow = (1..window).fold(1u64, |p, _| p.wrapping_mul(base));
        Hashes {
            state,
            base,
            window,
            pow,
        }
    }

    fn feed_folded(h: &mut impl std::hash::Hasher, v: &[u8]) {
        let mut buf = [0u8; 64];
        for chunk in v.chunks(64) {
            for (d, s) in buf.iter_mut().zip(chunk) {
                *d = s.to_ascii_lowercase();
            }
            h.write(&buf[..chunk.len()]);
        }
    }

    /// The hash of a whole value.
    pub fn value(&self, v: &[u8]) -> u64 {
        let mut h = self.state.build_hasher();
        h.write_u8(0);
        Self::feed_folded(&mut h, v);
        h.finish()
    }

    /// The hash of a value in one row of a table (`key`: the row's primary
    /// key fields as COPY text writes them).
    pub fn in_row(&self, table: &str, key: &[u8], v: &[u8]) -> u64 {
        let mut h = self.state.build_hasher();
        h.write_u8(1);
        h.write(table.as_bytes());
        h.write_u8(0xff);
        h.write(key);
        h.write_u8(0xff);
        Self::feed_folded(&mut h, v);
        h.finish()
    }

    /// The rolling hash of `window` bytes.
    pub fn window_of(&self, w: &[u8]) -> u64 {
        w.iter().fold(0u64, |h, b| {
            h.wrapping_mul(self.base)
                .wrapping_add(u64::from(b.to_ascii_lowercase()))
        })
    }

    /// The rolling hash moved one byte on: `out` leaves, `inn` enters.
    pub fn roll(&self, h: u64, out: u8, inn: u8) -> u64 {
        h.wrapping_sub(u64::from(out.to_ascii_lowercase()).wrapping_mul(self.pow))
            .wrapping_mul(self.base)
            .wrapping_add(u64::from(inn.to_ascii_lowercase()))
    }
}

/// The fingerprints of every sensitive value.
pub struct Fingerprints {
    /// The hash functions.
    pub hashes: Hashes,
    /// The columns fingerprinted.
    pub origins: Vec<Origin>,
    /// Value hash → where and how often.
    pub values: HashMap<u64, Seen>,
    /// Hash of (table, key, value) → origin.
    pub rows: HashMap<u64, u32>,
    /// Window hash of a value's start → its byte lengths.
    pub prefixes: HashMap<u64, Vec<u32>>,
    /// Tables whose rows are tied to the target's by a kept primary key.
    pub keyed_tables: Vec<QualifiedName>,
    /// Source rows read.
    pub rows_read: u64,
}

impl Fingerprints {
    /// Bytes the three sets hold, roughly (entries × entry size).
    pub fn approx_bytes(&self) -> u64 {
        let lens: usize = self.prefixes.values().map(Vec::capacity).sum();
        (self.values.capacity() * 17 + self.rows.capacity() * 13 + self.prefixes.capacity() * 33)
            as u64
            + lens as u64 * 4
    }

    fn add(&mut self, origin: u32, table: &str, key: Option<&[u8]>, v: &[u8], min_chars: usize) {
        if chars(v) < min_chars {
            return;
        }
        let seen = self
            .values
            .entry(self.hashes.value(v))
            .or_insert(Seen { origin, rows: 0 });
        seen.rows = seen.rows.saturating_add(1);
        if let Some(k) = key {
            self.rows.insert(self.hashes.in_row(table, k, v), origin);
        }
        let w = self.hashes.window;
        if v.len() > w {
            let lens = self
                .prefixes
                .entry(self.hashes.window_of(&v[..w]))
                .or_default();
            let len = u32::try_from(v.len()).unwrap_or(u32::MAX);
            if !lens.contains(&len) {
                lens.push(len);
            }
        }
    }
}

/// Characters in UTF-8 bytes.
pub fn chars(v: &[u8]) -> usize {
    v.iter().filter(|&&b| (b & 0xc0) != 0x80).count()
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

/// Read every sensitive column's values in the source's snapshot, one
/// COPY per table.
pub async fn collect(
    src: &Client,
    plan: &Plan,
    catalog: &Catalog,
    sensitive: &[Sensitive],
    opts: &Options,
) -> Result<Fingerprints, Error> {
    let mut fp = Fingerprints {
        hashes: Hashes::new(opts.min_length.max(1)),
        origins: Vec::new(),
        values: HashMap::new(),
        rows: HashMap::new(),
        prefixes: HashMap::new(),
        keyed_tables: Vec::new(),
        rows_read: 0,
    };
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
            let texty = c.category == 'S' || matches!(c.base_type.as_str(), "json" | "jsonb");
            fp.origins.push(Origin {
                table: table.clone(),
                column: s.column.clone(),
                why: s.why.clone(),
                texty: texty || json.is_some(),
                category: if json.is_some() { 'S' } else { c.category },
            });
            cols.push((fp.origins.len() as u32 - 1, s.column.clone(), json));
        }
        let key = kept_key(plan, catalog, table);
        if key.is_some() {
            fp.keyed_tables.push(table.clone());
        }
        read_table(
            src,
            table,
            key.as_deref().unwrap_or(&[]),
            &cols,
            opts,
            &mut fp,
        )
        .await?;
    }
    Ok(fp)
}

/// One table's sensitive columns (after its key columns, if any).
async fn read_table(
    src: &Client,
    table: &QualifiedName,
    key: &[String],
    cols: &[(u32, String, Option<crate::mask::Masker>)],
    opts: &Options,
    fp: &mut Fingerprints,
) -> Result<(), Error> {
    let list: Vec<String> = key
        .iter()
        .chain(cols.iter().map(|(_, c, _)| c))
        .map(|c| quote_ident(c))
        .collect();
    let sql = format!("SELECT {} FROM {}", list.join(", "), table.quoted());
    let name = table.to_string();
    let mut raw = Vec::new();
    let mut scalars: Vec<Vec<u8>> = Vec::new();
    super::copy_rows(src, &sql, &mut |row: &[u8]| {
        fp.rows_read += 1;
        let fields: Vec<&[u8]> = text::fields(row).collect();
        let row_key = (!key.is_empty()).then(|| row_key(&fields[..key.len()]));
        for ((origin, _, json), field) in cols.iter().zip(&fields[key.len()..]) {
            if *field == text::NULL {
                continue;
            }
            text::unescape(field, &mut raw);
            let k = row_key.as_deref();
            match json {
                Some(m) => {
                    scalars.clear();
                    let doc = String::from_utf8_lossy(&raw);
                    m.json_scalars(&doc, &mut |s| scalars.push(s.as_bytes().to_vec()));
                    for s in &scalars {
                        fp.add(*origin, &name, k, s, opts.min_length);
                    }
                }
                None => fp.add(*origin, &name, k, &raw, opts.min_length),
            }
        }
    })
    .await
    .map_err(|e| {
        Error::runtime(format!(
            "source: reading {table}: {}",
            crate::pg::pg_text(&e)
        ))
    })
}

/// A row's key: its key fields as COPY text writes them, tab-separated.
pub fn row_key(fields: &[&[u8]]) -> Vec<u8> {
    fields.join(&b'\t')
}
