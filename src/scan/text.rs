//! Judging text (a text column, the elements of a text array, the values
//! under one json path): the kind most values show when enough of them
//! show it, else the kinds free text holds (to scrub), else the name. A
//! name that says personal data masks even when the values show nothing;
//! one that only suggests it leaves a note for review.

use super::classify::Verdict;
use super::evidence::examples;
use super::names::{self, NameHint, Strength};
use super::values::Stats;
use super::{Confidence, Finding, Kind, Reason};
use crate::mask::ScrubKind;

/// The verdict on text values `values` of a column of `table` (counted in
/// `s`) named with `hint`; `why_none` says why there may be no values.
pub(super) fn judge_text(
    table: &str,
    hint: Option<NameHint>,
    s: &Stats,
    values: &[String],
    why_none: &str,
) -> Verdict {
    if s.n == 0 {
        return by_name(table, hint, why_none);
    }
    if let Some(f) = by_top_kind(hint, s) {
        return Verdict::Personal(f);
    }
    if let Some(f) = free_text(hint, s) {
        return Verdict::Personal(f);
    }
    match hint {
        Some(h) if h.strength == Strength::Strong => {
            Verdict::Personal(by_strong_name(h, s, values))
        }
        Some(h) => Verdict::Keep(Some(kept_note(h, s))),
        None => Verdict::Keep(None),
    }
}

/// Whether the name says what the column holds (not just suggests it).
fn strong(hint: Option<NameHint>) -> bool {
    hint.is_some_and(|h| h.strength == Strength::Strong)
}

/// The kind most values show (URLs aside), when enough of them show it:
/// values confirm a name easily, and overrule a name that says something
/// else only when nearly all of them agree.
fn by_top_kind(hint: Option<NameHint>, s: &Stats) -> Option<Finding> {
    let n = s.n;
    let (k, c) = s.top().filter(|(k, _)| *k != Kind::Url)?;
    let agree = agrees(hint, k);
    let need = match (agree, strong(hint), k) {
        (true, true, _) => 0.3,
        (false, true, _) => 0.8,
        (_, false, Kind::Name | Kind::Company | Kind::Address) => 0.6,
        (_, false, _) => 0.5,
    };
    let share = c as f64 / n as f64;
    if share < need {
        return None;
    }
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
    Some(f)
}

/// Free text (or URLs) with personal data inside, when the values are
/// text-like or enough of them hold some: what scrub must look for. A name
/// that says what the column holds wins over a few findings in short
/// values (a VAT number whose digits look like a phone number).
fn free_text(hint: Option<NameHint>, s: &Stats) -> Option<Finding> {
    let n = s.n;
    let kinds = s.scrub_kinds();
    let with: usize = s.inner.values().map(|(_, c)| *c).max().unwrap_or(0);
    let free_text = hint.is_some_and(|h| h.kind == Kind::FreeText);
    let texty = free_text || s.text * 5 >= n;
    if kinds.is_empty() || !(texty || (!strong(hint) && with * 10 >= n)) {
        return None;
    }
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
    Some(f)
}

/// A name that says personal data the values do not show: masked by the
/// name, with the values' support when their shape fits (postcodes, dates
/// of birth).
fn by_strong_name(h: NameHint, s: &Stats, values: &[String]) -> Finding {
    let n = s.n;
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
    f
}

/// The review note on a column kept although its name suggested personal
/// data.
fn kept_note(h: NameHint, s: &Stats) -> String {
    let n = s.n;
    match h.kind {
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
    }
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
