//! `each`: mask every element of an array, in PostgreSQL's array text form
//! (`{a,"b c",NULL}`, nested for more dimensions, optional `[l:u]=` bounds).

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
    let chars: Vec<char> = body.chars().collect();
    let mut pos = 0;
    level(&chars, &mut pos, out, f)?;
    if pos != chars.len() {
        return Err("trailing characters after the array".into());
    }
    Ok(())
}

fn level(
    c: &[char],
    pos: &mut usize,
    out: &mut String,
    f: &mut dyn FnMut(&str) -> Result<Option<String>, String>,
) -> Result<(), String> {
    if c.get(*pos) != Some(&'{') {
        return Err("an array starts with {".into());
    }
    *pos += 1;
    out.push('{');
    if c.get(*pos) == Some(&'}') {
        *pos += 1;
        out.push('}');
        return Ok(());
    }
    loop {
        match c.get(*pos) {
            Some('{') => level(c, pos, out, f)?,
            Some('"') => {
                *pos += 1;
                let mut v = String::new();
                loop {
                    match c.get(*pos) {
                        Some('\\') => {
                            v.push(*c.get(*pos + 1).ok_or("unterminated escape")?);
                            *pos += 2;
                        }
                        Some('"') => {
                            *pos += 1;
                            break;
                        }
                        Some(&ch) => {
                            v.push(ch);
                            *pos += 1;
                        }
                        None => return Err("unterminated quoted element".into()),
                    }
                }
                element(Some(&v), out, f)?;
            }
            Some(_) => {
                let start = *pos;
                while let Some(&ch) = c.get(*pos) {
                    if ch == ',' || ch == '}' {
                        break;
                    }
                    *pos += 1;
                }
                let raw: String = c[start..*pos].iter().collect();
                let raw = raw.trim();
                if raw.eq_ignore_ascii_case("NULL") {
                    element(None, out, f)?;
                } else {
                    element(Some(raw), out, f)?;
                }
            }
            None => return Err("unterminated array".into()),
        }
        match c.get(*pos) {
            Some(',') => {
                *pos += 1;
                out.push(',');
            }
            Some('}') => {
                *pos += 1;
                out.push('}');
                return Ok(());
            }
            _ => return Err("expected , or } in the array".into()),
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
        assert!(map_elements("{a,b", &mut String::new(), &mut upper).is_err());
    }
}
