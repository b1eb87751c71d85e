//! What a column's name says it holds, in English, Indonesian and Malay
//! (`email`, `surel`, `emel`; `phone`, `telepon`, `no_hp`; `nama`,
//! `alamat`, `tanggal_lahir`, `tarikh_lahir`, …). Names are split into
//! words (`billingEmail`, `billing_email` and `Billing Email` are the same
//! two words) and matched on whole words, so `storage_key` is not a secret
//! and `email_verified_at` is not an email. Pure: no values, no I/O.

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

/// Words that only say "a number of": `phone_number`, `no_hp`, `nomor_telepon`.
const NUMBER_WORDS: &[&str] = &["number", "no", "num", "nr", "nomor", "nomer", "nombor"];

/// Secrets, tokens and keys, as a last word or a phrase.
const SECRET_WORDS: &[&str] = &[
    "token",
    "tokens",
    "secret",
    "secrets",
    "apikey",
    "otp",
    "totp",
    "salt",
    "cvv",
    "cvc",
    "hash",
    "digest",
    "nonce",
    "credential",
    "credentials",
    "jwt",
    "bearer",
];
const SECRET_PHRASES: &[&str] = &[
    "api key",
    "private key",
    "secret key",
    "access key",
    "signing key",
    "encryption key",
    "license key",
    "session key",
    "auth key",
    "recovery code",
    "backup code",
    "session id",
];
const PASSWORD_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passcode",
    "pin",
    "sandi",
    "passphrase",
    "katasandi",
];

const EMAIL_WORDS: &[&str] = &["email", "emails", "mail", "emel", "surel"];
const PHONE_WORDS: &[&str] = &[
    "phone",
    "phones",
    "mobile",
    "msisdn",
    "whatsapp",
    "telephone",
    "tel",
    "telp",
    "tlp",
    "telepon",
    "telefon",
    "handphone",
    "hp",
    "fax",
    "faks",
    "cellphone",
    "cell",
    "ponsel",
];
const FIRST_NAME: &[&str] = &[
    "first name",
    "firstname",
    "given name",
    "givenname",
    "fname",
    "forename",
    "middle name",
    "nama depan",
    "nama panggilan",
];
const LAST_NAME: &[&str] = &[
    "last name",
    "lastname",
    "surname",
    "family name",
    "familyname",
    "lname",
    "maiden name",
    "nama belakang",
    "nama keluarga",
];
const FULL_NAME: &[&str] = &[
    "full name",
    "fullname",
    "display name",
    "displayname",
    "legal name",
    "nama lengkap",
    "nickname",
    "cardholder",
    "account holder",
    "signed by",
];
/// Whose name a `*_name` column holds when it names a person.
const PERSON_ROLES: &[&str] = &[
    "contact",
    "person",
    "customer",
    "visitor",
    "holder",
    "owner",
    "requester",
    "recipient",
    "sender",
    "buyer",
    "patient",
    "employee",
    "member",
    "guest",
    "payer",
    "payee",
    "signer",
    "mother",
    "father",
    "spouse",
    "parent",
    "emergency",
    "beneficiary",
    "applicant",
    "student",
    "driver",
    "author",
    "reviewer",
    "agent",
    "user",
    "ibu",
    "ayah",
    "pelanggan",
    "penerima",
    "pengirim",
];
const COMPANY: &[&str] = &[
    "company",
    "company name",
    "organisation name",
    "organization name",
    "business name",
    "employer",
    "perusahaan",
    "nama perusahaan",
    "syarikat",
];
const USERNAME: &[&str] = &[
    "username",
    "user name",
    "login",
    "handle",
    "screen name",
    "screenname",
];
const BIRTH: &[&str] = &[
    "birth",
    "birthday",
    "birthdate",
    "dob",
    "lahir",
    "tgl lahir",
    "born",
];
/// National identity numbers, as the name's last word (`no_ktp`, `nik`, `passport_number`).
const NATIONAL_ID_LAST: &[&str] = &[
    "nik", "ktp", "nric", "fin", "mykad", "ic", "ssn", "passport", "kk", "sim", "nin", "nino",
];
/// National identity numbers, as words anywhere in the name.
const NATIONAL_ID: &[&str] = &[
    "national id",
    "national number",
    "nationalid",
    "identity number",
    "identity card",
    "id number",
    "id card",
    "idcard",
    "legal number",
    "social security",
    "driver license",
    "driving licence",
    "drivers license",
    "kad pengenalan",
    "no ktp",
    "nomor induk",
];
const TAX_ID: &[&str] = &[
    "tax id",
    "taxid",
    "tax number",
    "tax no",
    "npwp",
    "vat",
    "vat number",
    "vat id",
    "tin",
    "gst number",
];
const CARD: &[&str] = &[
    "card number",
    "cardnumber",
    "card no",
    "cc number",
    "credit card",
    "pan",
    "nomor kartu",
];
const CARD_DIGITS: &[&str] = &["last4", "last 4", "last four", "card last4", "card last 4"];
const BANK: &[&str] = &[
    "account number",
    "account no",
    "bank account",
    "bankaccount",
    "rekening",
    "bsb",
    "routing number",
    "sort code",
];
const IP: &[&str] = &["ip", "ipaddress", "ip address", "ip addr", "remote addr"];
const STREET: &[&str] = &[
    "address",
    "addr",
    "street",
    "line1",
    "line2",
    "address line1",
    "address line 1",
    "address line2",
    "address line 2",
    "alamat",
    "jalan",
    "jln",
    "house number",
    "unit number",
    "alamat rumah",
];
const CITY: &[&str] = &[
    "city",
    "town",
    "kota",
    "kabupaten",
    "kecamatan",
    "kelurahan",
    "desa",
    "bandar",
    "suburb",
    "place of birth",
    "tempat lahir",
];
const POSTCODE: &[&str] = &[
    "postcode",
    "postal code",
    "postalcode",
    "zip",
    "zipcode",
    "zip code",
    "kode pos",
    "kodepos",
    "poskod",
];
/// Free text that may carry anything: the values say what.
const FREE_TEXT: &[&str] = &[
    "note",
    "notes",
    "comment",
    "comments",
    "description",
    "body",
    "message",
    "messages",
    "bio",
    "about",
    "memo",
    "remark",
    "remarks",
    "catatan",
    "keterangan",
    "pesan",
    "content",
    "text",
    "reason",
    "evidence",
    "details",
    "detail",
    "html",
    "summary",
    "transcript",
    "feedback",
    "answer",
    "signature",
    "alasan",
    "ulasan",
];

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

/// What the column name `column` (of table `table`) says it holds.
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
    let strong = |kind| {
        Some(NameHint {
            kind,
            strength: Strength::Strong,
        })
    };
    let ambiguous = |kind| {
        Some(NameHint {
            kind,
            strength: Strength::Ambiguous,
        })
    };
    if any(w, PASSWORD_WORDS) || has(w, "kata sandi") || has(w, "kata laluan") {
        return strong(Kind::Password);
    }
    if any(w, SECRET_PHRASES) || SECRET_WORDS.contains(&last) {
        return strong(Kind::Secret);
    }
    if last == "signature" {
        return ambiguous(Kind::Secret);
    }
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
    if any(w, CITY) {
        return strong(Kind::City);
    }
    if any(w, BIRTH) {
        return strong(Kind::BirthDate);
    }
    if any(w, POSTCODE) {
        return strong(Kind::Postcode);
    }
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
    if any(w, TAX_ID) {
        return strong(Kind::TaxId);
    }
    if NATIONAL_ID_LAST.contains(&last) || any(w, NATIONAL_ID) {
        return strong(Kind::NationalId);
    }
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
