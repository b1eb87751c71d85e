//! What a column's name says it holds, in English, Indonesian and Malay
//! (`email`, `surel`, `emel`; `phone`, `telepon`, `no_hp`; `nama`,
//! `alamat`, `tanggal_lahir`, `tarikh_lahir`, …). Names are split into
//! words (`billingEmail`, `billing_email` and `Billing Email` are the same
//! two words) and matched on whole words, so `storage_key` is not a secret
//! and `email_verified_at` is not an email. Pure: no values, no I/O.

use super::vocabulary::{
    BANK, BIRTH, CARD, CARD_DIGITS, CITY, COMPANY, EMAIL_WORDS, FIRST_NAME, FREE_TEXT, FULL_NAME,
    IP, LAST_NAME, NATIONAL_ID, NATIONAL_ID_LAST, NUMBER_WORDS, PASSWORD_WORDS, PERSON_ROLES,
    PHONE_WORDS, POSTCODE, SECRET_PHRASES, SECRET_WORDS, STREET, TAX_ID, USERNAME,
};
use super::Kind;

/// How much a column's name alone says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// The name says it: the column is masked even when no values confirm it.
    Strong,
    /// The name only suggests it (`name`, `body`, `signature`): the values decide.
    Ambiguous,
}

/// What the name suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameHint {
    /// The kind of personal data.
    pub kind: Kind,
    /// How sure the name alone is.
    pub strength: Strength,
}

/// The lowercase words of an identifier: split at `_`, `-`, spaces, dots
/// and lower-to-upper case changes.
pub fn words(ident: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in ident.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether `phrase` (words separated by spaces) occurs in `w` as whole
/// consecutive words, or as one word written together.
fn has(w: &[String], phrase: &str) -> bool {
    let p: Vec<&str> = phrase.split(' ').collect();
    let joined = p.concat();
    w.windows(p.len())
        .any(|win| win.iter().zip(&p).all(|(a, b)| a == b))
        || w.contains(&joined)
}

/// Whether the name's last words are `phrase`.
fn ends(w: &[String], phrase: &str) -> bool {
    let p: Vec<&str> = phrase.split(' ').collect();
    w.len() >= p.len() && w[w.len() - p.len()..].iter().zip(&p).all(|(a, b)| a == b)
}

fn any(w: &[String], phrases: &[&str]) -> bool {
    phrases.iter().any(|p| has(w, p))
}

fn any_end(w: &[String], phrases: &[&str]) -> bool {
    phrases.iter().any(|p| ends(w, p))
}

/// What the column name `column` (of table `table`) says it holds. The
/// kinds are tried in this order; the first that the name says wins.
pub fn hint(table: &str, column: &str) -> Option<NameHint> {
    let all = words(column);
    // Phrases are matched on every word; the last word is taken after the
    // words that only say "a number of" (`phone_number`, `no_hp`).
    let w = &all;
    let last = all
        .iter()
        .rev()
        .find(|x| !NUMBER_WORDS.contains(&x.as_str()))
        .map(String::as_str)
        .unwrap_or("");
    secret_hint(w, last)
        .or_else(|| contact_hint(w, last))
        .or_else(|| person_hint(table, w, last))
        .or_else(|| detail_hint(w))
        .or_else(|| account_hint(w))
        .or_else(|| identity_hint(w, last))
        .or_else(|| address_or_text_hint(w, last))
}

/// A hint the name alone is sure of.
fn strong(kind: Kind) -> Option<NameHint> {
    Some(NameHint {
        kind,
        strength: Strength::Strong,
    })
}

/// A hint the values must confirm.
fn ambiguous(kind: Kind) -> Option<NameHint> {
    Some(NameHint {
        kind,
        strength: Strength::Ambiguous,
    })
}

/// Passwords, secrets and tokens (and a `signature`, which may be one).
fn secret_hint(w: &[String], last: &str) -> Option<NameHint> {
    if any(w, PASSWORD_WORDS) || has(w, "kata sandi") || has(w, "kata laluan") {
        return strong(Kind::Password);
    }
    if any(w, SECRET_PHRASES) || SECRET_WORDS.contains(&last) {
        return strong(Kind::Secret);
    }
    if last == "signature" {
        return ambiguous(Kind::Secret);
    }
    None
}

/// Email addresses (`to_address` too), phone numbers and IP addresses.
fn contact_hint(w: &[String], last: &str) -> Option<NameHint> {
    if EMAIL_WORDS.contains(&last)
        || any_end(
            w,
            &["email address", "mail address", "email addr", "e mail"],
        )
        || (last == "address" && any(w, &["to", "from", "reply", "cc", "bcc", "sender"]))
    {
        return strong(Kind::Email);
    }
    if PHONE_WORDS.contains(&last) || (any(w, &["contact", "kontak"]) && has(w, "number")) {
        return strong(Kind::Phone);
    }
    if any(w, IP) || last == "ip" {
        return strong(Kind::Ip);
    }
    None
}

/// Names of people and companies: given, family and user names, company
/// names (a `legal_name` in a table of organisations), full names, the
/// name of a person's role (`customer_name`, `nama_pelanggan`), and a bare
/// `name` the values must decide.
fn person_hint(table: &str, w: &[String], last: &str) -> Option<NameHint> {
    if any(w, FIRST_NAME) {
        return strong(Kind::FirstName);
    }
    if any(w, LAST_NAME) {
        return strong(Kind::LastName);
    }
    if any(w, USERNAME) {
        return strong(Kind::Username);
    }
    if any(w, COMPANY) || (has(w, "legal name") && company_table(table)) {
        return strong(Kind::Company);
    }
    if any(w, FULL_NAME) {
        return strong(Kind::Name);
    }
    let n = w.len();
    if last == "name" && n >= 2 && PERSON_ROLES.contains(&w[n - 2].as_str()) {
        return strong(Kind::Name);
    }
    // Indonesian and Malay put the whose after: nama_pelanggan, nama_ibu.
    if n >= 2 && w[0] == "nama" && PERSON_ROLES.contains(&w[1].as_str()) {
        return strong(Kind::Name);
    }
    if (matches!(last, "name" | "nama") && n == 1) || has(w, "billing name") {
        return ambiguous(Kind::Name);
    }
    None
}

/// Cities, dates of birth and postcodes.
fn detail_hint(w: &[String]) -> Option<NameHint> {
    if any(w, CITY) {
        return strong(Kind::City);
    }
    if any(w, BIRTH) {
        return strong(Kind::BirthDate);
    }
    if any(w, POSTCODE) {
        return strong(Kind::Postcode);
    }
    None
}

/// Card digits, card numbers, IBANs and bank accounts.
fn account_hint(w: &[String]) -> Option<NameHint> {
    if any(w, CARD_DIGITS) {
        return strong(Kind::CardDigits);
    }
    if any(w, CARD) {
        return strong(Kind::Card);
    }
    if has(w, "iban") {
        return strong(Kind::Iban);
    }
    if any(w, BANK) {
        return strong(Kind::BankAccount);
    }
    None
}

/// Tax numbers and national identity numbers.
fn identity_hint(w: &[String], last: &str) -> Option<NameHint> {
    if any(w, TAX_ID) {
        return strong(Kind::TaxId);
    }
    if NATIONAL_ID_LAST.contains(&last) || any(w, NATIONAL_ID) {
        return strong(Kind::NationalId);
    }
    None
}

/// Street addresses (not a MAC, wallet or server address), and free text
/// the values must confirm.
fn address_or_text_hint(w: &[String], last: &str) -> Option<NameHint> {
    if any(w, STREET) && !any(w, &["mac", "wallet", "web", "url", "server", "host"]) {
        return strong(Kind::Address);
    }
    if FREE_TEXT.contains(&last) {
        return ambiguous(Kind::FreeText);
    }
    None
}

/// Whether a table's name says its rows are people (users, customers,
/// pelanggan, …): an ambiguous `name` there is a person's name.
pub fn person_table(table: &str) -> bool {
    const PEOPLE: &[&str] = &[
        "user",
        "users",
        "customer",
        "customers",
        "contact",
        "contacts",
        "person",
        "persons",
        "people",
        "member",
        "members",
        "employee",
        "employees",
        "staff",
        "patient",
        "patients",
        "student",
        "students",
        "visitor",
        "visitors",
        "lead",
        "leads",
        "agent",
        "agents",
        "guest",
        "guests",
        "applicant",
        "applicants",
        "candidate",
        "candidates",
        "profile",
        "profiles",
        "subscriber",
        "subscribers",
        "recipient",
        "recipients",
        "driver",
        "drivers",
        "pengguna",
        "pelanggan",
        "karyawan",
        "pegawai",
        "anggota",
        "pasien",
        "siswa",
        "mahasiswa",
        "penduduk",
        "warga",
        "pelajar",
        "pekerja",
    ];
    words(table).iter().any(|w| PEOPLE.contains(&w.as_str()))
}

/// Whether a table's name says its rows are organisations.
pub fn company_table(table: &str) -> bool {
    const ORGS: &[&str] = &[
        "organisation",
        "organisations",
        "organization",
        "organizations",
        "company",
        "companies",
        "tenant",
        "tenants",
        "vendor",
        "vendors",
        "supplier",
        "suppliers",
        "merchant",
        "merchants",
        "business",
        "businesses",
        "perusahaan",
        "syarikat",
    ];
    words(table).iter().any(|w| ORGS.contains(&w.as_str()))
}
