//! Sampled values as a reviewer may see them: masked so that the shape
//! shows (`al***@***.sg`, `+62 8**-****-**90`, `B*** S******`) and the
//! value does not. Every example the scan prints goes through here.

use super::Kind;

/// The longest example shown, in characters.
const MAX_CHARS: usize = 40;

/// `value`, a sample of `kind`, masked for display.
pub fn show(kind: Kind, value: &str) -> String {
    let v = value.trim();
    let shown = match kind {
        Kind::Email => email(v),
        Kind::Phone => phone(v),
        Kind::Ip => ip(v),
        Kind::BirthDate => date(v),
        Kind::Password | Kind::Secret => secret(v),
        Kind::Url => url(v),
        Kind::Card | Kind::Iban | Kind::NationalId | Kind::TaxId | Kind::BankAccount => {
            keep_ends(v, 2, 2)
        }
        Kind::CardDigits | Kind::Postcode => keep_ends(v, 0, 0),
        Kind::Name
        | Kind::FirstName
        | Kind::LastName
        | Kind::Username
        | Kind::Company
        | Kind::Address
        | Kind::City
        | Kind::FreeText => initials(v),
    };
    one_line(&shown)
}

/// Up to two masked examples of `kind` from the values.
pub fn examples(kind: Kind, values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values.iter().filter(|v| !v.trim().is_empty()) {
        let shown = show(kind, v);
        if !out.contains(&shown) {
            out.push(shown);
        }
        if out.len() == 2 {
            break;
        }
    }
    out
}

/// Shorten and keep on one line (a comment must not end early).
fn one_line(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_CHARS)
        .collect();
    if s.chars().count() > MAX_CHARS {
        out.push('…');
    }
    out
}

/// Two characters of the local part, and the top-level domain.
fn email(v: &str) -> String {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return initials(v);
    };
    let keep = if local.chars().count() >= 4 { 2 } else { 1 };
    let head: String = local.chars().take(keep).collect();
    let tld = domain.rsplit('.').next().unwrap_or("");
    format!("{head}***@***.{tld}")
}

/// The country code and the next digit, and the last two digits; the
/// separators stay.
fn phone(v: &str) -> String {
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let cc = v.strip_prefix('+').map_or(0, |rest| {
        rest.bytes().take_while(u8::is_ascii_digit).count().min(3)
    });
    let mut seen = 0;
    let mut cc_done = cc == 0;
    let mut after_cc = 0;
    v.chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                if seen > 0 {
                    cc_done = true;
                }
                return c;
            }
            seen += 1;
            if !cc_done && seen <= cc {
                return c;
            }
            cc_done = true;
            after_cc += 1;
            if after_cc == 1 || seen + 2 > digits {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// The first group of an address.
fn ip(v: &str) -> String {
    if v.contains(':') {
        let first = v.split(':').next().unwrap_or("");
        format!("{first}:****:…")
    } else {
        let first = v.split('.').next().unwrap_or("");
        format!("{first}.*.*.*")
    }
}

/// The century.
fn date(v: &str) -> String {
    let year: String = v.chars().take(2).collect();
    format!("{year}**-**-**")
}

/// The algorithm of a crypt hash (`$2b$12$`), else only the length and alphabet.
fn secret(v: &str) -> String {
    if let Some(rest) = v.strip_prefix('$') {
        let parts: Vec<&str> = rest.splitn(3, '$').collect();
        if parts.len() == 3 && parts[0].len() <= 8 && parts[1].len() <= 8 {
            return format!(
                "${}${}$… ({} characters)",
                parts[0],
                parts[1],
                v.chars().count()
            );
        }
    }
    let hex = v.bytes().all(|b| b.is_ascii_hexdigit());
    format!(
        "… ({} {}characters)",
        v.chars().count(),
        if hex { "hex " } else { "" }
    )
}

/// The scheme and the first letter of the host.
fn url(v: &str) -> String {
    match v.split_once("://") {
        Some((scheme, rest)) => {
            let first: String = rest.chars().take(1).collect();
            format!("{scheme}://{first}***/…")
        }
        None => initials(v),
    }
}

/// The first letter of each word; other letters and digits become `*`.
pub fn initials(v: &str) -> String {
    let mut start = true;
    v.chars()
        .map(|c| {
            let out = if (c.is_alphanumeric() && !start) || c.is_ascii_digit() {
                '*'
            } else {
                c
            };
            start = !c.is_alphanumeric();
            out
        })
        .collect()
}

/// The first `start` and last `end` letters and digits; the others become
/// `*`, punctuation stays. Values too short to hide anything become `*`.
fn keep_ends(v: &str, start: usize, end: usize) -> String {
    let n = v.chars().filter(|c| c.is_alphanumeric()).count();
    let (start, end) = if n < 2 * (start + end) + 2 {
        (0, 0)
    } else {
        (start, end)
    };
    let mut i = 0;
    v.chars()
        .map(|c| {
            if !c.is_alphanumeric() {
                return c;
            }
            i += 1;
            if i <= start || i > n - end {
                c
            } else {
                '*'
            }
        })
        .collect()
}
