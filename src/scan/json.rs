//! The keys inside sampled json and jsonb documents: each document is
//! walked and every scalar is filed under its JSONPath (`$.contact.email`,
//! `$.emails[*]`, `$["first name"]`), in the syntax `json:` rules take, so
//! that each path is judged like a column and a personal one gets its own
//! masker.

use std::collections::BTreeMap;

/// At most this many paths per column; a document with more keys than
/// this (keys that are data, e.g. ids) is not walked further.
const MAX_PATHS: usize = 200;

/// Scalars of one path, and the key that names them.
#[derive(Debug, Default)]
pub struct PathValues {
    /// The last member name on the path (what a column name would be).
    pub key: String,
    /// The scalars found there, as text.
    pub values: Vec<String>,
}

/// Every path of the documents and its scalars; `None` when no document
/// parses as JSON (the column is then judged as text).
pub fn walk(docs: &[String]) -> Option<BTreeMap<String, PathValues>> {
    let mut paths: BTreeMap<String, PathValues> = BTreeMap::new();
    let mut parsed = 0;
    for d in docs {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(d) else {
            continue;
        };
        parsed += 1;
        visit(&v, "$", "", &mut paths);
    }
    (parsed > 0).then_some(paths)
}

fn visit(v: &serde_json::Value, path: &str, key: &str, out: &mut BTreeMap<String, PathValues>) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let Some(step) = member(k) else { continue };
                let p = format!("{path}{step}");
                if !out.contains_key(&p) && out.len() >= MAX_PATHS {
                    continue;
                }
                visit(child, &p, k, out);
            }
        }
        Value::Array(items) => {
            let p = format!("{path}[*]");
            for item in items {
                visit(item, &p, key, out);
            }
        }
        Value::String(s) => push(out, path, key, s.clone()),
        Value::Number(n) => push(out, path, key, n.to_string()),
        Value::Bool(_) | Value::Null => {}
    }
}

fn push(out: &mut BTreeMap<String, PathValues>, path: &str, key: &str, value: String) {
    if path == "$" {
        return;
    }
    if !out.contains_key(path) && out.len() >= MAX_PATHS {
        return;
    }
    let e = out.entry(path.to_string()).or_default();
    if e.key.is_empty() {
        e.key = key.to_string();
    }
    e.values.push(value);
}

/// A member step: `.key` for plain names, `["key"]` otherwise; `None` for
/// names a path cannot spell (quotes, brackets, control characters).
fn member(k: &str) -> Option<String> {
    if k.is_empty() {
        return None;
    }
    let plain = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        return Some(format!(".{k}"));
    }
    if k.chars()
        .any(|c| c == '"' || c == '\\' || c == ']' || c == '[' || c.is_control())
    {
        return None;
    }
    Some(format!("[\"{k}\"]"))
}
