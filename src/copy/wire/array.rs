//! Arrays: dimensions, a has-NULLs flag, the element type's oid, each
//! dimension's length and lower bound, then the elements (length-prefixed,
//! -1 for NULL) in row-major order. Printed as array_out prints them
//! (`{a,"b c",NULL}`, nested per dimension, `[l:u]=` when a lower bound is
//! not 1) and read as array_in reads them.

use bytes::BufMut;

use super::{bad, WireError, WireType};

const MAX_DIMS: usize = 6;

/// A cursor over a binary value.
struct Reader<'a> {
    raw: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn i32(&mut self) -> Result<i32, WireError> {
        let b = self
            .raw
            .get(self.at..self.at + 4)
            .ok_or_else(|| bad("array value too short"))?;
        self.at += 4;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Append the text of a binary array of `elem`.
pub(super) fn decode(elem: &WireType, raw: &[u8], out: &mut String) -> Result<(), WireError> {
    let mut r = Reader { raw, at: 0 };
    let ndim = r.i32()?;
    let _flags = r.i32()?;
    let _oid = r.i32()?;
    if !(0..=MAX_DIMS as i32).contains(&ndim) {
        return Err(bad("array with too many dimensions"));
    }
    let mut dims = Vec::new();
    let mut bounds = Vec::new();
    for _ in 0..ndim {
        let n = r.i32()?;
        if n < 0 {
            return Err(bad("array with a negative dimension"));
        }
        dims.push(n as usize);
        bounds.push(r.i32()?);
    }
    if dims.is_empty() || dims.contains(&0) {
        out.push_str("{}");
        return finish(&r);
    }
    if bounds.iter().any(|&b| b != 1) {
        for (n, lb) in dims.iter().zip(&bounds) {
            out.push_str(&format!("[{lb}:{}]", i64::from(*lb) + *n as i64 - 1));
        }
        out.push('=');
    }
    let mut text = String::new();
    level(elem, &dims, &mut r, &mut text, out)?;
    finish(&r)
}

fn finish(r: &Reader) -> Result<(), WireError> {
    match r.at == r.raw.len() {
        true => Ok(()),
        false => Err(bad("array value longer than its elements")),
    }
}

/// One `{…}` level of dimensions `dims`.
fn level(
    elem: &WireType,
    dims: &[usize],
    r: &mut Reader,
    text: &mut String,
    out: &mut String,
) -> Result<(), WireError> {
    out.push('{');
    for i in 0..dims[0] {
        if i > 0 {
            out.push(',');
        }
        if dims.len() > 1 {
            level(elem, &dims[1..], r, text, out)?;
            continue;
        }
        let len = r.i32()?;
        if len < 0 {
            out.push_str("NULL");
            continue;
        }
        let v = r
            .raw
            .get(r.at..r.at + len as usize)
            .ok_or_else(|| bad("array element longer than the value"))?;
        r.at += len as usize;
        text.clear();
        elem.decode(v, text)?;
        quote(text, out);
    }
    out.push('}');
    Ok(())
}

/// The whitespace array_in skips and array_out quotes.
fn is_array_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// An element as array_out writes it: quoted when empty, `NULL` in any
/// case, or holding braces, commas, quotes, backslashes or whitespace.
fn quote(v: &str, out: &mut String) {
    let needs = v.is_empty()
        || v.eq_ignore_ascii_case("NULL")
        || v.bytes()
            .any(|c| matches!(c, b'{' | b'}' | b',' | b'"' | b'\\') || is_array_space(c));
    if !needs {
        out.push_str(v);
        return;
    }
    out.push('"');
    for c in v.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// An array literal, parsed.
#[derive(Default)]
struct Literal {
    /// Elements per dimension (`None` until the first level of that depth closes).
    dims: Vec<Option<usize>>,
    /// The depth of the elements (every element must be at the same depth).
    depth: Option<usize>,
    elems: Vec<Option<Vec<u8>>>,
}

/// Append the binary form of the array literal `text`; the element type's
/// oid is taken from `like` (the source's value of the column).
pub(super) fn encode(
    elem: &WireType,
    text: &str,
    like: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), WireError> {
    let oid = like
        .get(8..12)
        .ok_or_else(|| bad("array without an element type to copy"))?;
    let s = text.as_bytes();
    let mut pos = 0;
    skip_spaces(s, &mut pos);
    let bounds = decoration(s, &mut pos)?;
    let mut lit = Literal::default();
    level_in(s, &mut pos, 0, &mut lit)?;
    skip_spaces(s, &mut pos);
    if pos != s.len() {
        return Err(bad("text after the end of the array"));
    }
    let dims: Vec<usize> = match lit.depth {
        None => Vec::new(),
        Some(_) => lit.dims.iter().map(|d| d.unwrap_or(0)).collect(),
    };
    if let Some(b) = &bounds {
        let sizes: Vec<usize> = b.iter().map(|(l, u)| (u - l + 1) as usize).collect();
        if sizes != dims {
            return Err(bad("array dimensions do not match its bounds"));
        }
    }
    out.put_i32(dims.len() as i32);
    out.put_i32(i32::from(lit.elems.iter().any(Option::is_none)));
    out.put_slice(oid);
    for (i, n) in dims.iter().enumerate() {
        out.put_i32(*n as i32);
        out.put_i32(bounds.as_ref().map_or(1, |b| b[i].0) as i32);
    }
    let mut buf = Vec::new();
    for e in &lit.elems {
        match e {
            None => out.put_i32(-1),
            Some(v) => {
                let v = std::str::from_utf8(v).map_err(|_| bad("not valid UTF-8"))?;
                buf.clear();
                elem.encode(v, &[], &mut buf)?;
                out.put_i32(buf.len() as i32);
                out.put_slice(&buf);
            }
        }
    }
    Ok(())
}

fn skip_spaces(s: &[u8], pos: &mut usize) {
    while s.get(*pos).is_some_and(|&c| is_array_space(c)) {
        *pos += 1;
    }
}

/// `[l:u][l:u]…=` before the braces, if present.
fn decoration(s: &[u8], pos: &mut usize) -> Result<Option<Vec<(i64, i64)>>, WireError> {
    if s.get(*pos) != Some(&b'[') {
        return Ok(None);
    }
    let mut b = Vec::new();
    let num = |pos: &mut usize| -> Result<i64, WireError> {
        let start = *pos;
        if s.get(*pos) == Some(&b'-') || s.get(*pos) == Some(&b'+') {
            *pos += 1;
        }
        while s.get(*pos).is_some_and(u8::is_ascii_digit) {
            *pos += 1;
        }
        std::str::from_utf8(&s[start..*pos])
            .ok()
            .and_then(|t| t.parse::<i32>().ok())
            .map(i64::from)
            .ok_or_else(|| bad("array bounds are not integers"))
    };
    while s.get(*pos) == Some(&b'[') {
        *pos += 1;
        let first = num(pos)?;
        let (l, u) = match s.get(*pos) {
            Some(b':') => {
                *pos += 1;
                (first, num(pos)?)
            }
            _ => (1, first),
        };
        if s.get(*pos) != Some(&b']') || u < l - 1 {
            return Err(bad("malformed array bounds"));
        }
        *pos += 1;
        b.push((l, u));
    }
    skip_spaces(s, pos);
    if s.get(*pos) != Some(&b'=') {
        return Err(bad("array bounds without ="));
    }
    *pos += 1;
    skip_spaces(s, pos);
    Ok(Some(b))
}

/// One `{…}` at `depth`.
fn level_in(s: &[u8], pos: &mut usize, depth: usize, lit: &mut Literal) -> Result<(), WireError> {
    if s.get(*pos) != Some(&b'{') || depth >= MAX_DIMS {
        return Err(bad("malformed array literal"));
    }
    *pos += 1;
    if lit.dims.len() <= depth {
        lit.dims.push(None);
    }
    skip_spaces(s, pos);
    let mut count = 0;
    if s.get(*pos) == Some(&b'}') {
        *pos += 1;
        // `{}` is the empty array; an empty inner level is not allowed.
        return match depth {
            0 => Ok(()),
            _ => Err(bad("malformed array literal")),
        };
    }
    loop {
        skip_spaces(s, pos);
        if s.get(*pos) == Some(&b'{') {
            level_in(s, pos, depth + 1, lit)?;
        } else {
            let e = element(s, pos)?;
            if *lit.depth.get_or_insert(depth + 1) != depth + 1 {
                return Err(bad("malformed array literal"));
            }
            lit.elems.push(e);
        }
        count += 1;
        skip_spaces(s, pos);
        match s.get(*pos) {
            Some(b',') => *pos += 1,
            Some(b'}') => {
                *pos += 1;
                break;
            }
            _ => return Err(bad("malformed array literal")),
        }
    }
    match lit.dims[depth] {
        Some(n) if n != count => Err(bad("multidimensional arrays must have matching dimensions")),
        _ => {
            lit.dims[depth] = Some(count);
            Ok(())
        }
    }
}

/// One element (quoted or not); `None` for an unquoted NULL.
fn element(s: &[u8], pos: &mut usize) -> Result<Option<Vec<u8>>, WireError> {
    let mut v = Vec::new();
    if s.get(*pos) == Some(&b'"') {
        *pos += 1;
        loop {
            match s.get(*pos) {
                Some(b'\\') => {
                    v.push(*s.get(*pos + 1).ok_or_else(|| bad("unterminated element"))?);
                    *pos += 2;
                }
                Some(b'"') => {
                    *pos += 1;
                    return Ok(Some(v));
                }
                Some(&c) => {
                    v.push(c);
                    *pos += 1;
                }
                None => return Err(bad("unterminated quoted element")),
            }
        }
    }
    // Unquoted: up to a delimiter; escaped characters are kept, trailing
    // unescaped whitespace is not.
    let mut keep = 0;
    let mut escaped = false;
    loop {
        match s.get(*pos) {
            Some(b',' | b'}') | None => break,
            Some(b'{' | b'"') => return Err(bad("malformed array literal")),
            Some(b'\\') => {
                v.push(*s.get(*pos + 1).ok_or_else(|| bad("unterminated escape"))?);
                *pos += 2;
                keep = v.len();
                escaped = true;
            }
            Some(&c) => {
                v.push(c);
                *pos += 1;
                if !is_array_space(c) {
                    keep = v.len();
                }
            }
        }
    }
    v.truncate(keep);
    if v.is_empty() {
        return Err(bad("malformed array literal"));
    }
    if !escaped && v.eq_ignore_ascii_case(b"NULL") {
        return Ok(None);
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(elem: WireType, t: &str) -> String {
        let like = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25];
        let mut b = Vec::new();
        encode(&elem, t, &like, &mut b).unwrap();
        let mut s = String::new();
        decode(&elem, &b, &mut s).unwrap();
        s
    }

    #[test]
    fn arrays_print_as_postgres_prints_them() {
        let t = r#"{"with \"quotes\"",NULL,"comma, here","back\\slash",""}"#;
        assert_eq!(round(WireType::Text, t), t);
        assert_eq!(
            round(WireType::Text, "{ a , b c ,\"null\", NULL }"),
            r#"{a,"b c","null",NULL}"#
        );
        assert_eq!(
            round(WireType::Int4, "{{1,2},{3,NULL}}"),
            "{{1,2},{3,NULL}}"
        );
        assert_eq!(round(WireType::Int4, "[0:1]={5,6}"), "[0:1]={5,6}");
        assert_eq!(round(WireType::Int4, "{}"), "{}");
        assert_eq!(round(WireType::Text, r"{a\ ,\N}"), r#"{"a ",N}"#);
        let like = [0u8; 12];
        let mut b = Vec::new();
        assert!(encode(&WireType::Int4, "{{1,2},{3}}", &like, &mut b).is_err());
        assert!(encode(&WireType::Int4, "{1,{2}}", &like, &mut b).is_err());
        assert!(encode(&WireType::Int4, "{1,x}", &like, &mut b).is_err());
        assert!(encode(&WireType::Int4, "[1:3]={1,2}", &like, &mut b).is_err());
    }
}
