//! Person names in free text. The pattern finds runs of capitalised words
//! (`Budi Santoso`, `Muhammad Faizal bin Rahman`); this file decides which
//! words of a run are a name:
//!
//! - after an honorific (`Mr`, `Ms`, `Pak`, `Bu`, `Ibu`, `Bapak`, `Encik`,
//!   `Cik`, `Kak`, `nama`, `a.n.`, … in [`words::TITLES`]), up to four
//!   capitalised words;
//! - after a greeting or sign-off (`Dear`, `Hi`, `Halo`, `Regards`, …), the
//!   same when there are two words or one is in a name dictionary;
//! - after a weaker cue (`by`, `from`, `customer`, `pelanggan`, …), the same
//!   when one of the words is in a name dictionary;
//! - without a cue: a first name followed by a family name from the locale
//!   dictionaries (en, id, sg), a Chinese family name with a two-syllable
//!   given name, or words joined by `bin`, `binte`, `s/o`, `d/o`, …;
//! - a display name: the words right before an email address
//!   (`Budi Santoso <budi@x.co>`) or in brackets right after one.
//!
//! Stop words end a name (days, months, cities, brands, products, roles);
//! the words after a place marker (`Jl.`, `PT`, `Bukit`) and before a place
//! suffix (`Bay`, `Street`, `Pte`, `Jaya`) are places and companies, not
//! people. Every check looks at a bounded number of bytes around the run,
//! so the cost stays linear in the text.

use std::collections::HashMap;
use std::sync::OnceLock;

use fake::locales::{Data, EN};

use super::words;
use crate::mask::locales;

const FIRST: u16 = 1;
const LAST: u16 = 2;
const CN_SURNAME: u16 = 4;
const CN_GIVEN: u16 = 8;
const STOP: u16 = 16;
const TITLE: u16 = 32;
const WEAK: u16 = 64;
const PLACE: u16 = 128;
const SUFFIX: u16 = 256;
const CONNECTOR: u16 = 512;
const GREETING: u16 = 1024;
const ABBREVIATION: u16 = 2048;
/// Any cue before a name.
const CUE: u16 = TITLE | GREETING | WEAK;

/// The most capitalised words one match of the pattern holds.
pub(super) const RUN_WORDS: usize = 12;
/// The most capitalised words one name is taken to have.
const MAX_WORDS: usize = 4;
/// How far (bytes) before and after a run the cues are looked for.
const WINDOW: usize = 48;

/// Every word known, lowercase, with its flags.
fn lexicon() -> &'static HashMap<String, u16> {
    static LEX: OnceLock<HashMap<String, u16>> = OnceLock::new();
    LEX.get_or_init(|| {
        let mut m: HashMap<String, u16> = HashMap::new();
        let dictionaries: [(&[&str], u16); 13] = [
            (<EN as Data>::NAME_FIRST_NAME, FIRST),
            (<EN as Data>::NAME_LAST_NAME, LAST),
            (locales::ID_FIRST, FIRST),
            (locales::ID_LAST, LAST),
            (locales::SG_MALAY_MALE, FIRST),
            (locales::SG_MALAY_FEMALE, FIRST),
            (locales::SG_INDIAN_MALE, FIRST),
            (locales::SG_INDIAN_FEMALE, FIRST),
            (locales::SG_MALAY_FATHERS, LAST),
            (locales::SG_INDIAN_FATHERS, LAST),
            (locales::SG_CHINESE_SURNAMES, LAST | CN_SURNAME),
            (locales::SG_CHINESE_GIVEN, FIRST | CN_GIVEN),
            (locales::ID_CITIES, STOP),
        ];
        let words: [(&str, u16); 8] = [
            (words::STOP, STOP),
            (words::TITLES, TITLE),
            (words::GREETINGS, GREETING),
            (words::WEAK_TRIGGERS, WEAK),
            (words::PLACE_MARKERS, PLACE),
            (words::PLACE_SUFFIXES, SUFFIX | STOP),
            (words::CONNECTORS, CONNECTOR),
            (words::ABBREVIATIONS, ABBREVIATION),
        ];
        let entries = dictionaries
            .iter()
            .flat_map(|(list, flag)| list.iter().flat_map(|e| e.split(' ')).map(|w| (w, *flag)))
            .chain(
                words
                    .iter()
                    .flat_map(|(list, flag)| list.split_whitespace().map(|w| (w, *flag))),
            );
        for (w, flag) in entries {
            *m.entry(w.to_lowercase()).or_default() |= flag;
        }
        // Planning areas are places, but "Ang" of "Ang Mo Kio" is also a
        // family name: only the words that are not names become stop words.
        for area in locales::SG_AREAS {
            for w in area.split(' ') {
                let e = m.entry(w.to_lowercase()).or_default();
                if *e & (FIRST | LAST) == 0 {
                    *e |= STOP;
                }
            }
        }
        m
    })
}

/// The flags of a word (any case). Every known word is ASCII and short,
/// so no other word is looked up, and none is copied to the heap.
fn flags(word: &str) -> u16 {
    let mut buf = [0u8; 24];
    if word.len() > buf.len() || !word.is_ascii() {
        return 0;
    }
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    std::str::from_utf8(lower)
        .ok()
        .and_then(|w| lexicon().get(w))
        .copied()
        .unwrap_or(0)
}

/// A word that may be part of a name.
fn namelike(f: u16) -> bool {
    f & (STOP | CUE | PLACE | CONNECTOR) == 0
}

/// The names in the run of capitalised words `text[start..end]`, as spans.
pub(super) fn names(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    // The pattern takes at most RUN_WORDS words and the connectors
    // between them, so a run's words fit here (a longer run of
    // capitalised words comes as several matches).
    let mut held = [(0usize, 0usize, 0u16); 2 * RUN_WORDS];
    let mut n = 0;
    let mut at = start;
    for w in text[start..end].split(' ') {
        if n == held.len() {
            break;
        }
        held[n] = (at, at + w.len(), flags(w));
        n += 1;
        at += w.len() + 1;
    }
    let toks = &held[..n];
    let mut cue = match word_before(text, start) {
        Before::Place => return,
        Before::Cue(f) => f,
        Before::Nothing => 0,
    };
    let mut i = 0;
    while i < n {
        let f = toks[i].2;
        if f & PLACE != 0 {
            // The rest of the run names a place or a company.
            return;
        }
        if f & CUE != 0 {
            cue |= f & CUE;
            i += 1;
            continue;
        }
        if !namelike(f) {
            cue = 0;
            i += 1;
            continue;
        }
        let j = sequence_end(toks, i);
        if j < n && toks[j].2 & SUFFIX != 0 {
            cue = 0;
            i = j + 1;
            continue;
        }
        let seq = &toks[i..j];
        let in_dict = seq.iter().any(|t| t.2 & (FIRST | LAST) != 0);
        let two = seq.iter().filter(|t| t.2 & CONNECTOR == 0).count() >= 2;
        let whole = (toks[i].0, toks[j - 1].1);
        if cue & TITLE != 0
            || (cue & GREETING != 0 && (in_dict || two))
            || (cue & WEAK != 0 && in_dict)
        {
            out.push(whole);
        } else if let Some(span) = dictionary_name(seq) {
            out.push(span);
        } else if (j == n && email_after(text, end)) || (i == 0 && email_before(text, start)) {
            out.push(whole);
        }
        cue = 0;
        i = j;
    }
}

/// The end (exclusive token index) of the name-like words from `i`: at
/// most [`MAX_WORDS`] words, connectors only between two of them.
fn sequence_end(toks: &[(usize, usize, u16)], i: usize) -> usize {
    let mut k = i;
    let mut words = 0;
    let mut end = i;
    while k < toks.len() && words < MAX_WORDS {
        let f = toks[k].2;
        if f & CONNECTOR != 0 {
            if k + 1 < toks.len() && namelike(toks[k + 1].2) {
                k += 1;
                continue;
            }
            break;
        }
        if !namelike(f) {
            break;
        }
        words += 1;
        k += 1;
        end = k;
    }
    end
}

/// A name found by the dictionaries alone in `seq`: a first name then a
/// family name (widened over the dictionary words around them), a Chinese
/// family name then two given syllables, or words around `bin`/`s/o`.
fn dictionary_name(seq: &[(usize, usize, u16)]) -> Option<(usize, usize)> {
    let has = |k: usize, f: u16| seq.get(k).is_some_and(|t| t.2 & f != 0);
    for k in 0..seq.len() {
        if has(k, CONNECTOR) && k > 0 {
            return Some((seq[0].0, seq[seq.len() - 1].1));
        }
        if has(k, CN_SURNAME) && has(k + 1, CN_GIVEN) && has(k + 2, CN_GIVEN) {
            return Some((seq[k].0, seq[k + 2].1));
        }
        if has(k, FIRST) && has(k + 1, LAST) {
            let mut a = k;
            while a > 0 && has(a - 1, FIRST) {
                a -= 1;
            }
            let mut b = k + 1;
            while has(b + 1, FIRST | LAST) {
                b += 1;
            }
            return Some((seq[a].0, seq[b].1));
        }
    }
    None
}

/// What stands before a run.
enum Before {
    /// A place or company marker (`Jl.`, `PT`): the run is not a person.
    Place,
    /// A cue ([`TITLE`], [`GREETING`] or [`WEAK`]).
    Cue(u16),
    /// Anything else.
    Nothing,
}

/// The word before `start` (over spaces, `,.:;` and line ends), read as a
/// cue: a trigger word, `a.n.`, `name is`, `nama saya`, `thank you`. Over
/// a full stop only an abbreviation counts (`Mr. Budi`, `Jl. Sudirman`):
/// `terima kasih pak. Besok …` starts a new sentence.
fn word_before(text: &str, start: usize) -> Before {
    let b = text.as_bytes();
    let floor = start.saturating_sub(WINDOW);
    let word_at = |end: usize| -> (usize, usize) {
        let mut i = end;
        while i > floor && matches!(b[i - 1], b' ' | b',' | b'.' | b':' | b';' | b'\n' | b'\r') {
            i -= 1;
        }
        let e = i;
        while i > floor && b[i - 1].is_ascii_alphabetic() {
            i -= 1;
        }
        (i, e)
    };
    let (s, e) = word_at(start);
    // "a.n. Budi", "a/n Budi": on behalf of.
    if e >= 3
        && matches!(&b[e - 3..e], [b'a' | b'A', b'.' | b'/', b'n' | b'N'])
        && (e == 3 || !b[e - 4].is_ascii_alphanumeric())
    {
        return Before::Cue(TITLE);
    }
    if s == e || (s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] >= 0x80)) {
        return Before::Nothing;
    }
    let mut f = flags(&text[s..e]);
    if text[e..start].contains('.') && f & ABBREVIATION == 0 {
        f = 0;
    }
    if f & PLACE != 0 && !text[e..start].contains('\n') {
        return Before::Place;
    }
    if f & CUE != 0 {
        return Before::Cue(f & CUE);
    }
    // Two-word cues: "my name is", "nama saya", "thank you".
    let (s2, e2) = word_at(s);
    let (prev, word) = (&text[s2..e2], &text[s..e]);
    let pair = [
        ("name", "is"),
        ("nama", "saya"),
        ("nama", "ialah"),
        ("nama", "adalah"),
        ("thank", "you"),
    ]
    .iter()
    .any(|(p, w)| prev.eq_ignore_ascii_case(p) && word.eq_ignore_ascii_case(w));
    if pair && !text[e2..start].contains('.') {
        Before::Cue(TITLE)
    } else {
        Before::Nothing
    }
}

/// Whether an email address follows `end` (a display name before it):
/// over spaces, a quote and one of `<([,-`, then `local@host`.
fn email_after(text: &str, end: usize) -> bool {
    let b = text.as_bytes();
    let mut i = end;
    let stop = (end + 6).min(b.len());
    while i < stop && matches!(b[i], b' ' | b'"' | b'<' | b'(' | b'[' | b',' | b'-') {
        i += 1;
    }
    let local = i;
    let ceil = (i + WINDOW).min(b.len());
    while i < ceil && email_char(b[i]) {
        i += 1;
    }
    i > local && i + 1 < b.len() && b[i] == b'@' && b[i + 1].is_ascii_alphanumeric()
}

/// Whether an email address stands right before `start` (`budi@x.co
/// (Budi Santoso)`), over spaces and an opening bracket.
fn email_before(text: &str, start: usize) -> bool {
    let b = text.as_bytes();
    let mut i = start;
    let floor = start.saturating_sub(4);
    while i > floor && matches!(b[i - 1], b' ' | b'(' | b'[' | b'<' | b'-' | b',') {
        i -= 1;
    }
    if i == start {
        return false;
    }
    let floor = i.saturating_sub(WINDOW * 2);
    let mut at = false;
    let mut dot_after_at = false;
    while i > floor && (email_char(b[i - 1]) || b[i - 1] == b'@') {
        match b[i - 1] {
            b'@' => at = true,
            b'.' if !at => dot_after_at = true,
            _ => {}
        }
        i -= 1;
    }
    at && dot_after_at
}

fn email_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}
