//! What each column holds: its name's hint and its values' counts, put
//! together. Values win where they are clear (a `to_address` full of
//! emails holds emails; a `name` full of plan names holds no person's
//! name); a name that says personal data (`phone`, `password`) masks the
//! column even when the sample shows nothing; a name that only suggests it
//! (`name`, `body`) leaves the decision to the values. Free text with
//! emails, phones, cards or ids in it gets `scrub` with the kinds seen.

use std::collections::HashMap;

use super::json::walk;
use super::maskers::{family, Family};
use super::names::{self, NameHint, Strength};
use super::sample::{Status, TableSample};
use super::values::{NationalIdPattern, Stats};
use super::{evidence, Confidence, Finding, Kind, Reason};
use crate::catalog::{Catalog, Column, Table};
use crate::mask::ScrubKind;
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
    let empty = Vec::new();
    let values = values.unwrap_or(&empty);
    let fam = family(col);
    if fam == Family::Json {
        if let Some(paths) = walk(values) {
            let found: Vec<(String, Finding)> = paths
                .into_iter()
                .filter_map(|(p, pv)| {
                    let stats = stats_of(&pv.values, ids);
                    match judge_text(t, names::hint(t, &pv.key), &stats, &pv.values, &why_none) {
                        Verdict::Personal(f) => Some((p, f)),
                        Verdict::Keep(_) => None,
                    }
                })
                .collect();
            return if found.is_empty() {
                ColumnVerdict::Scalar(Verdict::Keep(None))
            } else {
                ColumnVerdict::Json(found)
            };
        }
    }
    let elements;
    let values = if fam == Family::TextArray {
        elements = values
            .iter()
            .filter_map(|v| serde_json::from_str::<Vec<Option<String>>>(v).ok())
            .flatten()
            .flatten()
            .collect::<Vec<String>>();
        &elements
    } else {
        values
    };
    let hint = names::hint(t, &col.name);
    let stats = stats_of(values, ids);
    ColumnVerdict::Scalar(match fam {
        Family::Inet => {
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
        Family::Integer | Family::Other => match (judge_number(hint, &stats), hint) {
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
        },
        Family::Text | Family::TextArray => judge_text(t, hint, &stats, values, &why_none),
    })
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

/// Up to two masked examples of `kind` from the values.
fn examples(kind: Kind, values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values.iter().filter(|v| !v.trim().is_empty()) {
        let shown = evidence::show(kind, v);
        if !out.contains(&shown) {
            out.push(shown);
        }
        if out.len() == 2 {
            break;
        }
    }
    out
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

/// Whether the name's kind and the values' kind say the same thing.
fn agrees(hint: Option<NameHint>, k: Kind) -> bool {
    hint.is_some_and(|h| {
        h.kind.family() == k.family()
            || (h.kind.family() == 1 && k == Kind::Company)
            || (h.kind == Kind::Company && k.family() == 1)
            || (h.kind == Kind::Address && matches!(k, Kind::Address | Kind::City))
    })
}

/// The kind to mask as when the name and the values agree: the name's when
/// it is more precise (a given name, a password), the values' otherwise.
fn agreed_kind(hint: NameHint, k: Kind) -> Kind {
    match (hint.kind, k) {
        (_, Kind::Company) => Kind::Company,
        (Kind::FirstName | Kind::LastName | Kind::Username, Kind::Name) => hint.kind,
        (Kind::Password, Kind::Secret) => Kind::Password,
        (Kind::CardDigits, _) => Kind::CardDigits,
        (Kind::TaxId, Kind::NationalId) => Kind::NationalId,
        _ => k,
    }
}

fn judge_text(
    table: &str,
    hint: Option<NameHint>,
    s: &Stats,
    values: &[String],
    why_none: &str,
) -> Verdict {
    let n = s.n;
    if n == 0 {
        return by_name(table, hint, why_none);
    }
    let strong = hint.is_some_and(|h| h.strength == Strength::Strong);
    if let Some((k, c)) = s.top().filter(|(k, _)| *k != Kind::Url) {
        let agree = agrees(hint, k);
        // Values confirm a name easily, and overrule a name that says
        // something else only when nearly all of them agree.
        let need = match (agree, strong, k) {
            (true, true, _) => 0.3,
            (false, true, _) => 0.8,
            (_, false, Kind::Name | Kind::Company | Kind::Address) => 0.6,
            (_, false, _) => 0.5,
        };
        let share = c as f64 / n as f64;
        if share >= need {
            let kind = match hint {
                Some(h) if agree => agreed_kind(h, k),
                _ => k,
            };
            let confidence = match (share >= 0.9, share >= 0.6, agree) {
                (true, _, _) | (false, true, true) => Confidence::High,
                (false, true, false) | (false, false, true) => Confidence::Medium,
                _ => Confidence::Low,
            };
            let mut f = Finding::new(
                kind,
                if agree { Reason::Both } else { Reason::Values },
                confidence,
                format!("{c} of {n} sampled values are {}", k.label()),
            );
            f.evidence = s.examples.get(&k).cloned().unwrap_or_default();
            f.locale = s.locale();
            f.national = s.national();
            f.ipv6 = s.ipv6 * 2 > s.count(Kind::Ip);
            return Verdict::Personal(f);
        }
    }
    let kinds = s.scrub_kinds();
    let with: usize = s.inner.values().map(|(_, c)| *c).max().unwrap_or(0);
    let free_text = hint.is_some_and(|h| h.kind == Kind::FreeText);
    // A name that says what the column holds wins over a few findings in
    // short values (a VAT number whose digits look like a phone number).
    let texty = free_text || s.text * 5 >= n;
    if !kinds.is_empty() && (texty || (!strong && with * 10 >= n)) {
        let url_only = kinds == [ScrubKind::Url];
        let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        let mut f = Finding::new(
            if url_only { Kind::Url } else { Kind::FreeText },
            if free_text {
                Reason::Both
            } else {
                Reason::Values
            },
            if with * 5 >= n || with >= 5 {
                Confidence::High
            } else {
                Confidence::Medium
            },
            format!("{with} of {n} sampled values contain {}", names.join(", ")),
        );
        f.evidence = if s.inner_examples.is_empty() {
            s.examples.values().flatten().take(2).cloned().collect()
        } else {
            s.inner_examples.clone()
        };
        f.scrub = kinds;
        return Verdict::Personal(f);
    }
    match hint {
        Some(h) if h.strength == Strength::Strong => {
            let shape = match h.kind {
                Kind::Postcode => Some((s.postcodes, "look like postcodes")),
                Kind::BirthDate => Some((s.birth_dates, "are dates 14 to 100 years ago")),
                _ => None,
            };
            let (reason, confidence, detail) = match shape {
                Some((c, what)) if c * 2 >= n => (
                    Reason::Both,
                    Confidence::High,
                    format!("{c} of {n} sampled values {what}"),
                ),
                _ => (
                    Reason::Name,
                    match s.top() {
                        Some((_, c)) if c * 2 >= n => Confidence::Low,
                        _ => Confidence::Medium,
                    },
                    format!(
                        "the column's name; the {n} sampled values do not show {}",
                        h.kind.label()
                    ),
                ),
            };
            let mut f = Finding::new(h.kind, reason, confidence, detail);
            f.evidence = examples(h.kind, values);
            Verdict::Personal(f)
        }
        Some(h) => Verdict::Keep(Some(match h.kind {
            Kind::Name => format!(
                "named like a person's name, but {} of {n} sampled values are people's names ({} distinct): not personal",
                s.count(Kind::Name),
                s.distinct
            ),
            Kind::FreeText => format!(
                "free text: no personal data found in {n} sampled values; review"
            ),
            _ => format!(
                "named like {}, but none of {n} sampled values is: kept",
                h.kind.label()
            ),
        })),
        None => Verdict::Keep(None),
    }
}

/// With no values to look at: the name alone.
fn by_name(table: &str, hint: Option<NameHint>, why_none: &str) -> Verdict {
    let Some(h) = hint else {
        return Verdict::Keep(None);
    };
    let finding = |kind, confidence, what: &str| {
        Verdict::Personal(Finding::new(
            kind,
            Reason::Name,
            confidence,
            format!("{what} ({why_none})"),
        ))
    };
    match (h.kind, h.strength) {
        (k, Strength::Strong) => finding(k, Confidence::Medium, "the column's name"),
        (Kind::Name, _) if names::person_table(table) => finding(
            Kind::Name,
            Confidence::Low,
            "named `name` in a table of people",
        ),
        (Kind::FreeText, _) => finding(Kind::FreeText, Confidence::Low, "free text"),
        (k, _) => Verdict::Keep(Some(format!(
            "named like {}, but no values to judge by ({why_none}): review",
            k.label()
        ))),
    }
}
