//! The COPY text codec: escaping round-trips any bytes, decoding and
//! splitting accept any bytes, and the row transform gives the same output
//! however the stream is cut into chunks.

use bytes::BytesMut;
use doppel::copy::{text, FieldOp, RowTransform};
use doppel::mask::{MaskKey, Masker, TokenFormat, ValueShape};
use proptest::prelude::*;

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        // Bytes the format gives meaning to, densely.
        proptest::collection::vec(
            proptest::sample::select(&b"\\\t\nNrnbfvtx07aF\r\x08\x0b\x0c\x00\xff"[..]),
            0..64
        ),
    ]
}

fn transform(ops: &[FieldOp]) -> RowTransform {
    let names = (0..ops.len()).map(|i| format!("c{i}")).collect();
    RowTransform::new(names, ops.to_vec())
}

fn preserve() -> Masker {
    let spec = doppel::mask::MaskSpec::tokenize(TokenFormat::Preserve);
    Masker::new(
        &spec,
        &MaskKey::new(b"0123456789abcdef"),
        &ValueShape::text(),
    )
    .expect("preserve builds for text")
}

/// Run `stream` through `ops` in the chunks that `cuts` describe; the output
/// or the error's text.
fn run(ops: &[FieldOp], stream: &[u8], cuts: &[usize]) -> Result<Vec<u8>, String> {
    let mut t = transform(ops);
    let mut out = BytesMut::new();
    let mut at = 0;
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    points.sort_unstable();
    for p in points.into_iter().chain([stream.len()]) {
        t.push(&stream[at..p], &mut out)
            .map_err(|e| e.to_string())?;
        at = p;
    }
    t.finish().map_err(|e| e.to_string())?;
    Ok(out.to_vec())
}

proptest! {
    /// escape then unescape gives the input back, and the escaped form
    /// never holds a delimiter.
    #[test]
    fn escape_round_trips_any_bytes(v in bytes()) {
        let mut e = Vec::new();
        text::escape(&v, &mut e);
        prop_assert!(!e.contains(&b'\n') && !e.contains(&b'\t'));
        let mut d = Vec::new();
        text::unescape(&e, &mut d);
        prop_assert_eq!(d, v);
    }

    /// Decoding accepts any bytes; splitting gives back the row when joined.
    #[test]
    fn unescape_and_fields_take_any_bytes(v in bytes()) {
        let mut d = Vec::new();
        text::unescape(&v, &mut d);
        prop_assert!(d.len() <= v.len());
        let f: Vec<&[u8]> = text::fields(&v).collect();
        prop_assert_eq!(f.join(&b'\t'), v);
    }

    /// Any stream, any chunking: never a panic, and the same output (or the
    /// same error) as the stream pushed at once.
    #[test]
    fn row_transform_ignores_chunk_boundaries(
        stream in bytes(),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
        width in 1usize..4,
    ) {
        let mut ops = vec![FieldOp::Keep; width];
        ops[0] = FieldOp::Mask(preserve());
        if width > 1 {
            ops[1] = FieldOp::Null;
        }
        let whole = run(&ops, &stream, &[]);
        prop_assert_eq!(run(&ops, &stream, &cuts), whole);
        let kept = vec![FieldOp::Keep; width];
        prop_assert_eq!(run(&kept, &stream, &cuts), run(&kept, &stream, &[]));
    }

    /// Rows of escaped values come out as rows of escaped masked values,
    /// and NULL stays NULL.
    #[test]
    fn masked_fields_decode_to_the_masked_value(
        values in proptest::collection::vec(proptest::option::of(crate::strings::text()), 1..5),
    ) {
        let m = preserve();
        let mut stream = Vec::new();
        let mut want = Vec::new();
        for v in &values {
            match v {
                None => {
                    stream.extend_from_slice(text::NULL);
                    want.extend_from_slice(text::NULL);
                }
                Some(s) => {
                    text::escape(s.as_bytes(), &mut stream);
                    let mut masked = String::new();
                    prop_assert!(m.apply(s, &mut masked).is_ok());
                    text::escape(masked.as_bytes(), &mut want);
                }
            }
            stream.push(b'\n');
            want.push(b'\n');
        }
        let ops = vec![FieldOp::Mask(m)];
        prop_assert_eq!(run(&ops, &stream, &[]), Ok(want));
    }
}
