//! Masker tests: determinism, keys, domains, bijections, shapes, golden values.

use std::collections::HashSet;

use super::*;

fn key() -> MaskKey {
    MaskKey::new(b"golden-key-0123456789")
}

fn m(spec: MaskSpec, shape: ValueShape) -> Masker {
    Masker::new(&spec, &key(), &shape).unwrap()
}

fn text() -> ValueShape {
    ValueShape::text()
}

fn fake(kind: FakeKind) -> MaskSpec {
    MaskSpec::Fake {
        kind,
        locale: Locale::En,
        domain: None,
    }
}

fn apply(m: &Masker, v: &str) -> String {
    let mut s = String::new();
    assert!(m.apply(v, &mut s).unwrap());
    s
}

#[test]
fn key_debug_and_fingerprint_hide_the_secret() {
    let k = MaskKey::new(b"super-secret-value");
    assert!(!format!("{k:?}").contains("super-secret"));
    assert!(k.fingerprint().starts_with("hmac-sha256:"));
    assert_ne!(
        k.fingerprint(),
        MaskKey::new(b"other-secret-value").fingerprint()
    );
}

#[test]
fn deterministic_keyed_and_domain_separated() {
    for spec in [
        MaskSpec::tokenize(TokenFormat::Hex),
        MaskSpec::tokenize(TokenFormat::Uuid),
        MaskSpec::tokenize(TokenFormat::Preserve),
        fake(FakeKind::Email),
        fake(FakeKind::Name),
    ] {
        let a = m(spec.clone(), text());
        let b = Masker::new(&spec, &MaskKey::new(b"another-key-0123456789"), &text()).unwrap();
        assert_eq!(
            apply(&a, "alice@example.com"),
            apply(&a, "alice@example.com")
        );
        assert_ne!(
            apply(&a, "alice@example.com"),
            apply(&b, "alice@example.com"),
            "{spec:?}"
        );
        assert_ne!(
            apply(&a, "alice@example.com"),
            apply(&a, "bob@example.com"),
            "{spec:?}"
        );
    }
    let plain = m(MaskSpec::tokenize(TokenFormat::Hex), text());
    let other = m(
        MaskSpec::Tokenize {
            format: TokenFormat::Hex,
            length: None,
            prefix: None,
            domain: Some("x".into()),
            email_domain: None,
        },
        text(),
    );
    assert_ne!(apply(&plain, "v"), apply(&other, "v"));
}

#[test]
fn golden_outputs_never_change() {
    let cases: Vec<(MaskSpec, ValueShape, &str)> = vec![
        (
            MaskSpec::tokenize(TokenFormat::Hex),
            text(),
            "alice@example.com",
        ),
        (
            MaskSpec::tokenize(TokenFormat::Uuid),
            ValueShape::Uuid,
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        ),
        (
            MaskSpec::tokenize(TokenFormat::Integer),
            ValueShape::Int32,
            "12345",
        ),
        (
            MaskSpec::tokenize(TokenFormat::Integer),
            ValueShape::Int64,
            "-9",
        ),
        (
            MaskSpec::tokenize(TokenFormat::Preserve),
            text(),
            "ID-4411 22, Ab.c",
        ),
        (fake(FakeKind::Name), text(), "Alice Smith"),
        (fake(FakeKind::FirstName), text(), "Alice"),
        (fake(FakeKind::LastName), text(), "Smith"),
        (fake(FakeKind::Email), text(), "alice@example.com"),
        (fake(FakeKind::Phone), text(), "+44 20 7946 0958"),
        (fake(FakeKind::Company), text(), "Acme"),
        (fake(FakeKind::Street), text(), "1 Main St"),
        (fake(FakeKind::City), text(), "Springfield"),
    ];
    let got: Vec<String> = cases
        .iter()
        .map(|(s, shape, v)| apply(&m(s.clone(), shape.clone()), v))
        .collect();
    let expected: Vec<&str> = GOLDEN.to_vec();
    assert_eq!(
        got, expected,
        "masked output changed: a deliberate change needs a new version tag"
    );
}

/// Outputs for the key `golden-key-0123456789`, pinned.
const GOLDEN: [&str; 13] = [
    "6b9a36a2e5d504191deef5be17f52ed8",
    "d59ebf43-efc0-4966-bd68-0f851ed2c299",
    "440253989",
    "-4588711805201037208",
    "QO-6155 02, In.u",
    "Della Beatty",
    "Nellie",
    "Kris",
    "felix.schumm.aiwoijjzhe9dxxxz@example.com",
    "+1 463 555 0777",
    "Harvey and Gislason Group",
    "99779 Bogisich Lakes",
    "Eliasshire",
];

#[test]
fn integer_tokens_are_bijections_that_keep_the_sign() {
    let p = m(MaskSpec::tokenize(TokenFormat::Integer), ValueShape::Int16);
    let mut seen = HashSet::new();
    for v in i16::MIN..=i16::MAX {
        let t: i64 = apply(&p, &v.to_string()).parse().unwrap();
        assert!(t >= i64::from(i16::MIN) && t <= i64::from(i16::MAX));
        assert_eq!(t < 0, v < 0, "sign of {v}");
        assert!(seen.insert(t), "duplicate token for {v}");
    }
    let p = m(MaskSpec::tokenize(TokenFormat::Integer), ValueShape::Int64);
    let mut seen = HashSet::new();
    for v in 0..200_000i64 {
        let t: i64 = apply(&p, &(v * 7_919 + 1).to_string()).parse().unwrap();
        assert!(t >= 0);
        assert!(seen.insert(t));
    }
    let mut s = String::new();
    assert!(p.apply("12.5", &mut s).is_err());
    let p = m(MaskSpec::tokenize(TokenFormat::Integer), ValueShape::Int16);
    assert!(p.apply("40000", &mut s).is_err());
}

#[test]
fn preserve_keeps_the_layout_and_is_injective() {
    let p = m(MaskSpec::tokenize(TokenFormat::Preserve), text());
    let out = apply(&p, "AB-12 cd/ü");
    assert_eq!(out.len(), "AB-12 cd/ü".len());
    let shape: String = out
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                'A'
            } else if c.is_ascii_lowercase() {
                'a'
            } else if c.is_ascii_digit() {
                '0'
            } else {
                c
            }
        })
        .collect();
    assert_eq!(shape, "AA-00 aa/ü");
    // Every string of up to 3 characters over a small alphabet.
    let alphabet = ['a', 'b', 'c', '0', '1', '-'];
    let mut seen = HashSet::new();
    let mut all = vec![String::new()];
    for _ in 0..3 {
        let next: Vec<String> = all
            .iter()
            .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
            .collect();
        all.extend(next.iter().cloned());
        all.dedup();
    }
    let all: HashSet<String> = all.into_iter().collect();
    for s in &all {
        assert!(seen.insert(apply(&p, s)), "collision on {s:?}");
    }
    // Common prefixes do not give common output prefixes.
    let a = apply(&p, "1234567890");
    let b = apply(&p, "1234567891");
    assert_ne!(a[..5], b[..5]);
}

#[test]
fn fake_emails_are_unique_and_reserved() {
    let e = m(fake(FakeKind::Email), text());
    let mut seen = HashSet::new();
    for i in 0..100_000 {
        let v = apply(&e, &format!("user{i}@corp.com"));
        assert!(
            v.ends_with("@example.com")
                || v.ends_with("@example.net")
                || v.ends_with("@example.org"),
            "{v}"
        );
        assert!(seen.insert(v));
    }
    let phone = apply(&m(fake(FakeKind::Phone), text()), "x");
    assert!(!phone.contains('x') && phone.starts_with("+1 "), "{phone}");
}

#[test]
fn shapes_are_checked_when_built() {
    let k = key();
    let err = |s: MaskSpec, shape: ValueShape| Masker::new(&s, &k, &shape).unwrap_err().to_string();
    assert!(err(fake(FakeKind::Email), ValueShape::Int32).contains("integer"));
    assert!(err(MaskSpec::tokenize(TokenFormat::Integer), text())
        .contains("smallint, integer or bigint"));
    assert!(err(
        fake(FakeKind::Email),
        ValueShape::Text {
            max_chars: Some(10),
            case_insensitive: false
        }
    )
    .contains("at least"));
    assert!(err(
        MaskSpec::Tokenize {
            format: TokenFormat::Hex,
            length: Some(80),
            prefix: None,
            domain: None,
            email_domain: None,
        },
        text()
    )
    .contains("1 to 64"));
    assert!(err(
        MaskSpec::Value("toolong".into()),
        ValueShape::Text {
            max_chars: Some(3),
            case_insensitive: false
        }
    )
    .contains("at most 3"));
    let short = m(
        fake(FakeKind::Name),
        ValueShape::Text {
            max_chars: Some(4),
            case_insensitive: false,
        },
    );
    for i in 0..100 {
        assert!(apply(&short, &i.to_string()).chars().count() <= 4);
    }
    let n = m(MaskSpec::Null, ValueShape::Int32);
    let mut s = String::new();
    assert!(!n.apply("1", &mut s).unwrap());
}

#[test]
fn golden_outputs_of_the_second_family() {
    let cases: Vec<(MaskSpec, ValueShape, &str)> = vec![
        (
            MaskSpec::tokenize(TokenFormat::Digits),
            text(),
            "4111-1111 ab",
        ),
        (fake(FakeKind::Ipv4), ValueShape::Inet, "192.0.2.1"),
        (fake(FakeKind::Ipv6), ValueShape::Inet, "2001:db8::1"),
        (fake(FakeKind::Iban), text(), "GB29 NWBK 6016 1331 9268 19"),
        (fake(FakeKind::Address), text(), "1 Main St"),
        (fake(FakeKind::UserAgent), text(), "curl/8"),
        (
            MaskSpec::Shift(Shift::Days(30)),
            ValueShape::Date,
            "2024-02-29",
        ),
        (
            MaskSpec::Shift(Shift::Percent(10.0)),
            ValueShape::Number,
            "100.00",
        ),
        (
            MaskSpec::Partial {
                keep_start: 2,
                keep_end: 2,
                with: '#',
            },
            text(),
            "secret-value",
        ),
        (
            MaskSpec::Scrub(vec![ScrubKind::Email, ScrubKind::Phone]),
            text(),
            "mail a@b.co or +62 812 3456 7890",
        ),
        (
            MaskSpec::Json(vec![("$.e".into(), fake(FakeKind::Email))]),
            ValueShape::Jsonb,
            r#"{"e": "a@b.co", "k": 1}"#,
        ),
    ];
    let got: Vec<String> = cases
        .iter()
        .map(|(s, shape, v)| apply(&m(s.clone(), shape.clone()), v))
        .collect();
    assert_eq!(
        got,
        GOLDEN_2.to_vec(),
        "masked output changed: a deliberate change needs a new version tag"
    );
}

/// Outputs for the key `golden-key-0123456789`, pinned.
const GOLDEN_2: [&str; 11] = [
    "7471-1356 ab",
    "10.96.32.16",
    "fd8d:5414:e8cf::4b02",
    "FR25 2634 8399 4738 6193 9236 526",
    "3703 Erdman Lane, Farrellbury 95530",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:40.0) Gecko/20100101 Firefox/40.1",
    "2024-02-13",
    "98.06",
    "se########ue",
    "mail mya.beier.cb4yepob489b39i8@example.net or +62 536 4948 7201",
    r#"{"e": "mya.beier.cb4yepob489b39i8@example.net", "k": 1}"#,
];

#[test]
fn indonesian_and_singaporean_values() {
    let loc = |kind, locale| MaskSpec::Fake {
        kind,
        locale,
        domain: None,
    };
    let id_phone = m(loc(FakeKind::Phone, Locale::Id), text());
    let sg_phone = m(loc(FakeKind::Phone, Locale::Sg), text());
    let nik = m(loc(FakeKind::NationalId, Locale::Id), text());
    let nric = m(loc(FakeKind::NationalId, Locale::Sg), text());
    let sg_name = m(loc(FakeKind::Name, Locale::Sg), text());
    let id_email = m(loc(FakeKind::Email, Locale::Id), text());
    let mut names = HashSet::new();
    for i in 0..500 {
        let v = i.to_string();
        let p = apply(&id_phone, &v);
        assert!(p.starts_with("+62 8") && p.len() == 17, "{p}");
        let p = apply(&sg_phone, &v);
        assert!(
            (p.starts_with("+65 8") || p.starts_with("+65 9")) && p.len() == 13,
            "{p}"
        );
        let n = apply(&nik, &v);
        assert!(
            n.len() == 16 && n.bytes().all(|b| b.is_ascii_digit()),
            "{n}"
        );
        let r = apply(&nric, &v);
        let digits: Vec<u32> = r[1..8].chars().map(|c| c.to_digit(10).unwrap()).collect();
        assert_eq!(
            r,
            locales::nric(r.chars().next().unwrap(), &digits),
            "check letter of {r}"
        );
        names.insert(apply(&sg_name, &v));
        assert!(
            apply(&id_email, &v).ends_with(".com") || apply(&id_email, &v).contains("@example.")
        );
    }
    assert!(
        names
            .iter()
            .any(|n| n.contains(" bin ") || n.contains(" binte ")),
        "Malay names"
    );
    assert!(
        names
            .iter()
            .any(|n| n.contains(" s/o ") || n.contains(" d/o ")),
        "Indian names"
    );
    assert!(names.len() > 100);
}

#[test]
fn unique_phones_keep_the_country_code_and_never_collide() {
    let p = m(MaskSpec::UniquePhone { domain: None }, text());
    let mut seen = HashSet::new();
    for i in 0..200_000u32 {
        let input = format!("+62 812-{:04}-{:04}", i / 10_000, i % 10_000);
        let out = apply(&p, &input);
        assert!(out.starts_with("+62 ") && out.len() == input.len(), "{out}");
        assert!(seen.insert(out));
    }
    assert!(p.is_injective());
}

fn tok_with(format: TokenFormat, email_domain: Option<&str>) -> MaskSpec {
    MaskSpec::Tokenize {
        format,
        length: None,
        prefix: None,
        domain: None,
        email_domain: email_domain.map(str::to_string),
    }
}

fn citext() -> ValueShape {
    ValueShape::Text {
        max_chars: None,
        case_insensitive: true,
    }
}

#[test]
fn golden_outputs_of_the_third_family() {
    let cases: Vec<(MaskSpec, ValueShape, &str)> = vec![
        (MaskSpec::tokenize(TokenFormat::Email), text(), "Alice@Example.com"),
        (
            tok_with(TokenFormat::Email, Some("example.org")),
            text(),
            "alice@example.com",
        ),
        (MaskSpec::tokenize(TokenFormat::Card), text(), "4111 1111 1111 1111"),
        (fake(FakeKind::Sentence), text(), "hello"),
        (fake(FakeKind::DateOfBirth), ValueShape::Date, "1987-06-15"),
        (fake(FakeKind::Card), text(), "4111111111111111"),
        (
            MaskSpec::Generalize(Granularity::Month),
            ValueShape::Timestamp,
            "2024-03-05 12:34:56+00",
        ),
        (
            MaskSpec::Round(RoundStep::parse("1000").unwrap()),
            ValueShape::Number,
            "52500.10",
        ),
        (
            MaskSpec::Replace {
                pattern: r"\d".into(),
                with: "#".into(),
            },
            text(),
            "ORD-2024-001",
        ),
        (
            MaskSpec::Scrub(vec![
                ScrubKind::Nik,
                ScrubKind::Nric,
                ScrubKind::Iban,
                ScrubKind::Url,
            ]),
            text(),
            "NIK 3174015708900003, NRIC S1234567D, IBAN GB29 NWBK 6016 1331 9268 19, https://x.io/r?email=a%40b.co&page=2",
        ),
        (
            MaskSpec::Json(vec![("$.e".into(), fake(FakeKind::Email))]),
            ValueShape::Json,
            r#"{ "e" : "a@b.co",  "e": "c@d.co", "k": [1, 2] }"#,
        ),
    ];
    let got: Vec<String> = cases
        .iter()
        .map(|(s, shape, v)| apply(&m(s.clone(), shape.clone()), v))
        .collect();
    assert_eq!(
        got,
        GOLDEN_3.to_vec(),
        "masked output changed: a deliberate change needs a new version tag"
    );
}

/// Outputs for the key `golden-key-0123456789`, pinned.
const GOLDEN_3: [&str; 11] = [
    r#"f23d92c55d108691@Example.com"#,
    r#"15e3506641ac1c90@example.org"#,
    r#"4139 6186 2883 9388"#,
    r#"deleniti odio mollitia maiores autem quas reiciendis vero et voluptatum repellat."#,
    r#"1973-05-22"#,
    r#"4722886643788640"#,
    r#"2024-03-01 00:00:00+00"#,
    r#"53000"#,
    r#"ORD-####-###"#,
    r#"NIK 7310156506742445, NRIC S0467628I, IBAN GB85 EOQF 9569 6402 6436 31, https://x.io/r?email=b63216890f73bd8d&page=2"#,
    r#"{ "e" : "mya.beier.cb4yepob489b39i8@example.net",  "e": "eli.renner.vdcsr5far3os3tns@example.com", "k": [1, 2] }"#,
];

#[test]
fn citext_maskers_ignore_case_and_stay_unique() {
    for spec in [
        MaskSpec::tokenize(TokenFormat::Hex),
        MaskSpec::tokenize(TokenFormat::Email),
        MaskSpec::tokenize(TokenFormat::Preserve),
        fake(FakeKind::Email),
    ] {
        let ci = m(spec.clone(), citext());
        let upper = apply(&ci, "Alice.Smith@Example.COM");
        let lower = apply(&ci, "alice.smith@example.com");
        assert_eq!(
            upper.to_lowercase(),
            lower.to_lowercase(),
            "{}",
            ci.describe()
        );
        // Case-insensitively distinct inputs stay distinct, whatever their case.
        let mut seen = HashSet::new();
        for i in 0..2000 {
            let v = if i % 2 == 0 {
                format!("User{i}@Mail.com")
            } else {
                format!("user{i}@mail.com")
            };
            assert!(
                seen.insert(apply(&ci, &v).to_lowercase()),
                "{}",
                ci.describe()
            );
        }
    }
    // On text, case matters: the two spellings are different values.
    let cs = m(MaskSpec::tokenize(TokenFormat::Hex), text());
    assert_ne!(apply(&cs, "A@x.io"), apply(&cs, "a@x.io"));
}

#[test]
fn email_and_card_tokens_keep_their_form() {
    let e = m(MaskSpec::tokenize(TokenFormat::Email), text());
    let out = apply(&e, "jane.doe@corp.example");
    assert!(
        out.ends_with("@corp.example") && !out.contains("jane"),
        "{out}"
    );
    assert_eq!(out.split('@').next().map(str::len), Some(16));
    assert!(e.is_injective());
    let c = m(MaskSpec::tokenize(TokenFormat::Card), text());
    let out = apply(&c, "5500-0000-0000-0004");
    assert_eq!(out.len(), 19);
    assert!(
        out.starts_with('5') && out != "5500-0000-0000-0004",
        "{out}"
    );
    let digits: Vec<u8> = out
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    assert!(tokenize::luhn_ok(&digits), "{out}");
    assert!(
        Masker::new(
            &MaskSpec::tokenize(TokenFormat::Card),
            &key(),
            &ValueShape::Int64
        )
        .is_err(),
        "card on bigint"
    );
}

#[test]
fn json_columns_keep_their_text_outside_masked_values() {
    let j = m(
        MaskSpec::Json(vec![
            ("$..email".into(), fake(FakeKind::Email)),
            ("$.n".into(), MaskSpec::tokenize(TokenFormat::Digits)),
        ]),
        ValueShape::Json,
    );
    let doc = "{\n  \"email\": \"x@y.co\",\n  \"n\": 12345,\n  \"email\": \"z@y.co\",\n  \"keep\": [1.50, \"t\"],\n  \"sub\": {\"email\": null}\n}";
    let out = apply(&j, doc);
    assert!(!out.contains("x@y.co") && !out.contains("z@y.co"), "{out}");
    assert!(out.starts_with("{\n  \"email\": \""), "{out}");
    assert!(
        out.ends_with(",\n  \"keep\": [1.50, \"t\"],\n  \"sub\": {\"email\": null}\n}"),
        "{out}"
    );
    let n = out
        .split("\"n\": ")
        .nth(1)
        .and_then(|r| r.split(',').next());
    assert!(
        n.is_some_and(|n| n.len() == 5 && n != "12345" && n.parse::<u32>().is_ok()),
        "{out}"
    );
}

/// Up to 256 letters and digits, preserve keeps the tokens of the first
/// scheme (an HMAC over the whole value per block of key stream); longer
/// values use a per-round seed, in linear time. Both are pinned.
#[test]
fn preserve_long_values_pinned_and_injective() {
    let p = m(MaskSpec::tokenize(TokenFormat::Preserve), text());
    let short: String = (0..256).map(|i| ["a", "B", "7", "-"][i % 4]).collect();
    assert_eq!(apply(&p, &short), PRESERVE_192);
    let long: String = (0..1000).map(|i| ["a", "B", "7", "-"][i % 4]).collect();
    let out = apply(&p, &long);
    assert_eq!(&out[..64], PRESERVE_750_START);
    assert_eq!(out.len(), long.len());
    // A change in the last character changes the output and keeps it distinct.
    let mut other = long.clone();
    other.replace_range(998..999, "8");
    let out2 = apply(&p, &other);
    assert_ne!(out, out2);
    assert_ne!(
        out[..500],
        out2[..500],
        "every output character depends on the whole input"
    );
}

/// `preserve` of 64 × "aB7-" (192 letters and digits), pinned.
const PRESERVE_192: &str = "lK2-iX2-eC4-rE8-zY7-iB9-jW6-zA9-mA5-jY7-nC4-kM8-zU7-uE1-rL3-yN4-jW8-fB2-dJ8-wK7-kR2-aT8-dX7-oU1-xL1-vJ2-tG4-tK0-mD3-tZ2-sE9-wH0-lM1-wO1-hR4-yG1-jE6-zB4-uE6-zX1-vV1-jU3-xB3-cC4-lH6-eK0-qB7-pS1-pV5-sP8-gO6-kI5-yV3-dM9-bX0-lF6-aW7-dQ5-tW9-zB6-xL1-uM3-sF9-oY5-";

/// The first 64 characters of `preserve` of 250 × "aB7-".
const PRESERVE_750_START: &str = "bD4-eG2-nR6-gR3-kX0-fR9-mE9-bX8-yY4-aP7-xE5-dE1-aI4-oD4-cH0-tI1-";
