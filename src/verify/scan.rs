//! The target side of `verify`: every table of the copy's schemas read
//! once (COPY of all its columns), each field looked up in the source's
//! fingerprints: whole, in a column of a compatible type, and, in text and
//! json columns, by substring: a rolling hash of each `min_length`-byte
//! window is looked up among the values' starts, and each candidate is
//! confirmed by the hash of the whole value's length at that place.
//!
//! A match is a leak or a coincidence by [`Rule`].

use std::collections::{HashMap, HashSet};

use tokio_postgres::Client;

use super::findings::{Leak, Report};
use super::fingerprints::{chars, row_key, Fingerprints};
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
    /// Text or json: searched by substring too.
    pub texty: bool,
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
        let col = TargetColumn {
            name: get(2),
            category,
            texty: category == 'S' || base == "json" || base == "jsonb",
            key_position: r.try_get::<_, Option<i32>>(5).ok().flatten(),
        };
        match out.last_mut() {
            Some(t) if t.name == name => t.columns.push(col),
            _ => out.push(TargetTable {
                name,
                columns: vec![col],
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
pub struct Rule<'a> {
    fp: &'a Fingerprints,
    opts: Options,
    generated: HashSet<(QualifiedName, String)>,
    categories: HashSet<char>,
}

impl<'a> Rule<'a> {
    /// The rule for a copy made with `plan`.
    pub fn new(fp: &'a Fingerprints, plan: &Plan, opts: &Options) -> Rule<'a> {
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
        Rule {
            fp,
            opts: *opts,
            generated,
            categories: fp.origins.iter().map(|o| o.category).collect(),
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

impl Rule<'_> {
    /// The origins of the leaks in `v` (each once), and whether each was a
    /// whole-field match.
    fn check(&self, f: &Field, v: &[u8], found: &mut Vec<(u32, bool, bool)>) {
        let fp = self.fp;
        let same_row = |sub: &[u8]| {
            f.key
                .is_some_and(|k| fp.rows.contains_key(&fp.hashes.in_row(f.table, k, sub)))
        };
        if chars(v) >= self.opts.min_length {
            if let Some(seen) = fp.values.get(&fp.hashes.value(v)) {
                let o = &fp.origins[seen.origin as usize];
                if o.category == f.column.category || (o.texty && f.column.texty) {
                    let same = same_row(v);
                    if self.is_leak(same, f.generated, seen.rows) {
                        found.push((seen.origin, true, same));
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
            if let Some(lens) = fp.prefixes.get(&h) {
                for &len in lens {
                    let end = i + len as usize;
                    if end > v.len() || (i == 0 && end == v.len()) || !bounded(v, i, end) {
                        continue;
                    }
                    let sub = &v[i..end];
                    let Some(seen) = fp.values.get(&fp.hashes.value(sub)) else {
                        continue;
                    };
                    let same = same_row(sub);
                    if self.is_leak(same, f.generated, seen.rows)
                        && !found.iter().any(|(o, _, _)| *o == seen.origin)
                    {
                        found.push((seen.origin, false, same));
                    }
                }
            }
            if i + w >= v.len() {
                break;
            }
            h = fp.hashes.roll(h, v[i], v[i + w]);
            i += 1;
        }
    }
}

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

/// Read one target table and add what it leaks to `report`.
pub async fn scan_table(
    tgt: &Client,
    table: &TargetTable,
    rule: &Rule<'_>,
    report: &mut Report,
) -> Result<(), Error> {
    let fp = rule.fp;
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
    report.tables_scanned += 1;
    if checked.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = table.columns.iter().map(|c| quote_ident(&c.name)).collect();
    let sql = format!("SELECT {} FROM {}", list.join(", "), table.name.quoted());
    let mut raw = Vec::new();
    let mut found = Vec::new();
    let mut n: u64 = 0;
    let mut per_column: HashMap<usize, u64> = HashMap::new();
    super::copy_rows(tgt, &sql, &mut |row: &[u8]| {
        n += 1;
        let fields: Vec<&[u8]> = text::fields(row).collect();
        let key_fields: Vec<&[u8]> = key.iter().filter_map(|&i| fields.get(i).copied()).collect();
        let row_key = keyed.then(|| row_key(&key_fields));
        for &(i, generated) in &checked {
            let Some(field) = fields.get(i) else { continue };
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
            rule.check(&f, &raw, &mut found);
            for &(origin, whole, same_row) in &found {
                *per_column.entry(i).or_default() += 1;
                let o = &fp.origins[origin as usize];
                let row = match (key.is_empty(), key.contains(&i)) {
                    (false, false) => key
                        .iter()
                        .zip(&key_fields)
                        .map(|(&k, v)| {
                            format!(
                                "{}={}",
                                table.columns[k].name,
                                text::decode_lossy(v).unwrap_or_else(|| "NULL".into())
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    _ => format!("row {n}"),
                };
                report.add_leak(Leak {
                    table: name.clone(),
                    column: table.columns[i].name.clone(),
                    row,
                    source_column: format!("{}.{}", o.table, o.column),
                    found_as: if whole { "whole value" } else { "substring" }.into(),
                    why: if same_row {
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
    report.rows_scanned += n;
    Ok(())
}
