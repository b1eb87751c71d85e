//! `scrub`: find personal data inside free text and replace it in place;
//! the rest of the text stays byte for byte. Replacements are keyed and
//! deterministic, and the same as the column maskers give: an email becomes
//! the fake email `fake: email` gives it, a card the token `tokenize: card`
//! gives it, so a scrubbed mention still matches the masked column.
//!
//! Candidates are found by pattern and then validated where the format has
//! a check (Luhn for cards, mod 97 for IBANs, the check letter of an
//! NRIC/FIN, the region and birth date of a NIK), which keeps order numbers
//! and dates from being taken for personal data; a keyword next to a
//! candidate (`NIK`, `card`, `HP`, `rekening`, …) makes it personal even
//! when its check fails. Names are found by their context and the locale
//! dictionaries, and become the `fake: name` of the rule's locale.
//!
//! This file is the scanner (a long text is searched in pieces, overlaps
//! resolved by priority) and the replacements; `detect.rs` finds and
//! validates candidates, `cue.rs` reads keywords, `name.rs` and `words.rs`
//! find names, `url.rs` masks URLs.

#[cfg(test)]
mod corpus;
mod cue;
mod detect;
mod name;
#[cfg(test)]
mod tests;
mod url;
mod words;

pub use detect::ScrubKind;

#[cfg(test)]
use detect::{iban_ok, nik_ok};
use detect::{Scan, PRIORITY};
use url::mask_url;

use super::{fake_values, tokenize, FakeKind, Locale, MaskKey};

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

/// Replace every match of `kinds` in `input`; append the result to `out`.
/// Names become the `fake: name` of `locale`. Returns how many
/// replacements were made.
pub fn scrub(
    key: &MaskKey,
    kinds: &[ScrubKind],
    locale: Locale,
    input: &str,
    out: &mut String,
) -> usize {
    let mut buf = String::new();
    scrub_in_pieces(key, kinds, locale, input, &mut buf, &mut |part| {
        out.push_str(part)
    })
}

/// What scrub with `kinds` would replace in `input`: each finding's byte
/// range and kind, in order, without overlaps. A URL counts only when
/// masking it changes it (personal data in its path or query, or a
/// parameter named like personal data or a secret). For `doppel scan`,
/// which reports what kinds a text holds: the checked kinds
/// ([`ScrubKind::checked`]) in a short value, every kind in free text.
pub fn detect(input: &str, kinds: &[ScrubKind]) -> Vec<(std::ops::Range<usize>, ScrubKind)> {
    let probe = MaskKey::new(b"doppel scan: what would scrub replace");
    let scan = Scan { kinds, cues: true };
    let mut out = String::new();
    find_with(scan, input)
        .into_iter()
        .filter(|&(s, e, kind)| {
            kind != ScrubKind::Url || {
                out.clear();
                mask_url(&probe, kinds, Locale::En, &input[s..e], &mut out)
            }
        })
        .map(|(s, e, kind)| (s..e, kind))
        .collect()
}

/// The spans `kinds` find in `input` (start, end, kind), without overlaps,
/// in order; where two overlap the kind earlier in [`PRIORITY`] wins.
#[cfg(test)]
pub fn find(kinds: &[ScrubKind], input: &str) -> Vec<(usize, usize, ScrubKind)> {
    find_with(Scan { kinds, cues: true }, input)
}

/// [`find`], with or without keywords.
fn find_with(scan: Scan, input: &str) -> Vec<(usize, usize, ScrubKind)> {
    pieces(input)
        .flat_map(|piece| spans(scan, input, piece))
        .map(|s| (s.start as usize, s.end as usize, s.kind))
        .collect()
}

/// One span found: 12 bytes, so that a long line with millions of
/// findings holds little besides its text. Offsets fit in `u32` because
/// PostgreSQL stores no value over 1 GB.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
    kind: ScrubKind,
}

/// The spans found in `text[piece]`, compactly. Matches are searched in
/// the piece (no pattern matches across the bytes pieces are cut at), but
/// checked against the whole text, so that the words around a match (a
/// keyword, a greeting) count across a cut too. Each pattern's matches
/// come in order and never overlap one another, so each pattern's
/// accepted spans are gathered apart and merged into the sorted spans
/// taken before it: the same result as checking one span at a time, in
/// time n log n.
fn spans(scan: Scan, text: &str, piece: std::ops::Range<usize>) -> Vec<Span> {
    let base = piece.start;
    let cues = scan.cues && cue::any_near(text, piece.clone());
    let hay = &text[piece];
    let mut taken: Vec<Span> = Vec::new();
    let mut accepted: Vec<(usize, usize)> = Vec::new();
    for kind in PRIORITY.into_iter().filter(|k| scan.kinds.contains(k)) {
        for pat in kind.patterns() {
            if pat.cue_only && !cues {
                continue;
            }
            let mut new: Vec<Span> = Vec::new();
            for m in pat.re.find_iter(hay) {
                if m.start() == m.end() {
                    continue;
                }
                let found = (base + m.start(), base + m.end());
                // A keyword-only match is accepted whole or not at all: one
                // that overlaps what is taken needs no keyword looked for.
                if pat.cue_only && overlaps(&taken, &new, found) {
                    continue;
                }
                accepted.clear();
                kind.accept(text, found, pat.cue_only, scan, &mut accepted);
                for &(start, end) in &accepted {
                    let (Ok(s), Ok(e)) = (u32::try_from(start), u32::try_from(end)) else {
                        continue;
                    };
                    if !overlaps(&taken, &new, (start, end)) {
                        new.push(Span {
                            start: s,
                            end: e,
                            kind,
                        });
                    }
                }
            }
            if !new.is_empty() {
                taken = merge(taken, new);
            }
        }
    }
    taken
}

/// Whether `start..end` overlaps a span taken before this pattern or the
/// last one this pattern took. Only the last span starting before `end`
/// can overlap of the first (they do not overlap one another); of this
/// pattern's own, the last one.
fn overlaps(taken: &[Span], new: &[Span], (start, end): (usize, usize)) -> bool {
    let i = taken.partition_point(|s| (s.start as usize) < end);
    (i > 0 && start < taken[i - 1].end as usize)
        || new.last().is_some_and(|l| start < l.end as usize)
}

/// Two lists of spans sorted by start, as one.
fn merge(a: Vec<Span>, b: Vec<Span>) -> Vec<Span> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.start <= y.start => a.next(),
            (Some(_), Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, _) => b.next(),
        };
        match next {
            Some(s) => out.push(s),
            None => return out,
        }
    }
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
fn pieces(input: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
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
        let piece = start..end;
        start = end;
        Some(piece)
    })
}

/// [`scrub`], handing the scrubbed text to `emit` a part at a time (the
/// text between findings as it stands, each replacement as it is made;
/// `buf` holds one replacement): the output is never held whole, however
/// long the text.
pub fn scrub_in_pieces(
    key: &MaskKey,
    kinds: &[ScrubKind],
    locale: Locale,
    input: &str,
    buf: &mut String,
    emit: &mut dyn FnMut(&str),
) -> usize {
    let scan = Scan { kinds, cues: true };
    let mut last = 0;
    let mut n = 0;
    for piece in pieces(input) {
        for span in spans(scan, input, piece) {
            let (s, e, kind) = (span.start as usize, span.end as usize, span.kind);
            emit(&input[last..s]);
            buf.clear();
            if replace(key, kinds, locale, kind, &input[s..e], buf) {
                n += 1;
            }
            emit(buf);
            last = e;
        }
    }
    emit(&input[last..]);
    n
}

/// Append the replacement of `found`, a finding of `kind`, to `out`;
/// false when it is left as it was (a URL with nothing personal in it).
fn replace(
    key: &MaskKey,
    kinds: &[ScrubKind],
    locale: Locale,
    kind: ScrubKind,
    found: &str,
    out: &mut String,
) -> bool {
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
        ScrubKind::Ip => fake_values::fake(key, "fake/ipv4/en", FakeKind::Ipv4, found, None, out),
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
        // The token `tokenize: preserve` gives: letters stay letters,
        // digits digits, the rest as it is.
        ScrubKind::IdNumber => {
            tokenize::preserve_class(key, "tokenize/preserve", found, false, out)
        }
        // The name `fake: name` gives in the rule's locale.
        ScrubKind::Name => fake_values::fake_in(
            key,
            name_domain(locale),
            FakeKind::Name,
            locale,
            found,
            None,
            out,
        ),
        ScrubKind::Url => return mask_url(key, kinds, locale, found, out),
    }
    true
}

/// The domain of `fake: name` in `locale` (as a column masker builds it).
fn name_domain(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "fake/name/en",
        Locale::Id => "fake/name/id",
        Locale::Sg => "fake/name/sg",
    }
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
