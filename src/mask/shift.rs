//! `shift`: deterministic keyed noise for dates, timestamps and numbers.
//! The offset is drawn from HMAC(key, domain, value), so the same value
//! always moves the same way, and differs between values.

use super::MaskKey;

/// How far values may move.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shift {
    /// Dates and timestamps: up to this many days either way (never zero).
    Days(u32),
    /// Numbers: up to this amount either way.
    Amount(f64),
    /// Numbers: up to this percentage of the value either way.
    Percent(f64),
}

fn unit(key: &MaskKey, domain: &str, input: &str) -> (u64, f64) {
    let d = key.derive(domain.as_bytes(), input.as_bytes());
    let n = u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]);
    // A uniform number in [-1, 1).
    (n, (n >> 11) as f64 / (1u64 << 52) as f64 - 1.0)
}

/// Shift a date (`YYYY-MM-DD`) or timestamp text (`YYYY-MM-DD HH:MM:SS…`)
/// by whole days; infinities and BC dates are left as they are.
pub fn shift_date(
    key: &MaskKey,
    domain: &str,
    days: u32,
    input: &str,
    out: &mut String,
) -> Result<(), String> {
    if days == 0 || input.contains("infinity") || input.ends_with(" BC") {
        out.push_str(input);
        return Ok(());
    }
    let date = input.get(..10).ok_or("not a date")?;
    let rest = &input[10..];
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err("not an ISO date".into());
    };
    let (y, m, d): (i64, i64, i64) = (
        y.parse().map_err(|_| "not an ISO date")?,
        m.parse().map_err(|_| "not an ISO date")?,
        d.parse().map_err(|_| "not an ISO date")?,
    );
    let (n, _) = unit(key, domain, input);
    let span = u64::from(days) * 2;
    let mut offset = (n % span) as i64 - i64::from(days);
    if offset >= 0 {
        offset += 1; // [-days, -1] ∪ [1, days]: never zero
    }
    let (ny, nm, nd) = civil_from_days(days_from_civil(y, m, d) + offset);
    if !(1..=9999).contains(&ny) {
        out.push_str(input);
        return Ok(());
    }
    out.push_str(&format!("{ny:04}-{nm:02}-{nd:02}{rest}"));
    Ok(())
}

/// Shift a number by an amount or a percentage, keeping its decimal places.
pub fn shift_number(
    key: &MaskKey,
    domain: &str,
    shift: Shift,
    input: &str,
    out: &mut String,
) -> Result<(), String> {
    let t = input.trim();
    if matches!(t, "NaN" | "Infinity" | "-Infinity") {
        out.push_str(input);
        return Ok(());
    }
    let v: f64 = t.parse().map_err(|_| "not a number")?;
    let scale = t.split_once('.').map(|(_, f)| f.len()).unwrap_or(0);
    let (_, u) = unit(key, domain, input);
    let moved = match shift {
        Shift::Amount(a) => v + u * a,
        Shift::Percent(p) => v + v * u * p / 100.0,
        Shift::Days(_) => v,
    };
    out.push_str(&format!("{moved:.scale$}"));
    Ok(())
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_move_within_the_window_and_keep_their_form() {
        let k = MaskKey::new(b"shift-key-0123456789");
        for (i, input) in [
            "2024-02-29",
            "1999-12-31 23:59:59.5+00",
            "2000-01-01 00:00:00",
        ]
        .iter()
        .enumerate()
        {
            let mut s = String::new();
            shift_date(&k, "shift", 30, input, &mut s).unwrap();
            assert_ne!(&s, input);
            assert_eq!(s.len(), input.len(), "{i}");
            assert_eq!(&s[10..], &input[10..]);
            let (a, b) = (days(&s[..10]), days(&input[..10]));
            assert!((a - b).abs() <= 30 && a != b);
        }
        let mut s = String::new();
        shift_date(&k, "shift", 30, "infinity", &mut s).unwrap();
        assert_eq!(s, "infinity");
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    fn days(s: &str) -> i64 {
        let p: Vec<i64> = s.split('-').map(|x| x.parse().unwrap()).collect();
        days_from_civil(p[0], p[1], p[2])
    }

    #[test]
    fn numbers_keep_their_scale() {
        let k = MaskKey::new(b"shift-key-0123456789");
        let mut s = String::new();
        shift_number(&k, "n", Shift::Amount(10.0), "100.25", &mut s).unwrap();
        let v: f64 = s.parse().unwrap();
        assert!((v - 100.25).abs() <= 10.0 && s.split('.').nth(1).unwrap().len() == 2);
        s.clear();
        shift_number(&k, "n", Shift::Percent(5.0), "200", &mut s).unwrap();
        let v: f64 = s.parse().unwrap();
        assert!((190.0..=210.0).contains(&v) && !s.contains('.'));
    }
}
