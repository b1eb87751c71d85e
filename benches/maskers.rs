//! Masker and COPY-codec throughput (values or rows per second, one core).
//!
//! `cargo bench --bench maskers`

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use doppel::copy::{FieldOp, RowTransform};
use doppel::mask::{FakeKind, Locale, MaskKey, MaskSpec, Masker, TokenFormat, ValueShape};

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
    let cases: Vec<(&str, MaskSpec, ValueShape)> = vec![
        ("tokenize_hex", tok(TokenFormat::Hex), text.clone()),
        ("tokenize_uuid", tok(TokenFormat::Uuid), ValueShape::Uuid),
        (
            "tokenize_preserve",
            tok(TokenFormat::Preserve),
            text.clone(),
        ),
        (
            "tokenize_integer",
            tok(TokenFormat::Integer),
            ValueShape::Int64,
        ),
        ("fake_name", fake(FakeKind::Name), text.clone()),
        ("fake_email", fake(FakeKind::Email), text.clone()),
        ("fake_phone", fake(FakeKind::Phone), text.clone()),
    ];
    let strings = inputs();
    let ints: Vec<String> = (0..1024).map(|i| (i * 7919).to_string()).collect();
    let mut group = c.benchmark_group("maskers");
    group.throughput(Throughput::Elements(1024));
    for (name, spec, shape) in cases {
        let m = Masker::new(&spec, &key, &shape).expect("bench masker");
        let data = if shape == ValueShape::Int64 {
            &ints
        } else {
            &strings
        };
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
