//! Which masker a finding gets on its column: an ordered list of
//! candidates, the most faithful first (`fake: email`, `fake: phone` in the
//! values' locale, `tokenize: card`, …) and safer ones after it
//! (`tokenize: preserve`, `null`, `default`), so that a column whose type,
//! length, unique index or domain refuses one gets the next. Each is the
//! YAML flow text of a rule; [`fits`] compiles one against the column as
//! `check` does. What `check` suggests for a new column comes from here too.

use super::names::{self, Strength};
use super::{Finding, Kind};
use crate::catalog::{Column, Table};
use crate::config::ColumnRule;
use crate::mask::{Locale, ScrubKind};

/// What a column's values are made of, for choosing a masker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Text (text, varchar, char, citext, and domains over them).
    Text,
    /// `date`.
    Date,
    /// `timestamp` and `timestamptz`.
    Timestamp,
    /// `inet` and `cidr`.
    Inet,
    /// smallint, integer, bigint.
    Integer,
    /// json and jsonb.
    Json,
    /// An array of text.
    TextArray,
    /// Anything else (numbers, uuid, bytea, enums, …).
    Other,
}

/// The family of a column's type.
pub fn family(col: &Column) -> Family {
    match col.base_type.as_str() {
        "text" | "varchar" | "bpchar" | "citext" | "name" => Family::Text,
        "date" => Family::Date,
        "timestamp" | "timestamptz" => Family::Timestamp,
        "inet" | "cidr" => Family::Inet,
        "int2" | "int4" | "int8" => Family::Integer,
        "json" | "jsonb" => Family::Json,
        "_text" | "_varchar" | "_bpchar" | "_citext" => Family::TextArray,
        _ => Family::Other,
    }
}

/// Whether the column is (part of) a primary key or unique index.
pub fn is_unique(table: &Table, col: &Column) -> bool {
    table
        .unique_keys
        .iter()
        .any(|k| k.columns.iter().any(|c| c == &col.name))
}

fn with_locale(base: &str, locale: Option<Locale>, unique: bool) -> String {
    let mut opts = String::new();
    if let Some(l) = locale.filter(|l| *l != Locale::En) {
        opts.push_str(&format!(", locale: {}", l.tag()));
    }
    if unique {
        opts.push_str(", unique: true");
    }
    format!("{{ {base}{opts} }}")
}

/// The masker that fits any text: letters stay letters, digits digits.
pub const PRESERVE: &str = "{ tokenize: preserve }";

/// The masker for text values of `f` (one value, a json scalar or an
/// array element), most faithful first.
pub fn text_candidates(f: &Finding, unique: bool, max_chars: Option<usize>) -> Vec<String> {
    let fake = |kind: &str| with_locale(&format!("fake: {kind}"), f.locale, false);
    let mut c: Vec<String> = match f.kind {
        Kind::Email if unique => vec!["{ fake: email, unique: true }".into()],
        Kind::Email => vec!["{ fake: email }".into()],
        Kind::Phone => vec![with_locale("fake: phone", f.locale, unique)],
        Kind::NationalId if unique => vec![],
        Kind::NationalId => match f.national.as_deref() {
            Some("nik") => vec!["{ fake: national_id, locale: id }".into()],
            Some("nric") => vec!["{ fake: national_id, locale: sg }".into()],
            _ => vec![],
        },
        Kind::Card if unique => vec![],
        Kind::Card => vec!["{ tokenize: card }".into()],
        Kind::Iban if unique => vec![],
        Kind::Iban => vec!["{ fake: iban }".into()],
        Kind::Ip if unique => vec![],
        Kind::Ip if f.ipv6 => vec!["{ fake: ipv6 }".into()],
        Kind::Ip => vec!["{ fake: ipv4 }".into()],
        Kind::Name
        | Kind::FirstName
        | Kind::LastName
        | Kind::Username
        | Kind::Company
        | Kind::Address
        | Kind::City
        | Kind::Postcode
            if unique =>
        {
            vec![]
        }
        Kind::Name => vec![fake("name")],
        Kind::FirstName => vec![fake("first_name")],
        Kind::LastName => vec![fake("last_name")],
        Kind::Username => vec!["{ fake: username }".into()],
        Kind::Company => vec!["{ fake: company }".into()],
        Kind::Address => vec![fake("street")],
        Kind::City => vec![fake("city")],
        Kind::Postcode => vec![fake("postcode")],
        Kind::BirthDate => vec![],
        Kind::Password | Kind::Secret => match max_chars {
            Some(n) if n < 32 => vec![format!("{{ tokenize: hex, length: {} }}", n.clamp(16, 64))],
            _ => vec!["{ tokenize: hex }".into()],
        },
        Kind::TaxId | Kind::BankAccount | Kind::CardDigits => vec![],
        Kind::FreeText | Kind::Url => vec![scrub(&f.scrub)],
    };
    if !matches!(f.kind, Kind::FreeText | Kind::Url) {
        c.push(PRESERVE.into());
    }
    c
}

/// `{ scrub: [...] }` for these kinds (when none is given, the kinds a
/// rule is drafted with: [`ScrubKind::suggested`], every kind but `name`).
pub fn scrub(kinds: &[ScrubKind]) -> String {
    let all = ScrubKind::suggested();
    let kinds: Vec<&str> = if kinds.is_empty() { &all[..] } else { kinds }
        .iter()
        .map(|k| k.name())
        .collect();
    format!("{{ scrub: [{}] }}", kinds.join(", "))
}

/// Every candidate for a scalar column holding `f`, most faithful first,
/// ending with what always compiles when nothing else does (`null`,
/// `default`); `keep` comes last only for a column no masker fits.
pub fn column_candidates(table: &Table, col: &Column, f: &Finding) -> Vec<String> {
    let unique = is_unique(table, col);
    let mut c = match family(col) {
        Family::Text => text_candidates(f, unique, col.max_chars),
        Family::Inet if f.ipv6 => vec!["{ fake: ipv6 }".into()],
        Family::Inet => vec!["{ fake: ipv4 }".into(), "{ fake: ipv6 }".into()],
        Family::Date if f.kind == Kind::BirthDate => vec![
            "{ fake: date_of_birth }".into(),
            "{ shift: { days: 180 } }".into(),
            "{ generalize: { to: year } }".into(),
        ],
        Family::Date | Family::Timestamp => vec![
            "{ shift: { days: 180 } }".into(),
            "{ generalize: { to: year } }".into(),
        ],
        Family::Integer => vec!["{ tokenize: integer }".into()],
        Family::TextArray => text_candidates(f, false, None)
            .into_iter()
            .map(|m| format!("{{ each: {m} }}"))
            .collect(),
        Family::Json | Family::Other => vec![],
    };
    c.extend(last_resorts());
    c
}

/// What compiles on (almost) any column: `null`, `default`, and `keep`
/// for a column that takes neither (reported for review).
pub fn last_resorts() -> Vec<String> {
    vec!["null".into(), "default".into(), "keep".into()]
}

/// Whether `rule` (YAML flow text) compiles for `col` of `table` as
/// `check` compiles it; the reason otherwise.
pub fn fits(table: &Table, col: &Column, rule: &str) -> Result<(), String> {
    let parsed: ColumnRule =
        serde_saphyr::from_str(rule).map_err(|e| format!("`{rule}` does not parse: {e}"))?;
    crate::plan::check_column_rule(table, col, &parsed)
}

/// The first of `candidates` that compiles for the column (index into the list).
pub fn first_fit(table: &Table, col: &Column, candidates: &[String]) -> usize {
    candidates
        .iter()
        .position(|c| fits(table, col, c).is_ok())
        .unwrap_or(candidates.len().saturating_sub(1))
}

/// The rule `check` suggests for a column it finds without one, from the
/// column's name and type alone (no values are read).
pub fn suggest(table: &Table, col: &Column) -> String {
    if col.generated {
        return "default".into();
    }
    let Some(h) = names::hint(&table.name.name, &col.name) else {
        return if family(col) == Family::Inet {
            "{ fake: ipv4 }".into()
        } else {
            "keep".into()
        };
    };
    let kind = match (h.kind, h.strength) {
        (Kind::Name, Strength::Ambiguous) if names::person_table(&table.name.name) => Kind::Name,
        (Kind::FreeText, _) => Kind::FreeText,
        (_, Strength::Ambiguous) => return "keep".into(),
        (k, Strength::Strong) => k,
    };
    let f = Finding::new(
        kind,
        super::Reason::Name,
        super::Confidence::Medium,
        String::new(),
    );
    let candidates = column_candidates(table, col, &f);
    candidates[first_fit(table, col, &candidates)].clone()
}
