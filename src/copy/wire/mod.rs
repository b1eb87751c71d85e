//! The binary forms of the types doppel masks in binary COPY: decoding a
//! value's binary form into the exact text its output function prints (the
//! text maskers take), and encoding a masker's text into the binary form
//! the type's receive function takes, giving the same stored value as its
//! input function would. The session settings are doppel's (ISO dates,
//! TimeZone UTC). Types not listed here are not masked in binary: their
//! tables are copied in text.

mod array;
mod datetime;
mod inet;
mod numeric;

use bytes::BufMut;

/// A type whose binary form doppel decodes and encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireType {
    /// The bytes of the text: text, varchar, bpchar, name, citext, enums.
    Text,
    /// 16 bytes.
    Uuid,
    /// Big-endian 2-byte integer.
    Int2,
    /// Big-endian 4-byte integer.
    Int4,
    /// Big-endian 8-byte integer.
    Int8,
    /// Base-10000 digits with weight, sign and display scale.
    Numeric,
    /// Days since 2000-01-01.
    Date,
    /// Microseconds since 2000-01-01 00:00.
    Timestamp,
    /// Microseconds since 2000-01-01 00:00 UTC (shown in UTC, `+00`).
    Timestamptz,
    /// The text of the document.
    Json,
    /// A version byte (1) and the text of the document.
    Jsonb,
    /// Family, bits, flag, length, address.
    Inet,
    /// As inet, always shown with its bits.
    Cidr,
    /// An array of one of these.
    Array(Box<WireType>),
}

/// Why a value could not be decoded or encoded. Never carries the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WireError(pub String);

fn bad(what: &str) -> WireError {
    WireError(what.to_string())
}

impl WireType {
    /// The type whose binary form is made by the built-in send function
    /// `send` (pg_proc.prosrc of the base type's typsend; for arrays
    /// `array_send:` and the element's): `None` when doppel does not handle it.
    pub fn from_send(send: &str) -> Option<WireType> {
        if let Some(elem) = send.strip_prefix("array_send:") {
            return match WireType::from_send(elem)? {
                WireType::Array(_) => None,
                e => Some(WireType::Array(Box::new(e))),
            };
        }
        Some(match send {
            "textsend" | "varcharsend" | "bpcharsend" | "namesend" | "enum_send" => WireType::Text,
            "uuid_send" => WireType::Uuid,
            "int2send" => WireType::Int2,
            "int4send" => WireType::Int4,
            "int8send" => WireType::Int8,
            "numeric_send" => WireType::Numeric,
            "date_send" => WireType::Date,
            "timestamp_send" => WireType::Timestamp,
            "timestamptz_send" => WireType::Timestamptz,
            "json_send" => WireType::Json,
            "jsonb_send" => WireType::Jsonb,
            "inet_send" => WireType::Inet,
            "cidr_send" => WireType::Cidr,
            _ => return None,
        })
    }

    /// When the binary form is the text's bytes after a fixed prefix (so a
    /// masked value is written as the masker hands it over): that prefix.
    pub fn text_prefix(&self) -> Option<&'static [u8]> {
        match self {
            WireType::Text | WireType::Json => Some(b""),
            WireType::Jsonb => Some(b"\x01"),
            _ => None,
        }
    }

    /// A short name for messages.
    pub fn name(&self) -> String {
        match self {
            WireType::Text => "text".into(),
            WireType::Uuid => "uuid".into(),
            WireType::Int2 => "smallint".into(),
            WireType::Int4 => "integer".into(),
            WireType::Int8 => "bigint".into(),
            WireType::Numeric => "numeric".into(),
            WireType::Date => "date".into(),
            WireType::Timestamp => "timestamp".into(),
            WireType::Timestamptz => "timestamptz".into(),
            WireType::Json => "json".into(),
            WireType::Jsonb => "jsonb".into(),
            WireType::Inet => "inet".into(),
            WireType::Cidr => "cidr".into(),
            WireType::Array(e) => format!("{}[]", e.name()),
        }
    }

    /// Append the text form of the binary value `raw` to `out`, as the
    /// type's output function prints it.
    pub fn decode(&self, raw: &[u8], out: &mut String) -> Result<(), WireError> {
        match self {
            WireType::Text | WireType::Json => {
                out.push_str(std::str::from_utf8(raw).map_err(|_| bad("not valid UTF-8"))?)
            }
            WireType::Jsonb => match raw.split_first() {
                Some((1, text)) => {
                    out.push_str(std::str::from_utf8(text).map_err(|_| bad("not valid UTF-8"))?)
                }
                _ => return Err(bad("unknown jsonb version")),
            },
            WireType::Uuid => decode_uuid(raw, out)?,
            WireType::Int2 => {
                let v = i16::from_be_bytes(fixed(raw)?);
                out.push_str(&v.to_string());
            }
            WireType::Int4 => out.push_str(&i32::from_be_bytes(fixed(raw)?).to_string()),
            WireType::Int8 => out.push_str(&i64::from_be_bytes(fixed(raw)?).to_string()),
            WireType::Numeric => numeric::decode(raw, out)?,
            WireType::Date => datetime::decode_date(i32::from_be_bytes(fixed(raw)?), out),
            WireType::Timestamp => {
                datetime::decode_timestamp(i64::from_be_bytes(fixed(raw)?), false, out)
            }
            WireType::Timestamptz => {
                datetime::decode_timestamp(i64::from_be_bytes(fixed(raw)?), true, out)
            }
            WireType::Inet | WireType::Cidr => inet::decode(raw, *self == WireType::Cidr, out)?,
            WireType::Array(elem) => array::decode(elem, raw, out)?,
        }
        Ok(())
    }

    /// Append the binary form of the text `text` to `out` (without the
    /// field's length), as the type's input function would read the text.
    /// `like` is the source's binary value the text replaces (an array
    /// takes its element type from it).
    pub fn encode(&self, text: &str, like: &[u8], out: &mut Vec<u8>) -> Result<(), WireError> {
        match self {
            WireType::Text | WireType::Json => out.put_slice(text.as_bytes()),
            WireType::Jsonb => {
                out.put_u8(1);
                out.put_slice(text.as_bytes());
            }
            WireType::Uuid => encode_uuid(text, out)?,
            WireType::Int2 => out.put_i16(parse_int(text)?),
            WireType::Int4 => out.put_i32(parse_int(text)?),
            WireType::Int8 => out.put_i64(parse_int(text)?),
            WireType::Numeric => numeric::encode(text, out)?,
            WireType::Date => out.put_i32(datetime::parse_date(text)?),
            WireType::Timestamp => out.put_i64(datetime::parse_timestamp(text, false)?),
            WireType::Timestamptz => out.put_i64(datetime::parse_timestamp(text, true)?),
            WireType::Inet | WireType::Cidr => inet::encode(text, *self == WireType::Cidr, out)?,
            WireType::Array(elem) => array::encode(elem, text, like, out)?,
        }
        Ok(())
    }
}

/// The characters C's isspace() skips around numbers.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// A fixed-size value.
fn fixed<const N: usize>(raw: &[u8]) -> Result<[u8; N], WireError> {
    raw.try_into()
        .map_err(|_| WireError(format!("expected {N} bytes, found {}", raw.len())))
}

/// An integer as int2in/int4in/int8in read it: optional spaces around an
/// optionally signed run of decimal digits.
fn parse_int<T: std::str::FromStr>(text: &str) -> Result<T, WireError> {
    let t = text.trim_matches(is_space);
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("not an integer"));
    }
    t.parse()
        .map_err(|_| bad("integer out of range for its type"))
}

fn decode_uuid(raw: &[u8], out: &mut String) -> Result<(), WireError> {
    let b: [u8; 16] = fixed(raw)?;
    let mut text = [b'-'; 36];
    let mut at = 0;
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            at += 1;
        }
        text[at] = HEX[usize::from(byte >> 4)];
        text[at + 1] = HEX[usize::from(byte & 15)];
        at += 2;
    }
    // Only ASCII hex digits and hyphens were written.
    out.extend(text.iter().map(|&c| char::from(c)));
    Ok(())
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A uuid as uuid_in reads it: 32 hex digits, optionally in braces, with a
/// hyphen allowed after any group of four digits; no spaces.
fn encode_uuid(text: &str, out: &mut Vec<u8>) -> Result<(), WireError> {
    if let Some(bytes) = canonical_uuid(text.as_bytes()) {
        out.put_slice(&bytes);
        return Ok(());
    }
    let t = text;
    let t = t
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(t);
    let mut bytes = [0u8; 16];
    let mut n = 0;
    let s = t.as_bytes();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'-' {
            if n == 0 || n % 4 != 0 || n == 32 || s.get(i + 1) == Some(&b'-') {
                return Err(bad("not a uuid"));
            }
            i += 1;
            continue;
        }
        let d = (s[i] as char)
            .to_digit(16)
            .ok_or_else(|| bad("not a uuid"))?;
        if n == 32 {
            return Err(bad("not a uuid"));
        }
        bytes[n / 2] |= (d as u8) << if n % 2 == 0 { 4 } else { 0 };
        n += 1;
        i += 1;
    }
    if n != 32 || s.last() == Some(&b'-') {
        return Err(bad("not a uuid"));
    }
    out.put_slice(&bytes);
    Ok(())
}

/// The bytes of a uuid in the form uuid_out prints (8-4-4-4-12 hex
/// digits, either case): what [`encode_uuid`] reads from it, without its
/// checks for the other forms. `None` for any other text.
fn canonical_uuid(s: &[u8]) -> Option<[u8; 16]> {
    if s.len() != 36 || [8, 13, 18, 23].iter().any(|&i| s[i] != b'-') {
        return None;
    }
    let mut bytes = [0u8; 16];
    let mut digits = (0..36)
        .filter(|i| !matches!(i, 8 | 13 | 18 | 23))
        .map(|i| char::from(s[i]).to_digit(16));
    for byte in &mut bytes {
        let hi = digits.next()??;
        let lo = digits.next()??;
        *byte = (hi << 4 | lo) as u8;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(t: &WireType, text: &str) -> String {
        let mut b = Vec::new();
        t.encode(text, &[], &mut b).unwrap();
        let mut s = String::new();
        t.decode(&b, &mut s).unwrap();
        s
    }

    #[test]
    fn uuids_and_integers_round_trip() {
        let u = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        assert_eq!(round(&WireType::Uuid, u), u);
        assert_eq!(
            round(&WireType::Uuid, "{A0EEBC999C0B4EF8BB6D6BB9BD380A11}"),
            u
        );
        assert_eq!(
            round(&WireType::Uuid, "a0ee-bc99-9c0b4ef8bb6d6bb9bd380a11"),
            u
        );
        let mut b = Vec::new();
        assert!(WireType::Uuid.encode("a0eebc99-", &[], &mut b).is_err());
        assert!(WireType::Uuid
            .encode("-a0eebc999c0b4ef8bb6d6bb9bd380a11", &[], &mut b)
            .is_err());
        assert_eq!(round(&WireType::Int2, " -32768 "), "-32768");
        assert!(WireType::Int2.encode("32768", &[], &mut b).is_err());
        assert_eq!(
            round(&WireType::Int8, "+9223372036854775807"),
            "9223372036854775807"
        );
        assert!(WireType::Int4.encode("1.0", &[], &mut b).is_err());
    }

    #[test]
    fn canonical_uuids_read_as_the_general_reader_reads_them() {
        let key = crate::mask::MaskKey::new(b"uuid fast path test key");
        let mut texts = vec![
            "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11".to_string(),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g".to_string(),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1-".to_string(),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a+1".to_string(),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380ä1".to_string(),
            "a0eebc999-c0b-4ef8-bb6d-6bb9bd380a11".to_string(),
        ];
        for i in 0..500u32 {
            let d = key.derive(b"t", &i.to_le_bytes());
            let mut s = String::new();
            decode_uuid(&d[..16], &mut s).unwrap();
            texts.push(s);
        }
        for t in &texts {
            let mut general = Vec::new();
            let g = encode_uuid_general(t, &mut general);
            match canonical_uuid(t.as_bytes()) {
                Some(b) => assert_eq!((g.clone(), &general[..]), (Ok(()), &b[..]), "{t}"),
                None => assert!(g.is_err() || t.len() != 36, "{t}"),
            }
            let mut both = Vec::new();
            assert_eq!(encode_uuid(t, &mut both), g, "{t}");
            assert_eq!(both, general, "{t}");
        }
    }

    /// [`encode_uuid`] without its fast path.
    fn encode_uuid_general(text: &str, out: &mut Vec<u8>) -> Result<(), WireError> {
        let mut padded = String::from("{");
        padded.push_str(text);
        padded.push('}');
        encode_uuid(&padded, out)
    }

    #[test]
    fn send_functions_name_the_types() {
        assert_eq!(WireType::from_send("enum_send"), Some(WireType::Text));
        assert_eq!(
            WireType::from_send("array_send:uuid_send"),
            Some(WireType::Array(Box::new(WireType::Uuid)))
        );
        assert_eq!(WireType::from_send("array_send:point_send"), None);
        assert_eq!(WireType::from_send("cash_send"), None);
    }
}
