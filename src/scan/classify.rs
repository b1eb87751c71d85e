//! What each column holds: its name's hint and its values' counts, put
//! together. Values win where they are clear (a `to_address` full of
//! emails holds emails; a `name` full of plan names holds no person's
//! name); a name that says personal data (`phone`, `password`) masks the
//! column even when the sample shows nothing; a name that only suggests it
//! (`name`, `body`) leaves the decision to the values. Free text with
//! emails, phones, cards or ids in it gets `scrub` with the kinds seen.

use std::collections::{BTreeMap, HashMap};

use super::evidence::examples;
use super::json::{walk, PathValues};
use super::maskers::{family, Family};
use super::names::{self, NameHint, Strength};
use super::sample::{Status, TableSample};
use super::text::judge_text;
use super::values::{NationalIdPattern, Stats};
use super::{Confidence, Finding, Kind, Reason};
use crate::catalog::{Catalog, Column, Table};
use crate::pg::QualifiedName;

/// A column's (or a json path's) verdict.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Personal data: mask.
    Personal(Finding),
    /// Nothing personal found; a note when the name suggested otherwise.
    Keep(Option<String>),
}

/// What a column gets.
#[derive(Debug, Clone)]
pub enum ColumnVerdict {
    /// A generated column: the target recomputes it.
    Generated,
    /// One verdict for the whole value (for arrays: for each element).
    Scalar(Verdict),
    /// A json column with personal data under these paths.
    Json(Vec<(String, Finding)>),
}

impl ColumnVerdict {
    /// Whether the column holds personal data.
    pub fn personal(&self) -> bool {
        matches!(
            self,
            ColumnVerdict::Scalar(Verdict::Personal(_)) | ColumnVerdict::Json(_)
        )
    }

    /// The findings behind it.
    pub fn findings(&self) -> Vec<(Option<&str>, &Finding)> {
        match self {
            ColumnVerdict::Scalar(Verdict::Personal(f)) => vec![(None, f)],
            ColumnVerdict::Json(paths) => {
                paths.iter().map(|(p, f)| (Some(p.as_str()), f)).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// One table's verdicts.
#[derive(Debug, Clone)]
pub struct TableAnalysis {
    /// The table (as rules name it).
    pub name: QualifiedName,
    /// Its oid in the catalog.
    pub oid: u32,
    /// How it was read.
    pub status: Status,
    /// Rows read.
    pub rows: usize,
    /// Every column, in order.
    pub columns: Vec<(String, ColumnVerdict)>,
}

/// Every table's verdicts, in catalog order.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The tables rules can name.
    pub tables: Vec<TableAnalysis>,
}

impl Analysis {
    /// The verdict for `table.column`.
    pub fn column(&self, table: &QualifiedName, column: &str) -> Option<&ColumnVerdict> {
        let t = self.tables.iter().find(|t| &t.name == table)?;
        t.columns.iter().find(|(c, _)| c == column).map(|(_, v)| v)
    }
}

/// Judge every column of every table from its name and sample.
pub fn analyse(
    catalog: &Catalog,
    samples: &HashMap<u32, TableSample>,
    ids: &[NationalIdPattern],
) -> Analysis {
    let tables = catalog
        .tables
        .iter()
        .filter(|t| t.parent.is_none())
        .map(|t| {
            let references = references_of(catalog, t);
            let sample = samples.get(&t.oid);
            let status = sample
                .map(|s| s.status.clone())
                .unwrap_or_else(|| Status::NotSampled("not read".into()));
            let columns = t
                .columns
                .iter()
                .map(|c| {
                    let values = sample.and_then(|s| s.values.get(&c.name));
                    let verdict = if references.contains(&c.name) && family(c) != Family::Text {
                        // A key of another table: that table's column decides.
                        ColumnVerdict::Scalar(Verdict::Keep(None))
                    } else {
                        judge_column(t, c, &status, values, ids)
                    };
                    (c.name.clone(), verdict)
                })
                .collect();
            TableAnalysis {
                name: t.name.clone(),
                oid: t.oid,
                status,
                rows: sample.map_or(0, |s| s.rows),
                columns,
            }
        })
        .collect();
    Analysis { tables }
}

/// The columns of `table` (or of its partitions) that reference a table.
fn references_of(catalog: &Catalog, table: &Table) -> Vec<String> {
    catalog
        .tables
        .iter()
        .filter(|t| catalog.rule_table(t).oid == table.oid)
        .flat_map(|t| &t.foreign_keys)
        .flat_map(|fk| fk.columns.iter().cloned())
        .collect()
}

/// The verdict on `col` of `table` from its name, type and sampled
/// values (`status` says how the table was read).
fn judge_column(
    table: &Table,
    col: &Column,
    status: &Status,
    values: Option<&Vec<String>>,
    ids: &[NationalIdPattern],
) -> ColumnVerdict {
    if col.generated {
        return ColumnVerdict::Generated;
    }
    let why_none = match status {
        Status::NotSampled(why) => format!("not sampled: {why}"),
        Status::Sampled(_) => "no values in the sample".to_string(),
    };
    let t = table.name.name.as_str();
    let values = values.map_or(&[][..], Vec::as_slice);
    let fam = family(col);
    if fam == Family::Json {
        if let Some(paths) = walk(values) {
            return judge_json(t, paths, ids, &why_none);
        }
    }
    let elements;
    let values = if fam == Family::TextArray {
        elements = array_elements(values);
        &elements[..]
    } else {
        values
    };
    let hint = names::hint(t, &col.name);
    let stats = stats_of(values, ids);
    ColumnVerdict::Scalar(match fam {
        Family::Inet => judge_inet(col, hint, &stats, values),
        Family::Date | Family::Timestamp => judge_date(&col.name, hint, &stats, values),
        // No document parsed: the column's own name.
        Family::Json => match hint {
            Some(h) if h.strength == Strength::Strong => Verdict::Personal(Finding::new(
                h.kind,
                Reason::Name,
                Confidence::Medium,
                format!("the column's name ({why_none})"),
            )),
            _ => Verdict::Keep(None),
        },
        Family::Integer | Family::Other => judge_integer(col, hint, &stats, values),
        Family::Text | Family::TextArray => judge_text(t, hint, &stats, values, &why_none),
    })
}

/// A json column's documents, path by path: each path's values judged as
/// text under its key's name; the paths with personal data.
fn judge_json(
    table: &str,
    paths: BTreeMap<String, PathValues>,
    ids: &[NationalIdPattern],
    why_none: &str,
) -> ColumnVerdict {
    let found: Vec<(String, Finding)> = paths
        .into_iter()
        .filter_map(|(p, pv)| {
            let stats = stats_of(&pv.values, ids);
            let hint = names::hint(table, &pv.key);
            match judge_text(table, hint, &stats, &pv.values, why_none) {
                Verdict::Personal(f) => Some((p, f)),
                Verdict::Keep(_) => None,
            }
        })
        .collect();
    if found.is_empty() {
        ColumnVerdict::Scalar(Verdict::Keep(None))
    } else {
        ColumnVerdict::Json(found)
    }
}

/// The elements of sampled text arrays (sampled as json arrays), nulls
/// and unreadable arrays left out.
fn array_elements(values: &[String]) -> Vec<String> {
    values
        .iter()
        .filter_map(|v| serde_json::from_str::<Vec<Option<String>>>(v).ok())
        .flatten()
        .flatten()
        .collect()
}

/// An `inet` or `cidr` column: IP addresses by its type, IPv6 when most
/// values are.
fn judge_inet(col: &Column, hint: Option<NameHint>, stats: &Stats, values: &[String]) -> Verdict {
    let agree = hint.is_some_and(|h| h.kind == Kind::Ip);
    let mut f = Finding::new(
        Kind::Ip,
        Reason::Type,
        Confidence::High,
        format!(
            "an {} column holds IP addresses{}",
            col.base_type,
            if agree { " (its name says so too)" } else { "" }
        ),
    );
    f.ipv6 = stats.ipv6 * 2 > stats.n && stats.n > 0;
    f.evidence = examples(Kind::Ip, values);
    Verdict::Personal(f)
}

/// A number (or other) column: personal by its values (card numbers,
/// NIKs), or by a name that says a kind numbers can hold.
fn judge_integer(
    col: &Column,
    hint: Option<NameHint>,
    stats: &Stats,
    values: &[String],
) -> Verdict {
    match (judge_number(hint, stats), hint) {
        (Some(found), _) => found,
        (None, Some(h)) if h.strength == Strength::Strong && numeric_kind(h.kind) => {
            let what = match values.is_empty() {
                true => "values are not read",
                false => "values are no card numbers or NIKs",
            };
            Verdict::Personal(Finding::new(
                h.kind,
                Reason::Name,
                Confidence::Medium,
                format!("the column's name ({} {what})", col.type_name),
            ))
        }
        _ => Verdict::Keep(None),
    }
}

fn stats_of(values: &[String], ids: &[NationalIdPattern]) -> Stats {
    let mut s = Stats::default();
    for v in values {
        s.add(v, ids);
    }
    s
}

/// A number column (`bigint`, `numeric`) whose sampled values are, nine
/// in ten at least, card numbers (13 to 19 digits passing Luhn) or NIKs
/// (16 digits with a province and a birth date): personal by its values,
/// whatever its name. Other numbers say nothing (ids, amounts and counts
/// look like phone numbers or postcodes too often).
fn judge_number(hint: Option<NameHint>, s: &Stats) -> Option<Verdict> {
    let n = s.n;
    let cards = s.count(Kind::Card);
    let niks = s.national.get("nik").copied().unwrap_or(0);
    if n < 3 || (cards + niks) * 10 < n * 9 {
        return None;
    }
    // A NIK passes Luhn one time in ten: the larger count says which.
    let (kind, c) = match niks >= cards {
        true => (Kind::NationalId, niks),
        false => (Kind::Card, cards),
    };
    let agree = hint.is_some_and(|h| h.kind == kind);
    let mut f = Finding::new(
        kind,
        if agree { Reason::Both } else { Reason::Values },
        Confidence::High,
        format!("{c} of {n} sampled values are {}", kind.label()),
    );
    f.evidence = s.examples.get(&kind).cloned().unwrap_or_default();
    if kind == Kind::NationalId {
        f.national = Some("nik".into());
    }
    Some(Verdict::Personal(f))
}

/// Kinds a number column can hold by its name.
fn numeric_kind(k: Kind) -> bool {
    matches!(
        k,
        Kind::Phone
            | Kind::NationalId
            | Kind::TaxId
            | Kind::Card
            | Kind::CardDigits
            | Kind::BankAccount
            | Kind::Postcode
            | Kind::Password
            | Kind::Secret
    )
}

/// Words of date column names that say the date is not a birth date.
const EVENT_DATES: &[&str] = &[
    "created",
    "updated",
    "deleted",
    "modified",
    "due",
    "start",
    "starts",
    "end",
    "ends",
    "expires",
    "expiry",
    "valid",
    "issued",
    "paid",
    "sent",
    "close",
    "closed",
    "period",
    "release",
    "published",
    "founded",
    "launch",
    "opened",
    "signed",
    "at",
    "on",
    "until",
];

fn judge_date(name: &str, hint: Option<NameHint>, s: &Stats, values: &[String]) -> Verdict {
    let dob_values = s.n >= 5 && s.birth_dates * 10 >= s.n * 9;
    let detail = format!(
        "{} of {} sampled dates are 14 to 100 years ago",
        s.birth_dates, s.n
    );
    let mut f = match hint {
        Some(h) if h.kind == Kind::BirthDate => Finding::new(
            Kind::BirthDate,
            if dob_values {
                Reason::Both
            } else {
                Reason::Name
            },
            if dob_values {
                Confidence::High
            } else {
                Confidence::Medium
            },
            if s.n > 0 {
                detail
            } else {
                "the column's name".into()
            },
        ),
        _ if dob_values
            && !names::words(name)
                .iter()
                .any(|w| EVENT_DATES.contains(&w.as_str())) =>
        {
            Finding::new(Kind::BirthDate, Reason::Values, Confidence::Medium, detail)
        }
        _ => return Verdict::Keep(None),
    };
    f.evidence = examples(Kind::BirthDate, values);
    Verdict::Personal(f)
}
