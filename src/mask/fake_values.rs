//! Realistic fake values, deterministic under the key: a ChaCha20 generator
//! seeded from HMAC(key, domain, input) draws from `fake` (pinned exactly,
//! so that output never changes under an upgrade).

use fake::faker::address::en::{BuildingNumber, CityName, PostCode, StreetName};
use fake::faker::company::en::CompanyName;
use fake::faker::internet::en::{UserAgent, Username};
use fake::faker::lorem::en::{Paragraph, Sentence};
use fake::faker::name::en::{FirstName, LastName, Name};
use std::fmt::Write as _;

use fake::Fake;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::{locales, FakeKind, Locale, MaskKey};

/// Reserved example domains (RFC 2606): no mail is ever delivered.
const EMAIL_DOMAINS: [&str; 3] = ["example.com", "example.net", "example.org"];
/// Characters of the keyed suffix that keeps emails unique.
const SUFFIX_LEN: usize = 16;

/// The fewest characters a column must hold for `kind`.
pub fn min_chars(kind: FakeKind) -> usize {
    match kind {
        // "u." + suffix + "@example.com"
        FakeKind::Email => 2 + SUFFIX_LEN + 12,
        // "+1 415 555 0123"
        FakeKind::Phone => 15,
        FakeKind::Ipv4 => 15,
        FakeKind::Ipv6 => 39,
        FakeKind::Iban => 34,
        FakeKind::Uuid => 36,
        FakeKind::NationalId => 16,
        FakeKind::DateOfBirth => 10,
        FakeKind::Card => 16,
        _ => 1,
    }
}

/// Append the fake value of `kind` (English locale) for `input` to `out`.
pub fn fake(
    key: &MaskKey,
    domain: &str,
    kind: FakeKind,
    input: &str,
    max_chars: Option<usize>,
    out: &mut String,
) {
    fake_in(key, domain, kind, Locale::En, input, max_chars, out)
}

/// Append the fake value of `kind` in `locale` for `input` to `out`.
pub fn fake_in(
    key: &MaskKey,
    domain: &str,
    kind: FakeKind,
    locale: Locale,
    input: &str,
    max_chars: Option<usize>,
    out: &mut String,
) {
    let seed = key.derive(domain.as_bytes(), input.as_bytes());
    let mut rng = ChaCha20Rng::from_seed(seed);
    let local: Option<bool> = match locale {
        Locale::En => None,
        Locale::Id => Some(false),
        Locale::Sg => Some(true),
    };
    // The value is written straight into `out`, then cut to `max_chars`.
    let start = out.len();
    match (kind, local) {
        (FakeKind::Name, Some(sg)) => out.push_str(&locales::name(&mut rng, sg).0),
        (FakeKind::FirstName, Some(sg)) => out.push_str(&locales::name(&mut rng, sg).1),
        (FakeKind::LastName, Some(sg)) => out.push_str(&locales::name(&mut rng, sg).2),
        (FakeKind::Phone, Some(sg)) => out.push_str(&locales::phone(&mut rng, sg)),
        (FakeKind::City, Some(sg)) => out.push_str(&locales::city(&mut rng, sg)),
        (FakeKind::Street, Some(sg)) => out.push_str(&locales::street(&mut rng, sg)),
        (FakeKind::Postcode, Some(sg)) => out.push_str(&locales::postcode(&mut rng, sg)),
        (FakeKind::NationalId, Some(sg)) => out.push_str(&locales::national_id(&mut rng, sg)),
        (FakeKind::Address, Some(sg)) => {
            let street = locales::street(&mut rng, sg);
            let city = locales::city(&mut rng, sg);
            let post = locales::postcode(&mut rng, sg);
            if sg {
                let _ = write!(out, "{street}, Singapore {post}");
            } else {
                let _ = write!(out, "{street}, {city} {post}");
            }
        }
        (FakeKind::Email, Some(sg)) => {
            let (_, first, last) = locales::name(&mut rng, sg);
            email(&seed, &first, &last, max_chars, out)
        }
        (FakeKind::NationalId, None) => {
            let _ = write!(
                out,
                "9{:02}-{:02}-{:04}",
                rng.random_range(0..100u32),
                rng.random_range(1..100u32),
                rng.random_range(1..10_000u32)
            );
        }
        (kind, _) => english(&mut rng, &seed, kind, max_chars, out),
    }
    truncate_chars(out, start, max_chars);
}

/// Cut what was written to `out` from `start` on to at most `max_chars`
/// characters.
fn truncate_chars(out: &mut String, start: usize, max_chars: Option<usize>) {
    let Some(n) = max_chars else {
        return;
    };
    if let Some((at, _)) = out[start..].char_indices().nth(n) {
        out.truncate(start + at);
    }
}

/// Append the unique-safe email of a first and a last name: the ASCII
/// letters and digits of each, the keyed suffix and a reserved domain; only
/// `u.`, the suffix and the domain when that is longer than `max_chars`.
fn email(seed: &[u8; 32], first: &str, last: &str, max_chars: Option<usize>, out: &mut String) {
    let host = EMAIL_DOMAINS[(seed[0] % 3) as usize];
    let start = out.len();
    push_ascii_word(first, out);
    out.push('.');
    push_ascii_word(last, out);
    out.push('.');
    push_base36(&seed[16..32], SUFFIX_LEN, out);
    out.push('@');
    out.push_str(host);
    // Every character written is ASCII: bytes are characters.
    if max_chars.is_some_and(|n| out.len() - start > n) {
        out.truncate(start);
        out.push_str("u.");
        push_base36(&seed[16..32], SUFFIX_LEN, out);
        out.push('@');
        out.push_str(host);
    }
}

/// Append the English value of `kind`, drawn from `fake`, to `out`.
fn english(
    rng: &mut ChaCha20Rng,
    seed: &[u8; 32],
    kind: FakeKind,
    max_chars: Option<usize>,
    out: &mut String,
) {
    let seed = *seed;
    match kind {
        FakeKind::Name => put(out, Name().fake_with_rng(rng)),
        FakeKind::FirstName => put(out, FirstName().fake_with_rng(rng)),
        FakeKind::LastName => put(out, LastName().fake_with_rng(rng)),
        FakeKind::Company => put(out, CompanyName().fake_with_rng(rng)),
        FakeKind::City => put(out, CityName().fake_with_rng(rng)),
        FakeKind::Street => {
            let number: String = BuildingNumber().fake_with_rng(rng);
            let street: String = StreetName().fake_with_rng(rng);
            let _ = write!(out, "{number} {street}");
        }
        FakeKind::Phone => {
            // North American numbers in the 555 exchange, which is not assigned to subscribers.
            let mut area: u32 = rng.random_range(201..990);
            if area % 100 == 11 {
                area += 1;
            }
            let line: u32 = rng.random_range(0..10_000);
            let _ = write!(out, "+1 {area} 555 {line:04}");
        }
        FakeKind::Postcode => put(out, PostCode().fake_with_rng(rng)),
        FakeKind::Username => put(out, Username().fake_with_rng(rng)),
        FakeKind::UserAgent => put(out, UserAgent().fake_with_rng(rng)),
        FakeKind::Address => {
            let number: String = BuildingNumber().fake_with_rng(rng);
            let street: String = StreetName().fake_with_rng(rng);
            let city: String = CityName().fake_with_rng(rng);
            let post: String = PostCode().fake_with_rng(rng);
            let _ = write!(out, "{number} {street}, {city} {post}");
        }
        FakeKind::Url => {
            let user: String = Username().fake_with_rng(rng);
            let host = EMAIL_DOMAINS[(seed[1] % 3) as usize];
            out.push_str("https://");
            out.push_str(host);
            out.push('/');
            push_ascii_word(&user, out);
        }
        // Private (RFC 1918) and unique-local (RFC 4193) ranges: realistic, never a real host.
        FakeKind::Ipv4 => {
            out.push_str("10");
            for b in &seed[..3] {
                out.push('.');
                push_decimal(*b, out);
            }
        }
        FakeKind::Ipv6 => {
            let _ = write!(
                out,
                "fd{:02x}:{:02x}{:02x}:{:02x}{:02x}::{:02x}{:02x}",
                seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6]
            );
        }
        FakeKind::Uuid => {
            let mut b = seed;
            b[6] = (b[6] & 0x0f) | 0x40;
            b[8] = (b[8] & 0x3f) | 0x80;
            for (i, byte) in b[..16].iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    out.push('-');
                }
                let _ = write!(out, "{byte:02x}");
            }
        }
        FakeKind::Iban => out.push_str(&iban(rng)),
        FakeKind::Sentence => put(out, Sentence(4..12).fake_with_rng(rng)),
        FakeKind::Paragraph => put(out, Paragraph(3..7).fake_with_rng(rng)),
        FakeKind::DateOfBirth => {
            // Adults of 18 to 85 on 2025-01-01: a fixed window, so the
            // output does not drift from one night to the next.
            let from = super::shift::days_from_civil(1940, 1, 1);
            let to = super::shift::days_from_civil(2006, 12, 31);
            let (y, m, d) = super::shift::civil_from_days(rng.random_range(from..=to));
            let _ = write!(out, "{y:04}-{m:02}-{d:02}");
        }
        FakeKind::Card => {
            // A Visa-layout number that passes the Luhn check.
            let start = out.len();
            out.push('4');
            for _ in 0..15 {
                out.push(char::from(b'0' + rng.random_range(0..10u8)));
            }
            super::tokenize::fix_luhn(out, start);
        }
        FakeKind::Email => {
            let first: String = FirstName().fake_with_rng(rng);
            let last: String = LastName().fake_with_rng(rng);
            email(&seed, &first, &last, max_chars, out)
        }
        // Handled per locale above.
        FakeKind::NationalId => {}
    }
}

/// Append a drawn value.
fn put(out: &mut String, value: String) {
    out.push_str(&value);
}

/// Append the decimal digits of `b` (no leading zeros).
fn push_decimal(b: u8, out: &mut String) {
    if b >= 100 {
        out.push(char::from(b'0' + b / 100));
    }
    if b >= 10 {
        out.push(char::from(b'0' + b / 10 % 10));
    }
    out.push(char::from(b'0' + b % 10));
}

/// An IBAN with valid check digits: country, two check digits, then the
/// country's BBAN layout (letters for the bank code where it has one).
fn iban(rng: &mut ChaCha20Rng) -> String {
    // (country, bank-code letters, BBAN digits)
    const LAYOUTS: [(&str, usize, usize); 4] =
        [("DE", 0, 18), ("NL", 4, 10), ("GB", 4, 14), ("FR", 0, 23)];
    let (cc, letters, digits) = LAYOUTS[rng.random_range(0..LAYOUTS.len())];
    let mut bban = String::new();
    for _ in 0..letters {
        bban.push(char::from(b'A' + rng.random_range(0..26u8)));
    }
    for _ in 0..digits {
        bban.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    // ISO 13616: move country + "00" to the end, letters to numbers, mod 97.
    let rem = mod97(format!("{bban}{cc}00").bytes());
    let check = 98 - rem;
    let raw = format!("{cc}{check:02}{bban}");
    // Printed in groups of four, as on statements.
    raw.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The ISO 13616 remainder of letters (A=10 … Z=35, either case) and digits
/// read as one number (callers pass only letters and digits).
pub(super) fn mod97(chars: impl Iterator<Item = u8>) -> u32 {
    chars.fold(0u32, |rem, c| match c {
        b'0'..=b'9' => (rem * 10 + u32::from(c - b'0')) % 97,
        _ => (rem * 100 + u32::from(c.to_ascii_uppercase().wrapping_sub(b'A')) + 10) % 97,
    })
}

/// Append the lowercase ASCII letters and digits of a word ("O'Connor" →
/// "oconnor"), or `user` when it has none.
fn push_ascii_word(s: &str, out: &mut String) {
    let start = out.len();
    out.extend(
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase()),
    );
    if out.len() == start {
        out.push_str("user");
    }
}

/// Append the last `len` (at most 24) base-36 digits of the big-endian
/// number in `bytes` (16 bytes), most significant first. The number is
/// taken eight digits at a time, so that only two 128-bit divisions are
/// made instead of two per digit.
fn push_base36(bytes: &[u8], len: usize, out: &mut String) {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    const CHUNK: u128 = 36u128.pow(8);
    let mut n = u128::from_be_bytes(bytes[..16].try_into().unwrap_or([0; 16]));
    let mut digits = [b'0'; 24];
    let len = len.min(digits.len());
    let mut i = len;
    while i > 0 {
        let q = n / CHUNK;
        // Below 36^8, which fits in 64 bits.
        let mut r = (n - q * CHUNK) as u64;
        n = q;
        for _ in 0..i.min(8) {
            i -= 1;
            digits[i] = DIGITS[(r % 36) as usize];
            r /= 36;
        }
    }
    // Only ASCII digits and letters were written.
    out.extend(digits[..len].iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digits one at a time, as the suffix was first computed.
    fn base36_by_digit(bytes: &[u8], len: usize) -> String {
        const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut n = u128::from_be_bytes(bytes[..16].try_into().unwrap());
        let mut out = vec![b'0'; len];
        for slot in out.iter_mut().rev() {
            *slot = DIGITS[(n % 36) as usize];
            n /= 36;
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn base36_in_chunks_gives_the_digits_one_at_a_time_gives() {
        let key = MaskKey::new(b"base36 chunks test key");
        let mut inputs: Vec<[u8; 16]> = vec![[0; 16], [0xff; 16]];
        inputs.extend((0..2000u32).map(|i| {
            let d = key.derive(b"t", &i.to_le_bytes());
            <[u8; 16]>::try_from(&d[..16]).unwrap()
        }));
        for bytes in &inputs {
            for len in [1, 7, 8, 9, 16, 24] {
                let mut got = String::new();
                push_base36(bytes, len, &mut got);
                assert_eq!(got, base36_by_digit(bytes, len), "len {len}");
            }
        }
    }

    #[test]
    fn values_are_cut_to_max_chars_by_characters() {
        let mut s = String::from("ab");
        s.push_str("çé€x");
        truncate_chars(&mut s, 2, Some(3));
        assert_eq!(s, "abçé€");
        truncate_chars(&mut s, 2, Some(5));
        assert_eq!(s, "abçé€");
        truncate_chars(&mut s, 2, None);
        assert_eq!(s, "abçé€");
        truncate_chars(&mut s, 0, Some(0));
        assert_eq!(s, "");
    }

    #[test]
    fn ipv4_digits_are_those_format_gives() {
        for b in 0..=255u8 {
            let mut s = String::new();
            push_decimal(b, &mut s);
            assert_eq!(s, b.to_string());
        }
    }
}
