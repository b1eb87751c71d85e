//! Realistic fake values, deterministic under the key: a ChaCha20 generator
//! seeded from HMAC(key, domain, input) draws from `fake` (pinned exactly,
//! so that output never changes under an upgrade).

use fake::faker::address::en::{BuildingNumber, CityName, PostCode, StreetName};
use fake::faker::company::en::CompanyName;
use fake::faker::internet::en::{UserAgent, Username};
use fake::faker::name::en::{FirstName, LastName, Name};
use fake::Fake;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::{FakeKind, MaskKey};

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
        _ => 1,
    }
}

/// Append the fake value of `kind` for `input` to `out`.
pub fn fake(
    key: &MaskKey,
    domain: &str,
    kind: FakeKind,
    input: &str,
    max_chars: Option<usize>,
    out: &mut String,
) {
    let seed = key.derive(domain.as_bytes(), input.as_bytes());
    let mut rng = ChaCha20Rng::from_seed(seed);
    let value: String = match kind {
        FakeKind::Name => Name().fake_with_rng(&mut rng),
        FakeKind::FirstName => FirstName().fake_with_rng(&mut rng),
        FakeKind::LastName => LastName().fake_with_rng(&mut rng),
        FakeKind::Company => CompanyName().fake_with_rng(&mut rng),
        FakeKind::City => CityName().fake_with_rng(&mut rng),
        FakeKind::Street => {
            let number: String = BuildingNumber().fake_with_rng(&mut rng);
            let street: String = StreetName().fake_with_rng(&mut rng);
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
        FakeKind::Postcode => PostCode().fake_with_rng(&mut rng),
        FakeKind::Username => Username().fake_with_rng(&mut rng),
        FakeKind::UserAgent => UserAgent().fake_with_rng(&mut rng),
        FakeKind::Address => {
            let number: String = BuildingNumber().fake_with_rng(&mut rng);
            let street: String = StreetName().fake_with_rng(&mut rng);
            let city: String = CityName().fake_with_rng(&mut rng);
            let post: String = PostCode().fake_with_rng(&mut rng);
            format!("{number} {street}, {city} {post}")
        }
        FakeKind::Url => {
            let user: String = Username().fake_with_rng(&mut rng);
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
        FakeKind::Iban => iban(&mut rng),
        FakeKind::Email => {
            let first: String = FirstName().fake_with_rng(&mut rng);
            let last: String = LastName().fake_with_rng(&mut rng);
            let host = EMAIL_DOMAINS[(seed[0] % 3) as usize];
            let suffix = base36(&seed[16..32], SUFFIX_LEN);
            let local = format!("{}.{}", ascii_word(&first), ascii_word(&last));
            let full = format!("{local}.{suffix}@{host}");
            match max_chars {
                Some(n) if full.chars().count() > n => format!("u.{suffix}@{host}"),
                _ => full,
            }
        }
    };
    match max_chars {
        Some(n) if value.chars().count() > n => out.extend(value.chars().take(n)),
        _ => out.push_str(&value),
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
    let rearranged = format!("{bban}{cc}00");
    let mut rem = 0u32;
    for c in rearranged.chars() {
        let v = if c.is_ascii_digit() {
            c as u32 - '0' as u32
        } else {
            c as u32 - 'A' as u32 + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    let check = 98 - rem;
    let raw = format!("{cc}{check:02}{bban}");
    // Printed in groups of four, as on statements.
    raw.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
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
