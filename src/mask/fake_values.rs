//! Realistic fake values, deterministic under the key: a ChaCha20 generator
//! seeded from HMAC(key, domain, input) draws from `fake` (pinned exactly,
//! so that output never changes under an upgrade).

use fake::faker::address::en::{BuildingNumber, CityName, PostCode, StreetName};
use fake::faker::company::en::CompanyName;
use fake::faker::internet::en::{UserAgent, Username};
use fake::faker::lorem::en::{Paragraph, Sentence};
use fake::faker::name::en::{FirstName, LastName, Name};
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
    let value: String = match (kind, local) {
        (FakeKind::Name, Some(sg)) => locales::name(&mut rng, sg).0,
        (FakeKind::FirstName, Some(sg)) => locales::name(&mut rng, sg).1,
        (FakeKind::LastName, Some(sg)) => locales::name(&mut rng, sg).2,
        (FakeKind::Phone, Some(sg)) => locales::phone(&mut rng, sg),
        (FakeKind::City, Some(sg)) => locales::city(&mut rng, sg),
        (FakeKind::Street, Some(sg)) => locales::street(&mut rng, sg),
        (FakeKind::Postcode, Some(sg)) => locales::postcode(&mut rng, sg),
        (FakeKind::NationalId, Some(sg)) => locales::national_id(&mut rng, sg),
        (FakeKind::Address, Some(sg)) => {
            let street = locales::street(&mut rng, sg);
            let city = locales::city(&mut rng, sg);
            let post = locales::postcode(&mut rng, sg);
            if sg {
                format!("{street}, Singapore {post}")
            } else {
                format!("{street}, {city} {post}")
            }
        }
        (FakeKind::Email, Some(sg)) => {
            let (_, first, last) = locales::name(&mut rng, sg);
            email(&seed, &first, &last, max_chars)
        }
        (FakeKind::NationalId, None) => format!(
            "9{:02}-{:02}-{:04}",
            rng.random_range(0..100u32),
            rng.random_range(1..100u32),
            rng.random_range(1..10_000u32)
        ),
        (kind, _) => english(&mut rng, &seed, kind, max_chars),
    };
    match max_chars {
        Some(n) if value.chars().count() > n => out.extend(value.chars().take(n)),
        _ => out.push_str(&value),
    }
}

fn email(seed: &[u8; 32], first: &str, last: &str, max_chars: Option<usize>) -> String {
    let host = EMAIL_DOMAINS[(seed[0] % 3) as usize];
    let suffix = base36(&seed[16..32], SUFFIX_LEN);
    let full = format!("{}.{}.{suffix}@{host}", ascii_word(first), ascii_word(last));
    match max_chars {
        Some(n) if full.chars().count() > n => format!("u.{suffix}@{host}"),
        _ => full,
    }
}

/// English values drawn from `fake`.
fn english(
    rng: &mut ChaCha20Rng,
    seed: &[u8; 32],
    kind: FakeKind,
    max_chars: Option<usize>,
) -> String {
    let seed = *seed;
    match kind {
        FakeKind::Name => Name().fake_with_rng(rng),
        FakeKind::FirstName => FirstName().fake_with_rng(rng),
        FakeKind::LastName => LastName().fake_with_rng(rng),
        FakeKind::Company => CompanyName().fake_with_rng(rng),
        FakeKind::City => CityName().fake_with_rng(rng),
        FakeKind::Street => {
            let number: String = BuildingNumber().fake_with_rng(rng);
            let street: String = StreetName().fake_with_rng(rng);
            format!("{number} {street}")
        }
        FakeKind::Phone => {
            // North American numbers in the 555 exchange, which is not assigned to subscribers.
            let mut area: u32 = rng.random_range(201..990);
            if area % 100 == 11 {
                area += 1;
            }
            let line: u32 = rng.random_range(0..10_000);
            format!("+1 {area} 555 {line:04}")
        }
        FakeKind::Postcode => PostCode().fake_with_rng(rng),
        FakeKind::Username => Username().fake_with_rng(rng),
        FakeKind::UserAgent => UserAgent().fake_with_rng(rng),
        FakeKind::Address => {
            let number: String = BuildingNumber().fake_with_rng(rng);
            let street: String = StreetName().fake_with_rng(rng);
            let city: String = CityName().fake_with_rng(rng);
            let post: String = PostCode().fake_with_rng(rng);
            format!("{number} {street}, {city} {post}")
        }
        FakeKind::Url => {
            let user: String = Username().fake_with_rng(rng);
            let host = EMAIL_DOMAINS[(seed[1] % 3) as usize];
            format!("https://{host}/{}", ascii_word(&user))
        }
        // Private (RFC 1918) and unique-local (RFC 4193) ranges: realistic, never a real host.
        FakeKind::Ipv4 => format!("10.{}.{}.{}", seed[0], seed[1], seed[2]),
        FakeKind::Ipv6 => format!(
            "fd{:02x}:{:02x}{:02x}:{:02x}{:02x}::{:02x}{:02x}",
            seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6]
        ),
        FakeKind::Uuid => {
            let mut s = String::with_capacity(36);
            let mut b = seed;
            b[6] = (b[6] & 0x0f) | 0x40;
            b[8] = (b[8] & 0x3f) | 0x80;
            for (i, byte) in b[..16].iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    s.push('-');
                }
                s.push_str(&format!("{byte:02x}"));
            }
            s
        }
        FakeKind::Iban => iban(rng),
        FakeKind::Sentence => Sentence(4..12).fake_with_rng(rng),
        FakeKind::Paragraph => Paragraph(3..7).fake_with_rng(rng),
        FakeKind::DateOfBirth => {
            // Adults of 18 to 85 on 2025-01-01: a fixed window, so the
            // output does not drift from one night to the next.
            let from = super::shift::days_from_civil(1940, 1, 1);
            let to = super::shift::days_from_civil(2006, 12, 31);
            let (y, m, d) = super::shift::civil_from_days(rng.random_range(from..=to));
            format!("{y:04}-{m:02}-{d:02}")
        }
        FakeKind::Card => {
            // A Visa-layout number that passes the Luhn check.
            let mut s = String::from("4");
            for _ in 0..15 {
                s.push(char::from(b'0' + rng.random_range(0..10u8)));
            }
            super::tokenize::fix_luhn(&mut s, 0);
            s
        }
        FakeKind::Email => {
            let first: String = FirstName().fake_with_rng(rng);
            let last: String = LastName().fake_with_rng(rng);
            email(&seed, &first, &last, max_chars)
        }
        // Handled per locale above.
        FakeKind::NationalId => String::new(),
    }
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

/// Lowercase ASCII letters and digits of a word ("O'Connor" → "oconnor").
fn ascii_word(s: &str) -> String {
    let w: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if w.is_empty() {
        "user".into()
    } else {
        w
    }
}

/// `len` base-36 digits of the big-endian number in `bytes`.
fn base36(bytes: &[u8], len: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut n = u128::from_be_bytes(bytes[..16].try_into().unwrap_or([0; 16]));
    let mut out = vec![b'0'; len];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8_lossy(&out).into_owned()
}
