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

mod fake_values;
mod key;
mod tokenize;

#[cfg(test)]
mod tests;

pub use key::MaskKey;

use std::fmt;

/// Locales of fake values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// English (United States formats).
    En,
}

impl Locale {
    fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
        }
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
}

impl TokenFormat {
    fn tag(self) -> &'static str {
        match self {
            TokenFormat::Hex => "hex",
            TokenFormat::Uuid => "uuid",
            TokenFormat::Integer => "integer",
            TokenFormat::Preserve => "preserve",
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
    },
    /// smallint.
    Int16,
    /// integer.
    Int32,
    /// bigint.
    Int64,
    /// uuid.
    Uuid,
    /// Anything else, by its type name.
    Other(String),
}

impl fmt::Display for ValueShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueShape::Text { max_chars: Some(n) } => write!(f, "text of at most {n} characters"),
            ValueShape::Text { max_chars: None } => f.write_str("text"),
            ValueShape::Int16 => f.write_str("smallint"),
            ValueShape::Int32 => f.write_str("integer"),
            ValueShape::Int64 => f.write_str("bigint"),
            ValueShape::Uuid => f.write_str("uuid"),
            ValueShape::Other(t) => f.write_str(t),
        }
    }
}

/// A masker as the rules describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    Preserve,
    Fake {
        kind: FakeKind,
        max_chars: Option<usize>,
    },
}

/// A compiled masker: cheap to clone (shared), `Send + Sync`.
#[derive(Clone)]
pub struct Masker(std::sync::Arc<Compiled>);

struct Compiled {
    op: Op,
    key: Option<MaskKey>,
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
        let max_chars = match shape {
            ValueShape::Text { max_chars } => *max_chars,
            _ => None,
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
            } => {
                let dom = domain
                    .clone()
                    .unwrap_or_else(|| format!("tokenize/{}", format.tag()));
                if length.is_some() && *format != TokenFormat::Hex {
                    return err(format!(
                        "`length` applies to tokenize hex, not {}",
                        format.tag()
                    ));
                }
                if prefix.is_some() && !matches!(format, TokenFormat::Hex) {
                    return err(format!(
                        "`prefix` applies to tokenize hex, not {}",
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
                    TokenFormat::Preserve => {
                        if !text_like {
                            return err(format!(
                                "tokenize preserve maps text to text; the column is {shape}"
                            ));
                        }
                        Op::Preserve
                    }
                };
                let mut d = format!("tokenize({})", format.tag());
                if let Some(l) = length {
                    d = format!("tokenize(hex, length {l})");
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
                if !text_like {
                    return err(format!(
                        "fake {} produces text; the column is {shape}",
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
                        max_chars,
                    },
                    dom,
                    d,
                    true,
                )
            }
        };
        Ok(Masker(std::sync::Arc::new(Compiled {
            op,
            key: keyed.then(|| key.clone()),
            domain,
            describe,
        })))
    }

    /// Mask one value (its text form), appending the masked text form to
    /// `out`. Returns `Ok(false)` when the result is SQL NULL.
    pub fn apply(&self, input: &str, out: &mut String) -> Result<bool, MaskError> {
        let c = &*self.0;
        let key = c.key.as_ref();
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
            (Op::Preserve, Some(k)) => tokenize::preserve(k, &c.domain, input, out),
            (Op::Fake { kind, max_chars }, Some(k)) => {
                fake_values::fake(k, &c.domain, *kind, input, *max_chars, out)
            }
            (_, None) => return Err(MaskError("keyed masker without a key".into())),
        }
        Ok(true)
    }

    /// A short description, e.g. `tokenize(uuid)` or `fake(email, en)`.
    pub fn describe(&self) -> String {
        self.0.describe.clone()
    }

    /// Whether the output depends on the key.
    pub fn is_keyed(&self) -> bool {
        self.0.key.is_some()
    }
}
