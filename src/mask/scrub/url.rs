//! URLs inside scrubbed text: the path and fragment are scrubbed as text,
//! query values are decoded, scrubbed and re-encoded, and parameters named
//! like personal data or secrets become keyed tokens.

use super::{scrub, ScrubKind};
use crate::mask::{tokenize, Locale, MaskKey};

/// Query parameters whose values are personal data or secrets whatever they look like.
const SENSITIVE_PARAMS: &[&str] = &[
    "email",
    "mail",
    "e-mail",
    "phone",
    "tel",
    "mobile",
    "hp",
    "msisdn",
    "name",
    "fullname",
    "full_name",
    "first_name",
    "firstname",
    "last_name",
    "lastname",
    "nama",
    "nik",
    "nric",
    "ktp",
    "ssn",
    "dob",
    "birthdate",
    "address",
    "alamat",
    "card",
    "iban",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "password",
    "pass",
    "pwd",
    "session",
    "sessionid",
    "sid",
    "auth",
    "code",
    "signature",
    "sig",
];

fn sensitive_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SENSITIVE_PARAMS.contains(&n.as_str())
        || n.ends_with("_email")
        || n.ends_with("_phone")
        || n.ends_with("_token")
}

/// Mask a URL: its path and fragment are scrubbed as text; each query value
/// is percent-decoded, scrubbed, and re-encoded; values of sensitive
/// parameters become keyed tokens. Scheme, host and parameter names stay.
/// A rule that lists only `url` searches the parts for the kinds with a
/// check (not `name` or `id_number`, which a rule asks for by name).
pub(super) fn mask_url(
    key: &MaskKey,
    kinds: &[ScrubKind],
    locale: Locale,
    url: &str,
    out: &mut String,
) -> bool {
    let inner: Vec<ScrubKind> = kinds
        .iter()
        .copied()
        .filter(|k| *k != ScrubKind::Url)
        .collect();
    let inner = if inner.is_empty() {
        ScrubKind::checked()
            .into_iter()
            .filter(|k| *k != ScrubKind::Url)
            .collect()
    } else {
        inner
    };
    let (before_frag, frag) = match url.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (url, None),
    };
    let (base, query) = match before_frag.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_frag, None),
    };
    let start = out.len();
    let mut changed = scrub(key, &inner, locale, base, out) > 0;
    if let Some(q) = query {
        out.push('?');
        for (i, pair) in q.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            let (name, value) = match pair.split_once('=') {
                Some((n, v)) => (n, v),
                None => {
                    out.push_str(pair);
                    continue;
                }
            };
            out.push_str(name);
            out.push('=');
            let decoded = percent_decode(value);
            let mut masked = String::new();
            let hits = scrub(key, &inner, locale, &decoded, &mut masked);
            if hits > 0 {
                percent_encode(&masked, out);
                changed = true;
            } else if sensitive_param(&percent_decode(name)) && !value.is_empty() {
                tokenize::hex(key, "scrub/url", &decoded, 16, out);
                changed = true;
            } else {
                out.push_str(value);
            }
        }
    }
    if let Some(f) = frag {
        out.push('#');
        changed |= scrub(key, &inner, locale, f, out) > 0;
    }
    if !changed {
        out.truncate(start);
        out.push_str(url);
    }
    changed
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}
