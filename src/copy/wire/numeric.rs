//! numeric: base-10000 digits with a weight (the power of 10000 of the
//! first digit), a sign (or NaN, ±Infinity) and a display scale (digits
//! shown after the point). Printed as numeric_out prints it and read as
//! numeric_in reads it, exponents included.

use bytes::BufMut;

use super::{bad, WireError};

const POS: u16 = 0x0000;
const NEG: u16 = 0x4000;
const NAN: u16 = 0xC000;
const PINF: u16 = 0xD000;
const NINF: u16 = 0xF000;
/// numeric_in's bound on exponents.
const MAX_EXPONENT: i64 = 1000;
/// The largest display scale numeric holds.
const MAX_DSCALE: i64 = 0x3FFF;

/// Append the text of a binary numeric.
pub(super) fn decode(raw: &[u8], out: &mut String) -> Result<(), WireError> {
    let short = || bad("numeric value too short");
    let word = |i: usize| -> Result<u16, WireError> {
        raw.get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(short)
    };
    let ndigits = usize::from(word(0)?);
    let weight = i64::from(word(2)? as i16);
    let sign = word(4)?;
    let dscale = i64::from(word(6)?);
    if raw.len() != 8 + 2 * ndigits {
        return Err(bad("numeric value of the wrong length"));
    }
    let special = match sign {
        NAN => "NaN",
        PINF => "Infinity",
        NINF => "-Infinity",
        POS | NEG => "",
        _ => return Err(bad("numeric value with an unknown sign")),
    };
    if !special.is_empty() {
        out.push_str(special);
        return Ok(());
    }
    let digit = |i: i64| -> Result<u16, WireError> {
        if i < 0 || i >= ndigits as i64 {
            return Ok(0);
        }
        let d = word(8 + 2 * i as usize)?;
        if d >= 10000 {
            return Err(bad("numeric digit out of range"));
        }
        Ok(d)
    };
    if sign == NEG {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        out.push_str(&digit(0)?.to_string());
        for i in 1..=weight {
            out.push_str(&format!("{:04}", digit(i)?));
        }
    }
    if dscale > 0 {
        out.push('.');
        let mut left = dscale;
        let mut i = weight + 1;
        while left > 0 {
            let group = format!("{:04}", digit(i)?);
            let take = left.min(4) as usize;
            out.push_str(&group[..take]);
            left -= take as i64;
            i += 1;
        }
    }
    Ok(())
}

/// Append the binary form of a numeric's text: optional spaces around
/// `[+-]digits[.digits][e[+-]digits]`, `NaN`, `[+-]Infinity` or `[+-]inf`.
pub(super) fn encode(text: &str, out: &mut Vec<u8>) -> Result<(), WireError> {
    let t = text.trim_matches(super::is_space);
    let lower = t.to_ascii_lowercase();
    let special = match lower.as_str() {
        "nan" => Some(NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => Some(PINF),
        "-infinity" | "-inf" => Some(NINF),
        _ => None,
    };
    if let Some(sign) = special {
        out.put_u16(0);
        out.put_i16(0);
        out.put_u16(sign);
        out.put_u16(0);
        return Ok(());
    }
    let not = || bad("not a number");
    let b = t.as_bytes();
    let mut i = 0;
    let negative = sign(b, &mut i);
    let mut digits: Vec<u8> = Vec::new();
    let mut int_len: i64 = 0;
    let mut frac_len: i64 = 0;
    let mut seen_point = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                digits.push(c - b'0');
                if seen_point {
                    frac_len += 1;
                } else {
                    int_len += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if digits.is_empty() {
        return Err(not());
    }
    let mut exp: i64 = 0;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        let neg_exp = sign(b, &mut i);
        let start = i;
        while let Some(c @ b'0'..=b'9') = b.get(i) {
            exp = (exp * 10 + i64::from(c - b'0')).min(MAX_EXPONENT + 1);
            i += 1;
        }
        if i == start || exp > MAX_EXPONENT {
            return Err(bad("numeric exponent missing or out of range"));
        }
        if neg_exp {
            exp = -exp;
        }
    }
    if i != b.len() {
        return Err(not());
    }
    let dscale = (frac_len - exp).max(0);
    if dscale > MAX_DSCALE {
        return Err(bad("numeric scale out of range"));
    }
    // Digit j stands for 10^(int_len - 1 + exp - j); it goes into the
    // base-10000 group of that power divided by 4.
    let power = |j: usize| int_len - 1 + exp - j as i64;
    let top = power(0).div_euclid(4);
    let bottom = power(digits.len() - 1).div_euclid(4);
    let mut groups = vec![0u16; (top - bottom + 1) as usize];
    for (j, &d) in digits.iter().enumerate() {
        let p = power(j);
        let g = (top - p.div_euclid(4)) as usize;
        groups[g] += u16::from(d) * 10u16.pow(p.rem_euclid(4) as u32);
    }
    let lead = groups.iter().take_while(|&&g| g == 0).count();
    let trail = groups.iter().rev().take_while(|&&g| g == 0).count();
    if lead == groups.len() {
        out.put_u16(0);
        out.put_i16(0);
        out.put_u16(POS);
        out.put_u16(dscale as u16);
        return Ok(());
    }
    let kept = &groups[lead..groups.len() - trail];
    let weight = top - lead as i64;
    if !(i64::from(i16::MIN)..=i64::from(i16::MAX)).contains(&weight) {
        return Err(bad("numeric value out of range"));
    }
    out.put_u16(kept.len() as u16);
    out.put_i16(weight as i16);
    out.put_u16(if negative { NEG } else { POS });
    out.put_u16(dscale as u16);
    for &g in kept {
        out.put_u16(g);
    }
    Ok(())
}

/// An optional `+` or `-` at `i` (skipped): whether it is `-`.
fn sign(b: &[u8], i: &mut usize) -> bool {
    match b.get(*i) {
        Some(&c @ (b'-' | b'+')) => {
            *i += 1;
            c == b'-'
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(t: &str) -> String {
        let mut b = Vec::new();
        encode(t, &mut b).unwrap();
        let mut s = String::new();
        decode(&b, &mut s).unwrap();
        s
    }

    #[test]
    fn numbers_keep_their_scale() {
        assert_eq!(round("0"), "0");
        assert_eq!(round("-0.00"), "0.00");
        assert_eq!(round("123.4500"), "123.4500");
        assert_eq!(round("0.000000000000000000001"), "0.000000000000000000001");
        assert_eq!(round("1.5e3"), "1500");
        assert_eq!(round("1e-3"), "0.001");
        assert_eq!(round(" -12345678.9 "), "-12345678.9");
        assert_eq!(round("10000"), "10000");
        assert_eq!(round(".5"), "0.5");
        assert_eq!(round("5."), "5");
        assert_eq!(round("nan"), "NaN");
        assert_eq!(round("-inf"), "-Infinity");
        let mut b = Vec::new();
        assert!(encode("1e", &mut b).is_err());
        assert!(encode("1.2.3", &mut b).is_err());
        assert!(encode("", &mut b).is_err());
        assert!(encode("1e1001", &mut b).is_err());
    }

    #[test]
    fn the_binary_form_is_postgres_s() {
        // 123.45: weight 0, digits 123, 4500, dscale 2.
        let mut b = Vec::new();
        encode("123.45", &mut b).unwrap();
        assert_eq!(b, [0, 2, 0, 0, 0, 0, 0, 2, 0, 123, 0x11, 0x94]);
    }
}
