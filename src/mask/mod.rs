//! Maskers: pure functions of (key, masker spec, input value). No tokio, no
//! Postgres types, no I/O.
//!
//! The determinism contract:
//! - Output = f(key, spec, input). The same key, spec and input give the
//!   same output in every table, run and machine; another key gives another
//!   output. Every derivation is keyed HMAC-SHA256, never a plain hash, and
//!   carries a version tag (`v1`) so that a deliberate change is versioned.
//! - Domain separation: by default the domain is the masker kind and format
//!   (`tokenize/uuid`, `fake/email/en`), so the same value masked the same
//!   way in two tables gives the same output and joins survive. `domain:`
//!   replaces it.
//! - Inputs and outputs are PostgreSQL text representations of non-NULL
//!   values; NULL never reaches a masker (it stays NULL).

mod array;
mod coarse;
mod fake_values;
mod json;
mod key;
mod locales;
mod partial;
mod scrub;
mod shift;
mod template;
mod tokenize;

#[cfg(test)]
mod tests;

pub use coarse::{Granularity, Step as RoundStep};
pub use key::MaskKey;
pub use scrub::ScrubKind;
pub use shift::Shift;
pub use template::{parse as parse_template, Part as TemplatePart};

use std::fmt;

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
    fn tag(self) -> &'static str {
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
    fn tag(self) -> &'static str {
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
    fn fits(self, shape: &ValueShape) -> bool {
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
    fn tag(self) -> &'static str {
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
    Scrub(Vec<ScrubKind>),
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

/// Why a masker cannot be built for a column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MaskBuildError(pub String);

/// Why a value could not be masked. Never contains the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MaskError(pub String);

#[derive(Clone)]
enum Op {
    Null,
    Value(String),
    Hex {
        len: usize,
        prefix: String,
    },
    Uuid,
    Integer(tokenize::IntegerPerm),
    Preserve {
        digits_only: bool,
    },
    TokEmail {
        len: usize,
        prefix: String,
        host: Option<String>,
    },
    TokCard,
    Generalize(Granularity),
    Round(RoundStep, Option<u32>),
    Replace(regex::Regex, String, Option<usize>),
    Fake {
        kind: FakeKind,
        locale: Locale,
        max_chars: Option<usize>,
    },
    Partial {
        keep_start: usize,
        keep_end: usize,
        with: char,
    },
    ShiftDate(u32),
    ShiftNumber(Shift),
    Json(Vec<(Vec<json::Step>, Masker)>),
    Scrub(Vec<ScrubKind>),
    Each(Masker),
    UniquePhone,
}

/// A compiled masker: cheap to clone (shared), `Send + Sync`.
#[derive(Clone)]
pub struct Masker(std::sync::Arc<Compiled>);

struct Compiled {
    op: Op,
    key: Option<MaskKey>,
    /// citext: keyed outputs depend on the lowercased input.
    fold_case: bool,
    domain: String,
    describe: String,
}

impl fmt::Debug for Masker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Masker({})", self.0.describe)
    }
}

impl Masker {
    /// Compile `spec` for a column of `shape` under `key`.
    pub fn new(
        spec: &MaskSpec,
        key: &MaskKey,
        shape: &ValueShape,
    ) -> Result<Masker, MaskBuildError> {
        let text_like = matches!(shape, ValueShape::Text { .. });
        let (max_chars, fold_case) = match shape {
            ValueShape::Text {
                max_chars,
                case_insensitive,
            } => (*max_chars, *case_insensitive),
            _ => (None, false),
        };
        let err = |m: String| Err(MaskBuildError(m));
        let (op, domain, describe, keyed) = match spec {
            MaskSpec::Null => (Op::Null, String::new(), "null".to_string(), false),
            MaskSpec::Value(v) => {
                if let Some(n) = max_chars {
                    if v.chars().count() > n {
                        return err(format!(
                            "value is {} characters, the column holds at most {n}",
                            v.chars().count()
                        ));
                    }
                }
                (
                    Op::Value(v.clone()),
                    String::new(),
                    format!("value({v:?})"),
                    false,
                )
            }
            MaskSpec::Tokenize {
                format,
                length,
                prefix,
                domain,
                email_domain,
            } => {
                let dom = domain
                    .clone()
                    .unwrap_or_else(|| format!("tokenize/{}", format.tag()));
                let hex_like = matches!(format, TokenFormat::Hex | TokenFormat::Email);
                if length.is_some() && !hex_like {
                    return err(format!(
                        "`length` applies to tokenize hex and email, not {}",
                        format.tag()
                    ));
                }
                if prefix.is_some() && !hex_like {
                    return err(format!(
                        "`prefix` applies to tokenize hex and email, not {}",
                        format.tag()
                    ));
                }
                if email_domain.is_some() && *format != TokenFormat::Email {
                    return err(format!(
                        "`email_domain` applies to tokenize email, not {}",
                        format.tag()
                    ));
                }
                let op = match format {
                    TokenFormat::Hex => {
                        if !text_like {
                            return err(format!(
                                "tokenize hex produces text; the column is {shape}"
                            ));
                        }
                        let len = length.unwrap_or(32);
                        if len == 0 || len > 64 {
                            return err(format!("hex token length must be 1 to 64, not {len}"));
                        }
                        let prefix = prefix.clone().unwrap_or_default();
                        if let Some(n) = max_chars {
                            if prefix.chars().count() + len > n {
                                return err(format!(
                                    "prefix and token need {} characters, the column holds at most {n}",
                                    prefix.chars().count() + len
                                ));
                            }
                        }
                        Op::Hex { len, prefix }
                    }
                    TokenFormat::Uuid => {
                        if !(text_like || *shape == ValueShape::Uuid) {
                            return err(format!(
                                "tokenize uuid produces a uuid; the column is {shape}"
                            ));
                        }
                        if max_chars.is_some_and(|n| n < 36) {
                            return err("a uuid token needs 36 characters".into());
                        }
                        Op::Uuid
                    }
                    TokenFormat::Integer => {
                        let bits = match shape {
                            ValueShape::Int16 => 16,
                            ValueShape::Int32 => 32,
                            ValueShape::Int64 => 64,
                            _ => return err(format!("tokenize integer needs a smallint, integer or bigint column; the column is {shape}")),
                        };
                        Op::Integer(tokenize::IntegerPerm::new(key, &dom, bits))
                    }
                    TokenFormat::Email => {
                        if !text_like {
                            return err(format!(
                                "tokenize email produces text; the column is {shape}"
                            ));
                        }
                        let len = length.unwrap_or(16);
                        if !(8..=64).contains(&len) {
                            return err(format!("email token length must be 8 to 64, not {len}"));
                        }
                        let prefix = prefix.clone().unwrap_or_default();
                        if let Some(n) = max_chars {
                            let host = email_domain.as_deref().map_or(0, str::len);
                            if prefix.chars().count() + len + 1 + host.max(4) > n {
                                return err(format!(
                                    "an email token needs {} characters plus the domain, the column holds at most {n}: set a smaller `length`",
                                    prefix.chars().count() + len + 1
                                ));
                            }
                        }
                        if let Some(h) = email_domain {
                            if h.is_empty() || h.contains(['@', ' ']) {
                                return err(format!("email_domain {h:?} is not a domain name"));
                            }
                        }
                        Op::TokEmail {
                            len,
                            prefix,
                            host: email_domain.clone(),
                        }
                    }
                    TokenFormat::Card => {
                        if !text_like {
                            return err(format!(
                                "tokenize card produces text; the column is {shape} (store card numbers as text)"
                            ));
                        }
                        Op::TokCard
                    }
                    TokenFormat::Preserve | TokenFormat::Digits => {
                        if !text_like {
                            return err(format!(
                                "tokenize {} maps text to text; the column is {shape}",
                                format.tag()
                            ));
                        }
                        Op::Preserve {
                            digits_only: *format == TokenFormat::Digits,
                        }
                    }
                };
                let mut d = format!("tokenize({})", format.tag());
                if let Some(l) = length {
                    d = format!("tokenize({}, length {l})", format.tag());
                }
                if let Some(h) = email_domain {
                    d.push_str(&format!(" @{h}"));
                }
                if domain.is_some() {
                    d.push_str(&format!(" domain {dom:?}"));
                }
                (op, dom, d, true)
            }
            MaskSpec::Fake {
                kind,
                locale,
                domain,
            } => {
                if !kind.fits(shape) {
                    return err(format!(
                        "fake {} cannot produce a value for a column of type {shape}",
                        kind.tag()
                    ));
                }
                if let Some(n) = max_chars {
                    let need = fake_values::min_chars(*kind);
                    if n < need {
                        return err(format!(
                            "fake {} needs at least {need} characters, the column holds {n}",
                            kind.tag()
                        ));
                    }
                }
                let dom = domain
                    .clone()
                    .unwrap_or_else(|| format!("fake/{}/{}", kind.tag(), locale.tag()));
                let mut d = format!("fake({}, {})", kind.tag(), locale.tag());
                if domain.is_some() {
                    d.push_str(&format!(" domain {dom:?}"));
                }
                (
                    Op::Fake {
                        kind: *kind,
                        locale: *locale,
                        max_chars,
                    },
                    dom,
                    d,
                    true,
                )
            }
            MaskSpec::Partial {
                keep_start,
                keep_end,
                with,
            } => {
                if !text_like {
                    return err(format!("partial masks text; the column is {shape}"));
                }
                (
                    Op::Partial {
                        keep_start: *keep_start,
                        keep_end: *keep_end,
                        with: *with,
                    },
                    String::new(),
                    format!("partial(keep_start {keep_start}, keep_end {keep_end}, with {with:?})"),
                    false,
                )
            }
            MaskSpec::Shift(sh) => {
                let op = match (sh, shape) {
                    (Shift::Days(d), ValueShape::Date | ValueShape::Timestamp) => Op::ShiftDate(*d),
                    (Shift::Days(_), _) => {
                        return err(format!(
                            "shift days needs a date or timestamp column; the column is {shape}"
                        ))
                    }
                    (_, ValueShape::Number) => Op::ShiftNumber(*sh),
                    _ => {
                        return err(format!(
                            "shift amount/percent needs a numeric column; the column is {shape}"
                        ))
                    }
                };
                let d = match sh {
                    Shift::Days(n) => format!("shift(days {n})"),
                    Shift::Amount(a) => format!("shift(amount {a})"),
                    Shift::Percent(p) => format!("shift(percent {p})"),
                };
                (op, "shift".to_string(), d, true)
            }
            MaskSpec::Generalize(g) => {
                if !matches!(shape, ValueShape::Date | ValueShape::Timestamp) {
                    return err(format!(
                        "generalize needs a date or timestamp column; the column is {shape} (use round for numbers)"
                    ));
                }
                (
                    Op::Generalize(*g),
                    String::new(),
                    format!("generalize(to {})", g.name()),
                    false,
                )
            }
            MaskSpec::Round(step) => {
                let bits = match shape {
                    ValueShape::Int16 => Some(16),
                    ValueShape::Int32 => Some(32),
                    ValueShape::Int64 => Some(64),
                    ValueShape::Number => None,
                    _ => return err(format!("round needs a numeric column; the column is {shape} (use generalize for dates)")),
                };
                if bits.is_some() && step.exponent <= 0 {
                    return err(
                        "round to 1 or less leaves an integer unchanged: round to 10, 100, 1000…"
                            .into(),
                    );
                }
                if step.exponent > 30 {
                    return err("round step too large (at most 1e30)".into());
                }
                let unit = if step.exponent >= 0 {
                    format!("1{}", "0".repeat(step.exponent as usize))
                } else {
                    format!("0.{}1", "0".repeat((-step.exponent - 1) as usize))
                };
                (
                    Op::Round(*step, bits),
                    String::new(),
                    format!("round({unit})"),
                    false,
                )
            }
            MaskSpec::Replace { pattern, with } => {
                if !text_like {
                    return err(format!("replace works on text; the column is {shape}"));
                }
                let re = regex::Regex::new(pattern)
                    .map_err(|e| MaskBuildError(format!("replace pattern {pattern:?}: {e}")))?;
                (
                    Op::Replace(re, with.clone(), max_chars),
                    String::new(),
                    format!("replace({pattern:?} → {with:?})"),
                    false,
                )
            }
            MaskSpec::Json(paths) => {
                if !matches!(shape, ValueShape::Jsonb | ValueShape::Json) {
                    return err(format!(
                        "json masks json and jsonb documents; the column is {shape}"
                    ));
                }
                let mut compiled = Vec::new();
                let mut names = Vec::new();
                for (path, inner) in paths {
                    let steps = json::parse_path(path).map_err(MaskBuildError)?;
                    let m = Masker::new(inner, key, &ValueShape::text())
                        .map_err(|e| MaskBuildError(format!("{path}: {e}")))?;
                    names.push(format!("{path} → {}", m.describe()));
                    compiled.push((steps, m));
                }
                (
                    Op::Json(compiled),
                    String::new(),
                    format!("json({})", names.join(", ")),
                    true,
                )
            }
            MaskSpec::UniquePhone { domain } => {
                if !text_like {
                    return err(format!("fake phone produces text; the column is {shape}"));
                }
                let dom = domain.clone().unwrap_or_else(|| "fake/phone/unique".into());
                (
                    Op::UniquePhone,
                    dom,
                    "fake(phone, unique)".to_string(),
                    true,
                )
            }
            MaskSpec::Each(inner) => {
                let ValueShape::Array(elem) = shape else {
                    return err(format!(
                        "each masks the elements of an array; the column is {shape}"
                    ));
                };
                let m = Masker::new(inner, key, elem)?;
                let d = format!("each({})", m.describe());
                let keyed = m.is_keyed();
                (Op::Each(m), String::new(), d, keyed)
            }
            MaskSpec::Scrub(kinds) => {
                if !text_like {
                    return err(format!("scrub works on text; the column is {shape}"));
                }
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                (
                    Op::Scrub(kinds.clone()),
                    String::new(),
                    format!("scrub({})", names.join(", ")),
                    true,
                )
            }
        };
        Ok(Masker(std::sync::Arc::new(Compiled {
            op,
            key: keyed.then(|| key.clone()),
            fold_case: fold_case && keyed,
            domain,
            describe,
        })))
    }

    /// Mask one value (its text form), appending the masked text form to
    /// `out`. Returns `Ok(false)` when the result is SQL NULL.
    pub fn apply(&self, input: &str, out: &mut String) -> Result<bool, MaskError> {
        let c = &*self.0;
        let key = c.key.as_ref();
        let folded;
        let input = if c.fold_case
            && !matches!(c.op, Op::Preserve { .. })
            && input.chars().any(char::is_uppercase)
        {
            folded = input.to_lowercase();
            folded.as_str()
        } else {
            input
        };
        match (&c.op, key) {
            (Op::Null, _) => return Ok(false),
            (Op::Value(v), _) => out.push_str(v),
            (Op::Hex { len, prefix }, Some(k)) => {
                out.push_str(prefix);
                tokenize::hex(k, &c.domain, input, *len, out);
            }
            (Op::Uuid, Some(k)) => tokenize::uuid(k, &c.domain, input, out),
            (Op::Integer(p), _) => {
                let v: i64 = input.trim().parse().map_err(|_| {
                    MaskError("tokenize integer: the value is not an integer".into())
                })?;
                let t = p.apply(v).ok_or_else(|| {
                    MaskError("tokenize integer: value out of the column's range".into())
                })?;
                out.push_str(&t.to_string());
            }
            (Op::Preserve { digits_only }, Some(k)) => {
                tokenize::preserve_class_folded(k, &c.domain, input, *digits_only, c.fold_case, out)
            }
            (Op::TokEmail { len, prefix, host }, Some(k)) => {
                tokenize::email(k, &c.domain, input, *len, prefix, host.as_deref(), out)
            }
            (Op::TokCard, Some(k)) => tokenize::card(k, &c.domain, input, out),
            (Op::Generalize(g), _) => coarse::generalize(*g, input, out)
                .map_err(|e| MaskError(format!("generalize: {e}")))?,
            (Op::Round(step, bits), _) => coarse::round(*step, *bits, input, out)
                .map_err(|e| MaskError(format!("round: {e}")))?,
            (Op::Replace(re, with, max_chars), _) => {
                let r = re.replace_all(input, with.as_str());
                match max_chars {
                    Some(n) if r.chars().count() > *n => out.extend(r.chars().take(*n)),
                    _ => out.push_str(&r),
                }
            }
            (
                Op::Partial {
                    keep_start,
                    keep_end,
                    with,
                },
                _,
            ) => partial::partial(input, *keep_start, *keep_end, *with, out),
            (Op::ShiftDate(days), Some(k)) => shift::shift_date(k, &c.domain, *days, input, out)
                .map_err(|e| MaskError(format!("shift: {e}")))?,
            (Op::ShiftNumber(sh), Some(k)) => shift::shift_number(k, &c.domain, *sh, input, out)
                .map_err(|e| MaskError(format!("shift: {e}")))?,
            (Op::Scrub(kinds), Some(k)) => {
                scrub::scrub(k, kinds, input, out);
            }
            (Op::Json(paths), _) => json_apply(paths, input, out)?,
            (Op::UniquePhone, Some(k)) => {
                let keep = scrub::phone_prefix_len(input);
                out.push_str(&input[..keep]);
                tokenize::preserve_class(k, &c.domain, &input[keep..], true, out);
            }
            (Op::Each(m), _) => {
                let mut buf = String::new();
                array::map_elements(input, out, &mut |v| {
                    buf.clear();
                    match m.apply(v, &mut buf) {
                        Ok(true) => Ok(Some(buf.clone())),
                        Ok(false) => Ok(None),
                        Err(e) => Err(e.0),
                    }
                })
                .map_err(|e| MaskError(format!("each: {e}")))?;
            }
            (
                Op::Fake {
                    kind,
                    locale,
                    max_chars,
                },
                Some(k),
            ) => fake_values::fake_in(k, &c.domain, *kind, *locale, input, *max_chars, out),
            (_, None) => return Err(MaskError("keyed masker without a key".into())),
        }
        Ok(true)
    }

    /// A short description, e.g. `tokenize(uuid)` or `fake(email, en)`.
    ///
    /// (See [`Masker::apply`] for what each does to a value.)
    pub fn describe(&self) -> String {
        self.0.describe.clone()
    }

    /// Whether distinct inputs always give distinct outputs (so a unique
    /// column stays unique): keyed bijections (integer, preserve, digits),
    /// tokens and fakes with at least 64 keyed bits (hex of 16+ digits, uuid,
    /// email), and NULL (a unique index admits many NULLs).
    pub fn is_injective(&self) -> bool {
        match &self.0.op {
            Op::Null | Op::Uuid | Op::Integer(_) | Op::Preserve { .. } | Op::UniquePhone => true,
            Op::Hex { len, .. } | Op::TokEmail { len, .. } => *len >= 16,
            Op::Fake {
                kind, max_chars, ..
            } => match kind {
                FakeKind::Uuid => true,
                // Too short a column drops the name but keeps the keyed suffix.
                FakeKind::Email => {
                    max_chars.is_none_or(|n| n >= fake_values::min_chars(FakeKind::Email))
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether the output depends on the key.
    pub fn is_keyed(&self) -> bool {
        self.0.key.is_some()
    }
}

/// Mask the scalars at each path of a json or jsonb document, rewriting
/// only their text: numbers stay numbers when the masked text is still a
/// number, everything else becomes a string, NULL becomes `null`.
fn json_apply(
    paths: &[(Vec<json::Step>, Masker)],
    input: &str,
    out: &mut String,
) -> Result<(), MaskError> {
    let doc = json::scan(input)
        .map_err(|e| MaskError(format!("json: the value is not a JSON document ({e})")))?;
    // The first path that reaches a scalar masks it.
    let mut edits: Vec<(usize, usize, usize)> = Vec::new();
    let mut hits = Vec::new();
    for (p, (steps, _)) in paths.iter().enumerate() {
        hits.clear();
        json::visit(&doc, steps, &mut hits);
        edits.extend(hits.iter().map(|h| (h.start, h.end, p)));
    }
    edits.sort_unstable();
    edits.dedup_by_key(|e| e.0);
    let mut last = 0;
    let mut buf = String::new();
    for (start, end, p) in edits {
        out.push_str(&input[last..start]);
        let raw = &input[start..end];
        let is_string = raw.starts_with('"');
        let text: std::borrow::Cow<str> = if is_string {
            std::borrow::Cow::Owned(
                serde_json::from_str::<String>(raw)
                    .map_err(|_| MaskError("json: a string could not be decoded".into()))?,
            )
        } else {
            std::borrow::Cow::Borrowed(raw)
        };
        buf.clear();
        let written = paths[p].1.apply(&text, &mut buf)?;
        if !written {
            out.push_str("null");
        } else if !is_string && serde_json::from_str::<serde_json::Number>(&buf).is_ok() {
            out.push_str(&buf);
        } else {
            out.push_str(&serde_json::Value::String(std::mem::take(&mut buf)).to_string());
        }
        last = end;
    }
    out.push_str(&input[last..]);
    Ok(())
}
