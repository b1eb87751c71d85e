//! The words column names are matched against, in English, Indonesian
//! and Malay: one list per kind of personal data, each entry a word or a
//! phrase of words (see [`super::names`]). Data only.

/// Words that only say "a number of": `phone_number`, `no_hp`, `nomor_telepon`.
pub(super) const NUMBER_WORDS: &[&str] = &["number", "no", "num", "nr", "nomor", "nomer", "nombor"];

/// Secrets, tokens and keys, as a last word or a phrase.
pub(super) const SECRET_WORDS: &[&str] = &[
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
/// Secrets, tokens and keys, as phrases anywhere in the name.
pub(super) const SECRET_PHRASES: &[&str] = &[
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
/// Passwords and their hashes.
pub(super) const PASSWORD_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passcode",
    "pin",
    "sandi",
    "passphrase",
    "katasandi",
];

/// Email addresses, as the name's last word.
pub(super) const EMAIL_WORDS: &[&str] = &["email", "emails", "mail", "emel", "surel"];
/// Phone numbers, as the name's last word.
pub(super) const PHONE_WORDS: &[&str] = &[
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
/// Given names.
pub(super) const FIRST_NAME: &[&str] = &[
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
/// Family names.
pub(super) const LAST_NAME: &[&str] = &[
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
/// People's full names.
pub(super) const FULL_NAME: &[&str] = &[
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
pub(super) const PERSON_ROLES: &[&str] = &[
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
/// Company names.
pub(super) const COMPANY: &[&str] = &[
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
/// Login names and handles.
pub(super) const USERNAME: &[&str] = &[
    "username",
    "user name",
    "login",
    "handle",
    "screen name",
    "screenname",
];
/// Dates of birth.
pub(super) const BIRTH: &[&str] = &[
    "birth",
    "birthday",
    "birthdate",
    "dob",
    "lahir",
    "tgl lahir",
    "born",
];
/// National identity numbers, as the name's last word (`no_ktp`, `nik`, `passport_number`).
pub(super) const NATIONAL_ID_LAST: &[&str] = &[
    "nik", "ktp", "nric", "fin", "mykad", "ic", "ssn", "passport", "kk", "sim", "nin", "nino",
];
/// National identity numbers, as words anywhere in the name.
pub(super) const NATIONAL_ID: &[&str] = &[
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
/// Tax numbers.
pub(super) const TAX_ID: &[&str] = &[
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
/// Payment card numbers.
pub(super) const CARD: &[&str] = &[
    "card number",
    "cardnumber",
    "card no",
    "cc number",
    "credit card",
    "pan",
    "nomor kartu",
];
/// A few digits of a card.
pub(super) const CARD_DIGITS: &[&str] =
    &["last4", "last 4", "last four", "card last4", "card last 4"];
/// Bank account numbers.
pub(super) const BANK: &[&str] = &[
    "account number",
    "account no",
    "bank account",
    "bankaccount",
    "rekening",
    "bsb",
    "routing number",
    "sort code",
];
/// IP addresses.
pub(super) const IP: &[&str] = &["ip", "ipaddress", "ip address", "ip addr", "remote addr"];
/// Street addresses.
pub(super) const STREET: &[&str] = &[
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
/// Cities and towns of addresses.
pub(super) const CITY: &[&str] = &[
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
/// Postcodes.
pub(super) const POSTCODE: &[&str] = &[
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
pub(super) const FREE_TEXT: &[&str] = &[
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
