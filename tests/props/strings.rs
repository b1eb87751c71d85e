//! String strategies shared by the properties: any Unicode, and text built
//! from the pieces maskers look for (digits, `@`, separators, multi-byte
//! letters), so that both random and near-realistic values are covered.

use proptest::prelude::*;

/// Pieces that make values look like emails, phones, cards, dates or URLs,
/// mixed with multi-byte and invisible characters.
const PIECES: &[&str] = &[
    "a",
    "Z",
    "ß",
    "é",
    "中文",
    "😀",
    "\u{200d}",
    "\u{301}",
    "İ",
    "ﬀ",
    " ",
    "\t",
    "\n",
    "0",
    "7",
    "9",
    "12",
    "4111",
    "+62",
    "+65",
    "08",
    "-",
    ".",
    "@",
    "@example.com",
    "http://",
    "https://x.io/",
    "?email=",
    "&token=",
    "%40",
    "%",
    "/",
    ":",
    "::",
    "192.168.0.1",
    "fe80::1",
    "S1234567D",
    "GB82WEST12345698765432",
    "3201234567890001",
    "4111 1111 1111 1111",
    "Dear ",
    "Budi",
    " Santoso",
    "Ölaf",
    "a.n.",
    " bin ",
    "NIK ",
    "rekening ",
    "Jl. ",
    "2024-02-29",
    "1999-12-31 23:59:59",
    "-0.5",
    "1e308",
    "NaN",
    "\\",
    "\"",
    "'",
    "{",
    "}",
    "[",
    "]",
    ",",
];

/// Any Unicode string (lengths 0 to 64 characters).
pub fn unicode() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..64).prop_map(|v| v.into_iter().collect())
}

/// Text assembled from [`PIECES`] (0 to 24 pieces).
pub fn pieces() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(PIECES), 0..24).prop_map(|v| v.concat())
}

/// Either kind, plus the empty string.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => unicode(),
        4 => pieces(),
        1 => Just(String::new()),
    ]
}
