//! Keyed tokens: hex, UUID, integer bijections and format-preserving text.

use super::MaskKey;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `len` lowercase hex digits of HMAC(key, domain, input).
pub fn hex(key: &MaskKey, domain: &str, input: &str, len: usize, out: &mut String) {
    let d = key.derive(domain.as_bytes(), input.as_bytes());
    for i in 0..len {
        let b = d[i / 2];
        let nibble = if i % 2 == 0 { b >> 4 } else { b & 0x0f };
        out.push(HEX[nibble as usize] as char);
    }
}

/// A UUID (version-4 layout, 122 keyed bits) from HMAC(key, domain, input).
pub fn uuid(key: &MaskKey, domain: &str, input: &str, out: &mut String) {
    let mut b = key.derive(domain.as_bytes(), input.as_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    for (i, byte) in b[..16].iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[(byte >> 4) as usize] as char);
        out.push(HEX[(byte & 0x0f) as usize] as char);
    }
}

/// `prefix`, `len` hex digits of HMAC(key, domain, input), `@`, and the
/// input's own domain (or `host` when given). A value without `@` gets
/// `example.invalid`.
pub fn email(
    key: &MaskKey,
    domain: &str,
    input: &str,
    len: usize,
    prefix: &str,
    host: Option<&str>,
    out: &mut String,
) {
    out.push_str(prefix);
    hex(key, domain, input, len, out);
    out.push('@');
    match (host, input.rsplit_once('@')) {
        (Some(h), _) => out.push_str(h),
        (None, Some((_, h))) if !h.is_empty() => out.push_str(h),
        _ => out.push_str("example.invalid"),
    }
}

/// A card number of the same layout: the first digit (the card network)
/// kept, the following digits replaced by a keyed bijection, and the last
/// digit set so that the number passes the Luhn check.
pub fn card(key: &MaskKey, domain: &str, input: &str, out: &mut String) {
    let start = out.len();
    let first = input
        .find(|c: char| c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    out.push_str(&input[..first]);
    preserve_class(key, domain, &input[first..], true, out);
    fix_luhn(out, start);
}

/// Whether the digits pass the Luhn check.
pub fn luhn_ok(digits: &[u8]) -> bool {
    luhn_sum(digits) % 10 == 0
}

/// The Luhn sum of the digits (the last one not doubled).
fn luhn_sum(digits: &[u8]) -> u32 {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(*d);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum
}

/// Make the digits written from `start` on pass the Luhn check by setting the last digit.
pub fn fix_luhn(out: &mut String, start: usize) {
    let tail = &out[start..];
    let Some(last_pos) = tail.rfind(|c: char| c.is_ascii_digit()) else {
        return;
    };
    let mut digits: Vec<u8> = tail
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    if let Some(l) = digits.last_mut() {
        *l = 0;
    }
    // The last digit counts once: it must bring the sum to a multiple of 10.
    let check = ((10 - luhn_sum(&digits) % 10) % 10) as u8;
    let at = start + last_pos;
    out.replace_range(at..at + 1, &char::from(b'0' + check).to_string());
}

const FEISTEL_ROUNDS: u8 = 4;

/// A keyed permutation of the integers of a 16, 32 or 64-bit type that maps
/// non-negative values to non-negative values and negative to negative: a
/// balanced four-round Feistel network (HMAC round function) over the type's width with cycle-walking into
/// the half range.
#[derive(Clone)]
pub struct IntegerPerm {
    key: MaskKey,
    domain: Vec<u8>,
    bits: u32,
}

impl IntegerPerm {
    /// The permutation for a type of `bits` (16, 32 or 64).
    pub fn new(key: &MaskKey, domain: &str, bits: u32) -> IntegerPerm {
        IntegerPerm {
            key: key.clone(),
            domain: format!("{domain}/{bits}").into_bytes(),
            bits,
        }
    }

    /// The token of `v`; `None` if `v` is outside the type's range.
    pub fn apply(&self, v: i64) -> Option<i64> {
        let half_range: u64 = 1u64 << (self.bits - 1); // values in [0, half_range)
        let (x, negative) = if v >= 0 {
            (v as u64, false)
        } else {
            ((-(v + 1)) as u64, true)
        };
        if x >= half_range {
            return None;
        }
        let mut y = self.feistel(x);
        while y >= half_range {
            y = self.feistel(y);
        }
        Some(if negative { -(y as i64) - 1 } else { y as i64 })
    }

    fn feistel(&self, x: u64) -> u64 {
        let h = self.bits / 2;
        let mask = if h == 64 { u64::MAX } else { (1u64 << h) - 1 };
        let (mut l, mut r) = ((x >> h) & mask, x & mask);
        for round in 0..FEISTEL_ROUNDS {
            let d = self
                .key
                .derive_parts(&self.domain, &[&[round], &r.to_le_bytes()]);
            let f = u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]) & mask;
            (l, r) = (r, l ^ f);
        }
        (l << h) | r
    }
}

/// Class of a character for format-preserving tokens: its radix and base.
fn class(c: u8) -> Option<(u8, u8)> {
    match c {
        b'a'..=b'z' => Some((26, b'a')),
        b'A'..=b'Z' => Some((26, b'A')),
        b'0'..=b'9' => Some((10, b'0')),
        _ => None,
    }
}

const PRESERVE_ROUNDS: u8 = 4;

/// Up to this many letters and digits, each 32-byte block of a round's key
/// stream is an HMAC over the layout and the other half (the first scheme,
/// kept so that short values keep their tokens). Beyond it, the layout and
/// the other half are hashed once per round into a seed and the blocks are
/// HMACs of (seed, block number): time linear in the value's length.
const PRESERVE_SHORT: usize = 256;

/// The key stream of one Feistel round of [`preserve_class`]: a function of
/// the key, domain, round, layout and the round's source half only, so the
/// round stays invertible.
struct KeyStream<'a> {
    key: &'a MaskKey,
    domain: &'a [u8],
    round: u8,
    /// The short scheme: every block hashes these.
    whole: Option<(&'a [u8], &'a [u8])>,
    /// The long scheme: every block hashes this seed.
    seed: [u8; 32],
    block: u32,
    buf: [u8; 32],
    at: usize,
}

impl<'a> KeyStream<'a> {
    fn new(
        key: &'a MaskKey,
        domain: &'a str,
        round: u8,
        layout: &'a [u8],
        src: &'a [u8],
        short: bool,
    ) -> KeyStream<'a> {
        let seed = if short {
            [0; 32]
        } else {
            key.derive_parts(
                domain.as_bytes(),
                &[b"preserve/seed", &[round], layout, src],
            )
        };
        KeyStream {
            key,
            domain: domain.as_bytes(),
            round,
            whole: short.then_some((layout, src)),
            seed,
            block: 0,
            buf: [0; 32],
            at: 32,
        }
    }

    fn next_byte(&mut self) -> u8 {
        if self.at == 32 {
            let block = self.block.to_le_bytes();
            self.buf = match self.whole {
                Some((layout, src)) => self.key.derive_parts(
                    self.domain,
                    &[b"preserve", &[self.round], &block, layout, src],
                ),
                None => self.key.derive_parts(
                    self.domain,
                    &[b"preserve/block", &[self.round], &self.seed, &block],
                ),
            };
            self.block += 1;
            self.at = 0;
        }
        self.at += 1;
        self.buf[self.at - 1]
    }
}

/// Letters to letters (case kept), digits to digits, everything else
/// unchanged: a Feistel network over the string's letters and digits, with
/// modular addition per character, tweaked by the string's layout. It is a
/// bijection on strings of one layout, so distinct inputs stay distinct, and
/// every output character depends on the whole input.
/// With `digits_only`, letters are left as they are too and
/// only digits are replaced (by digits).
pub fn preserve_class(
    key: &MaskKey,
    domain: &str,
    input: &str,
    digits_only: bool,
    out: &mut String,
) {
    preserve_class_folded(key, domain, input, digits_only, false, out)
}

/// [`preserve_class`], case-insensitively with `fold_case`: the token is
/// computed on the lowercased input and the input's case is put back, so
/// inputs equal but for case get outputs equal but for case, and inputs
/// that differ otherwise get outputs that differ case-insensitively
/// (unique-safe on citext).
pub fn preserve_class_folded(
    key: &MaskKey,
    domain: &str,
    input: &str,
    digits_only: bool,
    fold_case: bool,
    out: &mut String,
) {
    let bytes = input.as_bytes();
    let mapped = |b: u8| class(b).is_some() && (!digits_only || b.is_ascii_digit());
    let positions: Vec<usize> = (0..bytes.len()).filter(|&i| mapped(bytes[i])).collect();
    if positions.is_empty() {
        out.push_str(input);
        return;
    }
    let mut values: Vec<u8> = positions
        .iter()
        .map(|&i| {
            class(bytes[i])
                .map(|(_, base)| bytes[i] - base)
                .unwrap_or(0)
        })
        .collect();
    let radix: Vec<u8> = positions
        .iter()
        .map(|&i| class(bytes[i]).map(|(r, _)| r).unwrap_or(1))
        .collect();
    // The layout: the input with every letter and digit replaced by its class.
    let layout: Vec<u8> = bytes
        .iter()
        .map(|&b| match b {
            b'a'..=b'z' if !digits_only => b'a',
            b'A'..=b'Z' if !digits_only => {
                if fold_case {
                    b'a'
                } else {
                    b'A'
                }
            }
            b'0'..=b'9' => b'0',
            other => other,
        })
        .collect();
    let split = values.len() / 2;
    let short = values.len() <= PRESERVE_SHORT;
    let (radix_lo, radix_hi) = radix.split_at(split);
    for round in 0..PRESERVE_ROUNDS {
        let (lo, hi) = values.split_at_mut(split);
        let (src, dst, dst_radix) = if round % 2 == 0 {
            (&*lo, hi, radix_hi)
        } else {
            (&*hi, lo, radix_lo)
        };
        let mut stream = KeyStream::new(key, domain, round, &layout, src, short);
        for (v, &r) in dst.iter_mut().zip(dst_radix) {
            *v = ((u16::from(*v) + u16::from(stream.next_byte())) % u16::from(r)) as u8;
        }
    }
    let mut result = bytes.to_vec();
    for (k, &i) in positions.iter().enumerate() {
        let base = class(bytes[i]).map(|(_, b)| b).unwrap_or(0);
        result[i] = base + values[k];
    }
    // Only ASCII letters and digits were replaced by ASCII letters and digits.
    out.push_str(&String::from_utf8_lossy(&result));
}
