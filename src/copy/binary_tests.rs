use super::*;
use crate::mask::{MaskKey, MaskSpec, Masker, ValueShape};

/// A binary COPY stream: header with a 3-byte extension, `rows`, trailer.
pub(crate) fn stream(rows: &[Vec<Option<&[u8]>>]) -> Vec<u8> {
    let mut s = SIGNATURE.to_vec();
    s.extend_from_slice(&0i32.to_be_bytes());
    s.extend_from_slice(&3i32.to_be_bytes());
    s.extend_from_slice(b"ext");
    s.extend_from_slice(&body(rows));
    s
}

/// The rows and trailer, as doppel writes them.
fn body(rows: &[Vec<Option<&[u8]>>]) -> Vec<u8> {
    let mut s = Vec::new();
    for r in rows {
        s.extend_from_slice(&(r.len() as i16).to_be_bytes());
        for f in r {
            match f {
                None => s.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(v) => {
                    s.extend_from_slice(&(v.len() as i32).to_be_bytes());
                    s.extend_from_slice(v);
                }
            }
        }
    }
    s.extend_from_slice(TRAILER);
    s
}

fn text_masker(spec: MaskSpec) -> Masker {
    let shape = ValueShape::Text {
        max_chars: None,
        case_insensitive: false,
    };
    Masker::new(&spec, &MaskKey::new(b"test key"), &shape).unwrap()
}

fn transform(ops: Vec<FieldOp>, types: Vec<Option<WireType>>, fields: usize) -> BinaryTransform {
    let names = (0..ops.len()).map(|i| format!("c{i}")).collect();
    BinaryTransform::new(names, ops, types, fields)
}

/// Feed `input` in the chunks `cuts` makes, and finish.
fn run(t: &mut BinaryTransform, input: &[u8], cuts: &[usize]) -> Result<Vec<u8>, TransformError> {
    let mut out = BytesMut::new();
    let mut from = 0;
    for &c in cuts.iter().chain(std::iter::once(&input.len())) {
        t.push(&input[from..c], &mut out)?;
        from = c;
    }
    t.finish()?;
    Ok(out.to_vec())
}

fn rows() -> Vec<Vec<Option<&'static [u8]>>> {
    vec![
        vec![Some(b"1"), Some(b"alice"), None],
        vec![Some(b""), None, Some(b"x\ty\n")],
        vec![Some(b"3"), Some(b""), Some(&[0xff; 300])],
    ]
}

#[test]
fn kept_rows_pass_through_whatever_the_chunks() {
    let input = stream(&rows());
    let mut expected = HEADER.to_vec();
    expected.extend_from_slice(&body(&rows()));
    let ops = || vec![FieldOp::Keep, FieldOp::Keep, FieldOp::Keep];
    for cut in 0..=input.len() {
        let mut t = transform(ops(), vec![None; 3], 3);
        assert_eq!(
            run(&mut t, &input, &[cut]).unwrap(),
            expected,
            "cut at {cut}"
        );
        assert_eq!(t.rows(), 3);
    }
    let mut t = transform(ops(), vec![None; 3], 3);
    let bytes: Vec<usize> = (1..input.len()).collect();
    assert_eq!(run(&mut t, &input, &bytes).unwrap(), expected);
}

#[test]
fn masked_and_null_fields_are_rewritten_whatever_the_chunks() {
    let input = stream(&rows());
    let ops = || {
        vec![
            FieldOp::Keep,
            FieldOp::Mask(text_masker(MaskSpec::Value("masked".into()))),
            FieldOp::Null,
        ]
    };
    let expected = {
        let mut e = HEADER.to_vec();
        e.extend_from_slice(&body(&[
            vec![Some(b"1"), Some(b"masked"), None],
            vec![Some(b""), None, None],
            vec![Some(b"3"), Some(b"masked"), None],
        ]));
        e
    };
    let types = || vec![None, Some(WireType::Text), None];
    for cut in 0..=input.len() {
        let mut t = transform(ops(), types(), 3);
        assert_eq!(
            run(&mut t, &input, &[cut]).unwrap(),
            expected,
            "cut at {cut}"
        );
    }
    for (a, b) in [(1, 2), (5, 30), (20, 21), (40, 60)] {
        let mut t = transform(ops(), types(), 3);
        assert_eq!(run(&mut t, &input, &[a, b]).unwrap(), expected);
    }
}

#[test]
fn conditions_are_booleans_and_values_are_encoded_in_their_type() {
    let uuid = b"\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11";
    let input = stream(&[
        vec![Some(uuid), Some(b"\x01")],
        vec![Some(uuid), Some(b"\x00")],
        vec![Some(uuid), None],
    ]);
    let constant = MaskSpec::Value("00000000-0000-0000-0000-000000000001".into());
    let shape = ValueShape::Uuid;
    let m = Masker::new(&constant, &MaskKey::new(b"k"), &shape).unwrap();
    let ops = vec![FieldOp::Choose {
        flags: vec![1],
        ops: vec![FieldOp::Mask(m)],
        otherwise: Box::new(FieldOp::Keep),
    }];
    let mut t = transform(ops, vec![Some(WireType::Uuid)], 2);
    let out = run(&mut t, &input, &[]).unwrap();
    let one = [0u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let mut expected = HEADER.to_vec();
    expected.extend_from_slice(&body(&[
        vec![Some(&one)],
        vec![Some(uuid)],
        vec![Some(uuid)],
    ]));
    assert_eq!(out, expected);
}

#[test]
fn bad_streams_are_refused_without_their_values() {
    let ops = || vec![FieldOp::Keep, FieldOp::Keep, FieldOp::Keep];
    let input = stream(&rows());
    let mut t = transform(ops(), vec![None; 3], 3);
    assert!(matches!(
        run(&mut t, &input[..input.len() - 1], &[]),
        Err(TransformError::Truncated)
    ));
    let mut t = transform(ops(), vec![None; 3], 3);
    assert!(matches!(
        run(&mut t, &input[..30], &[]),
        Err(TransformError::Truncated)
    ));
    let mut wrong = input.clone();
    wrong[0] = b'X';
    let mut t = transform(ops(), vec![None; 3], 3);
    assert!(matches!(
        run(&mut t, &wrong, &[]),
        Err(TransformError::Stream(_))
    ));
    let two = stream(&[vec![Some(b"a"), Some(b"b")]]);
    let masked = vec![
        FieldOp::Keep,
        FieldOp::Mask(text_masker(MaskSpec::Null)),
        FieldOp::Keep,
    ];
    let mut t = transform(masked, vec![None, Some(WireType::Text), None], 3);
    let e = run(&mut t, &two, &[]).unwrap_err();
    assert!(
        matches!(e, TransformError::FieldCount { row: 1, .. }),
        "{e}"
    );
    // A masked value the column's type cannot take names row and column only.
    let input = stream(&[vec![Some(b"\x00\x00\x00\x07")]]);
    let m = text_masker(MaskSpec::Value("secret-ish".into()));
    let mut t = transform(vec![FieldOp::Mask(m)], vec![Some(WireType::Int4)], 1);
    let e = run(&mut t, &input, &[]).unwrap_err().to_string();
    assert!(
        e.contains("row 1, column c0") && e.contains("integer"),
        "{e}"
    );
    assert!(!e.contains("secret-ish"), "{e}");
}
