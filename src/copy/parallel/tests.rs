//! The parallel layer against the serial [`RowTransform`]: same bytes,
//! same row in errors, whatever the chunking, batch size and threads.

use bytes::BytesMut;
use proptest::prelude::*;

use super::{MaskPool, Ordered};
use crate::copy::{FieldOp, RowTransform, TransformError};
use crate::mask::{MaskKey, MaskSpec, Masker, ScrubKind, TemplatePart, ValueShape};

fn transform() -> RowTransform {
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
    let ops = vec![
        FieldOp::Keep,
        FieldOp::Mask(scrub),
        FieldOp::Mask(token),
        FieldOp::Template(vec![
            TemplatePart::Text("id ".into()),
            TemplatePart::Column(2),
        ]),
    ];
    RowTransform::new(vec!["id".into(), "d".into(), "t".into(), "x".into()], ops)
}

fn serial(input: &[u8]) -> (Result<(), String>, Vec<u8>) {
    let mut t = transform();
    let mut out = BytesMut::new();
    let r = t.push(input, &mut out).and_then(|()| t.finish());
    (r.map_err(|e| e.to_string()), out.to_vec())
}

fn parallel(
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
        let mut o = Ordered::new(transform(), &pool);
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

/// A row: an id, a text with addresses and phones (escapes, NULL), a
/// short value to tokenize, and a template column.
fn row() -> impl Strategy<Value = Vec<u8>> {
    (
        0u32..100_000,
        prop::collection::vec(
            prop_oneof![
                Just("call +1 415 555 0100 now".to_string()),
                Just("mail ann.lee@example.com please".to_string()),
                Just("tab\\there\\nnew line \\\\ ok".to_string()),
                "[a-z ]{0,40}",
            ],
            0..6,
        ),
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
        let (want_r, want) = serial(&input);
        let (got_r, got, n) = parallel(&input, &cuts, threads, batch);
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
        let (want_r, want) = serial(&input);
        let (got_r, got, _) = parallel(&input, &cuts, 3, batch);
        prop_assert!(want_r.is_err());
        prop_assert_eq!(want_r, got_r);
        prop_assert!(want.starts_with(&got), "output before the error is serial output");
        prop_assert!(got.iter().filter(|&&b| b == b'\n').count() <= i);
    }
}

#[test]
fn a_partial_last_row_is_an_error() {
    let (r, _, _) = parallel(b"1\ta\tb\tx\n2\tc", &[], 2, 4);
    assert_eq!(r, Err(TransformError::Truncated.to_string()));
}
