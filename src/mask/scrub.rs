//! `scrub`: find personal data inside free text and replace it in place;
//! the rest of the text stays byte for byte. Replacements are keyed and
//! deterministic: an email is replaced by the same fake email the `fake:
//! email` masker gives it, so a scrubbed mention still matches the masked
//! column.

use std::sync::OnceLock;

use regex::Regex;

use super::{fake_values, tokenize, FakeKind, MaskKey};

/// What scrub looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScrubKind {
    /// Email addresses.
    Email,
    /// Phone numbers in international (+CC …) and Indonesian/Singaporean local formats.
    Phone,
    /// Payment card numbers (13–19 digits passing the Luhn check).
    Card,
    /// IPv4 addresses.
    Ip,
}

impl ScrubKind {
    /// Parse a name as written in the rules.
    pub fn parse(s: &str) -> Option<ScrubKind> {
        Some(match s {
            "email" => ScrubKind::Email,
            "phone" => ScrubKind::Phone,
            "card" => ScrubKind::Card,
            "ip" => ScrubKind::Ip,
            _ => return None,
        })
    }

    /// Name as written in the rules.
    pub fn name(self) -> &'static str {
        match self {
            ScrubKind::Email => "email",
            ScrubKind::Phone => "phone",
            ScrubKind::Card => "card",
            ScrubKind::Ip => "ip",
        }
    }

    fn regex(self) -> &'static Regex {
        static RES: OnceLock<[Regex; 4]> = OnceLock::new();
        let all = RES.get_or_init(|| {
            let build = |p: &str| Regex::new(p).unwrap_or_else(|e| unreachable!("built-in pattern {p}: {e}"));
            [
                build(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
                build(r"(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,5}){1,4}|\b0\d{2,3}[ -]?\d{3,4}[ -]?\d{3,5}\b|\b[689]\d{3} ?\d{4}\b)"),
                build(r"\b\d(?:[ -]?\d){12,18}\b"),
                build(r"\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b"),
            ]
        });
        &all[self as usize]
    }
}

fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(*d);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

/// Replace every match of `kinds` in `input`; append the result to `out`.
/// Returns how many replacements were made.
pub fn scrub(key: &MaskKey, kinds: &[ScrubKind], input: &str, out: &mut String) -> usize {
    // Collect non-overlapping spans, earlier kinds first (email before phone
    // so that digits inside an address are not taken as a phone number).
    let mut spans: Vec<(usize, usize, ScrubKind)> = Vec::new();
    for &kind in kinds {
        for m in kind.regex().find_iter(input) {
            if spans.iter().any(|&(s, e, _)| m.start() < e && s < m.end()) {
                continue;
            }
            if kind == ScrubKind::Card {
                let digits: Vec<u8> = m
                    .as_str()
                    .bytes()
                    .filter(u8::is_ascii_digit)
                    .map(|b| b - b'0')
                    .collect();
                if !luhn_ok(&digits) {
                    continue;
                }
            }
            spans.push((m.start(), m.end(), kind));
        }
    }
    spans.sort_by_key(|s| s.0);
    let mut last = 0;
    for &(s, e, kind) in &spans {
        out.push_str(&input[last..s]);
        let found = &input[s..e];
        match kind {
            ScrubKind::Email => {
                fake_values::fake(key, "fake/email/en", FakeKind::Email, found, None, out)
            }
            ScrubKind::Phone => {
                // Keep the country code (`+62 `) or the trunk prefix (`0`), so
                // the number keeps its country's format; replace the rest.
                let keep = phone_prefix_len(found);
                out.push_str(&found[..keep]);
                tokenize::preserve_class(key, "scrub/phone", &found[keep..], true, out);
            }
            ScrubKind::Ip => {
                fake_values::fake(key, "fake/ipv4/en", FakeKind::Ipv4, found, None, out)
            }
            ScrubKind::Card => {
                let start = out.len();
                tokenize::preserve_class(key, "scrub/card", found, true, out);
                fix_luhn(out, start);
            }
        }
        last = e;
    }
    out.push_str(&input[last..]);
    spans.len()
}

/// How much of a phone number to keep: `+CC` up to its separator, or a
/// leading `0` trunk prefix.
pub(super) fn phone_prefix_len(found: &str) -> usize {
    if let Some(rest) = found.strip_prefix('+') {
        let cc = rest.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=3).contains(&cc) && rest.len() > cc {
            return 1 + cc;
        }
        return 1;
    }
    usize::from(found.starts_with('0'))
}

/// Make the digits written from `start` on pass the Luhn check by setting the last digit.
pub fn fix_luhn(out: &mut String, start: usize) {
    let tail = &out[start..];
    let digits: Vec<u8> = tail
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    let Some(last_pos) = tail.rfind(|c: char| c.is_ascii_digit()) else {
        return;
    };
    for check in 0..10u8 {
        let mut d = digits.clone();
        if let Some(l) = d.last_mut() {
            *l = check;
        }
        if luhn_ok(&d) {
            let at = start + last_pos;
            out.replace_range(at..at + 1, &char::from(b'0' + check).to_string());
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kinds: &[ScrubKind], s: &str) -> (String, usize) {
        let k = MaskKey::new(b"scrub-key-0123456789");
        let mut out = String::new();
        let n = scrub(&k, kinds, s, &mut out);
        (out, n)
    }

    #[test]
    fn replaces_only_what_it_finds() {
        let all = [
            ScrubKind::Email,
            ScrubKind::Phone,
            ScrubKind::Card,
            ScrubKind::Ip,
        ];
        let text = "Reported by liam.setiawan2040@initech.co, call back on +65 178 9401 8711. Card 4111 1111 1111 1111 from 10.1.2.3; order 12345 stays.";
        let (out, n) = run(&all, text);
        assert_eq!(n, 4, "{out}");
        assert!(
            !out.contains("liam.setiawan")
                && !out.contains("+65 178 9401 8711")
                && !out.contains("4111 1111")
                && !out.contains("10.1.2.3"),
            "{out}"
        );
        assert!(
            out.starts_with("Reported by ") && out.ends_with("; order 12345 stays."),
            "{out}"
        );
        let (plain, n) = run(&all, "Nothing personal here, ticket 42 at 3 pm.");
        assert_eq!(
            (plain.as_str(), n),
            ("Nothing personal here, ticket 42 at 3 pm.", 0)
        );
        // Local formats: Indonesian mobile and Singapore numbers.
        let (out, n) = run(&[ScrubKind::Phone], "hubungi 0812-3456-7890 atau 9123 4567");
        assert_eq!(n, 2, "{out}");
        // A 16-digit number that fails Luhn is not a card.
        let (_, n) = run(&[ScrubKind::Card], "ref 1234 5678 9012 3456");
        assert_eq!(n, 0);
    }

    #[test]
    fn card_replacements_pass_luhn() {
        let (out, _) = run(&[ScrubKind::Card], "4111111111111111");
        let d: Vec<u8> = out.bytes().map(|b| b - b'0').collect();
        assert!(luhn_ok(&d) && out != "4111111111111111", "{out}");
    }
}
