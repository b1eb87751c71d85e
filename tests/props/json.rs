//! The json masker's scanner: any text, valid JSON or not, never panics;
//! on valid documents only the scalars a path reaches change and the
//! output is still JSON (checked with serde_json against a model of the
//! path rules).

use doppel::mask::{MaskKey, MaskSpec, Masker, TokenFormat, ValueShape};
use proptest::prelude::*;
use serde_json::Value;

/// The path forms the masker reads, over member names from a small set so
/// that paths often match.
const PATHS: &[&str] = &[
    "$.a", "$..a", "$.a.b", "$.*", "$.a[*]", "$.a[0]", "$[\"b\"]", "$..b[*]", "$.*.a",
];
const NAMES: &[&str] = &["a", "b", "c", "é", "a b", ""];

fn masker(path: &str, inner: MaskSpec) -> Masker {
    let spec = MaskSpec::Json(vec![(path.to_string(), inner)]);
    Masker::new(
        &spec,
        &MaskKey::new(b"json-property-key-0123"),
        &ValueShape::Jsonb,
    )
    .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        crate::strings::text().prop_map(Value::String),
    ]
}

fn document() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                proptest::sample::select(NAMES).prop_map(str::to_string),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One step of the paths in [`PATHS`].
#[derive(Clone)]
enum Step {
    Key(&'static str),
    Index(usize),
    Wildcard,
    Descend(&'static str),
}

fn steps(path: &str) -> Vec<Step> {
    match path {
        "$.a" => vec![Step::Key("a")],
        "$..a" => vec![Step::Descend("a")],
        "$.a.b" => vec![Step::Key("a"), Step::Key("b")],
        "$.*" => vec![Step::Wildcard],
        "$.a[*]" => vec![Step::Key("a"), Step::Wildcard],
        "$.a[0]" => vec![Step::Key("a"), Step::Index(0)],
        "$[\"b\"]" => vec![Step::Key("b")],
        "$..b[*]" => vec![Step::Descend("b"), Step::Wildcard],
        "$.*.a" => vec![Step::Wildcard, Step::Key("a")],
        other => unreachable!("{other}"),
    }
}

/// The model: every non-null scalar the path reaches (all of them under a
/// reached object or array) replaced by `with`.
fn expect(v: &mut Value, path: &[Step], with: &Value) {
    let Some((step, rest)) = path.split_first() else {
        return leaves(v, with);
    };
    match (step, v) {
        (Step::Key(k), Value::Object(m)) => {
            if let Some(c) = m.get_mut(*k) {
                expect(c, rest, with)
            }
        }
        (Step::Index(n), Value::Array(a)) => {
            if let Some(c) = a.get_mut(*n) {
                expect(c, rest, with)
            }
        }
        (Step::Wildcard, Value::Object(m)) => m.values_mut().for_each(|c| expect(c, rest, with)),
        (Step::Wildcard, Value::Array(a)) => a.iter_mut().for_each(|c| expect(c, rest, with)),
        (Step::Descend(k), v) => descend(v, k, rest, with),
        _ => {}
    }
}

fn descend(v: &mut Value, key: &str, rest: &[Step], with: &Value) {
    match v {
        Value::Object(m) => {
            for (k, c) in m.iter_mut() {
                if k == key {
                    expect(c, rest, with)
                } else {
                    descend(c, key, rest, with)
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| descend(c, key, rest, with)),
        _ => {}
    }
}

fn leaves(v: &mut Value, with: &Value) {
    match v {
        Value::Object(m) => m.values_mut().for_each(|c| leaves(c, with)),
        Value::Array(a) => a.iter_mut().for_each(|c| leaves(c, with)),
        Value::Null => {}
        other => *other = with.clone(),
    }
}

/// Same structure (keys, lengths, where nulls are) in both documents.
fn same_shape(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_shape(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_shape(v, w))
        }
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => false,
        (Value::Null, other) | (other, Value::Null) => other.is_null(),
        _ => true,
    }
}

/// Valid JSON text with mistakes put in: a cut, a byte replaced or added.
fn near_json() -> impl Strategy<Value = String> {
    (
        document(),
        any::<bool>(),
        any::<usize>(),
        proptest::sample::select(&b"{}[],:\"\\ -0.eE+nul"[..]),
        0u8..3,
    )
        .prop_map(|(d, pretty, at, b, how)| {
            let mut s = if pretty {
                serde_json::to_string_pretty(&d)
            } else {
                serde_json::to_string(&d)
            }
            .unwrap_or_default()
            .into_bytes();
            let at = at % (s.len() + 1);
            match how {
                0 => s.truncate(at),
                1 if at < s.len() => s[at] = b,
                _ => s.insert(at, b),
            }
            String::from_utf8_lossy(&s).into_owned()
        })
}

proptest! {
    /// Any text: an error or a result, never a panic.
    #[test]
    fn scanner_takes_any_text(input in prop_oneof![crate::strings::text(), near_json()], p in 0..PATHS.len()) {
        let _ = masker(PATHS[p], MaskSpec::Value("x".into())).apply(&input, &mut String::new());
        let _ = masker(PATHS[p], MaskSpec::Null).apply(&input, &mut String::new());
    }

    /// Valid documents: the output is JSON of the same shape, the reached
    /// scalars hold the masked value and nothing else changed.
    #[test]
    fn only_matched_scalars_change(doc in document(), pretty in any::<bool>(), p in 0..PATHS.len()) {
        let text = if pretty { serde_json::to_string_pretty(&doc) } else { serde_json::to_string(&doc) }
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut out = String::new();
        prop_assert_eq!(masker(PATHS[p], MaskSpec::Value("X".into())).apply(&text, &mut out), Ok(true));
        let got: Value = serde_json::from_str(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out}")))?;
        let mut want = doc.clone();
        expect(&mut want, &steps(PATHS[p]), &Value::String("X".into()));
        prop_assert_eq!(&got, &want, "{}", out);

        // A keyed masker: still JSON of the same shape.
        let preserve = doppel::mask::MaskSpec::tokenize(TokenFormat::Preserve);
        let mut out = String::new();
        prop_assert_eq!(masker(PATHS[p], preserve).apply(&text, &mut out), Ok(true));
        let got: Value = serde_json::from_str(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out}")))?;
        prop_assert!(same_shape(&got, &doc), "{}", out);
    }
}
