//! PostgreSQL's COPY text format: rows end with `\n`, fields are separated
//! by `\t`, `\N` is NULL, and backslash escapes protect tabs, newlines and
//! backslashes inside values (so a raw `\n` or `\t` byte is always a
//! delimiter).

/// The text form of SQL NULL.
pub const NULL: &[u8] = b"\\N";

/// Decode one field's escapes into `out` (cleared first). Follows COPY FROM:
/// `\b \f \n \r \t \v \\`, octal `\d`..`\ddd`, hex `\xh`..`\xhh`, and any
/// other `\c` stands for `c`.
pub fn unescape(field: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < field.len() {
        let b = field[i];
        if b != b'\\' || i + 1 == field.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let c = field[i + 1];
        i += 2;
        match c {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 && i < field.len() && (b'0'..=b'7').contains(&field[i]) {
                    v = v * 8 + u32::from(field[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            b'x' if i < field.len() && field[i].is_ascii_hexdigit() => {
                let mut v = hex_val(field[i]);
                i += 1;
                if i < field.len() && field[i].is_ascii_hexdigit() {
                    v = v * 16 + hex_val(field[i]);
                    i += 1;
                }
                out.push(v);
            }
            other => out.push(other),
        }
    }
}

fn hex_val(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

/// Append `value` to `out` (a `Vec<u8>` or `BytesMut`) with the escapes
/// COPY TO writes.
pub fn escape(value: &[u8], out: &mut impl bytes::BufMut) {
    let mut start = 0;
    for (i, &b) in value.iter().enumerate() {
        let esc: &[u8] = match b {
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x0b => b"\\v",
            _ => continue,
        };
        out.put_slice(&value[start..i]);
        out.put_slice(esc);
        start = i + 1;
    }
    out.put_slice(&value[start..]);
}

/// A field's text, unescaped (`None` for NULL); bytes that are not UTF-8
/// are replaced (COPY text from a UTF-8 session is UTF-8).
pub fn decode_lossy(field: &[u8]) -> Option<String> {
    if field == NULL {
        return None;
    }
    let mut raw = Vec::new();
    unescape(field, &mut raw);
    Some(String::from_utf8_lossy(&raw).into_owned())
}

/// The fields of one row (without its `\n`).
pub fn fields(row: &[u8]) -> impl Iterator<Item = &[u8]> {
    row.split(|&b| b == b'\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(v: &[u8]) {
        let mut e = Vec::new();
        escape(v, &mut e);
        assert!(!e.contains(&b'\n') && !e.contains(&b'\t'));
        let mut d = Vec::new();
        unescape(&e, &mut d);
        assert_eq!(d, v);
    }

    #[test]
    fn escapes_round_trip() {
        roundtrip(b"plain");
        roundtrip(b"tab\there\nnewline\\backslash\r\x08\x0b\x0c");
        roundtrip("unicode ✓ ünïcødé".as_bytes());
        roundtrip(b"");
        roundtrip(b"\\N");
    }

    #[test]
    fn decodes_what_copy_from_accepts() {
        let mut d = Vec::new();
        unescape(b"a\\101\\x42\\q\\", &mut d);
        assert_eq!(d, b"aABq\\");
        unescape(b"\\0", &mut d);
        assert_eq!(d, b"\0");
    }

    #[test]
    fn splits_fields() {
        let f: Vec<&[u8]> = fields(b"a\t\\N\t").collect();
        assert_eq!(f, vec![&b"a"[..], &b"\\N"[..], &b""[..]]);
    }
}
