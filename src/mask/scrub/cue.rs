//! Context keywords: a word such as `NIK`, `card`, `HP` or `rekening` right
//! before a number (or right after it) makes the number personal even when
//! its checksum or structure does not hold, because people type identifiers
//! wrongly and a wrongly typed identifier is still theirs.
//!
//! Only a few words are looked at, and only within the line: from the
//! candidate back over separators (`:`, `.`, `#`, `-`, `/`, brackets,
//! spaces) and at most three filler words (`no.`, `nomor`, `number`, `my`,
//! `saya`, `is`, a bank's name, a short all-capitals word), the
//! next word must be a keyword; after the candidate, at most two filler
//! words (`is`, `adalah`, …) may stand before it. Any other word between
//! them breaks the link, so `account balance 1500000` and `order no.
//! 12345678` are not taken.

use std::sync::OnceLock;

use regex::Regex;

/// What a keyword says the number next to it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cue {
    /// An Indonesian NIK (`NIK`, `KTP`).
    Nik,
    /// A Singapore NRIC/FIN (`NRIC`, `FIN`).
    Nric,
    /// A payment card (`card`, `kartu`, `credit`, `visa`, …).
    Card,
    /// A phone number (`phone`, `tel`, `HP`, `WA`, `whatsapp`, …).
    Phone,
    /// An email address (`email`, `surel`, `emel`).
    Email,
    /// An IBAN (`IBAN`).
    Iban,
    /// A bank account (`account`, `acct`, `rekening`, `rek`, `akaun`).
    Account,
    /// Another identity or document number (`SSN`, `passport`, `paspor`,
    /// `IC`, `MyKad`, `NPWP`, `BPJS`, `licence`).
    Document,
}

/// Keywords (lowercase) and what they say; matched as whole words,
/// case-insensitively.
const KEYWORDS: &[(&str, Cue)] = &[
    ("nik", Cue::Nik),
    ("ktp", Cue::Nik),
    ("kependudukan", Cue::Nik),
    ("nric", Cue::Nric),
    ("fin", Cue::Nric),
    ("card", Cue::Card),
    ("kartu", Cue::Card),
    ("kad", Cue::Card),
    ("cc", Cue::Card),
    ("credit", Cue::Card),
    ("kredit", Cue::Card),
    ("debit", Cue::Card),
    ("visa", Cue::Card),
    ("mastercard", Cue::Card),
    ("amex", Cue::Card),
    ("phone", Cue::Phone),
    ("telephone", Cue::Phone),
    ("tel", Cue::Phone),
    ("telp", Cue::Phone),
    ("telepon", Cue::Phone),
    ("telefon", Cue::Phone),
    ("hp", Cue::Phone),
    ("handphone", Cue::Phone),
    ("ponsel", Cue::Phone),
    ("mobile", Cue::Phone),
    ("cell", Cue::Phone),
    ("wa", Cue::Phone),
    ("whatsapp", Cue::Phone),
    ("sms", Cue::Phone),
    ("fax", Cue::Phone),
    ("email", Cue::Email),
    ("mail", Cue::Email),
    ("surel", Cue::Email),
    ("emel", Cue::Email),
    ("iban", Cue::Iban),
    ("account", Cue::Account),
    ("acct", Cue::Account),
    ("akaun", Cue::Account),
    ("rekening", Cue::Account),
    ("rek", Cue::Account),
    ("ssn", Cue::Document),
    ("passport", Cue::Document),
    ("paspor", Cue::Document),
    ("pasport", Cue::Document),
    ("ic", Cue::Document),
    ("mykad", Cue::Document),
    ("pengenalan", Cue::Document),
    ("npwp", Cue::Document),
    ("bpjs", Cue::Document),
    ("licence", Cue::Document),
    ("license", Cue::Document),
];

/// Words that may stand between a keyword and the number before it
/// (and banks' names: `rekening Mandiri 1234567890`).
const FILLERS_BEFORE: &[&str] = &[
    "no", "nomor", "nombor", "number", "num", "nr", "my", "your", "his", "her", "their", "our",
    "saya", "anda", "kamu", "dia", "is", "was", "adalah", "ialah", "ini", "the", "of", "ke",
    "baru", "lama", "tujuan", "new", "old", "bank", "bca", "bni", "bri", "btn", "bsi", "mandiri",
    "maybank", "cimb", "niaga", "permata", "danamon", "panin", "muamalat", "jago", "jenius", "dbs",
    "posb", "ocbc", "uob", "hsbc", "citibank", "rhb", "public",
];

/// Words that may stand between a number and the keyword after it.
const FILLERS_AFTER: &[&str] = &[
    "is",
    "was",
    "my",
    "your",
    "adalah",
    "ialah",
    "merupakan",
    "ini",
    "itu",
    "saya",
];

/// How far (bytes) the words around a candidate are looked for.
const WINDOW: usize = 48;

fn keyword(word: &str) -> Option<Cue> {
    KEYWORDS
        .iter()
        .find(|(k, _)| word.eq_ignore_ascii_case(k))
        .map(|&(_, c)| c)
}

fn one_of(word: &str, list: &[&str]) -> bool {
    list.iter().any(|w| word.eq_ignore_ascii_case(w))
}

/// Separators between a keyword and its number: within one line.
fn separator(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b':' | b'.' | b'#' | b'=' | b'-' | b'/' | b'(' | b')' | b'[' | b']'
    )
}

/// Whether any keyword stands in `text[range]` or within a window of it:
/// where none does, no candidate there can be named by one, and the
/// patterns that only a keyword makes personal need not be searched.
pub(super) fn any_near(text: &str, range: std::ops::Range<usize>) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        let words: Vec<&str> = KEYWORDS.iter().map(|(w, _)| *w).collect();
        let p = format!("(?i-u:\\b(?:{})\\b)", words.join("|"));
        Regex::new(&p).unwrap_or_else(|e| unreachable!("keyword pattern: {e}"))
    });
    let mut from = range.start.saturating_sub(WINDOW);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (range.end + WINDOW).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    re.is_match(&text[from..to])
}

/// A byte that makes the letters next to it part of a longer word (so
/// that they are no keyword): a letter, digit, `_` or a non-ASCII byte.
fn glued(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The keyword that names the candidate `text[start..end]`, if any.
pub(super) fn cue(text: &str, start: usize, end: usize) -> Option<Cue> {
    before(text, start).or_else(|| after(text, end))
}

/// The keyword before `start`: back over separators and fillers.
fn before(text: &str, start: usize) -> Option<Cue> {
    let b = text.as_bytes();
    let floor = start.saturating_sub(WINDOW);
    let mut i = start;
    let mut fillers = 0;
    loop {
        while i > floor && separator(b[i - 1]) {
            i -= 1;
        }
        let end = i;
        while i > floor && b[i - 1].is_ascii_alphabetic() {
            i -= 1;
        }
        // A word cut by the window, or glued to a digit or another
        // character, is not a word.
        if i == end || (i > 0 && glued(b[i - 1])) {
            return None;
        }
        let word = &text[i..end];
        if let Some(c) = keyword(word) {
            return Some(c);
        }
        let short_caps = word.len() <= 5 && word.bytes().all(|c| c.is_ascii_uppercase());
        fillers += 1;
        if fillers > 3 || !(one_of(word, FILLERS_BEFORE) || short_caps) {
            return None;
        }
    }
}

/// The keyword after `end`: forward over spaces, an opening bracket or a
/// dash, and a few fillers; never past the end of a sentence.
fn after(text: &str, end: usize) -> Option<Cue> {
    let b = text.as_bytes();
    let ceil = (end + WINDOW).min(b.len());
    let mut i = end;
    for _ in 0..3 {
        while i < ceil && matches!(b[i], b' ' | b'\t' | b'(' | b'[' | b'-' | b'/') {
            i += 1;
        }
        let start = i;
        while i < ceil && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        if i == start || (i < b.len() && glued(b[i])) {
            return None;
        }
        let word = &text[start..i];
        if let Some(c) = keyword(word) {
            return Some(c);
        }
        if !one_of(word, FILLERS_AFTER) {
            return None;
        }
    }
    None
}
