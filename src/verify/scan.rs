//! The target side of `verify`: every table of the copy's schemas read
//! once (COPY of its key and of the columns that can hold a match), each
//! field looked up in the source's fingerprints: whole, in a column of a
//! compatible type, and, in text and json columns and array elements, by
//! substring: a rolling hash of each `min_length`-byte window is looked up
//! among the values' starts, and each candidate is confirmed by the hash
//! of the whole value's length at that place. Arrays are looked at element
//! by element, json documents also by the strings they escape
//! ([`super::parts`]).
//!
//! A match is a leak or a coincidence by [`Rule`].

use std::collections::HashSet;
use std::sync::Arc;

use tokio_postgres::Client;

use super::findings::Leak;
use super::fingerprints::{row_key, Fingerprints};
use super::hashes::chars;
use super::parts::{self, Shape, Strings};
use super::Options;
use crate::copy::text;
use crate::pg::{quote_ident, QualifiedName};
use crate::plan::{ColumnAction, OmitReason, Plan};
use crate::Error;

const TARGET_COLUMNS_SQL: &str = include_str!("sql/target_columns.sql");

/// A column of the target.
#[derive(Debug, Clone)]
pub struct TargetColumn {
    /// Name.
    pub name: String,
    /// Base type category.
    pub category: char,
    /// Text, json or an array (whose elements are compared as text):
    /// searched by substring too.
    pub texty: bool,
    /// How its values are taken apart.
    pub shape: Shape,
    /// Position in the primary key (1-based), if part of it.
    pub key_position: Option<i32>,
}

/// A table of the target, with its columns in attribute order.
#[derive(Debug, Clone)]
pub struct TargetTable {
    /// Schema and name.
    pub name: QualifiedName,
    /// Columns.
    pub columns: Vec<TargetColumn>,
    /// Bytes, with its partitions.
    pub bytes: i64,
}

/// The target's tables (partitioned parents read as a whole) in the
/// schemas the copy holds.
pub async fn target_tables(tgt: &Client, plan: &Plan) -> Result<Vec<TargetTable>, Error> {
    let mut schemas: Vec<String> = plan.tables.iter().map(|t| t.name.schema.clone()).collect();
    schemas.sort();
    schemas.dedup();
    let rows = tgt
        .query(TARGET_COLUMNS_SQL, &[&schemas])
        .await
        .map_err(|e| {
            Error::runtime(format!(
                "target: reading the catalog: {}",
                crate::pg::pg_text(&e)
            ))
        })?;
    let mut out: Vec<TargetTable> = Vec::new();
    for r in rows {
        let get = |i: usize| r.try_get::<_, String>(i).unwrap_or_default();
        let name = QualifiedName::new(get(0), get(1));
        let base = get(4);
        let category = get(3).chars().next().unwrap_or('X');
        let shape = Shape::of(category, &base);
        let col = TargetColumn {
            name: get(2),
            category,
            texty: category == 'S' || shape != Shape::Plain,
            shape,
            key_position: r.try_get::<_, Option<i32>>(5).ok().flatten(),
        };
        match out.last_mut() {
            Some(t) if t.name == name => t.columns.push(col),
            _ => out.push(TargetTable {
                name,
                columns: vec![col],
                bytes: r.try_get::<_, Option<i64>>(6).ok().flatten().unwrap_or(0),
            }),
        }
    }
    Ok(out)
}

/// How a match is judged: a leak is a rare value (held by at most `rare`
/// source rows) found
/// - in the same row it belongs to (same table, same kept primary key),
///   in any column: the value was not changed, or was copied aside; or
/// - in another row, in a column that may carry source text: every column
///   but those the plan fills entirely from the key, a list or a coarser
///   value (`fake`, tokens, `null`, `value`, …), whose output equal to some
///   real value is the generator's coincidence.
///
/// A common value (a city, a first name) is never a leak: a fake equal to
/// it, or a kept column that happens to hold it, tells nothing about a
/// person. Values shorter than `min_length` characters are never looked for.
pub struct Rule {
    fp: Arc<Fingerprints>,
    opts: Options,
    generated: HashSet<(QualifiedName, String)>,
    categories: HashSet<char>,
}

impl Rule {
    /// The rule for a copy made with `plan`.
    pub fn new(fp: Arc<Fingerprints>, plan: &Plan, opts: &Options) -> Rule {
        let generated = plan
            .tables
            .iter()
            .flat_map(|t| {
                t.columns.iter().filter_map(move |c| {
                    let gen = match &c.action {
                        ColumnAction::Mask(m) => !m.keeps_input_text(),
                        ColumnAction::Null | ColumnAction::Omit(OmitReason::Default) => true,
                        _ => false,
                    };
                    gen.then(|| (t.name.clone(), c.name.clone()))
                })
            })
            .collect();
        let categories = fp.origins.iter().map(|o| o.category).collect();
        Rule {
            fp,
            opts: *opts,
            generated,
            categories,
        }
    }

    fn is_leak(&self, same_row: bool, generated: bool, rows: u32) -> bool {
        rows <= self.opts.rare && (same_row || !generated)
    }
}

/// One field being looked at.
struct Field<'f> {
    table: &'f str,
    key: Option<&'f [u8]>,
    column: &'f TargetColumn,
    generated: bool,
}

/// A leak in one field: the source column (index into the origins), how
/// it was found, and whether it is the same row's own value.
#[derive(Debug, Clone, Copy)]
struct Match {
    origin: u32,
    found_as: &'static str,
    same_row: bool,
}

impl Rule {
    /// Add the leaks in `v` to `found`, each source column once; a match of
    /// all of `v` is found `whole_as`.
    fn check(&self, f: &Field, v: &[u8], whole_as: &'static str, found: &mut Vec<Match>) {
        let mut add = |origin: u32, found_as: &'static str, same_row: bool| {
            if !found.iter().any(|m| m.origin == origin) {
                found.push(Match {
                    origin,
                    found_as,
                    same_row,
                });
            }
        };
        let fp = &*self.fp;
        let same_row = |sub: &[u8]| f.key.is_some_and(|k| fp.in_row(f.table, k, sub));
        if chars(v) >= self.opts.min_length {
            if let Some(seen) = fp.seen(v) {
                let o = &fp.origins[seen.origin() as usize];
                if o.category == f.column.category || (o.texty && f.column.texty) {
                    let same = same_row(v);
                    if self.is_leak(same, f.generated, seen.rows()) {
                        add(seen.origin(), whole_as, same);
                    }
                    return;
                }
            }
        }
        let w = fp.hashes.window;
        if !f.column.texty || v.len() <= w {
            return;
        }
        let mut h = fp.hashes.window_of(&v[..w]);
        let mut i = 0;
        loop {
            // A value is never found starting inside a word: skip the
            // look-up where none could start.
            if i == 0 || !is_word(v[i - 1]) || !is_word(v[i]) {
                fp.starts(h, &mut |len| {
                    let end = i + len;
                    if end > v.len() || (i == 0 && end == v.len()) || !bounded(v, i, end) {
                        return;
                    }
                    let sub = &v[i..end];
                    let Some(seen) = fp.seen(sub) else { return };
                    let same = same_row(sub);
                    if self.is_leak(same, f.generated, seen.rows()) {
                        add(seen.origin(), SUBSTRING, same);
                    }
                });
            }
            if i + w >= v.len() {
                break;
            }
            h = fp.hashes.roll(h, v[i], v[i + w]);
            i += 1;
        }
    }
}

impl Rule {
    /// Add the leaks in the field `v` to `found`: an array element by
    /// element, a json document as text and by the strings it escapes.
    fn check_field(&self, f: &Field, v: &[u8], found: &mut Vec<Match>) {
        match f.column.shape {
            Shape::Plain => self.check(f, v, WHOLE, found),
            Shape::Array => {
                if !parts::array_elements(v, &mut |e| self.check(f, e, ELEMENT, found)) {
                    self.check(f, v, WHOLE, found);
                }
            }
            Shape::Json => {
                self.check(f, v, WHOLE, found);
                parts::json_strings(v, Strings::Escaped, &mut |s| {
                    self.check(f, s, SUBSTRING, found)
                });
            }
        }
    }
}

/// How a match was found: all of a field.
const WHOLE: &str = "whole value";
/// All of an array element.
const ELEMENT: &str = "array element";
/// Inside a text, or in a json string.
const SUBSTRING: &str = "substring";

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// `v[i..end]` does not start or end inside a word (so "Martin" is not
/// found in "Martinez").
fn bounded(v: &[u8], i: usize, end: usize) -> bool {
    let start_ok = i == 0 || !is_word(v[i - 1]) || !is_word(v[i]);
    let end_ok = end == v.len() || !is_word(v[end]) || !is_word(v[end - 1]);
    start_ok && end_ok
}

/// What one target table holds that it must not.
#[derive(Debug, Default)]
pub struct TableScan {
    /// Rows read.
    pub rows: u64,
    /// Leaks found in all.
    pub leaks_total: u64,
    /// The first `max_listed` of them.
    pub leaks: Vec<Leak>,
}

/// Read one target table and say what it leaks.
pub async fn scan_table(
    tgt: &Client,
    table: &TargetTable,
    rule: &Rule,
) -> Result<TableScan, Error> {
    let fp = &*rule.fp;
    let name = table.name.to_string();
    let mut key: Vec<(i32, usize)> = table
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.key_position.map(|p| (p, i)))
        .collect();
    key.sort();
    let key: Vec<usize> = key.into_iter().map(|(_, i)| i).collect();
    let keyed = !key.is_empty() && fp.keyed_tables.contains(&table.name);
    let checked: Vec<(usize, bool)> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.texty || rule.categories.contains(&c.category))
        .map(|(i, c)| {
            let gen = rule
                .generated
                .contains(&(table.name.clone(), c.name.clone()));
            (i, gen)
        })
        .collect();
    let mut out = TableScan::default();
    if checked.is_empty() {
        return Ok(out);
    }
    // Only the key and the checked columns are read: the server's output
    // functions for the rest are work for nothing.
    let mut read: Vec<usize> = key
        .iter()
        .copied()
        .chain(checked.iter().map(|c| c.0))
        .collect();
    read.sort_unstable();
    read.dedup();
    let at = |i: usize| read.binary_search(&i).unwrap_or(usize::MAX);
    let key_at: Vec<usize> = key.iter().map(|&i| at(i)).collect();
    let list: Vec<String> = read
        .iter()
        .map(|&i| quote_ident(&table.columns[i].name))
        .collect();
    let sql = format!("SELECT {} FROM {}", list.join(", "), table.name.quoted());
    let mut raw = Vec::new();
    let mut found = Vec::new();
    let max_listed = rule.opts.max_listed;
    super::copy_rows(tgt, &sql, &mut |row: &[u8]| {
        out.rows += 1;
        let fields: Vec<&[u8]> = text::fields(row).collect();
        let key_fields: Vec<&[u8]> = key_at
            .iter()
            .filter_map(|&i| fields.get(i).copied())
            .collect();
        let row_key = keyed.then(|| row_key(&key_fields));
        for &(i, generated) in &checked {
            let Some(field) = fields.get(at(i)) else {
                continue;
            };
            if *field == text::NULL {
                continue;
            }
            text::unescape(field, &mut raw);
            found.clear();
            let f = Field {
                table: &name,
                key: row_key.as_deref(),
                column: &table.columns[i],
                generated,
            };
            rule.check_field(&f, &raw, &mut found);
            for m in &found {
                out.leaks_total += 1;
                if out.leaks.len() >= max_listed {
                    continue;
                }
                let o = &fp.origins[m.origin as usize];
                out.leaks.push(Leak {
                    table: name.clone(),
                    column: table.columns[i].name.clone(),
                    row: describe_row(table, &key, &key_fields, i, out.rows),
                    source_column: format!("{}.{}", o.table, o.column),
                    found_as: m.found_as.into(),
                    why: if m.same_row {
                        "the same row's own value"
                    } else {
                        "a rare source value"
                    }
                    .into(),
                });
            }
        }
    })
    .await
    .map_err(|e| {
        Error::runtime(format!(
            "target: reading {name}: {}",
            crate::pg::pg_text(&e)
        ))
    })?;
    Ok(out)
}

/// A row for a finding in column `col`: its primary key (`id=42`), or its
/// place in the table's read when the table has none or the leak is in a
/// key column (so the value is never printed).
fn describe_row(
    table: &TargetTable,
    key: &[usize],
    key_fields: &[&[u8]],
    col: usize,
    n: u64,
) -> String {
    if key.is_empty() || key.contains(&col) {
        return format!("row {n}");
    }
    key.iter()
        .zip(key_fields)
        .map(|(&k, v)| {
            format!(
                "{}={}",
                table.columns[k].name,
                text::decode_lossy(v).unwrap_or_else(|| "NULL".into())
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
