//! `scrub`: find personal data inside free text and replace it in place;
//! the rest of the text stays byte for byte. Replacements are keyed and
//! deterministic, and the same as the column maskers give: an email becomes
//! the fake email `fake: email` gives it, a card the token `tokenize: card`
//! gives it, so a scrubbed mention still matches the masked column.
//!
//! Candidates are found by pattern and then validated where the format has
//! a check (Luhn for cards, mod 97 for IBANs, the check letter of an
//! NRIC/FIN, the region and birth date of a NIK), which keeps order numbers
//! and dates from being taken for personal data.

use std::sync::OnceLock;

use regex::Regex;

use super::{fake_values, locales, tokenize, FakeKind, Locale, MaskKey};

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
const PRIORITY: [ScrubKind; 8] = [
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

    fn regexes(self) -> &'static [Regex] {
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
    fn validate(self, text: &str, start: usize, end: usize) -> Option<usize> {
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
fn nik_ok(s: &str) -> bool {
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
fn iban_ok(s: &str) -> bool {
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

/// An IBAN of the same country and layout: the BBAN's letters and digits
/// replaced by a keyed bijection, check digits recomputed.
fn mask_iban(key: &MaskKey, found: &str, out: &mut String) {
    let mut bban = String::new();
    tokenize::preserve_class(key, "scrub/iban", &found[4..], false, &mut bban);
    let upper = found[..2].to_ascii_uppercase();
    let cc = upper.as_str();
    let raw: Vec<u8> = bban
        .bytes()
        .filter(|b| *b != b' ')
        .chain(cc.bytes())
        .chain(*b"00")
        .collect();
    let rem = fake_values::mod97(raw.into_iter());
    out.push_str(cc);
    out.push_str(&format!("{:02}", 98 - rem));
    out.push_str(&bban);
}

/// Query parameters whose values are personal data or secrets whatever they look like.
const SENSITIVE_PARAMS: &[&str] = &[
    "email",
    "mail",
    "e-mail",
    "phone",
    "tel",
    "mobile",
    "hp",
    "msisdn",
    "name",
    "fullname",
    "full_name",
    "first_name",
    "firstname",
    "last_name",
    "lastname",
    "nama",
    "nik",
    "nric",
    "ktp",
    "ssn",
    "dob",
    "birthdate",
    "address",
    "alamat",
    "card",
    "iban",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "password",
    "pass",
    "pwd",
    "session",
    "sessionid",
    "sid",
    "auth",
    "code",
    "signature",
    "sig",
];

fn sensitive_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SENSITIVE_PARAMS.contains(&n.as_str())
        || n.ends_with("_email")
        || n.ends_with("_phone")
        || n.ends_with("_token")
}

/// Mask a URL: its path and fragment are scrubbed as text; each query value
/// is percent-decoded, scrubbed, and re-encoded; values of sensitive
/// parameters become keyed tokens. Scheme, host and parameter names stay.
fn mask_url(key: &MaskKey, kinds: &[ScrubKind], url: &str, out: &mut String) -> bool {
    let inner: Vec<ScrubKind> = kinds
        .iter()
        .copied()
        .filter(|k| *k != ScrubKind::Url)
        .collect();
    let all_inner: Vec<ScrubKind> = PRIORITY[1..].to_vec();
    let inner = if inner.is_empty() { all_inner } else { inner };
    let (before_frag, frag) = match url.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (url, None),
    };
    let (base, query) = match before_frag.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_frag, None),
    };
    let start = out.len();
    let mut changed = scrub_spans(key, &inner, base, out) > 0;
    if let Some(q) = query {
        out.push('?');
        for (i, pair) in q.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            let (name, value) = match pair.split_once('=') {
                Some((n, v)) => (n, v),
                None => {
                    out.push_str(pair);
                    continue;
                }
            };
            out.push_str(name);
            out.push('=');
            let decoded = percent_decode(value);
            let mut masked = String::new();
            let hits = scrub_spans(key, &inner, &decoded, &mut masked);
            if hits > 0 {
                percent_encode(&masked, out);
                changed = true;
            } else if sensitive_param(&percent_decode(name)) && !value.is_empty() {
                tokenize::hex(key, "scrub/url", &decoded, 16, out);
                changed = true;
            } else {
                out.push_str(value);
            }
        }
    }
    if let Some(f) = frag {
        out.push('#');
        changed |= scrub_spans(key, &inner, f, out) > 0;
    }
    if !changed {
        out.truncate(start);
        out.push_str(url);
    }
    changed
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

/// Replace every match of `kinds` in `input`; append the result to `out`.
/// Returns how many replacements were made.
pub fn scrub(key: &MaskKey, kinds: &[ScrubKind], input: &str, out: &mut String) -> usize {
    scrub_spans(key, kinds, input, out)
}

/// The spans `kinds` find in `input` (start, end, kind), without overlaps,
/// in order; where two overlap the kind earlier in [`PRIORITY`] wins.
pub fn find(kinds: &[ScrubKind], input: &str) -> Vec<(usize, usize, ScrubKind)> {
    // Taken spans by start; they never overlap, so their ends are in order
    // too and only the last span starting before a candidate's end can
    // overlap it.
    let mut spans: std::collections::BTreeMap<usize, (usize, ScrubKind)> = Default::default();
    for kind in PRIORITY.into_iter().filter(|k| kinds.contains(k)) {
        for re in kind.regexes() {
            for m in re.find_iter(input) {
                if m.start() == m.end() {
                    continue;
                }
                let Some(end) = kind.validate(input, m.start(), m.end()) else {
                    continue;
                };
                let overlaps = spans
                    .range(..end)
                    .next_back()
                    .is_some_and(|(_, &(e, _))| m.start() < e);
                if !overlaps {
                    spans.insert(m.start(), (end, kind));
                }
            }
        }
    }
    spans.into_iter().map(|(s, (e, k))| (s, e, k)).collect()
}

/// About how much text is searched at once, so that the matches held at a
/// time stay few however long the value is.
const PIECE: usize = 64 * 1024;

/// Bytes no pattern matches across (whitespace other than the space, and
/// the characters that end a URL): the text is cut after them into pieces
/// that are searched one by one with the same result as the whole text.
fn is_cut(b: u8) -> bool {
    matches!(
        b,
        b'\n' | b'\t' | b'\r' | 0x0b | 0x0c | b'<' | b'>' | b'"' | b'\'' | b'`'
    )
}

/// `input` in pieces of at least [`PIECE`] bytes (but the last), each
/// ending just after a cut byte; a text without cut bytes is one piece.
fn pieces(input: &str) -> impl Iterator<Item = &str> {
    let b = input.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= b.len() {
            return None;
        }
        let from = (start + PIECE).min(b.len());
        let end = b[from..]
            .iter()
            .position(|&c| is_cut(c))
            .map_or(b.len(), |p| from + p + 1);
        // Cut bytes are ASCII, so `end` is on a character boundary.
        let piece = &input[start..end];
        start = end;
        Some(piece)
    })
}

fn scrub_spans(key: &MaskKey, kinds: &[ScrubKind], input: &str, out: &mut String) -> usize {
    pieces(input)
        .map(|piece| scrub_piece(key, kinds, piece, out))
        .sum()
}

fn scrub_piece(key: &MaskKey, kinds: &[ScrubKind], input: &str, out: &mut String) -> usize {
    let mut last = 0;
    let mut n = 0;
    for (s, e, kind) in find(kinds, input) {
        out.push_str(&input[last..s]);
        let found = &input[s..e];
        n += 1;
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
            ScrubKind::Ip if found.contains(':') => {
                fake_values::fake(key, "fake/ipv6/en", FakeKind::Ipv6, found, None, out)
            }
            ScrubKind::Ip => {
                fake_values::fake(key, "fake/ipv4/en", FakeKind::Ipv4, found, None, out)
            }
            ScrubKind::Card => tokenize::card(key, "tokenize/card", found, out),
            ScrubKind::Nik => fake_values::fake_in(
                key,
                "fake/national_id/id",
                FakeKind::NationalId,
                Locale::Id,
                found,
                None,
                out,
            ),
            ScrubKind::Nric => fake_values::fake_in(
                key,
                "fake/national_id/sg",
                FakeKind::NationalId,
                Locale::Sg,
                &found.to_ascii_uppercase(),
                None,
                out,
            ),
            ScrubKind::Iban => mask_iban(key, found, out),
            ScrubKind::Url => {
                if !mask_url(key, kinds, found, out) {
                    n -= 1;
                }
            }
        }
        last = e;
    }
    out.push_str(&input[last..]);
    n
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
    fn pieces_give_the_result_of_the_whole_text() {
        let k = MaskKey::new(b"scrub-key-0123456789");
        let line = "Mail <ann.lee@corp.example>, call +62 812-3456-7890 or \"0812 3456 7890\"\tcard 4111 1111 1111 1111 `S1234567D` https://x.example/a?email=a%40b.co ok\n";
        let text = line.repeat(3 * PIECE / line.len() + 7);
        let mut whole = String::new();
        let n = scrub_piece(&k, &PRIORITY, &text, &mut whole);
        let mut cut = String::new();
        assert!(pieces(&text).count() > 2);
        assert_eq!(scrub(&k, &PRIORITY, &text, &mut cut), n);
        assert!(cut == whole && n > 0);
    }

    #[test]
    fn card_replacements_pass_luhn() {
        let (out, _) = run(&[ScrubKind::Card], "4111111111111111");
        let d: Vec<u8> = out.bytes().map(|b| b - b'0').collect();
        assert!(tokenize::luhn_ok(&d) && out != "4111111111111111", "{out}");
    }

    #[test]
    fn replacements_are_valid_identifiers_of_their_kind() {
        for (kind, value) in [
            (ScrubKind::Nik, "3174015708900003"),
            (ScrubKind::Nric, "S1234567D"),
            (ScrubKind::Iban, "GB29 NWBK 6016 1331 9268 19"),
            (ScrubKind::Iban, "de89370400440532013000"),
        ] {
            let (out, n) = run(&[kind], value);
            assert_eq!(n, 1, "{value} not found");
            assert_ne!(out.to_ascii_uppercase(), value.to_ascii_uppercase());
            let valid = match kind {
                ScrubKind::Nik => nik_ok(&out),
                ScrubKind::Iban => iban_ok(&out) && out.len() == value.len(),
                _ => kind.validate(&out, 0, out.len()).is_some(),
            };
            assert!(valid, "{value} → {out}");
        }
        // Query values are decoded before they are searched, and re-encoded.
        let (out, n) = run(
            &[ScrubKind::Url, ScrubKind::Email],
            "see https://x.example/a?e=ann%40corp.example&p=1.",
        );
        assert_eq!(n, 1);
        assert!(
            out.starts_with("see https://x.example/a?e=")
                && ["com", "net", "org"]
                    .iter()
                    .any(|tld| out.ends_with(&format!("%40example.{tld}&p=1."))),
            "{out}"
        );
    }

    /// Precision and recall on the labelled corpus (tests/data/scrub-corpus.jsonl,
    /// made by scripts/scrub-corpus.py). A label counts as caught when its text
    /// is gone from the scrubbed output; a detection counts as correct when it
    /// overlaps a label. `cargo test --lib scrub_corpus -- --nocapture` prints
    /// the table in BENCHMARKS.md.
    #[test]
    fn scrub_corpus_precision_and_recall() {
        let corpus = include_str!("../../tests/data/scrub-corpus.jsonl");
        let key = MaskKey::new(b"scrub-corpus-key-0123");
        let all = PRIORITY;
        // kind -> (labels, caught, detections, correct detections)
        let mut stats: std::collections::BTreeMap<&str, [usize; 4]> = Default::default();
        let mut snippets = [0usize; 2];
        let mut clean_changed = 0;
        let mut misses = Vec::new();
        for line in corpus.lines() {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            let text = row["text"].as_str().unwrap();
            let labels: Vec<(String, String)> = row["pii"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l[0].as_str().unwrap().to_string(),
                        l[1].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            snippets[usize::from(!labels.is_empty())] += 1;
            let mut out = String::new();
            scrub(&key, &all, text, &mut out);
            if labels.is_empty() && out != text {
                clean_changed += 1;
            }
            let spans: Vec<(usize, usize)> = labels
                .iter()
                .map(|(_, v)| {
                    let s = text.find(v.as_str()).unwrap();
                    (s, s + v.len())
                })
                .collect();
            for (kind, value) in &labels {
                let name = ScrubKind::parse(kind).map_or("other", ScrubKind::name);
                let e = stats.entry(name).or_default();
                e[0] += 1;
                if !out.contains(value.as_str()) {
                    e[1] += 1;
                } else {
                    misses.push(format!("{kind}: {value}"));
                }
            }
            for (s, e, kind) in find(&all, text) {
                // A URL without personal data is found but left as it is.
                if kind == ScrubKind::Url && !mask_url(&key, &all, &text[s..e], &mut String::new())
                {
                    continue;
                }
                let st = stats.entry(kind.name()).or_default();
                st[2] += 1;
                if spans.iter().any(|&(ls, le)| s < le && ls < e) {
                    st[3] += 1;
                } else {
                    misses.push(format!("false {}: {}", kind.name(), &text[s..e]));
                }
            }
        }
        let total = stats.values().fold([0; 4], |a, s| {
            [a[0] + s[0], a[1] + s[1], a[2] + s[2], a[3] + s[3]]
        });
        println!(
            "snippets: {} with personal data, {} without",
            snippets[1], snippets[0]
        );
        println!("| kind | labels | recall | detections | precision |");
        println!("|---|---|---|---|---|");
        let pct = |a: usize, b: usize| {
            if b == 0 {
                "–".to_string()
            } else {
                format!("{:.1}%", 100.0 * a as f64 / b as f64)
            }
        };
        for (kind, s) in stats.iter().map(|(k, s)| (*k, s)).chain([("all", &total)]) {
            println!(
                "| {kind} | {} | {} | {} | {} |",
                s[0],
                pct(s[1], s[0]),
                s[2],
                pct(s[3], s[2])
            );
        }
        println!("snippets without personal data changed: {clean_changed}");
        for m in &misses {
            println!("  {m}");
        }
        assert!(snippets[1] + snippets[0] >= 300);
        assert!(total[1] * 100 >= total[0] * 97, "recall below 97%");
        assert!(total[3] * 100 >= total[2] * 97, "precision below 97%");
        assert!(
            clean_changed * 50 <= snippets[0],
            "more than 2% of the text without personal data was changed"
        );
    }
}
