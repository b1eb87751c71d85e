//! date, timestamp and timestamptz: days and microseconds since
//! 2000-01-01, printed and read as doppel's sessions do (DateStyle ISO,
//! TimeZone UTC): `2024-02-29`, `2024-02-29 13:45:00.5`, `… +00` for
//! timestamptz, ` BC` after years before 1, `infinity` and `-infinity`.

use super::{bad, WireError};
use crate::mask::{civil_from_days, days_from_civil};

/// Days from 1970-01-01 to 2000-01-01.
const EPOCH_2000: i64 = 10_957;
const DAY_US: i64 = 86_400_000_000;
/// The first and last day PostgreSQL's date holds (4714-11-24 BC to
/// 5874897-12-31), in days since 2000-01-01.
const DATE_MIN: i64 = -2_451_545;
const DATE_END: i64 = 2_147_483_494 - 2_451_545;
/// The timestamps PostgreSQL holds: 4714-11-24 00:00 BC up to (not
/// including) 294277-01-01 00:00, in microseconds since 2000-01-01.
const TS_MIN: i64 = -211_813_488_000_000_000;
const TS_END: i64 = 9_223_371_331_200_000_000;

/// Append a date as date_out prints it.
pub(super) fn decode_date(days: i32, out: &mut String) {
    match days {
        i32::MIN => out.push_str("-infinity"),
        i32::MAX => out.push_str("infinity"),
        d => {
            let (y, m, day) = civil_from_days(i64::from(d) + EPOCH_2000);
            push_ymd(y, m, day, out);
            push_era(y, out);
        }
    }
}

/// Append a timestamp (with `tz`: a timestamptz shown in UTC) as
/// timestamp_out and timestamptz_out print it.
pub(super) fn decode_timestamp(us: i64, tz: bool, out: &mut String) {
    match us {
        i64::MIN => return out.push_str("-infinity"),
        i64::MAX => return out.push_str("infinity"),
        _ => {}
    }
    let days = us.div_euclid(DAY_US);
    let time = us.rem_euclid(DAY_US);
    let (y, m, d) = civil_from_days(days + EPOCH_2000);
    push_ymd(y, m, d, out);
    let secs = time / 1_000_000;
    let frac = time % 1_000_000;
    out.push_str(&format!(
        " {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ));
    if frac != 0 {
        let f = format!("{frac:06}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    if tz {
        out.push_str("+00");
    }
    push_era(y, out);
}

fn push_ymd(y: i64, m: i64, d: i64, out: &mut String) {
    let year = if y > 0 { y } else { 1 - y };
    out.push_str(&format!("{year:04}-{m:02}-{d:02}"));
}

fn push_era(y: i64, out: &mut String) {
    if y <= 0 {
        out.push_str(" BC");
    }
}

/// A date's text: `YYYY-MM-DD` (four or more year digits), optionally a
/// time (ignored, as date_in ignores it) and ` BC`; `infinity`,
/// `-infinity`, `epoch`.
pub(super) fn parse_date(text: &str) -> Result<i32, WireError> {
    match special(text) {
        Some(Special::Infinity) => return Ok(i32::MAX),
        Some(Special::MinusInfinity) => return Ok(i32::MIN),
        Some(Special::Epoch) => return Ok(-(EPOCH_2000 as i32)),
        None => {}
    }
    let p = parse(text)?;
    let days = p.days;
    if !(DATE_MIN..=DATE_END).contains(&days) {
        return Err(bad("date out of range"));
    }
    Ok(days as i32)
}

/// A timestamp's text: a date, optionally ` HH:MM[:SS[.ffffff]]` (or
/// `T…`), an offset (`Z`, `UTC`, `±HH[:MM[:SS]]`, `±HHMM`; ignored for a
/// timestamp, UTC when absent for a timestamptz) and ` BC`; `infinity`,
/// `-infinity`, `epoch`.
pub(super) fn parse_timestamp(text: &str, tz: bool) -> Result<i64, WireError> {
    match special(text) {
        Some(Special::Infinity) => return Ok(i64::MAX),
        Some(Special::MinusInfinity) => return Ok(i64::MIN),
        Some(Special::Epoch) => return Ok(-EPOCH_2000 * DAY_US),
        None => {}
    }
    let p = parse(text)?;
    let offset = if tz { p.offset_secs } else { 0 };
    let us = p
        .days
        .checked_mul(DAY_US)
        .and_then(|v| v.checked_add(p.time_us))
        .and_then(|v| v.checked_sub(offset * 1_000_000))
        .ok_or_else(|| bad("timestamp out of range"))?;
    if !(TS_MIN..TS_END).contains(&us) {
        return Err(bad("timestamp out of range"));
    }
    Ok(us)
}

enum Special {
    Infinity,
    MinusInfinity,
    Epoch,
}

fn special(text: &str) -> Option<Special> {
    let t = text.trim_matches(super::is_space).to_ascii_lowercase();
    match t.as_str() {
        "infinity" | "+infinity" => Some(Special::Infinity),
        "-infinity" => Some(Special::MinusInfinity),
        "epoch" => Some(Special::Epoch),
        _ => None,
    }
}

/// The parts of a date or timestamp text.
struct Parsed {
    /// Days since 2000-01-01.
    days: i64,
    /// Microseconds into the day.
    time_us: i64,
    /// The offset east of UTC, in seconds.
    offset_secs: i64,
}

/// A cursor over the text.
struct Cur<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.i += usize::from(hit);
        hit
    }

    /// A run of digits: its value and length.
    fn digits(&mut self) -> Option<(i64, usize)> {
        let start = self.i;
        let mut v: i64 = 0;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            v = v.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
            self.i += 1;
        }
        (self.i > start).then_some((v, self.i - start))
    }

    fn spaces(&mut self) {
        while self.peek().is_some_and(|b| super::is_space(char::from(b))) {
            self.i += 1;
        }
    }

    /// Whether the text goes on with `word` (any case).
    fn at(&self, word: &str) -> bool {
        self.s[self.i..]
            .get(..word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word.as_bytes()))
    }
}

fn parse(text: &str) -> Result<Parsed, WireError> {
    let not = || bad("not an ISO date or timestamp");
    let mut c = Cur {
        s: text.as_bytes(),
        i: 0,
    };
    c.spaces();
    let (y, ylen) = c.digits().ok_or_else(not)?;
    if ylen < 4 || !c.eat(b'-') {
        return Err(not());
    }
    let (m, mlen) = c.digits().ok_or_else(not)?;
    if mlen > 2 || !c.eat(b'-') {
        return Err(not());
    }
    let (d, dlen) = c.digits().ok_or_else(not)?;
    if dlen > 2 {
        return Err(not());
    }
    let mut time_us = 0;
    let mut offset_secs = 0;
    if c.eat(b'T') || (c.peek() == Some(b' ') && c.s.get(c.i + 1).is_some_and(u8::is_ascii_digit)) {
        c.eat(b' ');
        time_us = parse_time(&mut c)?;
        c.spaces();
        offset_secs = parse_offset(&mut c)?;
    }
    c.spaces();
    let bc = if c.at("BC") {
        c.i += 2;
        true
    } else {
        if c.at("AD") {
            c.i += 2;
        }
        false
    };
    c.spaces();
    if c.i != c.s.len() || y == 0 {
        return Err(not());
    }
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(if bc { 1 - y } else { y }, m) {
        return Err(bad("date field out of range"));
    }
    let year = if bc { 1 - y } else { y };
    let days = days_from_civil(year, m, d) - EPOCH_2000;
    Ok(Parsed {
        days,
        time_us,
        offset_secs,
    })
}

/// `HH:MM[:SS[.ffffff]]` (24:00:00 is the end of the day).
fn parse_time(c: &mut Cur) -> Result<i64, WireError> {
    let not = || bad("not an ISO time");
    let two = |c: &mut Cur| match c.digits() {
        Some((v, 2)) => Ok(v),
        _ => Err(not()),
    };
    let h = two(c)?;
    if !c.eat(b':') {
        return Err(not());
    }
    let mi = two(c)?;
    let mut s = 0;
    let mut us = 0;
    if c.eat(b':') {
        s = two(c)?;
        if c.eat(b'.') {
            let (f, flen) = c.digits().ok_or_else(not)?;
            if flen > 6 {
                return Err(bad("more than 6 fractional digits of seconds"));
            }
            us = f * 10i64.pow(6 - flen as u32);
        }
    }
    if mi > 59 || s > 59 || h > 24 || (h == 24 && (mi, s, us) != (0, 0, 0)) {
        return Err(bad("time field out of range"));
    }
    Ok(((h * 60 + mi) * 60 + s) * 1_000_000 + us)
}

/// `Z`, `UTC`, `GMT`, `±HH`, `±HH:MM`, `±HH:MM:SS`, `±HHMM`, or nothing.
fn parse_offset(c: &mut Cur) -> Result<i64, WireError> {
    let not = || bad("not a UTC offset");
    if c.eat(b'Z') || c.eat(b'z') {
        return Ok(0);
    }
    for word in ["UTC", "GMT"] {
        if c.at(word) {
            c.i += 3;
            return Ok(0);
        }
    }
    let sign = match c.peek() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Ok(0),
    };
    c.i += 1;
    let (v, len) = c.digits().ok_or_else(not)?;
    let (h, mut m, mut s) = match len {
        1 | 2 => (v, 0, 0),
        4 => (v / 100, v % 100, 0),
        _ => return Err(not()),
    };
    if len <= 2 && c.eat(b':') {
        m = match c.digits() {
            Some((v, 2)) => v,
            _ => return Err(not()),
        };
        if c.eat(b':') {
            s = match c.digits() {
                Some((v, 2)) => v,
                _ => return Err(not()),
            };
        }
    }
    if h > 15 || m > 59 || s > 59 {
        return Err(bad("UTC offset out of range"));
    }
    Ok(sign * (h * 3600 + m * 60 + s))
}

fn days_in_month(y: i64, m: i64) -> i64 {
    let leap = y.rem_euclid(4) == 0 && (y.rem_euclid(100) != 0 || y.rem_euclid(400) == 0);
    match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(t: &str) -> String {
        let mut s = String::new();
        decode_date(parse_date(t).unwrap(), &mut s);
        s
    }

    fn ts(t: &str, tz: bool) -> String {
        let mut s = String::new();
        decode_timestamp(parse_timestamp(t, tz).unwrap(), tz, &mut s);
        s
    }

    #[test]
    fn dates_read_back_as_printed() {
        assert_eq!(parse_date("2000-01-01").unwrap(), 0);
        assert_eq!(date("2024-02-29"), "2024-02-29");
        assert_eq!(date("0001-01-01 BC"), "0001-01-01 BC");
        assert_eq!(date("2024-02-29 13:00:00+05"), "2024-02-29");
        assert_eq!(date("-infinity"), "-infinity");
        assert_eq!(date("12345-06-07"), "12345-06-07");
        assert!(parse_date("2023-02-29").is_err());
        assert!(parse_date("0000-01-01").is_err());
        assert!(parse_date("24-01-01").is_err());
        assert!(parse_date("Jan 1 2024").is_err());
    }

    #[test]
    fn timestamps_read_back_as_printed() {
        assert_eq!(
            ts("1999-12-31 23:59:59.999999", false),
            "1999-12-31 23:59:59.999999"
        );
        assert_eq!(
            ts("2000-01-01 00:00:00.000001+14", true),
            "1999-12-31 10:00:00.000001+00"
        );
        assert_eq!(
            ts("2000-01-01T00:00:00.5Z", true),
            "2000-01-01 00:00:00.5+00"
        );
        assert_eq!(ts("2000-01-01 10:00+02:30", false), "2000-01-01 10:00:00");
        assert_eq!(ts("2024-03-01 24:00:00", false), "2024-03-02 00:00:00");
        assert_eq!(
            ts("0044-03-15 12:00:00 BC", true),
            "0044-03-15 12:00:00+00 BC"
        );
        assert_eq!(ts("2024-01-01", true), "2024-01-01 00:00:00+00");
        assert_eq!(ts("infinity", true), "infinity");
        assert!(parse_timestamp("2024-01-01 25:00:00", false).is_err());
        assert!(parse_timestamp("2024-01-01 10:00:00.1234567", false).is_err());
    }
}
