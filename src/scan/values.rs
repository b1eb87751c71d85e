//! What sampled values are: each value is looked at once and counted
//! (an email, a phone number, a NIK, a person's name, a bcrypt hash, free
//! text with a phone number in it, …); a column's [`Stats`] are the counts
//! and a few masked examples, never the values. Emails, phones, cards
//! (Luhn), IBANs (mod 97), NIK, NRIC/FIN, IPs and URLs are found by
//! `mask::scrub`'s own patterns and validators, and in free text also
//! person names and numbers a keyword names (`name`, `id_number`), so what
//! the scan reports is what `scrub` would replace.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;

use super::{dictionary, evidence, Kind};
use crate::mask::{detect_personal, Locale, ScrubKind};

/// An identity-number format: a name (`nik`, or one given with
/// `--national-id NAME=REGEX`) and a test of a whole value.
#[derive(Debug, Clone)]
pub struct NationalIdPattern {
    /// The name shown in comments.
    pub name: String,
    /// The whole value must match (anchored).
    pub regex: Regex,
    /// A further check (a date inside, a check digit).
    check: Option<fn(&str) -> bool>,
}

impl NationalIdPattern {
    /// A pattern from `NAME=REGEX` (the regex must match the whole value).
    pub fn parse(spec: &str) -> Result<NationalIdPattern, String> {
        let (name, re) = spec
            .split_once('=')
            .filter(|(n, r)| !n.trim().is_empty() && !r.is_empty())
            .ok_or_else(|| format!("`{spec}`: write NAME=REGEX, e.g. ktp=^\\d{{16}}$"))?;
        let regex = Regex::new(&format!("^(?:{re})$"))
            .map_err(|e| format!("`{name}`: the regular expression does not compile: {e}"))?;
        Ok(NationalIdPattern {
            name: name.trim().to_string(),
            regex,
            check: None,
        })
    }

    /// The formats known without options, besides NIK and NRIC/FIN (which
    /// `scrub` finds): Malaysian MyKad (a birth date inside) and US SSN.
    pub fn builtin() -> Vec<NationalIdPattern> {
        let re = |p: &str| Regex::new(p).unwrap_or_else(|e| unreachable!("built-in {p}: {e}"));
        vec![
            NationalIdPattern {
                name: "mykad".into(),
                regex: re(r"^\d{6}-\d{2}-\d{4}$"),
                check: Some(|v| {
                    let m: u32 = v[2..4].parse().unwrap_or(0);
                    let d: u32 = v[4..6].parse().unwrap_or(0);
                    (1..=12).contains(&m) && (1..=31).contains(&d)
                }),
            },
            NationalIdPattern {
                name: "ssn".into(),
                regex: re(r"^\d{3}-\d{2}-\d{4}$"),
                check: Some(|v| {
                    !matches!(&v[..3], "000" | "666") && !v.starts_with('9') && &v[4..6] != "00"
                }),
            },
        ]
    }

    fn matches(&self, v: &str) -> bool {
        self.regex.is_match(v) && self.check.is_none_or(|c| c(v))
    }
}

/// What the sampled values of one column (or json path) are.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Values looked at (not NULL, not empty).
    pub n: usize,
    /// Distinct values among them.
    pub distinct: usize,
    /// Values that are wholly of a kind.
    pub whole: BTreeMap<Kind, usize>,
    /// Of the identity numbers, which format.
    pub national: BTreeMap<String, usize>,
    /// Values of more than a few words.
    pub text: usize,
    /// In how many values each scrub kind was found (inside text, or as the whole value).
    pub inner: BTreeMap<&'static str, (ScrubKind, usize)>,
    /// Locale votes of phone numbers and names: en, id, sg.
    pub locales: [usize; 3],
    /// IPv6 addresses among the IPs.
    pub ipv6: usize,
    /// Values that look like dates of birth (a date, 14 to 100 years ago).
    pub birth_dates: usize,
    /// Values that are dates or timestamps.
    pub dates: usize,
    /// Values that look like postcodes.
    pub postcodes: usize,
    /// Masked examples per kind (at most two each).
    pub examples: BTreeMap<Kind, Vec<String>>,
    /// Masked examples of what was found inside text.
    pub inner_examples: Vec<String>,
    seen: HashSet<u64>,
}

impl Stats {
    /// Values wholly of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.whole.get(&kind).copied().unwrap_or(0)
    }

    /// The most common whole-value kind and its count.
    pub fn top(&self) -> Option<(Kind, usize)> {
        self.whole
            .iter()
            .max_by_key(|(k, c)| (**c, std::cmp::Reverse(**k)))
            .map(|(k, c)| (*k, *c))
    }

    /// The locale most values are from, when more than half are.
    pub fn locale(&self) -> Option<Locale> {
        let [_, id, sg] = self.locales;
        let total: usize = self.locales.iter().sum();
        if id * 2 > total {
            Some(Locale::Id)
        } else if sg * 2 > total {
            Some(Locale::Sg)
        } else {
            None
        }
    }

    /// The identity-number format most values have.
    pub fn national(&self) -> Option<String> {
        self.national
            .iter()
            .max_by_key(|(_, c)| **c)
            .map(|(n, _)| n.clone())
    }

    /// Scrub kinds found, in scrub's order.
    pub fn scrub_kinds(&self) -> Vec<ScrubKind> {
        ScrubKind::all()
            .into_iter()
            .filter(|k| self.inner.contains_key(k.name()))
            .collect()
    }

    fn count_kind(&mut self, kind: Kind, value: &str) {
        *self.whole.entry(kind).or_default() += 1;
        let ex = self.examples.entry(kind).or_default();
        if ex.len() < 2 {
            let shown = evidence::show(kind, value);
            if !ex.contains(&shown) {
                ex.push(shown);
            }
        }
    }

    /// Look at one value.
    pub fn add(&mut self, value: &str, ids: &[NationalIdPattern]) {
        let v = value.trim();
        if v.is_empty() {
            return;
        }
        self.n += 1;
        if self.seen.len() < 100_000 && self.seen.insert(hash(v)) {
            self.distinct += 1;
        }
        let words = v.split_whitespace().count();
        let free_text = words >= 4 || (words >= 2 && v.len() >= 40);
        if free_text {
            self.text += 1;
        }
        if let Some(d) = date_of(v) {
            self.dates += 1;
            if birth_year(d) {
                self.birth_dates += 1;
            }
        }
        if postcode(v) {
            self.postcodes += 1;
        }
        // A whole phone number, also where scrub's patterns take part of it
        // for a card (digits after `+62` can pass Luhn) or stop early.
        if phone_number(v) {
            self.inner.entry("phone").or_insert((ScrubKind::Phone, 0)).1 += 1;
            self.whole_scrub_kind(ScrubKind::Phone, v, ids);
            return;
        }
        // Names and numbers a keyword names are looked for in free text
        // only: in a short value they would be the column's whole meaning,
        // which the shapes below judge.
        let kinds = if free_text {
            ScrubKind::all().to_vec()
        } else {
            ScrubKind::checked()
        };
        let found = detect_personal(v, &kinds);
        let mut kinds: Vec<ScrubKind> = found.iter().map(|(_, k)| *k).collect();
        kinds.sort_by_key(|k| k.name());
        kinds.dedup();
        for k in kinds {
            self.inner.entry(k.name()).or_insert((k, 0)).1 += 1;
        }
        if let [(r, kind)] = found.as_slice() {
            if v[..r.start].trim().is_empty()
                && v[r.end..].trim_matches(['.', ',']).trim().is_empty()
            {
                self.whole_scrub_kind(*kind, v, ids);
                return;
            }
        }
        for (r, kind) in found.iter().take(2) {
            if self.inner_examples.len() < 2 {
                let shown = evidence::show(scan_kind(*kind), &v[r.clone()]);
                self.inner_examples.push(format!("…{shown}…"));
            }
        }
        if !found.is_empty() {
            return;
        }
        self.shape_kinds(v, ids);
    }

    /// A value that is wholly one thing scrub finds.
    fn whole_scrub_kind(&mut self, kind: ScrubKind, v: &str, ids: &[NationalIdPattern]) {
        match kind {
            ScrubKind::Nik | ScrubKind::Nric => {
                *self.national.entry(kind.name().to_string()).or_default() += 1;
                self.count_kind(Kind::NationalId, v);
            }
            ScrubKind::Phone => {
                let i = if v.starts_with("+62") || v.starts_with("62") || v.starts_with("08") {
                    1
                } else if v.starts_with("+65") {
                    2
                } else {
                    0
                };
                self.locales[i] += 1;
                self.count_kind(Kind::Phone, v);
            }
            ScrubKind::Ip => {
                self.ipv6 += usize::from(v.contains(':'));
                self.count_kind(Kind::Ip, v);
            }
            ScrubKind::Card if ids.iter().any(|p| p.matches(v)) => self.shape_kinds(v, ids),
            other => self.count_kind(scan_kind(other), v),
        }
    }

    /// Kinds known by their shape: identity numbers, secrets, names,
    /// companies, addresses.
    fn shape_kinds(&mut self, v: &str, ids: &[NationalIdPattern]) {
        if let Some(p) = ids.iter().find(|p| p.matches(v)) {
            *self.national.entry(p.name.clone()).or_default() += 1;
            self.count_kind(Kind::NationalId, v);
        } else if password_hash(v) {
            self.count_kind(Kind::Password, v);
        } else if secret(v) {
            self.count_kind(Kind::Secret, v);
        } else if let Some(locale) = dictionary::person_name(v) {
            let i = match locale {
                Some(Locale::Id) => 1,
                Some(Locale::Sg) => 2,
                _ => 0,
            };
            self.locales[i] += 1;
            self.count_kind(Kind::Name, v);
        } else if dictionary::company_name(v) {
            self.count_kind(Kind::Company, v);
        } else if street_address(v) {
            self.count_kind(Kind::Address, v);
        }
    }
}

/// The scan's kind for a scrub kind.
pub fn scan_kind(k: ScrubKind) -> Kind {
    match k {
        ScrubKind::Email => Kind::Email,
        ScrubKind::Phone => Kind::Phone,
        ScrubKind::Card => Kind::Card,
        ScrubKind::Ip => Kind::Ip,
        ScrubKind::Nik | ScrubKind::Nric | ScrubKind::IdNumber => Kind::NationalId,
        ScrubKind::Iban => Kind::Iban,
        ScrubKind::Url => Kind::Url,
        ScrubKind::Name => Kind::Name,
    }
}

fn hash(v: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|e| unreachable!("{pattern}: {e}")))
}

/// A value that is one phone number: `+CC` or a trunk `0` and 8 to 15
/// digits in all, or a Singaporean 8-digit number starting 6, 8 or 9.
fn phone_number(v: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    (8..=15).contains(&digits)
        && re(
            &RE,
            r"^(?:(?:\+\d{1,3}|\(?0)[\d\s().-]{6,20}\d|[689]\d{3} ?\d{4})$",
        )
        .is_match(v)
}

/// Crypt-style password hashes (bcrypt, argon2, scrypt, sha-crypt, pbkdf2).
fn password_hash(v: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        &RE,
        r"^(?:\$(?:2[abxy]?|argon2(?:id|i|d)|scrypt|[156]|pbkdf2[-_a-z0-9]*)\$\S{8,}|pbkdf2[_:]sha\d+[$:]\S{8,}|(?:sha1|md5|bcrypt)\$\S{8,})$",
    )
    .is_match(v)
}

/// Tokens, keys and hashes: known key prefixes, JWTs, hex digests, and
/// long strings of high entropy (not UUIDs, paths or words).
pub fn secret(v: &str) -> bool {
    static KNOWN: OnceLock<Regex> = OnceLock::new();
    static HEX: OnceLock<Regex> = OnceLock::new();
    static UUID: OnceLock<Regex> = OnceLock::new();
    let known = re(
        &KNOWN,
        r"^(?:sk|rk)_(?:live|test)_\w{10,}$|^(?:ghp|gho|ghu|ghs|ghr)_\w{20,}$|^github_pat_\w{20,}$|^xox[abpr]-[\w-]{10,}$|^AKIA[0-9A-Z]{16}$|^AIza[\w-]{30,}$|^glpat-[\w-]{20}$|^(?:shpat|whsec)_\w{16,}$|^eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*$",
    );
    if known.is_match(v) {
        return true;
    }
    if re(&HEX, r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128}|[0-9A-F]{32}|[0-9A-F]{40}|[0-9A-F]{64})$").is_match(v) {
        return true;
    }
    if v.len() < 20
        || v.len() > 1024
        || re(
            &UUID,
            r"^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        )
        .is_match(v)
    {
        return false;
    }
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=_-".contains(&b))
    {
        return false;
    }
    let classes = [
        v.bytes().any(|b| b.is_ascii_lowercase()),
        v.bytes().any(|b| b.is_ascii_uppercase()),
        v.bytes().any(|b| b.is_ascii_digit()),
    ];
    if classes.iter().filter(|c| **c).count() < 2 || v.matches('/').count() > 1 {
        return false;
    }
    let mut counts = [0usize; 256];
    for b in v.bytes() {
        counts[b as usize] += 1;
    }
    let n = v.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f64 / n;
            -p * p.log2()
        })
        .sum();
    // A random string over 62 letters and digits comes close to log2 of its length.
    entropy >= 0.85 * n.min(62.0).log2()
}

/// A street address: a street word (Jl., Jalan, Street, Road, Blk,
/// Lorong, …) or a unit number (`#05-12`), with a number.
fn street_address(v: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let street = re(
        &RE,
        r"(?i)(?:^|[\s,])(?:jl|jln|jalan|gg|gang|street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|blk|block|lorong|lor|rt|rw|kel|kec|kab|jalan|crescent|close|terrace|place|square|highway)\b\.?|#\d{1,3}-\d{1,4}",
    );
    v.len() >= 8
        && v.len() <= 300
        && v.bytes().any(|b| b.is_ascii_digit())
        && !v.contains('@')
        && street.is_match(v)
}

/// A postcode: Indonesian (5 digits), Singaporean (6), UK, US ZIP+4.
fn postcode(v: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        &RE,
        r"^(?:\d{5}|\d{6}|\d{5}-\d{4}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\d{4})$",
    )
    .is_match(v)
}

/// The year of a value that starts with an ISO date.
fn date_of(v: &str) -> Option<i64> {
    let b = v.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i64 = v[..4].parse().ok()?;
    let month: u32 = v[5..7].parse().ok()?;
    let day: u32 = v[8..10].parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(year)
}

/// Whether a year makes its date a likely date of birth (a person 14 to 100 years old).
fn birth_year(year: i64) -> bool {
    let now = current_year();
    (now - 100..=now - 14).contains(&year)
}

/// The current year (UTC), from the system clock.
pub fn current_year() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    1970 + (secs as f64 / (365.2425 * 86_400.0)) as i64
}
