//! `json`: mask values inside jsonb documents at JSONPath locations
//! (`$.a.b`, `$["key"]`, `$.list[*]`, `$.list[0]`, `$.*`, `$..key`).
//! Everything not matched is left as it is; numbers keep their exact digits.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
    /// Every member or element.
    Wildcard,
    /// A member with this name at any depth (`..key`).
    Descend(String),
}

/// Parse the JSONPath subset above.
pub fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let bad = |why: &str| format!("JSONPath `{path}`: {why}");
    let rest = path
        .strip_prefix('$')
        .ok_or_else(|| bad("must start with $"))?;
    let b = rest.as_bytes();
    let mut steps = Vec::new();
    let mut i = 0;
    let name_end = |from: usize| {
        b[from..]
            .iter()
            .position(|&c| c == b'.' || c == b'[')
            .map_or(b.len(), |p| from + p)
    };
    while i < b.len() {
        match b[i] {
            b'.' if b.get(i + 1) == Some(&b'.') => {
                let end = name_end(i + 2);
                let name = &rest[i + 2..end];
                if name.is_empty() {
                    return Err(bad("`..` needs a member name"));
                }
                steps.push(Step::Descend(name.to_string()));
                i = end;
            }
            b'.' => {
                let end = name_end(i + 1);
                let name = &rest[i + 1..end];
                steps.push(match name {
                    "" => return Err(bad("empty member name")),
                    "*" => Step::Wildcard,
                    n => Step::Key(n.to_string()),
                });
                i = end;
            }
            b'[' => {
                let end = rest[i..]
                    .find(']')
                    .map(|p| i + p)
                    .ok_or_else(|| bad("unclosed ["))?;
                let inner = rest[i + 1..end].trim();
                steps.push(if inner == "*" {
                    Step::Wildcard
                } else if let Some(q) = inner
                    .strip_prefix('"')
                    .and_then(|s| s.strip_suffix('"'))
                    .or_else(|| inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
                {
                    Step::Key(q.to_string())
                } else {
                    Step::Index(
                        inner
                            .parse()
                            .map_err(|_| bad("index must be a number, * or a quoted name"))?,
                    )
                });
                i = end + 1;
            }
            _ => return Err(bad("expected . or [")),
        }
    }
    if steps.is_empty() {
        return Err(bad("names nothing inside the document"));
    }
    Ok(steps)
}

/// Apply `f` to every scalar reached by `path` in `v` (under a matched
/// object or array, to every scalar inside it).
pub fn visit(
    v: &mut Value,
    path: &[Step],
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let Some((step, rest)) = path.split_first() else {
        return leaves(v, f);
    };
    match (step, v) {
        (Step::Key(k), Value::Object(m)) => match m.get_mut(k) {
            Some(child) => visit(child, rest, f),
            None => Ok(()),
        },
        (Step::Index(n), Value::Array(a)) => match a.get_mut(*n) {
            Some(child) => visit(child, rest, f),
            None => Ok(()),
        },
        (Step::Wildcard, Value::Object(m)) => m.values_mut().try_for_each(|c| visit(c, rest, f)),
        (Step::Wildcard, Value::Array(a)) => a.iter_mut().try_for_each(|c| visit(c, rest, f)),
        (Step::Descend(k), node) => descend(node, k, rest, f),
        _ => Ok(()),
    }
}

fn descend(
    v: &mut Value,
    key: &str,
    rest: &[Step],
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k == key {
                    visit(child, rest, f)?;
                } else {
                    descend(child, key, rest, f)?;
                }
            }
            Ok(())
        }
        Value::Array(a) => a.iter_mut().try_for_each(|c| descend(c, key, rest, f)),
        _ => Ok(()),
    }
}

fn leaves(
    v: &mut Value,
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    match v {
        Value::Object(m) => m.values_mut().try_for_each(|c| leaves(c, f)),
        Value::Array(a) => a.iter_mut().try_for_each(|c| leaves(c, f)),
        Value::Null => Ok(()),
        scalar => f(scalar),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            parse_path("$.a.b").unwrap(),
            vec![Step::Key("a".into()), Step::Key("b".into())]
        );
        assert_eq!(
            parse_path("$.list[*][\"odd key\"]").unwrap(),
            vec![
                Step::Key("list".into()),
                Step::Wildcard,
                Step::Key("odd key".into())
            ]
        );
        assert_eq!(
            parse_path("$..email").unwrap(),
            vec![Step::Descend("email".into())]
        );
        assert!(parse_path("a.b").is_err());
        assert!(parse_path("$").is_err());
        assert!(parse_path("$[x]").is_err());
    }

    #[test]
    fn visits_matches_only() {
        let mut v: Value = serde_json::from_str(r#"{"a":{"email":"x","n":1},"list":[{"email":"y"},{"email":null}],"keep":"z","big":123456789012345678901234567890}"#).unwrap();
        let mut seen = Vec::new();
        visit(&mut v, &parse_path("$..email").unwrap(), &mut |s| {
            seen.push(s.to_string());
            *s = Value::String("M".into());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec!["\"x\"", "\"y\""]);
        assert_eq!(
            v.to_string(),
            r#"{"a":{"email":"M","n":1},"big":123456789012345678901234567890,"keep":"z","list":[{"email":"M"},{"email":null}]}"#
        );
    }
}
