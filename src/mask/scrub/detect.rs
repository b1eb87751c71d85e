//! What scrub finds: the kinds, their patterns, and the checks a
//! candidate must pass (Luhn, mod 97, the NRIC check letter, the NIK's
//! region and birth date) to be taken for personal data.

use std::sync::OnceLock;

use regex::Regex;

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
}

/// Every kind, in the order matches are taken when they overlap.
pub(super) const PRIORITY: [ScrubKind; 8] = [
    ScrubKind::Url,
    ScrubKind::Email,
    ScrubKind::Iban,
    ScrubKind::Nric,
    ScrubKind::Card,
    ScrubKind::Nik,
    ScrubKind::Ip,
    ScrubKind::Phone,
];

impl ScrubKind {
    /// Parse a name as written in the rules.
    pub fn parse(s: &str) -> Option<ScrubKind> {
        PRIORITY.into_iter().find(|k| k.name() == s)
    }

    /// Every kind, in the order overlapping matches are taken.
    pub fn all() -> [ScrubKind; 8] {
        PRIORITY
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
        }
    }

    pub(super) fn regexes(self) -> &'static [Regex] {
        static RES: OnceLock<Vec<Vec<Regex>>> = OnceLock::new();
        let all = RES.get_or_init(|| {
            let build = |p: &str| {
                Regex::new(p).unwrap_or_else(|e| unreachable!("built-in pattern {p}: {e}"))
            };
            let order = [
                ScrubKind::Email,
                ScrubKind::Phone,
                ScrubKind::Card,
                ScrubKind::Ip,
                ScrubKind::Nik,
                ScrubKind::Nric,
                ScrubKind::Iban,
                ScrubKind::Url,
            ];
            order
                .iter()
                .map(|k| match k {
                    ScrubKind::Email => vec![build(
                        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
                    )],
                    ScrubKind::Phone => vec![build(
                        r"(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,5}){1,4}|\(0\d{1,3}\) ?\d{3,4}[ -]?\d{3,5}\b|\b0\d{2,3}[ .-]?\d{3,4}[ .-]?\d{3,5}\b|\b62 ?8\d{2}[ .-]?\d{3,4}[ .-]?\d{3,5}\b|\b[689]\d{3} ?\d{4}\b)",
                    )],
                    ScrubKind::Card => vec![build(r"\b\d(?:[ .-]?\d){12,18}\b")],
                    ScrubKind::Ip => vec![
                        build(r"\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b"),
                        build(r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}"),
                    ],
                    ScrubKind::Nik => vec![build(r"\b\d{16}\b")],
                    ScrubKind::Nric => vec![build(r"(?i)\b[STFGM]\d{7}[A-Z]\b")],
                    ScrubKind::Iban => vec![build(
                        r"(?i)\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b",
                    )],
                    ScrubKind::Url => vec![build(r#"(?i)\bhttps?://[^\s<>"'`]+"#)],
                })
                .collect()
        });
        &all[self as usize]
    }

    /// Whether a candidate match really is this kind; `Some(end)` gives the
    /// (possibly shortened) end of the match.
    pub(super) fn validate(self, text: &str, start: usize, end: usize) -> Option<usize> {
        let found = &text[start..end];
        let digits = || -> Vec<u8> {
            found
                .bytes()
                .filter(u8::is_ascii_digit)
                .map(|b| b - b'0')
                .collect()
        };
        match self {
            ScrubKind::Card => tokenize::luhn_ok(&digits()).then_some(end),
            ScrubKind::Nik => nik_ok(found).then_some(end),
            ScrubKind::Nric => {
                let up = found.to_ascii_uppercase();
                let prefix = up.chars().next()?;
                let d: Vec<u32> = up[1..8].bytes().map(|b| u32::from(b - b'0')).collect();
                (prefix != 'M' && locales::nric(prefix, &d) == up).then_some(end)
            }
            ScrubKind::Iban => iban_ok(found).then_some(end),
            ScrubKind::Ip if found.contains(':') => {
                let before = text[..start].chars().next_back();
                let after = text[end..].chars().next();
                let boundary =
                    |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == ':'));
                let ok = boundary(before)
                    && boundary(after)
                    && (found.contains("::") || found.matches(':').count() == 7)
                    && found.parse::<std::net::Ipv6Addr>().is_ok()
                    && found.len() > 2;
                ok.then_some(end)
            }
            ScrubKind::Url => {
                // Sentence punctuation after a URL is not part of it.
                let trimmed = found.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']']);
                Some(start + trimmed.len())
            }
            _ => Some(end),
        }
    }
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
