//! Every keyed masker (and scrub) on any text: never a panic, the same
//! output for the same input (also from a masker built afresh), NULL kept
//! NULL in the row stream, and each format's promised shape.

use bytes::BytesMut;
use doppel::copy::{FieldOp, RowTransform};
use doppel::mask::{
    FakeKind, Granularity, Locale, MaskKey, MaskSpec, Masker, RoundStep, ScrubKind, Shift,
    TokenFormat, ValueShape,
};
use proptest::prelude::*;

use crate::strings::text;

const SECRET: &[u8] = b"property-test-key-0123456789";

fn key() -> MaskKey {
    MaskKey::new(SECRET)
}

fn citext() -> ValueShape {
    ValueShape::Text {
        max_chars: None,
        case_insensitive: true,
    }
}

/// Every keyed masker with a column shape it accepts.
fn keyed_specs() -> Vec<(MaskSpec, ValueShape)> {
    let mut v = Vec::new();
    for f in [
        TokenFormat::Hex,
        TokenFormat::Uuid,
        TokenFormat::Preserve,
        TokenFormat::Digits,
        TokenFormat::Email,
        TokenFormat::Card,
    ] {
        v.push((MaskSpec::tokenize(f), ValueShape::text()));
        v.push((MaskSpec::tokenize(f), citext()));
    }
    for bits in [ValueShape::Int16, ValueShape::Int32, ValueShape::Int64] {
        v.push((MaskSpec::tokenize(TokenFormat::Integer), bits));
    }
    for name in FakeKind::names() {
        for locale in ["en", "id", "sg"] {
            let spec = MaskSpec::Fake {
                kind: FakeKind::parse(name).expect("a listed kind parses"),
                locale: Locale::parse(locale).expect("a listed locale parses"),
                domain: None,
            };
            v.push((spec.clone(), ValueShape::text()));
            v.push((spec, citext()));
        }
    }
    let kinds: Vec<ScrubKind> = ScrubKind::names()
        .into_iter()
        .filter_map(ScrubKind::parse)
        .collect();
    v.push((MaskSpec::scrub(kinds.clone()), ValueShape::text()));
    for locale in [Locale::Id, Locale::Sg] {
        let spec = MaskSpec::Scrub {
            kinds: kinds.clone(),
            locale,
        };
        v.push((spec.clone(), ValueShape::text()));
        v.push((spec, citext()));
    }
    for k in kinds {
        v.push((MaskSpec::scrub(vec![k]), ValueShape::text()));
    }
    v.push((MaskSpec::UniquePhone { domain: None }, ValueShape::text()));
    v.push((MaskSpec::Shift(Shift::Days(30)), ValueShape::Date));
    v.push((MaskSpec::Shift(Shift::Days(30)), ValueShape::Timestamp));
    v.push((MaskSpec::Shift(Shift::Amount(100.0)), ValueShape::Number));
    v.push((MaskSpec::Shift(Shift::Percent(10.0)), ValueShape::Number));
    v
}

/// Maskers without a key, and `each` over arrays, with shapes they accept.
fn unkeyed_specs() -> Vec<(MaskSpec, ValueShape)> {
    let text_array = ValueShape::Array(Box::new(ValueShape::text()));
    let mut v = vec![
        (MaskSpec::Null, ValueShape::text()),
        (MaskSpec::Value("x".into()), ValueShape::text()),
        (
            MaskSpec::Partial {
                keep_start: 1,
                keep_end: 2,
                with: '•',
            },
            ValueShape::text(),
        ),
        (
            MaskSpec::Partial {
                keep_start: 0,
                keep_end: 40,
                with: '*',
            },
            ValueShape::Text {
                max_chars: Some(5),
                case_insensitive: false,
            },
        ),
        (
            MaskSpec::Replace {
                pattern: "[0-9]+".into(),
                with: "#".into(),
            },
            ValueShape::Text {
                max_chars: Some(8),
                case_insensitive: false,
            },
        ),
        (
            MaskSpec::Replace {
                pattern: "(?<u>[^@]+)@".into(),
                with: "${u}é@".into(),
            },
            ValueShape::text(),
        ),
        (
            MaskSpec::Each(Box::new(MaskSpec::tokenize(TokenFormat::Preserve))),
            text_array.clone(),
        ),
        (MaskSpec::Each(Box::new(MaskSpec::Null)), text_array.clone()),
        (
            MaskSpec::Each(Box::new(MaskSpec::scrub(vec![ScrubKind::Email]))),
            text_array,
        ),
        (
            MaskSpec::Each(Box::new(MaskSpec::tokenize(TokenFormat::Integer))),
            ValueShape::Array(Box::new(ValueShape::Int32)),
        ),
    ];
    for g in [Granularity::Year, Granularity::Month, Granularity::Day] {
        v.push((MaskSpec::Generalize(g), ValueShape::Date));
        v.push((MaskSpec::Generalize(g), ValueShape::Timestamp));
    }
    for exponent in [-2, 0, 3] {
        v.push((MaskSpec::Round(RoundStep { exponent }), ValueShape::Number));
    }
    v.push((
        MaskSpec::Round(RoundStep { exponent: 2 }),
        ValueShape::Int16,
    ));
    v.push((
        MaskSpec::Round(RoundStep { exponent: 9 }),
        ValueShape::Int64,
    ));
    v
}

fn build(spec: &MaskSpec, shape: &ValueShape) -> Masker {
    Masker::new(spec, &key(), shape).unwrap_or_else(|e| panic!("{spec:?} on {shape}: {e}"))
}

fn apply(m: &Masker, input: &str) -> Result<Option<String>, String> {
    let mut out = String::new();
    match m.apply(input, &mut out) {
        Ok(true) => Ok(Some(out)),
        Ok(false) => Ok(None),
        Err(e) => Err(e.0),
    }
}

fn spec_index() -> impl Strategy<Value = usize> {
    0..keyed_specs().len()
}

/// The character classes preserve keeps: ASCII lower, upper, digit, other.
fn class(c: char) -> u8 {
    match c {
        'a'..='z' => 1,
        'A'..='Z' => 2,
        '0'..='9' => 3,
        _ => 0,
    }
}

fn is_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

proptest! {
    /// Any text through any keyed masker: no panic, the same answer twice
    /// and from a masker built afresh, and a value never leaks into an error.
    #[test]
    fn keyed_maskers_are_total_and_deterministic(i in spec_index(), input in text()) {
        let specs = keyed_specs();
        let (spec, shape) = &specs[i];
        let m = build(spec, shape);
        let first = apply(&m, &input);
        prop_assert_eq!(&apply(&m, &input), &first);
        prop_assert_eq!(&apply(&build(spec, shape), &input), &first);
        if let Err(e) = &first {
            prop_assert!(input.chars().count() < 4 || !e.contains(&input), "{e}");
        }
    }

    /// Any text through the maskers without a key: no panic, the same
    /// answer twice, within the column's length when it has one.
    #[test]
    fn unkeyed_maskers_are_total(i in 0..unkeyed_specs().len(), input in prop_oneof![text(), array_text()]) {
        let specs = unkeyed_specs();
        let (spec, shape) = &specs[i];
        let m = build(spec, shape);
        let first = apply(&m, &input);
        prop_assert_eq!(&apply(&m, &input), &first);
        // A value the column holds fits after masking too.
        if let (Ok(Some(out)), ValueShape::Text { max_chars: Some(n), .. }) = (&first, shape) {
            if input.chars().count() <= *n {
                prop_assert!(out.chars().count() <= *n, "{:?}", out);
            }
        }
    }

    /// NULL stays NULL through every keyed masker in the row stream.
    #[test]
    fn null_stays_null(i in spec_index()) {
        let specs = keyed_specs();
        let (spec, shape) = &specs[i];
        let mut t = RowTransform::new(vec!["c".into(), "k".into()], vec![FieldOp::Mask(build(spec, shape)), FieldOp::Keep]);
        let mut out = BytesMut::new();
        prop_assert!(t.push(b"\\N\tx\n\\N\t\\N\n", &mut out).is_ok());
        prop_assert_eq!(&out[..], &b"\\N\tx\n\\N\t\\N\n"[..]);
    }

    /// preserve and digits keep the length in characters and each
    /// character's class; digits leaves letters alone; on citext, inputs
    /// equal but for case give outputs equal but for case.
    #[test]
    fn preserve_keeps_length_and_classes(input in text()) {
        for (format, shape) in [
            (TokenFormat::Preserve, ValueShape::text()),
            (TokenFormat::Digits, ValueShape::text()),
            (TokenFormat::Preserve, citext()),
        ] {
            let out = apply(&build(&MaskSpec::tokenize(format), &shape), &input).map_err(TestCaseError::fail)?.unwrap_or_default();
            prop_assert_eq!(out.chars().count(), input.chars().count());
            for (a, b) in input.chars().zip(out.chars()) {
                prop_assert_eq!(class(a), class(b), "{:?} -> {:?}", input, out);
                if class(a) == 0 || (format == TokenFormat::Digits && class(a) != 3) {
                    prop_assert_eq!(a, b);
                }
            }
        }
        let m = build(&MaskSpec::tokenize(TokenFormat::Preserve), &citext());
        let lower = input.to_ascii_lowercase();
        let a = apply(&m, &input).map_err(TestCaseError::fail)?.unwrap_or_default();
        let b = apply(&m, &lower).map_err(TestCaseError::fail)?.unwrap_or_default();
        prop_assert_eq!(a.to_ascii_lowercase(), b.to_ascii_lowercase());
    }

    /// hex, uuid, email and card tokens have their promised shapes.
    #[test]
    fn token_formats_keep_their_shapes(input in text(), len in 8usize..=64) {
        let hex = MaskSpec::Tokenize { format: TokenFormat::Hex, length: Some(len), prefix: Some("t_".into()), domain: None, email_domain: None };
        let out = apply(&build(&hex, &ValueShape::text()), &input).map_err(TestCaseError::fail)?.unwrap_or_default();
        prop_assert!(out.starts_with("t_") && out.len() == len + 2 && is_hex(&out[2..]), "{out}");

        let out = apply(&build(&MaskSpec::tokenize(TokenFormat::Uuid), &ValueShape::text()), &input).map_err(TestCaseError::fail)?.unwrap_or_default();
        let b = out.as_bytes();
        prop_assert!(out.len() == 36 && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-'), "{out}");
        prop_assert!(is_hex(&out.replace('-', "")) && b[14] == b'4' && b"89ab".contains(&b[19]), "{out}");

        let email = MaskSpec::Tokenize { format: TokenFormat::Email, length: Some(len), prefix: None, domain: None, email_domain: None };
        let out = apply(&build(&email, &ValueShape::text()), &input).map_err(TestCaseError::fail)?.unwrap_or_default();
        let host = match input.rsplit_once('@') {
            Some((_, h)) if !h.is_empty() => h.to_string(),
            _ => "example.invalid".to_string(),
        };
        prop_assert!(is_hex(&out[..len]), "{out}");
        prop_assert_eq!(&out[len..], format!("@{host}"));

        let out = apply(&build(&MaskSpec::tokenize(TokenFormat::Card), &ValueShape::text()), &input).map_err(TestCaseError::fail)?.unwrap_or_default();
        prop_assert_eq!(out.chars().count(), input.chars().count());
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).map(|c| c as u8 - b'0').collect::<Vec<u8>>();
        let (din, dout) = (digits(&input), digits(&out));
        for (a, b) in input.chars().zip(out.chars()) {
            prop_assert_eq!(a.is_ascii_digit(), b.is_ascii_digit(), "{:?} -> {:?}", input, out);
            if !a.is_ascii_digit() {
                prop_assert_eq!(a, b);
            }
        }
        if din.len() >= 2 {
            prop_assert_eq!(din[0], dout[0], "{:?} -> {:?}", input, out);
            prop_assert!(luhn_ok(&dout), "{:?} -> {:?}", input, out);
        }
    }

    /// tokenize integer: a bijection of the type's range that keeps the sign.
    #[test]
    fn integer_tokens_stay_in_range(a in any::<i64>(), b in any::<i64>()) {
        for (shape, lo, hi) in [
            (ValueShape::Int16, i64::from(i16::MIN), i64::from(i16::MAX)),
            (ValueShape::Int32, i64::from(i32::MIN), i64::from(i32::MAX)),
            (ValueShape::Int64, i64::MIN, i64::MAX),
        ] {
            let m = build(&MaskSpec::tokenize(TokenFormat::Integer), &shape);
            let (a, b) = (a.clamp(lo, hi), b.clamp(lo, hi));
            let ta: i64 = apply(&m, &a.to_string()).map_err(TestCaseError::fail)?.unwrap_or_default().parse().map_err(|_| TestCaseError::fail("not an integer"))?;
            let tb: i64 = apply(&m, &b.to_string()).map_err(TestCaseError::fail)?.unwrap_or_default().parse().map_err(|_| TestCaseError::fail("not an integer"))?;
            prop_assert!((lo..=hi).contains(&ta) && (ta < 0) == (a < 0));
            prop_assert_eq!(a == b, ta == tb);
        }
    }

    /// fake values fit the column's length limit, whatever the input.
    #[test]
    fn fakes_fit_the_column(i in 0usize..22, locale in 0usize..3, max in 1usize..48, input in text()) {
        let kind = FakeKind::parse(FakeKind::names()[i]).expect("a listed kind parses");
        let locale = Locale::parse(["en", "id", "sg"][locale]).expect("a listed locale parses");
        let spec = MaskSpec::Fake { kind, locale, domain: None };
        let shape = ValueShape::Text { max_chars: Some(max), case_insensitive: false };
        if let Ok(m) = Masker::new(&spec, &key(), &shape) {
            let out = apply(&m, &input).map_err(TestCaseError::fail)?.unwrap_or_default();
            prop_assert!(out.chars().count() <= max, "{kind:?} {out:?} > {max}");
        }
    }
}

/// PostgreSQL array literals, well-formed or nearly: braces, quotes,
/// escapes, NULL, nesting and dimensions.
fn array_text() -> impl Strategy<Value = String> {
    const PARTS: &[&str] = &[
        "{",
        "}",
        ",",
        "\"",
        "\\",
        "NULL",
        "null",
        "a",
        "é😀",
        "12",
        "-3",
        "x@y.io",
        " ",
        "[1:2]=",
        "{{1,2},{3,4}}",
        "\"a,b\"",
        "\"\\\"\"",
        "",
    ];
    proptest::collection::vec(proptest::sample::select(PARTS), 0..16).prop_map(|v| v.concat())
}

fn luhn_ok(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let v = u32::from(d) * if i % 2 == 1 { 2 } else { 1 };
            if v > 9 {
                v - 9
            } else {
                v
            }
        })
        .sum();
    sum % 10 == 0
}
