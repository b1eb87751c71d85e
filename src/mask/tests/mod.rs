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

mod golden;

#[test]
fn json_strings_without_escapes_skip_serde_json_with_the_same_text() {
    let samples = [
        "",
        "plain",
        "ünïcödé ✓",
        "quote \" inside",
        "back\\slash",
        "tab\there",
        "line\nbreak",
        "\u{1}control",
        "del \u{7f} is not escaped",
        "slash / stays",
    ];
    for s in samples {
        let token = serde_json::to_string(s).unwrap();
        match json::plain_string(&token) {
            Some(inner) => {
                assert_eq!(inner, s);
                assert_eq!(format!("\"{inner}\""), token, "{s:?}");
            }
            None => assert!(s.bytes().any(json::escaped), "{s:?}"),
        }
    }
    assert_eq!(json::plain_string("\"a\\u0041\""), None);
    assert_eq!(json::plain_string("12"), None);
    // Through the masker: escaped and plain members give the same tokens
    // as their decoded text does.
    let j = m(
        MaskSpec::Json(vec![(
            "$.a".into(),
            MaskSpec::tokenize(TokenFormat::Preserve),
        )]),
        ValueShape::Jsonb,
    );
    let direct = apply(
        &m(MaskSpec::tokenize(TokenFormat::Preserve), text()),
        "x\"y\\z",
    );
    let doc = apply(&j, r#"{"a": "x\"y\\z"}"#);
    assert_eq!(
        doc,
        format!("{{\"a\": {}}}", serde_json::to_string(&direct).unwrap())
    );
    let plain = apply(&j, r#"{"a": "Ab-12"}"#);
    let direct = apply(
        &m(MaskSpec::tokenize(TokenFormat::Preserve), text()),
        "Ab-12",
    );
    assert_eq!(plain, format!("{{\"a\": \"{direct}\"}}"));
}
