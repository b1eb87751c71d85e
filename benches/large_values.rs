//! Time per megabyte of every masker family, and of the COPY codec, on one
//! value of 1 MB and of 50 MB: equal figures mean time linear in the size.
//!
//! `cargo bench --bench large_values` (both sizes), or
//! `cargo bench --bench large_values -- 1MB` for the small one only.

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use doppel::copy::{FieldOp, RowTransform};
use doppel::mask::{
    FakeKind, Locale, MaskKey, MaskSpec, Masker, ScrubKind, TokenFormat, ValueShape,
};

/// A line with one of every kind scrub finds.
const PII: &str = "Ticket 17: customer ann.lee@corp.example called from +62 812-3456-7890 about NIK 3174015708900003, card 4111 1111 1111 1111, ip 10.0.1.2 fe80::1, NRIC S1234567D, IBAN GB29 NWBK 6016 1331 9268 19, see https://x.example/a?email=a%40b.co&p=1. Then plain words follow.\n";

/// Plain text with letters, digits and punctuation.
const PLAIN: &str = "Lorem ipsum 42 dolor, Sit amet 7. ";

fn repeat_to(unit: &str, size: usize) -> String {
    unit.repeat(size.div_ceil(unit.len()))
}

/// A JSON array of `{id, email, name}` objects of about `size` bytes.
fn json_doc(size: usize) -> String {
    let mut s = String::with_capacity(size + 100);
    s.push('[');
    let mut i = 0;
    while s.len() < size {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&format!(
            "{{\"id\": {i}, \"email\": \"user{i}@corp.example\", \"name\": \"Name {i}\"}}"
        ));
        i += 1;
    }
    s.push(']');
    s
}

/// A text[] literal of email addresses of about `size` bytes.
fn array(size: usize) -> String {
    let mut s = String::with_capacity(size + 100);
    s.push('{');
    let mut i = 0;
    while s.len() < size {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("\"user{i}@corp.example\""));
        i += 1;
    }
    s.push('}');
    s
}

/// Each family: its name, masker, column shape and input maker.
type Case = (&'static str, MaskSpec, ValueShape, fn(usize) -> String);

fn cases() -> Vec<Case> {
    let text = ValueShape::text;
    vec![
        (
            "tokenize_preserve",
            MaskSpec::tokenize(TokenFormat::Preserve),
            text(),
            |n| repeat_to(PLAIN, n),
        ),
        (
            "tokenize_hex",
            MaskSpec::tokenize(TokenFormat::Hex),
            text(),
            |n| repeat_to(PLAIN, n),
        ),
        (
            "tokenize_email",
            MaskSpec::tokenize(TokenFormat::Email),
            text(),
            |n| repeat_to("a.b", n) + "@corp.example",
        ),
        (
            "fake_paragraph",
            MaskSpec::Fake {
                kind: FakeKind::Paragraph,
                locale: Locale::En,
                domain: None,
            },
            text(),
            |n| repeat_to(PLAIN, n),
        ),
        (
            "partial",
            MaskSpec::Partial {
                keep_start: 3,
                keep_end: 3,
                with: '*',
            },
            text(),
            |n| repeat_to(PLAIN, n),
        ),
        (
            "replace",
            MaskSpec::Replace {
                pattern: "[0-9]".into(),
                with: "#".into(),
            },
            text(),
            |n| repeat_to(PLAIN, n),
        ),
        (
            "scrub_all_kinds",
            MaskSpec::scrub(
                ScrubKind::names()
                    .into_iter()
                    .filter_map(ScrubKind::parse)
                    .collect(),
            ),
            text(),
            |n| repeat_to(PII, n),
        ),
        (
            "scrub_email_phone_nik",
            MaskSpec::scrub(vec![ScrubKind::Email, ScrubKind::Phone, ScrubKind::Nik]),
            text(),
            |n| repeat_to(PII, n),
        ),
        (
            "json_jsonb_paths",
            MaskSpec::Json(vec![
                ("$[*].email".into(), MaskSpec::tokenize(TokenFormat::Email)),
                ("$..name".into(), MaskSpec::tokenize(TokenFormat::Hex)),
            ]),
            ValueShape::Jsonb,
            json_doc,
        ),
        (
            "each_text_array",
            MaskSpec::Each(Box::new(MaskSpec::tokenize(TokenFormat::Email))),
            ValueShape::Array(Box::new(text())),
            array,
        ),
    ]
}

const SIZES: [(usize, &str); 2] = [(1, "1MB"), (50, "50MB")];

fn maskers(c: &mut Criterion) {
    let key = MaskKey::new(b"bench-key-0123456789abcdef");
    let mut group = c.benchmark_group("large_values");
    group.sample_size(10);
    for (name, spec, shape, make) in cases() {
        let masker = Masker::new(&spec, &key, &shape).expect("bench masker");
        for (mb, label) in SIZES {
            let input = make(mb << 20);
            group.throughput(Throughput::Bytes(input.len() as u64));
            group.bench_function(BenchmarkId::new(name, label), |b| {
                let mut out = String::with_capacity(input.len() + 1024);
                b.iter(|| {
                    out.clear();
                    masker.apply(&input, &mut out).expect("bench value")
                })
            });
        }
    }
    group.finish();
}

/// One row of one large field through the COPY codec: kept (passthrough),
/// kept next to a masked field, and masked (decoded, masked, encoded); the
/// row arrives in 64 KiB chunks as it does from the server.
fn codec(c: &mut Criterion) {
    let key = MaskKey::new(b"bench-key-0123456789abcdef");
    let partial = Masker::new(
        &MaskSpec::Partial {
            keep_start: 3,
            keep_end: 3,
            with: '*',
        },
        &key,
        &ValueShape::text(),
    )
    .expect("bench masker");
    let mut group = c.benchmark_group("large_values_codec");
    group.sample_size(10);
    for (mb, label) in SIZES {
        // Escaped tabs, newlines and backslashes on every line.
        let mut row = b"1\t".to_vec();
        row.extend(repeat_to("tab\\there\\nnew line\\\\back 42 ", mb << 20).bytes());
        row.push(b'\n');
        group.throughput(Throughput::Bytes(row.len() as u64));
        let modes: [(&str, FieldOp); 3] = [
            ("keep_passthrough", FieldOp::Keep),
            ("keep_with_masked", FieldOp::Keep),
            ("partial", FieldOp::Mask(partial.clone())),
        ];
        for (mode, op) in modes {
            let ops = if mode == "keep_passthrough" {
                vec![FieldOp::Keep, op]
            } else {
                vec![FieldOp::Mask(partial.clone()), op]
            };
            group.bench_function(BenchmarkId::new(mode, label), |b| {
                let mut out = BytesMut::with_capacity(row.len() * 2);
                b.iter(|| {
                    out.clear();
                    let mut t = RowTransform::new(vec!["id".into(), "v".into()], ops.clone());
                    for chunk in row.chunks(64 * 1024) {
                        t.push(chunk, &mut out).expect("bench row");
                    }
                    t.finish().expect("bench row");
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, maskers, codec);
criterion_main!(benches);
