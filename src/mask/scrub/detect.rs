//! What scrub finds: the kinds, their patterns, and the checks a
//! candidate must pass (Luhn, mod 97, the NRIC check letter, the NIK's
//! region and birth date) to be taken for personal data, or the keyword
//! next to it ([`cue`](super::cue)) that makes it personal all the same.

use std::sync::OnceLock;

use regex::Regex;

use super::cue::{cue, Cue};
use super::name;
use crate::mask::{fake_values, locales, tokenize};

/// What scrub looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScrubKind {
    /// Email addresses.
    Email,
    /// Phone numbers in international (+CC …) and Indonesian/Singaporean local formats.
    Phone,
    /// Payment card numbers (13–19 digits passing the Luhn check).
    Card,
    /// IPv4 and IPv6 addresses.
    Ip,
    /// Indonesian NIK: 16 digits with a valid province and birth date.
    Nik,
    /// Singapore NRIC/FIN with a valid check letter.
    Nric,
    /// IBANs with valid check digits.
    Iban,
    /// URLs: personal data in their path and query, and the values of
    /// query parameters named like personal data (`email=`, `token=`, …).
    Url,
    /// Identity, document and account numbers that a keyword names
    /// (`passport`, `SSN`, `IC`, `rekening`, `account`, …, or the keyword
    /// of another kind): they have no structure to check.
    IdNumber,
    /// Person names (after a greeting or honorific, before an email
    /// address, or a first and family name from the locale dictionaries).
    Name,
}

/// Every kind, in the order matches are taken when they overlap.
pub(super) const PRIORITY: [ScrubKind; 10] = [
    ScrubKind::Url,
    ScrubKind::Email,
    ScrubKind::Iban,
    ScrubKind::Nric,
    ScrubKind::Card,
    ScrubKind::Nik,
    ScrubKind::Ip,
    ScrubKind::Phone,
    ScrubKind::IdNumber,
    ScrubKind::Name,
];

/// One pattern of a kind. A `cue_only` pattern finds shapes that are
/// personal only when a keyword names them (a phone number without its
/// usual grouping after `HP`, an address without a top-level domain after
/// `email`).
pub(super) struct Pattern {
    pub(super) re: Regex,
    pub(super) cue_only: bool,
}

/// What a search looks for, and whether keywords may stand in for a
/// failed check (always in a rule; off only to measure what they add).
#[derive(Clone, Copy)]
pub(super) struct Scan<'a> {
    pub(super) kinds: &'a [ScrubKind],
    pub(super) cues: bool,
}

impl ScrubKind {
    /// Parse a name as written in the rules.
    pub fn parse(s: &str) -> Option<ScrubKind> {
        PRIORITY.into_iter().find(|k| k.name() == s)
    }

    /// Every kind, in the order overlapping matches are taken.
    pub fn all() -> [ScrubKind; 10] {
        PRIORITY
    }

    /// The kinds with a check or a structure of their own, in priority
    /// order: every kind but `id_number` and `name`. What a URL's parts are
    /// searched for when a rule lists only `url`, and what `doppel scan`
    /// looks for in sampled values.
    pub fn checked() -> Vec<ScrubKind> {
        PRIORITY
            .into_iter()
            .filter(|k| !matches!(k, ScrubKind::IdNumber | ScrubKind::Name))
            .collect()
    }

    /// The kinds a drafted rule lists for free text when nothing more is
    /// known: every kind but `name`, whose findings rest on context and
    /// dictionaries and whose replacements change words (`id_number` needs
    /// a keyword next to the number, so it rarely takes what is not
    /// personal).
    pub fn suggested() -> Vec<ScrubKind> {
        PRIORITY
            .into_iter()
            .filter(|k| *k != ScrubKind::Name)
            .collect()
    }

    /// Every name the rules accept.
    pub fn names() -> Vec<&'static str> {
        PRIORITY.iter().map(|k| k.name()).collect()
    }

    /// Name as written in the rules.
    pub fn name(self) -> &'static str {
        match self {
            ScrubKind::Email => "email",
            ScrubKind::Phone => "phone",
            ScrubKind::Card => "card",
            ScrubKind::Ip => "ip",
            ScrubKind::Nik => "nik",
            ScrubKind::Nric => "nric",
            ScrubKind::Iban => "iban",
            ScrubKind::Url => "url",
            ScrubKind::IdNumber => "id_number",
            ScrubKind::Name => "name",
        }
    }

    pub(super) fn patterns(self) -> &'static [Pattern] {
        static ALL: OnceLock<Vec<Vec<Pattern>>> = OnceLock::new();
        let all = ALL.get_or_init(|| {
            let build = |p: &str, cue_only: bool| Pattern {
                re: Regex::new(p).unwrap_or_else(|e| unreachable!("built-in pattern {p}: {e}")),
                cue_only,
            };
            // In the order of the enum's variants.
            let order = [
                ScrubKind::Email,
                ScrubKind::Phone,
                ScrubKind::Card,
                ScrubKind::Ip,
                ScrubKind::Nik,
                ScrubKind::Nric,
                ScrubKind::Iban,
                ScrubKind::Url,
                ScrubKind::IdNumber,
                ScrubKind::Name,
            ];
            order
                .iter()
                .map(|k| match k {
                    ScrubKind::Email => vec![
                        build(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", false),
                        build(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*", true),
                    ],
                    // The international form must end at a word boundary:
                    // a greedy group would leave a last digit behind.
                    ScrubKind::Phone => vec![
                        build(
                            r"(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,5}){1,4}\b|\(0\d{1,3}\) ?\d{3,4}[ -]?\d{3,5}\b|\b0\d{2,3}[ .-]?\d{3,4}[ .-]?\d{3,5}\b|\b62 ?8\d{2}[ .-]?\d{3,4}[ .-]?\d{3,5}\b|\b[689]\d{3} ?\d{4}\b)",
                            false,
                        ),
                        build(r"(?:\+|\b)\d(?:[ .-]?\d){6,14}\b", true),
                    ],
                    ScrubKind::Card => vec![build(r"\b\d(?:[ .-]?\d){12,18}\b", false)],
                    ScrubKind::Ip => vec![
                        build(r"\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b", false),
                        build(r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}", false),
                    ],
                    ScrubKind::Nik => vec![
                        build(r"\b\d{16}\b", false),
                        build(r"\b\d(?:[ .-]?\d){15}\b", true),
                    ],
                    ScrubKind::Nric => vec![build(r"(?i)\b[STFGM]\d{7}[A-Z]\b", false)],
                    ScrubKind::Iban => vec![build(
                        r"(?i)\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b",
                        false,
                    )],
                    ScrubKind::Url => vec![build(r#"(?i)\bhttps?://[^\s<>"'`]+"#, false)],
                    ScrubKind::IdNumber => vec![build(
                        r"(?i)\b[A-Z]{0,3}\d(?:[ ./-]?\d){5,24}[A-Z]?\b",
                        true,
                    )],
                    // Runs of capitalised words (at most RUN_WORDS),
                    // joined by single spaces and the connectors of Malay,
                    // Indian and Dutch names.
                    ScrubKind::Name => {
                        let word = r"(?:\p{Lu}\p{Ll}+)+(?:-\p{Lu}\p{Ll}+)?";
                        let join = r"(?:(?:bin|binti|binte|bte|s/o|d/o|a/l|a/p|van|von|de) )?";
                        let more = name::RUN_WORDS - 1;
                        vec![build(&format!("{word}(?: {join}{word}){{0,{more}}}"), false)]
                    }
                })
                .collect()
        });
        &all[self as usize]
    }

    /// Whether a keyword says a number is of this kind.
    fn named_by(self, c: Option<Cue>) -> bool {
        match (self, c) {
            (_, None) => false,
            (ScrubKind::IdNumber, Some(_)) => true,
            (ScrubKind::Nik, Some(c)) => c == Cue::Nik,
            (ScrubKind::Nric, Some(c)) => c == Cue::Nric,
            (ScrubKind::Card, Some(c)) => c == Cue::Card,
            (ScrubKind::Phone, Some(c)) => c == Cue::Phone,
            (ScrubKind::Email, Some(c)) => c == Cue::Email,
            (ScrubKind::Iban, Some(c)) => matches!(c, Cue::Iban | Cue::Account),
            _ => false,
        }
    }

    /// The spans of `text[start..end]`, a match of one of this kind's
    /// patterns, that really are this kind, pushed to `out`: none, the
    /// match (possibly shortened), or for names the names within it.
    pub(super) fn accept(
        self,
        text: &str,
        (start, end): (usize, usize),
        cue_only: bool,
        scan: Scan,
        out: &mut Vec<(usize, usize)>,
    ) {
        if self == ScrubKind::Name {
            name::names(text, start, end, out);
            return;
        }
        let named = || scan.cues && self.named_by(cue(text, start, end));
        let found = &text[start..end];
        let keep = if cue_only {
            !looks_like_a_date(found) && named()
        } else {
            self.valid(text, start, end, scan, named)
        };
        if !keep {
            return;
        }
        let end = if self == ScrubKind::Url {
            // Sentence punctuation after a URL is not part of it.
            start
                + found
                    .trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']'])
                    .len()
        } else {
            end
        };
        out.push((start, end));
    }

    /// Whether a match of a checked pattern passes its check (or, failing
    /// it, is `named` by a keyword).
    fn valid(
        self,
        text: &str,
        start: usize,
        end: usize,
        scan: Scan,
        named: impl Fn() -> bool,
    ) -> bool {
        let found = &text[start..end];
        let digits = || -> Vec<u8> {
            found
                .bytes()
                .filter(u8::is_ascii_digit)
                .map(|b| b - b'0')
                .collect()
        };
        match self {
            ScrubKind::Card => {
                // A number after `+` has a country code: a phone, which a
                // card number never is, even when it passes Luhn.
                if text[..start].ends_with('+') {
                    return false;
                }
                let d = digits();
                if !tokenize::luhn_ok(&d) {
                    return named();
                }
                // A 16-digit number that a NIK keyword names is that NIK
                // (when NIKs are searched for), even when it passes Luhn.
                !(d.len() == 16
                    && scan.cues
                    && scan.kinds.contains(&ScrubKind::Nik)
                    && cue(text, start, end) == Some(Cue::Nik))
            }
            ScrubKind::Nik => nik_ok(found) || named(),
            ScrubKind::Nric => {
                let up = found.to_ascii_uppercase();
                let ok = up.chars().next().is_some_and(|prefix| {
                    let d: Vec<u32> = up[1..8].bytes().map(|b| u32::from(b - b'0')).collect();
                    prefix != 'M' && locales::nric(prefix, &d) == up
                });
                ok || named()
            }
            ScrubKind::Iban => iban_ok(found) || named(),
            ScrubKind::Ip if found.contains(':') => {
                let before = text[..start].chars().next_back();
                let after = text[end..].chars().next();
                let boundary =
                    |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == ':'));
                boundary(before)
                    && boundary(after)
                    && (found.contains("::") || found.matches(':').count() == 7)
                    && found.parse::<std::net::Ipv6Addr>().is_ok()
                    && found.len() > 2
            }
            _ => true,
        }
    }
}

/// A date or time written with separators (`2024-03-05`, `05/03/2024`,
/// `17.08.1990`): never taken for a number a keyword names.
fn looks_like_a_date(s: &str) -> bool {
    let groups: Vec<usize> = s
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .collect();
    matches!(
        groups.as_slice(),
        [4, 2, 2] | [2, 2, 4] | [2, 2, 2] | [1 | 2, 1 | 2, 4]
    )
}

/// Indonesian NIK: a known province, a birth day 01–31 (41–71 for women), a month 01–12.
pub(super) fn nik_ok(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 16 {
        return false;
    }
    let num = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    let day = num(6);
    let month = num(8);
    locales::ID_PROVINCES.contains(&&s[..2])
        && ((1..=31).contains(&day) || (41..=71).contains(&day))
        && (1..=12).contains(&month)
        && &s[12..] != "0000"
}

/// IBAN check digits (ISO 13616 mod 97) over the letters and digits.
pub(super) fn iban_ok(s: &str) -> bool {
    let raw: Vec<u8> = s
        .bytes()
        .filter(|b| *b != b' ')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if !(15..=34).contains(&raw.len()) {
        return false;
    }
    if !raw.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let rem = fake_values::mod97(raw[4..].iter().chain(&raw[..4]).copied());
    rem == 1
}
