//! `json`: mask values inside json and jsonb documents at JSONPath
//! locations (`$.a.b`, `$["key"]`, `$.list[*]`, `$.list[0]`, `$.*`,
//! `$..key`). The document is scanned, not rebuilt: only the matched
//! scalars are rewritten, so the text outside them (whitespace, key order,
//! duplicate keys of a `json` value, the digits of numbers) stays byte for
//! byte. Every duplicate of a matched key is masked.

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

/// A scanned JSON value: where it is in the text and what it holds.
#[derive(Debug)]
pub struct Node {
    start: usize,
    end: usize,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    String,
    Null,
    /// Numbers and booleans.
    Other,
}

/// A scalar the path reached: its span in the text and its value.
pub struct Hit {
    /// Byte range of the scalar's JSON text.
    pub start: usize,
    /// End of the range.
    pub end: usize,
}

/// Scan a JSON document (as PostgreSQL validated it).
pub fn scan(text: &str) -> Result<Node, String> {
    let mut s = Scanner {
        b: text.as_bytes(),
        text,
        i: 0,
    };
    let node = s.value(0)?;
    s.ws();
    if s.i != s.b.len() {
        return Err("text after the JSON document".into());
    }
    Ok(node)
}

struct Scanner<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Scanner<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected `{}` at byte {}", c as char, self.i))
        }
    }

    fn string_end(&mut self) -> Result<usize, String> {
        // At the opening quote.
        let mut j = self.i + 1;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' => j += 2,
                b'"' => return Ok(j + 1),
                _ => j += 1,
            }
        }
        Err("unterminated string".into())
    }

    fn value(&mut self, depth: usize) -> Result<Node, String> {
        if depth > 512 {
            return Err("document nested too deeply".into());
        }
        self.ws();
        let start = self.i;
        let kind = match self.b.get(self.i) {
            None => return Err("unexpected end of the document".into()),
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        if self.b.get(self.i) != Some(&b'"') {
                            return Err(format!("expected a member name at byte {}", self.i));
                        }
                        let end = self.string_end()?;
                        let name: String = serde_json::from_str(&self.text[self.i..end])
                            .map_err(|e| format!("member name: {e}"))?;
                        self.i = end;
                        self.expect(b':')?;
                        members.push((name, self.value(depth + 1)?));
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(format!("expected , or }} at byte {}", self.i)),
                        }
                    }
                }
                Kind::Object(members)
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(format!("expected , or ] at byte {}", self.i)),
                        }
                    }
                }
                Kind::Array(items)
            }
            Some(b'"') => {
                self.i = self.string_end()?;
                Kind::String
            }
            Some(_) => {
                while self.i < self.b.len()
                    && !matches!(
                        self.b[self.i],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.i += 1;
                }
                if &self.b[start..self.i] == b"null" {
                    Kind::Null
                } else {
                    Kind::Other
                }
            }
        };
        Ok(Node {
            start,
            end: self.i,
            kind,
        })
    }
}

/// Every scalar reached by `path` in `node` (under a matched object or
/// array, every scalar inside it); JSON nulls are left out.
pub fn visit(node: &Node, path: &[Step], hits: &mut Vec<Hit>) {
    let Some((step, rest)) = path.split_first() else {
        return leaves(node, hits);
    };
    match (step, &node.kind) {
        (Step::Key(k), Kind::Object(m)) => m
            .iter()
            .filter(|(name, _)| name == k)
            .for_each(|(_, c)| visit(c, rest, hits)),
        (Step::Index(n), Kind::Array(a)) => {
            if let Some(c) = a.get(*n) {
                visit(c, rest, hits)
            }
        }
        (Step::Wildcard, Kind::Object(m)) => m.iter().for_each(|(_, c)| visit(c, rest, hits)),
        (Step::Wildcard, Kind::Array(a)) => a.iter().for_each(|c| visit(c, rest, hits)),
        (Step::Descend(k), _) => descend(node, k, rest, hits),
        _ => {}
    }
}

fn descend(node: &Node, key: &str, rest: &[Step], hits: &mut Vec<Hit>) {
    match &node.kind {
        Kind::Object(m) => {
            for (k, child) in m {
                if k == key {
                    visit(child, rest, hits);
                } else {
                    descend(child, key, rest, hits);
                }
            }
        }
        Kind::Array(a) => a.iter().for_each(|c| descend(c, key, rest, hits)),
        _ => {}
    }
}

fn leaves(node: &Node, hits: &mut Vec<Hit>) {
    match &node.kind {
        Kind::Object(m) => m.iter().for_each(|(_, c)| leaves(c, hits)),
        Kind::Array(a) => a.iter().for_each(|c| leaves(c, hits)),
        Kind::Null => {}
        Kind::String | Kind::Other => hits.push(Hit {
            start: node.start,
            end: node.end,
        }),
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

    fn hits(doc: &str, path: &str) -> Vec<String> {
        let node = scan(doc).unwrap();
        let mut hits = Vec::new();
        visit(&node, &parse_path(path).unwrap(), &mut hits);
        hits.iter()
            .map(|h| doc[h.start..h.end].to_string())
            .collect()
    }

    #[test]
    fn visits_matches_only_and_every_duplicate() {
        let doc = r#"{"a":{"email":"x","n":1},"list":[{"email":"y"},{"email":null}],"keep":"z","big":123456789012345678901234567890}"#;
        assert_eq!(hits(doc, "$..email"), vec!["\"x\"", "\"y\""]);
        assert_eq!(hits(doc, "$.big"), vec!["123456789012345678901234567890"]);
        assert_eq!(hits(doc, "$.a"), vec!["\"x\"", "1"]);
        assert_eq!(hits(doc, "$.list[0].email"), vec!["\"y\""]);
        // json keeps duplicate keys: both are reached.
        assert_eq!(
            hits(
                r#"{ "e" : "one",  "e": "two", "\u0065x": [true, "s"] }"#,
                "$.e"
            ),
            vec!["\"one\"", "\"two\""]
        );
        assert_eq!(
            hits(r#"{"ex": [true, "s"]}"#, "$[\"ex\"][*]"),
            vec!["true", "\"s\""]
        );
        assert!(scan("{\"a\": 1").is_err());
        assert!(scan("[1] x").is_err());
    }
}
