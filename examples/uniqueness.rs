//! Counts duplicates among the masked values of N distinct inputs, for each
//! unique-safe masker. `cargo run --release --example uniqueness -- 10000000`

use std::collections::HashSet;
use std::time::Instant;

use doppel::mask::{FakeKind, Locale, MaskKey, MaskSpec, Masker, TokenFormat, ValueShape};
use sha2::{Digest, Sha256};

/// A masker under test: name, spec, column shape, and the i-th distinct input.
type Case = (&'static str, MaskSpec, ValueShape, fn(u64) -> String);

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let key = MaskKey::new(b"uniqueness-check-key-0123456789");
    let text = ValueShape::text();
    let tok = |format| MaskSpec::Tokenize {
        format,
        length: None,
        prefix: None,
        domain: None,
        email_domain: None,
    };
    let cases: Vec<Case> = vec![
        (
            "fake email (unique)",
            MaskSpec::Fake {
                kind: FakeKind::Email,
                locale: Locale::En,
                domain: None,
            },
            text.clone(),
            |i| format!("user{i}@corp.example.com"),
        ),
        (
            "fake phone, unique: true",
            MaskSpec::UniquePhone { domain: None },
            text.clone(),
            |i| format!("+62 812-{:04}-{:04}", i / 10_000, i % 10_000),
        ),
        (
            "tokenize hex (32)",
            tok(TokenFormat::Hex),
            text.clone(),
            |i| format!("token-{i}"),
        ),
        (
            "tokenize uuid",
            tok(TokenFormat::Uuid),
            ValueShape::Uuid,
            |i| format!("00000000-0000-4000-8000-{i:012}"),
        ),
        (
            "tokenize integer (bigint)",
            tok(TokenFormat::Integer),
            ValueShape::Int64,
            |i| (i * 7919).to_string(),
        ),
        (
            "tokenize preserve",
            tok(TokenFormat::Preserve),
            text.clone(),
            |i| format!("ID-{i:09}"),
        ),
    ];
    println!("{n} distinct inputs per masker");
    for (name, spec, shape, input) in cases {
        let m = Masker::new(&spec, &key, &shape).expect("masker");
        let t = Instant::now();
        let mut seen: HashSet<[u8; 16]> = HashSet::with_capacity(n as usize);
        let mut out = String::new();
        let mut dups = 0u64;
        for i in 0..n {
            out.clear();
            m.apply(&input(i), &mut out).expect("mask");
            let h = Sha256::digest(out.as_bytes());
            let mut k = [0u8; 16];
            k.copy_from_slice(&h[..16]);
            if !seen.insert(k) {
                dups += 1;
            }
        }
        println!(
            "{name:<28} duplicates: {dups}  ({:.1} s)",
            t.elapsed().as_secs_f64()
        );
    }
}
