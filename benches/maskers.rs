//! Masker and COPY-codec throughput (values or rows per second, one core).
//!
//! `cargo bench --bench maskers`

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use doppel::copy::{FieldOp, RowTransform};
use doppel::mask::{
    FakeKind, Granularity, Locale, MaskKey, MaskSpec, Masker, RoundStep, ScrubKind, TemplatePart,
    TokenFormat, ValueShape,
};

fn inputs() -> Vec<String> {
    (0..1024)
        .map(|i| format!("user{i}@corp.example.com"))
        .collect()
}

fn maskers(c: &mut Criterion) {
    let key = MaskKey::new(b"bench-key-0123456789abcdef");
    let text = ValueShape::text();
    let tok = |format| MaskSpec::Tokenize {
        format,
        length: None,
        prefix: None,
        domain: None,
        email_domain: None,
    };
    let fake = |kind| MaskSpec::Fake {
        kind,
        locale: Locale::En,
        domain: None,
    };
    let ci = ValueShape::Text {
        max_chars: None,
        case_insensitive: true,
    };
    let emails = inputs();
    let ints: Vec<String> = (0..1024).map(|i| (i * 7919).to_string()).collect();
    let cards: Vec<String> = (0..1024)
        .map(|i| format!("4111 1111 {:04} {:04}", i % 10_000, (i * 37) % 10_000))
        .collect();
    let times: Vec<String> = (0..1024)
        .map(|i| format!("2024-{:02}-{:02} 12:34:56.789+00", 1 + i % 12, 1 + i % 28))
        .collect();
    let numbers: Vec<String> = (0..1024)
        .map(|i| format!("{}.{:02}", 50_000 + i * 13, i % 100))
        .collect();
    let notes: Vec<String> = (0..1024)
        .map(|i| format!("Ticket {i}: customer user{i}@corp.example.com called from +62 812-3456-{:04} about invoice INV-{i} and card 4111 1111 1111 1111.", i % 10_000))
        .collect();
    let named_notes: Vec<String> = (0..1024)
        .map(|i| format!("Dear Budi Santoso, ticket {i}: NIK 31740123456789{:02} is not registered; HP {}, no. rekening BCA 12345{:05}.", i % 100, 812_345_000 + i, i))
        .collect();
    let docs: Vec<String> = (0..1024)
        .map(|i| format!("{{\"id\": {i}, \"email\": \"user{i}@corp.example.com\", \"tags\": [\"a\", \"b\"], \"address\": {{\"street\": \"{i} Main St\", \"city\": \"Jakarta\"}}}}"))
        .collect();
    let payloads: Vec<String> = (0..1024)
        .map(|i| format!("{{\"ip\": \"10.0.{}.{}\", \"email\": \"user{i}@corp.example.com\", \"target\": {{\"id\": \"1ac05532-2aed-43db-8908-3326e6d1d015\", \"type\": \"task\"}}, \"request_id\": \"547d0a3a3926ad59ac340afbbdfd0647\", \"user_agent\": \"Mozilla/5.0 (X11; Linux x86_64)\"}}", i / 256, i % 256))
        .collect();
    let cases: Vec<(&str, MaskSpec, ValueShape, &Vec<String>)> = vec![
        ("tokenize_hex", tok(TokenFormat::Hex), text.clone(), &emails),
        (
            "tokenize_hex_citext",
            tok(TokenFormat::Hex),
            ci.clone(),
            &emails,
        ),
        (
            "tokenize_uuid",
            tok(TokenFormat::Uuid),
            ValueShape::Uuid,
            &emails,
        ),
        (
            "tokenize_preserve",
            tok(TokenFormat::Preserve),
            text.clone(),
            &emails,
        ),
        (
            "tokenize_integer",
            tok(TokenFormat::Integer),
            ValueShape::Int64,
            &ints,
        ),
        (
            "tokenize_email",
            tok(TokenFormat::Email),
            text.clone(),
            &emails,
        ),
        (
            "tokenize_card",
            tok(TokenFormat::Card),
            text.clone(),
            &cards,
        ),
        ("fake_name", fake(FakeKind::Name), text.clone(), &emails),
        ("fake_email", fake(FakeKind::Email), text.clone(), &emails),
        ("fake_phone", fake(FakeKind::Phone), text.clone(), &emails),
        ("fake_ipv4", fake(FakeKind::Ipv4), text.clone(), &emails),
        (
            "fake_sentence",
            fake(FakeKind::Sentence),
            text.clone(),
            &emails,
        ),
        (
            "fake_date_of_birth",
            fake(FakeKind::DateOfBirth),
            ValueShape::Date,
            &emails,
        ),
        (
            "generalize_month",
            MaskSpec::Generalize(Granularity::Month),
            ValueShape::Timestamp,
            &times,
        ),
        (
            "round_1000",
            MaskSpec::Round(RoundStep::parse("1000").expect("step")),
            ValueShape::Number,
            &numbers,
        ),
        (
            "replace_digits",
            MaskSpec::Replace {
                pattern: "[0-9]".into(),
                with: "#".into(),
            },
            text.clone(),
            &cards,
        ),
        (
            "scrub_all_kinds",
            MaskSpec::scrub(
                ["email", "phone", "card", "iban", "nik", "nric", "ip", "url"]
                    .iter()
                    .filter_map(|k| ScrubKind::parse(k))
                    .collect(),
            ),
            text.clone(),
            &notes,
        ),
        (
            "scrub_ten_kinds_named_notes",
            MaskSpec::scrub(
                ScrubKind::names()
                    .into_iter()
                    .filter_map(ScrubKind::parse)
                    .collect(),
            ),
            text.clone(),
            &named_notes,
        ),
        (
            "json_two_paths",
            MaskSpec::Json(vec![
                ("$.email".into(), fake(FakeKind::Email)),
                ("$..street".into(), fake(FakeKind::Street)),
            ]),
            ValueShape::Jsonb,
            &docs,
        ),
        (
            "json_audit_payload",
            MaskSpec::Json(vec![
                ("$.email".into(), fake(FakeKind::Email)),
                ("$.ip".into(), fake(FakeKind::Ipv4)),
                ("$.user_agent".into(), MaskSpec::Value("Mozilla/5.0".into())),
            ]),
            ValueShape::Jsonb,
            &payloads,
        ),
    ];
    let mut group = c.benchmark_group("maskers");
    group.throughput(Throughput::Elements(1024));
    for (name, spec, shape, data) in cases {
        let m = Masker::new(&spec, &key, &shape).expect("bench masker");
        let mut out = String::new();
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                for v in data {
                    out.clear();
                    let _ = m.apply(v, &mut out);
                }
            })
        });
    }
    group.finish();
}

fn codec(c: &mut Criterion) {
    let key = MaskKey::new(b"bench-key-0123456789abcdef");
    let rows: Vec<u8> = (0..4096)
        .flat_map(|i| {
            format!(
                "{i}\tuser{i}@corp.example.com\tPerson {i}\t2024-01-01 00:00:00+00\t{{\"a\": {i}}}\tsome\\ttext with escapes\\n\n"
            )
            .into_bytes()
        })
        .collect();
    let names: Vec<String> = ["id", "email", "name", "at", "doc", "note"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let email = Masker::new(
        &MaskSpec::Fake {
            kind: FakeKind::Email,
            locale: Locale::En,
            domain: None,
        },
        &key,
        &ValueShape::text(),
    )
    .expect("bench masker");
    let mut group = c.benchmark_group("copy_text");
    group.throughput(Throughput::Bytes(rows.len() as u64));
    for (label, ops) in [
        ("passthrough", vec![FieldOp::Keep; 6]),
        ("parse_keep_all", {
            let mut v = vec![FieldOp::Keep; 6];
            v[5] = FieldOp::Null;
            v
        }),
        ("mask_one_column", {
            let mut v = vec![FieldOp::Keep; 6];
            v[1] = FieldOp::Mask(email.clone());
            v
        }),
        ("mask_one_and_template", {
            let mut v = vec![FieldOp::Keep; 6];
            v[1] = FieldOp::Mask(email.clone());
            v[2] = FieldOp::Template(vec![
                TemplatePart::Text("Name ".into()),
                TemplatePart::Column(1),
            ]);
            v
        }),
    ] {
        group.bench_function(BenchmarkId::from_parameter(label), |b| {
            let mut out = BytesMut::with_capacity(rows.len() * 2);
            b.iter(|| {
                out.clear();
                let mut t = RowTransform::new(names.clone(), ops.clone());
                for chunk in rows.chunks(8192) {
                    t.push(chunk, &mut out).expect("valid rows");
                }
                t.finish().expect("complete rows");
            })
        });
    }
    group.finish();
}

criterion_group!(benches, maskers, codec);
criterion_main!(benches);
