//! The parallel layer against the serial transforms, text and binary:
//! same bytes, same row in errors, whatever the chunking, batch size and
//! threads.

use bytes::BytesMut;
use proptest::prelude::*;

use super::{MaskPool, Ordered};
use crate::copy::binary::{HEADER, TRAILER};
use crate::copy::{
    BinaryTransform, FieldOp, RowTransform, StreamTransform, TransformError, WireType,
};
use crate::mask::{MaskKey, MaskSpec, Masker, ScrubKind, TemplatePart, ValueShape};

/// A scrub and a token masker.
fn maskers() -> (Masker, Masker) {
    let key = MaskKey::new(b"parallel-test-key-0123456789");
    let scrub = Masker::new(
        &MaskSpec::scrub(vec![ScrubKind::Email, ScrubKind::Phone]),
        &key,
        &ValueShape::text(),
    )
    .expect("scrub masker");
    let token = Masker::new(
        &MaskSpec::tokenize(crate::mask::TokenFormat::Hex),
        &key,
        &ValueShape::text(),
    )
    .expect("token masker");
    (scrub, token)
}

fn transform() -> StreamTransform {
    let (scrub, token) = maskers();
    let ops = vec![
        FieldOp::Keep,
        FieldOp::Mask(scrub),
        FieldOp::Mask(token),
        FieldOp::Template(vec![
            TemplatePart::Text("id ".into()),
            TemplatePart::Column(2),
        ]),
    ];
    let names = vec!["id".into(), "d".into(), "t".into(), "x".into()];
    StreamTransform::Text(RowTransform::new(names, ops))
}

/// The binary transform of the same table (templates are text only).
fn binary_transform() -> StreamTransform {
    let (scrub, token) = maskers();
    let ops = vec![
        FieldOp::Keep,
        FieldOp::Mask(scrub),
        FieldOp::Mask(token),
        FieldOp::Keep,
    ];
    let names = vec!["id".into(), "d".into(), "t".into(), "x".into()];
    let types = vec![None, Some(WireType::Text), Some(WireType::Text), None];
    StreamTransform::Binary(BinaryTransform::new(names, ops, types, 4))
}

fn serial(mut t: StreamTransform, input: &[u8]) -> (Result<(), String>, Vec<u8>) {
    let mut out = BytesMut::new();
    let r = t.push(input, &mut out).and_then(|()| t.finish());
    (r.map_err(|e| e.to_string()), out.to_vec())
}

fn parallel(
    t: StreamTransform,
    input: &[u8],
    cuts: &[usize],
    threads: usize,
    batch: usize,
) -> (Result<(), String>, Vec<u8>, u64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    rt.block_on(async {
        let pool = MaskPool::new(threads, batch);
        let mut o = Ordered::new(t, &pool);
        let mut out = BytesMut::new();
        let mut at = 0;
        let mut r: Result<(), TransformError> = Ok(());
        for &c in cuts.iter().chain(std::iter::once(&input.len())) {
            let c = c.clamp(at, input.len());
            r = o.push(&input[at..c], &mut out).await;
            at = c;
            if r.is_err() {
                break;
            }
        }
        if r.is_ok() {
            r = o.finish(&mut out).await;
        }
        (r.map_err(|e| e.to_string()), out.to_vec(), o.rows())
    })
}

/// The pieces of a text with addresses, phones and escapes.
fn text_parts() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            Just("call +1 415 555 0100 now".to_string()),
            Just("mail ann.lee@example.com please".to_string()),
            Just("tab\\there\\nnew line \\\\ ok".to_string()),
            "[a-z ]{0,40}",
        ],
        0..6,
    )
}

/// A row: an id, a text with addresses and phones (escapes, NULL), a
/// short value to tokenize, and a template column.
fn row() -> impl Strategy<Value = Vec<u8>> {
    (
        0u32..100_000,
        text_parts(),
        prop::option::of("[a-z0-9]{1,12}"),
        any::<bool>(),
    )
        .prop_map(|(id, parts, tok, null_text)| {
            let text = if null_text {
                "\\N".to_string()
            } else {
                parts.join(" ")
            };
            let tok = tok.unwrap_or_else(|| "\\N".into());
            format!("{id}\t{text}\t{tok}\tx\n").into_bytes()
        })
}

/// A source's binary stream of `rows` (`None`: NULL), with its header
/// and trailer.
fn binary_stream(rows: &[Vec<Option<Vec<u8>>>]) -> Vec<u8> {
    let rows: Vec<Vec<Option<&[u8]>>> = rows
        .iter()
        .map(|r| r.iter().map(Option::as_deref).collect())
        .collect();
    crate::copy::binary::tests::stream(&rows)
}

/// A binary row: an id, a text with addresses and phones (or NULL), a
/// short value to tokenize (or NULL), a kept value.
fn binary_row() -> impl Strategy<Value = Vec<Option<Vec<u8>>>> {
    (
        0u32..100_000,
        prop::option::of(text_parts()),
        prop::option::of("[a-z0-9]{1,12}"),
    )
        .prop_map(|(id, parts, tok)| {
            vec![
                Some(id.to_be_bytes().to_vec()),
                parts.map(|p| p.join(" ").into_bytes()),
                tok.map(String::into_bytes),
                Some(b"x".to_vec()),
            ]
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn parallel_output_is_the_serial_output(
        rows in prop::collection::vec(row(), 0..60),
        cuts in prop::collection::vec(0usize..4000, 0..20),
        threads in 1usize..4,
        batch in 1usize..600,
    ) {
        let input: Vec<u8> = rows.concat();
        let mut cuts = cuts;
        cuts.sort_unstable();
        let (want_r, want) = serial(transform(), &input);
        let (got_r, got, n) = parallel(transform(), &input, &cuts, threads, batch);
        prop_assert_eq!(&want_r, &got_r);
        prop_assert_eq!(want, got);
        prop_assert_eq!(n, rows.len() as u64);
    }

    #[test]
    fn errors_name_the_same_row(
        rows in prop::collection::vec(row(), 1..40),
        bad in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(0usize..3000, 0..10),
        batch in 1usize..400,
    ) {
        let mut rows = rows;
        let i = bad.index(rows.len());
        rows[i] = b"1\tonly two fields\n".to_vec();
        let input: Vec<u8> = rows.concat();
        let mut cuts = cuts;
        cuts.sort_unstable();
        let (want_r, want) = serial(transform(), &input);
        let (got_r, got, _) = parallel(transform(), &input, &cuts, 3, batch);
        prop_assert!(want_r.is_err());
        prop_assert_eq!(want_r, got_r);
        prop_assert!(want.starts_with(&got), "output before the error is serial output");
        prop_assert!(got.iter().filter(|&&b| b == b'\n').count() <= i);
    }


    #[test]
    fn binary_parallel_output_is_the_serial_output(
        rows in prop::collection::vec(binary_row(), 0..60),
        cuts in prop::collection::vec(0usize..6000, 0..20),
        threads in 1usize..4,
        batch in 1usize..600,
        framed in any::<bool>(),
    ) {
        let input = binary_stream(&rows);
        let mut cuts = cuts;
        cuts.sort_unstable();
        let make = || match framed {
            true => binary_transform(),
            false => binary_transform().unframed(),
        };
        let (want_r, want) = serial(make(), &input);
        let (got_r, got, n) = parallel(make(), &input, &cuts, threads, batch);
        prop_assert_eq!(&want_r, &got_r);
        prop_assert_eq!(&want, &got);
        prop_assert_eq!(n, rows.len() as u64);
        // Framed: one header, the rows, one trailer; unframed: rows only.
        let body = &want[if framed { HEADER.len() } else { 0 }..];
        prop_assert_eq!(want.starts_with(HEADER), framed);
        prop_assert_eq!(body.ends_with(TRAILER), framed);
        let t = binary_transform();
        let (len, count) = match &t {
            StreamTransform::Binary(b) => b.complete_rows(body),
            StreamTransform::Text(_) => (0, 0),
        };
        prop_assert_eq!(count, rows.len() as u64);
        prop_assert_eq!(body.len() - len, if framed { TRAILER.len() } else { 0 });
    }

    #[test]
    fn binary_errors_name_the_same_row(
        rows in prop::collection::vec(binary_row(), 1..40),
        bad in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(0usize..4000, 0..10),
        batch in 1usize..400,
    ) {
        let mut rows = rows;
        let i = bad.index(rows.len());
        rows[i] = vec![Some(b"1".to_vec()), Some(b"only two fields".to_vec())];
        let input = binary_stream(&rows);
        let mut cuts = cuts;
        cuts.sort_unstable();
        let (want_r, want) = serial(binary_transform(), &input);
        let (got_r, got, _) = parallel(binary_transform(), &input, &cuts, 3, batch);
        prop_assert!(want_r.is_err());
        prop_assert!(want_r.as_ref().is_err_and(|e| e.contains(&format!("row {}: ", i + 1))), "{:?}", want_r);
        prop_assert_eq!(want_r, got_r);
        prop_assert!(want.starts_with(&got), "output before the error is serial output");
    }
}

#[test]
fn a_partial_last_row_is_an_error() {
    let (r, _, _) = parallel(transform(), b"1\ta\tb\tx\n2\tc", &[], 2, 4);
    assert_eq!(r, Err(TransformError::Truncated.to_string()));
}

#[test]
fn a_binary_stream_must_end_with_its_trailer() {
    let row = vec![Some(b"1".to_vec()), None, None, Some(b"x".to_vec())];
    let mut input = binary_stream(&[row.clone(), row]);
    let whole = input.clone();
    input.truncate(input.len() - 2);
    let (r, _, _) = parallel(binary_transform(), &input, &[7, 30], 2, 8);
    assert_eq!(r, Err(TransformError::Truncated.to_string()));
    let (r, _, _) = parallel(binary_transform(), &whole[..10], &[], 2, 8);
    assert_eq!(r, Err(TransformError::Truncated.to_string()));
    let mut extra = whole.clone();
    extra.extend_from_slice(&[0, 1, 0xff, 0xff, 0xff, 0xff]);
    let (want, _) = serial(binary_transform(), &extra);
    let (got, _, _) = parallel(binary_transform(), &extra, &[], 2, 8);
    assert!(want.is_err());
    assert_eq!(want, got);
}
