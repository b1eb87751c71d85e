//! `json`: mask values inside json and jsonb documents at JSONPath
//! locations (`$.a.b`, `$["key"]`, `$.list[*]`, `$.list[0]`, `$.*`,
//! `$..key`). The document is scanned, not rebuilt: only the matched
//! scalars are rewritten, so the text outside them (whitespace, key order,
//! duplicate keys of a `json` value, the digits of numbers) stays byte for
//! byte. Every duplicate of a matched key is masked. The document is
//! rewritten in one pass, without building a tree of it.

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

/// Why a document could not be rewritten.
#[derive(Debug)]
pub enum Fail<E> {
    /// The text is not a JSON document.
    Syntax(String),
    /// The masker refused a value.
    Mask(E),
}

/// Which path, and how many of its steps the current value has matched.
type State = (usize, usize);

/// Copy the JSON document `text` to `out`, passing each scalar a path
/// reaches to `mask` (with the first path that reaches it; under a matched
/// object or array, every scalar inside it; JSON nulls are left as they
/// are) to write in its place. One pass over the text, no tree: memory
/// is the nesting depth times the paths.
pub fn rewrite<M, E>(
    text: &str,
    paths: &[(Vec<Step>, M)],
    mask: &mut dyn FnMut(&M, &str, &mut String) -> Result<(), E>,
    out: &mut String,
) -> Result<(), Fail<E>> {
    let mut w = Walk {
        b: text.as_bytes(),
        text,
        i: 0,
        copied: 0,
        paths,
        mask,
        out,
    };
    let all: Vec<State> = (0..paths.len()).map(|p| (p, 0)).collect();
    w.value(0, &all)?;
    w.ws();
    if w.i != w.b.len() {
        return Err(Fail::Syntax("text after the JSON document".into()));
    }
    w.out.push_str(&text[w.copied..]);
    Ok(())
}

/// Whether serde_json escapes the byte in a string: `"`, `\` and the
/// control characters.
pub(super) fn escaped(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The text of a JSON string token that has no escape and no control
/// character: what decoding it gives, without decoding. `None` for any
/// other token.
pub(super) fn plain_string(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.bytes().any(escaped)).then_some(inner)
}

struct Walk<'a, 'o, M, E> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    /// The text before this offset is in `out`.
    copied: usize,
    paths: &'a [(Vec<Step>, M)],
    mask: &'o mut dyn FnMut(&M, &str, &mut String) -> Result<(), E>,
    out: &'o mut String,
}

impl<M, E> Walk<'_, '_, M, E> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn syntax<T>(&self, what: &str) -> Result<T, Fail<E>> {
        Err(Fail::Syntax(format!("{what} at byte {}", self.i)))
    }

    fn expect(&mut self, c: u8) -> Result<(), Fail<E>> {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            self.syntax(&format!("expected `{}`", c as char))
        }
    }

    /// The end of the string whose opening quote is at `self.i`.
    fn string_end(&self) -> Result<usize, Fail<E>> {
        let mut j = self.i + 1;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' => j += 2,
                b'"' => return Ok(j + 1),
                _ => j += 1,
            }
        }
        Err(Fail::Syntax("unterminated string".into()))
    }

    /// The states of a member or element, from those of its container.
    fn child(&self, states: &[State], name: Option<&str>, index: usize) -> Vec<State> {
        // Most members are on no path: their list stays unallocated.
        let mut next = Vec::new();
        for &(p, k) in states {
            match (self.paths[p].0.get(k), name) {
                (None, _) => next.push((p, k)),
                (Some(Step::Wildcard), _) => next.push((p, k + 1)),
                (Some(Step::Key(n)), Some(name)) if n == name => next.push((p, k + 1)),
                (Some(Step::Index(n)), None) if *n == index => next.push((p, k + 1)),
                (Some(Step::Descend(n)), Some(name)) if n == name => next.push((p, k + 1)),
                (Some(Step::Descend(_)), _) => next.push((p, k)),
                _ => {}
            }
        }
        next
    }

    fn value(&mut self, depth: usize, states: &[State]) -> Result<(), Fail<E>> {
        if depth > 512 {
            return Err(Fail::Syntax("document nested too deeply".into()));
        }
        self.ws();
        let start = self.i;
        match self.b.get(self.i) {
            None => Err(Fail::Syntax("unexpected end of the document".into())),
            Some(b'{') => self.object(depth, states),
            Some(b'[') => self.array(depth, states),
            Some(b'"') => {
                self.i = self.string_end()?;
                self.scalar(start, states)
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
                    Ok(())
                } else {
                    self.scalar(start, states)
                }
            }
        }
    }

    fn object(&mut self, depth: usize, states: &[State]) -> Result<(), Fail<E>> {
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return self.syntax("expected a member name");
            }
            let end = self.string_end()?;
            let token = &self.text[self.i..end];
            let name: std::borrow::Cow<str> = match plain_string(token) {
                Some(name) => std::borrow::Cow::Borrowed(name),
                None => std::borrow::Cow::Owned(
                    serde_json::from_str(token)
                        .map_err(|e| Fail::Syntax(format!("member name: {e}")))?,
                ),
            };
            self.i = end;
            self.expect(b':')?;
            let next = self.child(states, Some(&name), 0);
            self.value(depth + 1, &next)?;
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return self.syntax("expected , or }"),
            }
        }
    }

    fn array(&mut self, depth: usize, states: &[State]) -> Result<(), Fail<E>> {
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(());
        }
        for index in 0.. {
            let next = self.child(states, None, index);
            self.value(depth + 1, &next)?;
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    break;
                }
                _ => return self.syntax("expected , or ]"),
            }
        }
        Ok(())
    }

    /// A scalar ends at `self.i`: rewrite it if a path is complete here.
    fn scalar(&mut self, start: usize, states: &[State]) -> Result<(), Fail<E>> {
        let done = states
            .iter()
            .filter(|&&(p, k)| k == self.paths[p].0.len())
            .map(|&(p, _)| p)
            .min();
        if let Some(p) = done {
            self.out.push_str(&self.text[self.copied..start]);
            (self.mask)(&self.paths[p].1, &self.text[start..self.i], self.out)
                .map_err(Fail::Mask)?;
            self.copied = self.i;
        }
        Ok(())
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
        let paths = vec![(parse_path(path).unwrap(), ())];
        let mut found = Vec::new();
        let mut out = String::new();
        rewrite::<(), ()>(
            doc,
            &paths,
            &mut |_, raw, out| {
                found.push(raw.to_string());
                out.push_str(raw);
                Ok(())
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(out, doc);
        found
    }

    fn valid(doc: &str) -> bool {
        let paths: Vec<(Vec<Step>, ())> = Vec::new();
        let mut out = String::new();
        rewrite::<(), ()>(doc, &paths, &mut |_, _, _| Ok(()), &mut out).is_ok()
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
        assert!(!valid("{\"a\": 1") && !valid("[1] x") && valid(" [1, {}] "));
    }
}
