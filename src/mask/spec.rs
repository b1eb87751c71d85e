//! What the rules describe: the masker specs ([`MaskSpec`]), their
//! formats, kinds and locales, and the shape of the column a masker writes
//! ([`ValueShape`]). Plain data; compiling them is `compile.rs`.

use std::fmt;

use super::{Granularity, RoundStep, ScrubKind, Shift};

/// Locales of fake values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// English (United States formats).
    En,
    /// Indonesia: Indonesian names, +62 mobiles, NIK, 5-digit postcodes.
    Id,
    /// Singapore: Chinese, Malay and Indian names, +65 8/9xxx xxxx, NRIC/FIN, 6-digit postcodes.
    Sg,
}

impl Locale {
    /// The name the rules use (`en`, `id`, `sg`).
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Id => "id",
            Locale::Sg => "sg",
        }
    }

    /// A locale by the name the rules use.
    pub fn parse(s: &str) -> Option<Locale> {
        [Locale::En, Locale::Id, Locale::Sg]
            .into_iter()
            .find(|l| l.tag() == s)
    }
}

/// Kinds of realistic fake values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FakeKind {
    /// Full name.
    Name,
    /// Given name.
    FirstName,
    /// Family name.
    LastName,
    /// Email address on a reserved example domain, unique-safe.
    Email,
    /// Phone number, international format, no extensions.
    Phone,
    /// Company name.
    Company,
    /// Street address (number and street).
    Street,
    /// City.
    City,
    /// Postal code.
    Postcode,
    /// Street, city and postal code.
    Address,
    /// Login name.
    Username,
    /// Browser user agent.
    UserAgent,
    /// URL on a reserved example domain.
    Url,
    /// IPv4 address in 10.0.0.0/8.
    Ipv4,
    /// IPv6 address in fd00::/8.
    Ipv6,
    /// IBAN with valid check digits.
    Iban,
    /// Random-looking UUID.
    Uuid,
    /// National identity number: NIK (id), NRIC/FIN (sg), a 9xx-xx-xxxx
    /// number outside the SSN range (en).
    NationalId,
    /// A sentence of placeholder words.
    Sentence,
    /// A paragraph of placeholder sentences.
    Paragraph,
    /// A date of birth of an adult (1940–2006).
    DateOfBirth,
    /// A 16-digit card number in Visa layout that passes the Luhn check.
    Card,
}

impl FakeKind {
    pub(super) fn tag(self) -> &'static str {
        match self {
            FakeKind::Name => "name",
            FakeKind::FirstName => "first_name",
            FakeKind::LastName => "last_name",
            FakeKind::Email => "email",
            FakeKind::Phone => "phone",
            FakeKind::Company => "company",
            FakeKind::Street => "street",
            FakeKind::City => "city",
            FakeKind::Postcode => "postcode",
            FakeKind::Address => "address",
            FakeKind::Username => "username",
            FakeKind::UserAgent => "user_agent",
            FakeKind::Url => "url",
            FakeKind::Ipv4 => "ipv4",
            FakeKind::Ipv6 => "ipv6",
            FakeKind::Iban => "iban",
            FakeKind::Uuid => "uuid",
            FakeKind::NationalId => "national_id",
            FakeKind::Sentence => "sentence",
            FakeKind::Paragraph => "paragraph",
            FakeKind::DateOfBirth => "date_of_birth",
            FakeKind::Card => "card",
        }
    }

    /// Every kind, by the name the rules use.
    pub fn parse(s: &str) -> Option<FakeKind> {
        ALL_FAKE_KINDS.iter().copied().find(|k| k.tag() == s)
    }

    /// The names the rules accept.
    pub fn names() -> Vec<&'static str> {
        ALL_FAKE_KINDS.iter().map(|k| k.tag()).collect()
    }
}

const ALL_FAKE_KINDS: [FakeKind; 22] = [
    FakeKind::Sentence,
    FakeKind::Paragraph,
    FakeKind::DateOfBirth,
    FakeKind::Card,
    FakeKind::NationalId,
    FakeKind::Name,
    FakeKind::FirstName,
    FakeKind::LastName,
    FakeKind::Email,
    FakeKind::Phone,
    FakeKind::Company,
    FakeKind::Street,
    FakeKind::City,
    FakeKind::Postcode,
    FakeKind::Address,
    FakeKind::Username,
    FakeKind::UserAgent,
    FakeKind::Url,
    FakeKind::Ipv4,
    FakeKind::Ipv6,
    FakeKind::Iban,
    FakeKind::Uuid,
];

impl FakeKind {
    pub(super) fn fits(self, shape: &ValueShape) -> bool {
        match self {
            FakeKind::Ipv4 | FakeKind::Ipv6 => {
                matches!(shape, ValueShape::Text { .. } | ValueShape::Inet)
            }
            FakeKind::Uuid => matches!(shape, ValueShape::Text { .. } | ValueShape::Uuid),
            FakeKind::DateOfBirth => matches!(
                shape,
                ValueShape::Text { .. } | ValueShape::Date | ValueShape::Timestamp
            ),
            _ => matches!(shape, ValueShape::Text { .. }),
        }
    }
}

/// Formats of keyed tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFormat {
    /// Lowercase hex.
    Hex,
    /// A UUID in version-4 layout.
    Uuid,
    /// An integer of the column's type: a keyed bijection, sign kept.
    Integer,
    /// Letters to letters (case kept), digits to digits, the rest unchanged; injective.
    Preserve,
    /// Digits to digits, everything else unchanged; injective.
    Digits,
    /// `token@domain`: a hex token of the whole address, the domain kept
    /// (or replaced with `email_domain`).
    Email,
    /// A card number of the same layout and first digit, Luhn-valid.
    Card,
}

impl TokenFormat {
    pub(super) fn tag(self) -> &'static str {
        match self {
            TokenFormat::Hex => "hex",
            TokenFormat::Uuid => "uuid",
            TokenFormat::Integer => "integer",
            TokenFormat::Preserve => "preserve",
            TokenFormat::Digits => "digits",
            TokenFormat::Email => "email",
            TokenFormat::Card => "card",
        }
    }
}

/// What the target column holds, so that output is valid for its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueShape {
    /// A string type, with its length limit in characters.
    Text {
        /// varchar(n)/char(n) limit.
        max_chars: Option<usize>,
        /// citext: values equal but for case are equal.
        case_insensitive: bool,
    },
    /// smallint.
    Int16,
    /// integer.
    Int32,
    /// bigint.
    Int64,
    /// uuid.
    Uuid,
    /// date.
    Date,
    /// timestamp or timestamptz.
    Timestamp,
    /// numeric, real, double precision.
    Number,
    /// jsonb.
    Jsonb,
    /// json (text kept as written).
    Json,
    /// inet or cidr.
    Inet,
    /// An array of elements of this shape.
    Array(Box<ValueShape>),
    /// Anything else, by its type name.
    Other(String),
}

impl ValueShape {
    /// Unbounded, case-sensitive text.
    pub fn text() -> ValueShape {
        ValueShape::Text {
            max_chars: None,
            case_insensitive: false,
        }
    }
}

impl fmt::Display for ValueShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueShape::Text {
                max_chars: Some(n), ..
            } => write!(f, "text of at most {n} characters"),
            ValueShape::Text {
                case_insensitive: true,
                ..
            } => f.write_str("citext"),
            ValueShape::Text { .. } => f.write_str("text"),
            ValueShape::Int16 => f.write_str("smallint"),
            ValueShape::Int32 => f.write_str("integer"),
            ValueShape::Int64 => f.write_str("bigint"),
            ValueShape::Uuid => f.write_str("uuid"),
            ValueShape::Date => f.write_str("date"),
            ValueShape::Timestamp => f.write_str("timestamp"),
            ValueShape::Number => f.write_str("number"),
            ValueShape::Jsonb => f.write_str("jsonb"),
            ValueShape::Json => f.write_str("json"),
            ValueShape::Inet => f.write_str("inet"),
            ValueShape::Array(e) => write!(f, "array of {e}"),
            ValueShape::Other(t) => f.write_str(t),
        }
    }
}

/// A masker as the rules describe it.
#[derive(Debug, Clone, PartialEq)]
pub enum MaskSpec {
    /// SQL NULL.
    Null,
    /// A constant.
    Value(String),
    /// A keyed token.
    Tokenize {
        /// Format.
        format: TokenFormat,
        /// Length of the token (hex).
        length: Option<usize>,
        /// Text put before the token.
        prefix: Option<String>,
        /// Determinism domain (default: `tokenize/<format>`).
        domain: Option<String>,
        /// tokenize email: the domain written after `@` instead of the input's.
        email_domain: Option<String>,
    },
    /// A realistic fake value.
    Fake {
        /// Kind.
        kind: FakeKind,
        /// Locale.
        locale: Locale,
        /// Determinism domain (default: `fake/<kind>/<locale>`).
        domain: Option<String>,
    },
    /// Keep the ends, mask the middle.
    Partial {
        /// Characters kept at the start.
        keep_start: usize,
        /// Characters kept at the end.
        keep_end: usize,
        /// The masking character.
        with: char,
    },
    /// Deterministic keyed noise.
    Shift(Shift),
    /// Dates and timestamps truncated to their year, month or day.
    Generalize(Granularity),
    /// Numbers rounded to a multiple of a power of ten.
    Round(RoundStep),
    /// Regular-expression replacement (`$1`, `${name}` refer to groups).
    Replace {
        /// The pattern (Rust regex syntax).
        pattern: String,
        /// The replacement.
        with: String,
    },
    /// Maskers at JSONPath locations inside jsonb documents.
    Json(Vec<(String, MaskSpec)>),
    /// Find and replace personal data inside free text.
    Scrub {
        /// What is looked for.
        kinds: Vec<ScrubKind>,
        /// The locale of the fake names that replace names found.
        locale: Locale,
    },
    /// The masker applied to every element of an array.
    Each(Box<MaskSpec>),
    /// `fake: phone, unique: true`: the input's layout and country code kept,
    /// every other digit replaced by a keyed bijection, so distinct numbers
    /// stay distinct.
    UniquePhone {
        /// Determinism domain (default `fake/phone/unique`).
        domain: Option<String>,
    },
}

impl MaskSpec {
    /// `scrub: [KINDS]` with names replaced in the `en` locale.
    pub fn scrub(kinds: Vec<ScrubKind>) -> MaskSpec {
        MaskSpec::Scrub {
            kinds,
            locale: Locale::En,
        }
    }

    /// `tokenize: FORMAT` with no options.
    pub fn tokenize(format: TokenFormat) -> MaskSpec {
        MaskSpec::Tokenize {
            format,
            length: None,
            prefix: None,
            domain: None,
            email_domain: None,
        }
    }
}
