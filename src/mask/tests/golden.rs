//! Pinned outputs: the masked values of fixed inputs under a fixed key.
//! A change here is a change of every copy's values, and needs a new
//! version tag.

use super::*;

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
            MaskSpec::scrub(vec![ScrubKind::Email, ScrubKind::Phone]),
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
            MaskSpec::scrub(vec![
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
