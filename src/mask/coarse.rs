//! Coarser values: `generalize` truncates dates and timestamps to their
//! year, month or day; `round` rounds numbers to a multiple of a power of
//! ten. Both work on the text forms PostgreSQL writes (ISO DateStyle, UTC
//! session), exactly: a 60-digit numeric is rounded digit by digit, never
//! through a float.

/// How far `generalize` truncates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// January 1st of the year.
    Year,
    /// The first day of the month.
    Month,
    /// Midnight of the day.
    Day,
}

impl Granularity {
    /// Parse a name as written in the rules.
    pub fn parse(s: &str) -> Option<Granularity> {
        Some(match s {
            "year" => Granularity::Year,
            "month" => Granularity::Month,
            "day" => Granularity::Day,
            _ => return None,
        })
    }

    /// Name as written in the rules.
    pub fn name(self) -> &'static str {
        match self {
            Granularity::Year => "year",
            Granularity::Month => "month",
            Granularity::Day => "day",
        }
    }
}

/// Truncate a date or timestamp in ISO form (`2024-03-05`,
/// `2024-03-05 12:34:56.789+00`, `… BC`); infinities are kept. A timestamp
/// keeps its zone offset and gets the time `00:00:00`.
pub fn generalize(g: Granularity, input: &str, out: &mut String) -> Result<(), String> {
    let t = input.trim();
    if t == "infinity" || t == "-infinity" {
        out.push_str(t);
        return Ok(());
    }
    let (body, bc) = match t.strip_suffix(" BC") {
        Some(b) => (b, true),
        None => (t, false),
    };
    let (date, time) = match body.split_once(' ') {
        Some((d, tm)) => (d, Some(tm)),
        None => (body, None),
    };
    let mut parts = date.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("the value is not an ISO date".into());
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y) && digits(m) && digits(d)) {
        return Err("the value is not an ISO date".into());
    }
    let (m, d) = match g {
        Granularity::Year => ("01", "01"),
        Granularity::Month => (m, "01"),
        Granularity::Day => (m, d),
    };
    out.push_str(y);
    out.push('-');
    out.push_str(m);
    out.push('-');
    out.push_str(d);
    if let Some(time) = time {
        out.push_str(" 00:00:00");
        if let Some(i) = time.find(['+', '-']) {
            out.push_str(&time[i..]);
        }
    }
    if bc {
        out.push_str(" BC");
    }
    Ok(())
}

/// A rounding step: 10^exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The power of ten (3 for 1000, -2 for 0.01).
    pub exponent: i32,
}

impl Step {
    /// Parse a step as written in the rules: `1`, `10`, `1000`, `0.1`, `0.01`…
    pub fn parse(s: &str) -> Option<Step> {
        let s = s.trim();
        if let Some(frac) = s.strip_prefix("0.") {
            let zeros = frac.len().checked_sub(1)?;
            if frac.ends_with('1') && frac[..zeros].bytes().all(|b| b == b'0') {
                return Some(Step {
                    exponent: -(frac.len() as i32),
                });
            }
            return None;
        }
        let rest = s.strip_prefix('1')?;
        rest.bytes().all(|b| b == b'0').then_some(Step {
            exponent: rest.len() as i32,
        })
    }
}

/// Round a number (PostgreSQL's text form) to a multiple of `step`, half
/// away from zero. `NaN` and infinities are kept. With `int_bits`, the
/// result stays inside that integer type (rounding toward zero instead of
/// overflowing).
pub fn round(
    step: Step,
    int_bits: Option<u32>,
    input: &str,
    out: &mut String,
) -> Result<(), String> {
    let s = input.trim();
    if matches!(s, "NaN" | "Infinity" | "-Infinity") {
        out.push_str(s);
        return Ok(());
    }
    if let Some(bits) = int_bits {
        let v: i128 = s.parse().map_err(|_| "the value is not an integer")?;
        let unit = 10i128.pow(step.exponent.max(0) as u32);
        let q = (v.abs() + unit / 2) / unit;
        let max = (1i128 << (bits - 1)) - 1;
        let mut r = q * unit;
        if r > max {
            r -= unit;
        }
        out.push_str(&(if v < 0 { -r } else { r }).to_string());
        return Ok(());
    }
    if s.contains(['e', 'E']) {
        let v: f64 = s.parse().map_err(|_| "the value is not a number")?;
        let unit = 10f64.powi(step.exponent);
        out.push_str(&((v / unit).round() * unit).to_string());
        return Ok(());
    }
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (ip, fp) = body.split_once('.').unwrap_or((body, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (ip.is_empty() && fp.is_empty()) || !all_digits(ip) || !all_digits(fp) {
        return Err("the value is not a number".into());
    }
    let digits: Vec<u8> = ip.bytes().chain(fp.bytes()).map(|b| b - b'0').collect();
    // How many leading digits make the count of steps.
    let keep = ip.len() as i64 - i64::from(step.exponent);
    let mut q: Vec<u8> = (0..keep.max(0) as usize)
        .map(|i| digits.get(i).copied().unwrap_or(0))
        .collect();
    let next = usize::try_from(keep)
        .ok()
        .and_then(|k| digits.get(k).copied());
    if next.is_some_and(|d| d >= 5) {
        let mut i = q.len();
        loop {
            if i == 0 {
                q.insert(0, 1);
                break;
            }
            i -= 1;
            if q[i] == 9 {
                q[i] = 0;
            } else {
                q[i] += 1;
                break;
            }
        }
    }
    let first = q.iter().position(|&d| d != 0);
    let q: Vec<u8> = match first {
        Some(f) => q[f..].to_vec(),
        None => Vec::new(),
    };
    if neg && !q.is_empty() {
        out.push('-');
    }
    let mut text: String = q.iter().map(|d| char::from(b'0' + d)).collect();
    if step.exponent >= 0 {
        if text.is_empty() {
            text.push('0');
        } else {
            text.extend(std::iter::repeat_n('0', step.exponent as usize));
        }
        out.push_str(&text);
    } else {
        let scale = (-step.exponent) as usize;
        while text.len() < scale + 1 {
            text.insert(0, '0');
        }
        let (a, b) = text.split_at(text.len() - scale);
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen(g: Granularity, s: &str) -> String {
        let mut out = String::new();
        generalize(g, s, &mut out).unwrap();
        out
    }

    fn rnd(step: &str, bits: Option<u32>, s: &str) -> String {
        let mut out = String::new();
        round(Step::parse(step).unwrap(), bits, s, &mut out).unwrap();
        out
    }

    #[test]
    fn dates_and_timestamps_truncate() {
        assert_eq!(gen(Granularity::Year, "1987-06-15"), "1987-01-01");
        assert_eq!(gen(Granularity::Month, "1987-06-15"), "1987-06-01");
        assert_eq!(
            gen(Granularity::Day, "2024-03-05 12:34:56.789+00"),
            "2024-03-05 00:00:00+00"
        );
        assert_eq!(
            gen(Granularity::Month, "2024-03-05 12:34:56"),
            "2024-03-01 00:00:00"
        );
        assert_eq!(gen(Granularity::Year, "0044-03-15 BC"), "0044-01-01 BC");
        assert_eq!(gen(Granularity::Year, "infinity"), "infinity");
        assert!(generalize(Granularity::Year, "15/06/1987", &mut String::new()).is_err());
    }

    #[test]
    fn steps_are_powers_of_ten() {
        assert_eq!(Step::parse("1000"), Some(Step { exponent: 3 }));
        assert_eq!(Step::parse("1"), Some(Step { exponent: 0 }));
        assert_eq!(Step::parse("0.01"), Some(Step { exponent: -2 }));
        assert_eq!(Step::parse("5"), None);
        assert_eq!(Step::parse("0.05"), None);
        assert_eq!(Step::parse("0."), None);
    }

    #[test]
    fn numbers_round_exactly() {
        assert_eq!(rnd("1000", None, "52499.99"), "52000");
        assert_eq!(rnd("1000", None, "52500"), "53000");
        assert_eq!(rnd("1000", None, "-52500"), "-53000");
        assert_eq!(rnd("1000", None, "499"), "0");
        assert_eq!(rnd("1000", None, "-12"), "0");
        assert_eq!(rnd("1000", None, "999.5"), "1000");
        assert_eq!(rnd("0.01", None, "12.345"), "12.35");
        assert_eq!(rnd("0.01", None, "0.004"), "0.00");
        assert_eq!(rnd("0.1", None, "9.96"), "10.0");
        assert_eq!(
            rnd(
                "1",
                None,
                "123456789012345678901234567890123456789012345678901234567890.5"
            ),
            "123456789012345678901234567890123456789012345678901234567891"
        );
        assert_eq!(rnd("100", None, "NaN"), "NaN");
        assert_eq!(rnd("100", None, "1.5e+20"), "150000000000000000000");
        assert_eq!(rnd("100", Some(16), "32767"), "32700");
        assert_eq!(rnd("100", Some(32), "-149"), "-100");
        assert!(round(Step { exponent: 1 }, None, "abc", &mut String::new()).is_err());
    }
}
