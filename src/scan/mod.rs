//! `doppel scan`: find what is personal in a database and draft the rules.
//!
//! The stage reads a bounded sample of every column inside one read-only
//! snapshot (`sample`), looks at each column's name (`names`, with the
//! word lists of `vocabulary`) and values (`values`, with the validators
//! and patterns of `mask::scrub`, the name dictionaries of `dictionary`,
//! and json keys walked by `json`), decides what each column holds
//! (`classify`, and for text `text`), picks the masker that fits the
//! column (`maskers`), guesses the tenant section from the foreign keys
//! (`tenant`), and writes a complete rules file with a comment on every
//! rule that masks (`draft`), which is compiled and probed as `check` does
//! until it passes (`settle`), headed by what the scan covered (`summary`).
//! `diff` compares existing rules with what the values say.
//!
//! Nothing here writes to the source, and no sampled value ever leaves this
//! module: what is shown (comments, reports) is masked by `evidence`.

mod classify;
mod dictionary;
mod diff;
mod draft;
mod evidence;
mod json;
mod maskers;
pub mod names;
mod sample;
mod settle;
mod summary;
mod tenant;
mod text;
mod values;
mod vocabulary;

#[cfg(test)]
mod tests;

pub use classify::{analyse, Analysis, ColumnVerdict, TableAnalysis, Verdict};
pub use diff::{diff, DiffFinding};
pub use draft::Draft;
pub use maskers::suggest as suggest_rule;
pub use sample::{sample_all, table_count, SampleOptions, Status, TableSample};
pub use settle::settle;
pub use summary::{draft_rules, Coverage, DraftText};
pub use tenant::{guess as guess_tenant, TenantGuess};
pub use values::NationalIdPattern;

use crate::mask::{Locale, ScrubKind};

/// A kind of personal data (or of secret) a column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Email addresses.
    Email,
    /// Phone numbers.
    Phone,
    /// National identity numbers (NIK, NRIC/FIN, passports, …).
    NationalId,
    /// Tax numbers (NPWP, VAT, TIN).
    TaxId,
    /// Payment card numbers.
    Card,
    /// A few digits of a card (`card_last4`).
    CardDigits,
    /// IBANs.
    Iban,
    /// Other bank account numbers.
    BankAccount,
    /// IP addresses.
    Ip,
    /// A person's full name.
    Name,
    /// A given name.
    FirstName,
    /// A family name.
    LastName,
    /// A login name or handle.
    Username,
    /// A company's name (sole traders' are personal data).
    Company,
    /// A street address.
    Address,
    /// A city or town of an address.
    City,
    /// A postcode.
    Postcode,
    /// A date of birth.
    BirthDate,
    /// A password or its hash.
    Password,
    /// A token, key, secret or hash.
    Secret,
    /// Free text that contains personal data.
    FreeText,
    /// URLs that carry personal data or secrets.
    Url,
}

impl Kind {
    /// What the kind is, for comments and reports.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Email => "email addresses",
            Kind::Phone => "phone numbers",
            Kind::NationalId => "national identity numbers",
            Kind::TaxId => "tax numbers",
            Kind::Card => "card numbers",
            Kind::CardDigits => "digits of card numbers",
            Kind::Iban => "IBANs",
            Kind::BankAccount => "bank account numbers",
            Kind::Ip => "IP addresses",
            Kind::Name => "people's names",
            Kind::FirstName => "given names",
            Kind::LastName => "family names",
            Kind::Username => "user names",
            Kind::Company => "company names",
            Kind::Address => "street addresses",
            Kind::City => "cities of addresses",
            Kind::Postcode => "postcodes",
            Kind::BirthDate => "dates of birth",
            Kind::Password => "passwords or password hashes",
            Kind::Secret => "secrets, tokens or hashes",
            Kind::FreeText => "free text with personal data",
            Kind::Url => "URLs with personal data",
        }
    }

    /// The kinds of one family, which a name and values can both say.
    fn family(self) -> u8 {
        match self {
            Kind::Name | Kind::FirstName | Kind::LastName | Kind::Username => 1,
            Kind::Password | Kind::Secret => 2,
            Kind::NationalId | Kind::TaxId => 3,
            Kind::Card | Kind::CardDigits => 4,
            Kind::Iban | Kind::BankAccount => 5,
            Kind::FreeText | Kind::Url => 6,
            other => 10 + other as u8,
        }
    }
}

/// What told the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The column's name alone.
    Name,
    /// The sampled values alone.
    Values,
    /// Name and values agree.
    Both,
    /// The column's type (`inet`).
    Type,
}

impl Reason {
    /// For comments.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Name => "by name",
            Reason::Values => "by values",
            Reason::Both => "by name and values",
            Reason::Type => "by type",
        }
    }
}

/// How sure the scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// Review with care.
    Low,
    /// Likely.
    Medium,
    /// Almost certain.
    High,
}

impl Confidence {
    /// For comments.
    pub fn label(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Personal data found in a column (or a json path of it).
#[derive(Debug, Clone)]
pub struct Finding {
    /// What it holds.
    pub kind: Kind,
    /// What said so.
    pub reason: Reason,
    /// How sure.
    pub confidence: Confidence,
    /// The measure behind it (`48 of 50 sampled values`), never a value.
    pub detail: String,
    /// Sampled values, masked (`al***@***.sg`).
    pub evidence: Vec<String>,
    /// The locale the values are from, when they say (`+62` numbers, Indonesian names).
    pub locale: Option<Locale>,
    /// Which identity number (`nik`, `nric`, a `--national-id` name).
    pub national: Option<String>,
    /// For free text and URLs: what scrub must look for.
    pub scrub: Vec<ScrubKind>,
    /// Values are IPv6 addresses.
    pub ipv6: bool,
}

impl Finding {
    fn new(kind: Kind, reason: Reason, confidence: Confidence, detail: String) -> Finding {
        Finding {
            kind,
            reason,
            confidence,
            detail,
            evidence: Vec::new(),
            locale: None,
            national: None,
            scrub: Vec::new(),
            ipv6: false,
        }
    }

    /// One comment line: what, why, how sure, and masked examples.
    pub fn comment(&self) -> String {
        let what = match (self.kind, &self.national) {
            (Kind::NationalId, Some(n)) => format!("national identity numbers ({n})"),
            (Kind::FreeText | Kind::Url, _) if !self.scrub.is_empty() => {
                let kinds: Vec<&str> = self.scrub.iter().map(|k| k.name()).collect();
                format!("{} ({})", self.kind.label(), kinds.join(", "))
            }
            _ => self.kind.label().to_string(),
        };
        let mut s = format!(
            "{what}, {}, confidence {}: {}",
            self.reason.label(),
            self.confidence.label(),
            self.detail
        );
        if !self.evidence.is_empty() {
            s.push_str(&format!("; e.g. {}", self.evidence.join(" | ")));
        }
        s
    }
}
