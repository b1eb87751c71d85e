//! How `verify` takes a field apart, on both sides: an array is looked at
//! element by element (unquoted, unescaped), and a json document as its
//! text and also by its strings decoded, so that a value with a quote or
//! a backslash, which json writes escaped, is found too.

use crate::mask::each_element;

/// How a column's values are looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// As a whole.
    Plain,
    /// Element by element (any array type).
    Array,
    /// As json text, and by its strings.
    Json,
}

impl Shape {
    /// The shape of a column of type category `category` and base type `base`.
    pub fn of(category: char, base: &str) -> Shape {
        match (category, base) {
            ('A', _) => Shape::Array,
            (_, "json" | "jsonb") => Shape::Json,
            _ => Shape::Plain,
        }
    }
}

/// Call `each` with every non-NULL element of the array literal `v`; false
/// when `v` is not one (the elements before the fault were handed out).
pub fn array_elements(v: &[u8], each: &mut dyn FnMut(&[u8])) -> bool {
    let Ok(text) = std::str::from_utf8(v) else {
        return false;
    };
    each_element(text, &mut |e| each(e.as_bytes())).is_ok()
}

/// Which strings of a json document [`json_strings`] hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strings {
    /// The strings in value places (not object keys), decoded.
    Values,
    /// Keys and values, but only those json had to escape, decoded.
    Escaped,
}

/// Call `each` with the strings of the json text `doc` that `which` asks
/// for. Text that is not json gives what could be read up to the fault.
pub fn json_strings(doc: &[u8], which: Strings, each: &mut dyn FnMut(&[u8])) {
    let mut i = 0;
    let mut decoded = String::new();
    while let Some(off) = memchr::memchr(b'"', &doc[i..]) {
        let start = i + off;
        let mut j = start + 1;
        let mut escaped = false;
        let end = loop {
            match doc.get(j) {
                Some(b'\\') => {
                    escaped = true;
                    j += 2;
                }
                Some(b'"') => break Some(j),
                Some(_) => j += 1,
                None => break None,
            }
        };
        let Some(end) = end else { return };
        i = end + 1;
        let is_key = doc[i..]
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|&b| b == b':');
        let wanted = match which {
            Strings::Values => !is_key,
            Strings::Escaped => escaped,
        };
        if !wanted {
            continue;
        }
        let raw = &doc[start..=end];
        if !escaped {
            each(&raw[1..raw.len() - 1]);
        } else if let Ok(s) = serde_json::from_slice::<String>(raw) {
            decoded.clear();
            decoded.push_str(&s);
            each(decoded.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(doc: &str, which: Strings) -> Vec<String> {
        let mut out = Vec::new();
        json_strings(doc.as_bytes(), which, &mut |s| {
            out.push(String::from_utf8_lossy(s).into_owned())
        });
        out
    }

    #[test]
    fn json_values_are_decoded_and_keys_left_out() {
        let doc =
            r#"{"name": "Ann \"Nan\" Lee", "tags": ["a\\b", "plain"], "n": 5, "k\"q": {"x":"y"}}"#;
        assert_eq!(
            strings(doc, Strings::Values),
            vec!["Ann \"Nan\" Lee", "a\\b", "plain", "y"]
        );
        assert_eq!(
            strings(doc, Strings::Escaped),
            vec!["Ann \"Nan\" Lee", "a\\b", "k\"q"]
        );
        assert_eq!(
            strings(r#"{"a": "\u00e9t\u00e9\n"}"#, Strings::Escaped),
            vec!["été\n"]
        );
        assert!(strings(r#"{"a": "unterminated"#, Strings::Values).is_empty());
    }

    #[test]
    fn array_elements_are_unquoted() {
        let mut out = Vec::new();
        let ok = array_elements(
            br#"{plain,"with \"quote\"","back\\slash",NULL}"#,
            &mut |e| out.push(String::from_utf8_lossy(e).into_owned()),
        );
        assert!(ok);
        assert_eq!(out, vec!["plain", "with \"quote\"", "back\\slash"]);
        assert!(!array_elements(b"not an array", &mut |_| {}));
    }
}
