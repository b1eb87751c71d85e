//! `each`: mask every element of an array, in PostgreSQL's array text form
//! (`{a,"b c",NULL}`, nested for more dimensions, optional `[l:u]=` bounds).

/// Call `each` with every non-NULL element of the array literal `input`,
/// unquoted and unescaped.
pub fn each_element(input: &str, each: &mut dyn FnMut(&str)) -> Result<(), String> {
    map_elements(input, &mut String::new(), &mut |e| {
        each(e);
        Ok(None)
    })
}

/// Apply `f` to every non-NULL element of the array literal `input` and
/// append the re-encoded array to `out`. `f` returns `None` for NULL.
pub fn map_elements(
    input: &str,
    out: &mut String,
    f: &mut dyn FnMut(&str) -> Result<Option<String>, String>,
) -> Result<(), String> {
    let (bounds, body) = match input.find("={") {
        Some(i) if input.starts_with('[') => (&input[..i + 1], &input[i + 1..]),
        _ => ("", input),
    };
    out.push_str(bounds);
    let mut pos = 0;
    level(body, &mut pos, out, f)?;
    if pos != body.len() {
        return Err("trailing characters after the array".into());
    }
    Ok(())
}

/// One `{…}` level starting at `pos` (a byte offset; the delimiters are
/// ASCII, so every offset the scan stops at is a character boundary).
fn level(
    s: &str,
    pos: &mut usize,
    out: &mut String,
    f: &mut dyn FnMut(&str) -> Result<Option<String>, String>,
) -> Result<(), String> {
    let b = s.as_bytes();
    if b.get(*pos) != Some(&b'{') {
        return Err("an array starts with {".into());
    }
    *pos += 1;
    out.push('{');
    if b.get(*pos) == Some(&b'}') {
        *pos += 1;
        out.push('}');
        return Ok(());
    }
    loop {
        match b.get(*pos) {
            Some(b'{') => level(s, pos, out, f)?,
            Some(b'"') => {
                *pos += 1;
                let v = quoted(s, pos)?;
                element(Some(&v), out, f)?;
            }
            Some(_) => {
                let start = *pos;
                while let Some(&c) = b.get(*pos) {
                    if c == b',' || c == b'}' {
                        break;
                    }
                    *pos += 1;
                }
                let raw = s[start..*pos].trim();
                if raw.eq_ignore_ascii_case("NULL") {
                    element(None, out, f)?;
                } else {
                    element(Some(raw), out, f)?;
                }
            }
            None => return Err("unterminated array".into()),
        }
        match b.get(*pos) {
            Some(b',') => {
                *pos += 1;
                out.push(',');
            }
            Some(b'}') => {
                *pos += 1;
                out.push('}');
                return Ok(());
            }
            _ => return Err("expected , or } in the array".into()),
        }
    }
}

/// The value of a quoted element whose text starts at `pos` (after the
/// opening quote); leaves `pos` after the closing quote.
fn quoted(s: &str, pos: &mut usize) -> Result<String, String> {
    let b = s.as_bytes();
    let mut v = String::new();
    let mut seg = *pos;
    loop {
        match b.get(*pos) {
            Some(b'\\') => {
                v.push_str(&s[seg..*pos]);
                let c = s[*pos + 1..].chars().next().ok_or("unterminated escape")?;
                v.push(c);
                *pos += 1 + c.len_utf8();
                seg = *pos;
            }
            Some(b'"') => {
                v.push_str(&s[seg..*pos]);
                *pos += 1;
                return Ok(v);
            }
            Some(_) => *pos += 1,
            None => return Err("unterminated quoted element".into()),
        }
    }
}

fn element(
    v: Option<&str>,
    out: &mut String,
    f: &mut dyn FnMut(&str) -> Result<Option<String>, String>,
) -> Result<(), String> {
    match v.map(&mut *f).transpose()?.flatten() {
        None => out.push_str("NULL"),
        Some(m) => {
            out.push('"');
            for ch in m.chars() {
                if ch == '"' || ch == '\\' {
                    out.push('\\');
                }
                out.push(ch);
            }
            out.push('"');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upper(s: &str) -> Result<Option<String>, String> {
        Ok(Some(s.to_uppercase()))
    }

    #[test]
    fn maps_every_element_and_keeps_nulls() {
        let mut out = String::new();
        map_elements(r#"{a,"b c",NULL,"q\"x\\y",""}"#, &mut out, &mut upper).unwrap();
        assert_eq!(out, r#"{"A","B C",NULL,"Q\"X\\Y",""}"#);
        out.clear();
        map_elements("[0:1]={{a,b},{c,NULL}}", &mut out, &mut upper).unwrap();
        assert_eq!(out, r#"[0:1]={{"A","B"},{"C",NULL}}"#);
        out.clear();
        map_elements("{}", &mut out, &mut upper).unwrap();
        assert_eq!(out, "{}");
        out.clear();
        map_elements(r#"{ünï,"çø\\dé\\\\"}"#, &mut out, &mut upper).unwrap();
        assert_eq!(out, r#"{"ÜNÏ","ÇØ\\DÉ\\\\"}"#);
        assert!(map_elements(r#"{"a\\"#, &mut String::new(), &mut upper).is_err());
        assert!(map_elements("{a,b", &mut String::new(), &mut upper).is_err());
    }
}
