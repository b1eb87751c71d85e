//! Compiling a [`MaskSpec`] for a column's [`ValueShape`] under a key
//! into a [`Masker`]: every check of a masker against its column is made
//! here, once, before any value is masked.

use super::*;

/// What a compiled masker does.
#[derive(Clone)]
pub(super) enum Op {
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
    Scrub {
        kinds: Vec<ScrubKind>,
        locale: Locale,
    },
    Each(Masker),
    UniquePhone,
}

/// A masker's compiled state, shared by its clones.
pub(super) struct Compiled {
    /// What it does.
    pub(super) op: Op,
    /// The key, for keyed maskers.
    pub(super) key: Option<MaskKey>,
    /// citext: keyed outputs depend on the lowercased input.
    pub(super) fold_case: bool,
    /// The determinism domain.
    pub(super) domain: String,
    /// [`Masker::describe`].
    pub(super) describe: String,
}

/// The op, domain, description and keyedness of a masker being compiled.
type Parts = (Op, String, String, bool);

/// What the compilers of each spec need to know about the column.
struct Column<'a> {
    shape: &'a ValueShape,
    text_like: bool,
    max_chars: Option<usize>,
}

fn fail<T>(m: String) -> Result<T, MaskBuildError> {
    Err(MaskBuildError(m))
}

impl Masker {
    /// Compile `spec` for a column of `shape` under `key`.
    pub fn new(
        spec: &MaskSpec,
        key: &MaskKey,
        shape: &ValueShape,
    ) -> Result<Masker, MaskBuildError> {
        let (max_chars, fold_case) = match shape {
            ValueShape::Text {
                max_chars,
                case_insensitive,
            } => (*max_chars, *case_insensitive),
            _ => (None, false),
        };
        let col = Column {
            shape,
            text_like: matches!(shape, ValueShape::Text { .. }),
            max_chars,
        };
        let (op, domain, describe, keyed) = match spec {
            MaskSpec::Null => (Op::Null, String::new(), "null".to_string(), false),
            MaskSpec::Value(v) => value(v, &col)?,
            MaskSpec::Tokenize {
                format,
                length,
                prefix,
                domain,
                email_domain,
            } => tokenize(*format, *length, prefix, domain, email_domain, key, &col)?,
            MaskSpec::Fake {
                kind,
                locale,
                domain,
            } => fake(*kind, *locale, domain, &col)?,
            MaskSpec::Partial {
                keep_start,
                keep_end,
                with,
            } => partial(*keep_start, *keep_end, *with, &col)?,
            MaskSpec::Shift(sh) => shift(sh, &col)?,
            MaskSpec::Generalize(g) => generalize(*g, &col)?,
            MaskSpec::Round(step) => round(step, &col)?,
            MaskSpec::Replace { pattern, with } => replace(pattern, with, &col)?,
            MaskSpec::Json(paths) => json_paths(paths, key, &col)?,
            MaskSpec::UniquePhone { domain } => {
                if !col.text_like {
                    return fail(format!("fake phone produces text; the column is {shape}"));
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
                    return fail(format!(
                        "each masks the elements of an array; the column is {shape}"
                    ));
                };
                let m = Masker::new(inner, key, elem)?;
                let d = format!("each({})", m.describe());
                let keyed = m.is_keyed();
                (Op::Each(m), String::new(), d, keyed)
            }
            MaskSpec::Scrub { kinds, locale } => scrub(kinds, *locale, &col)?,
        };
        Ok(Masker(std::sync::Arc::new(Compiled {
            op,
            key: keyed.then(|| key.clone()),
            fold_case: fold_case && keyed,
            domain,
            describe,
        })))
    }
}

/// `value: …`: a constant that must fit the column.
fn value(v: &str, col: &Column) -> Result<Parts, MaskBuildError> {
    if let Some(n) = col.max_chars {
        if v.chars().count() > n {
            return fail(format!(
                "value is {} characters, the column holds at most {n}",
                v.chars().count()
            ));
        }
    }
    Ok((
        Op::Value(v.to_string()),
        String::new(),
        format!("value({v:?})"),
        false,
    ))
}

/// `fake: kind`: a keyed fake of a kind that fits the column.
fn fake(
    kind: FakeKind,
    locale: Locale,
    domain: &Option<String>,
    col: &Column,
) -> Result<Parts, MaskBuildError> {
    if !kind.fits(col.shape) {
        return fail(format!(
            "fake {} cannot produce a value for a column of type {}",
            kind.tag(),
            col.shape
        ));
    }
    if let Some(n) = col.max_chars {
        let need = fake_values::min_chars(kind);
        if n < need {
            return fail(format!(
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
    let op = Op::Fake {
        kind,
        locale,
        max_chars: col.max_chars,
    };
    Ok((op, dom, d, true))
}

/// `partial`: text only.
fn partial(
    keep_start: usize,
    keep_end: usize,
    with: char,
    col: &Column,
) -> Result<Parts, MaskBuildError> {
    if !col.text_like {
        return fail(format!("partial masks text; the column is {}", col.shape));
    }
    Ok((
        Op::Partial {
            keep_start,
            keep_end,
            with,
        },
        String::new(),
        format!("partial(keep_start {keep_start}, keep_end {keep_end}, with {with:?})"),
        false,
    ))
}

/// `shift`: days for dates and timestamps, amount or percent for numbers.
fn shift(sh: &Shift, col: &Column) -> Result<Parts, MaskBuildError> {
    let shape = col.shape;
    let op = match (sh, shape) {
        (Shift::Days(d), ValueShape::Date | ValueShape::Timestamp) => Op::ShiftDate(*d),
        (Shift::Days(_), _) => {
            return fail(format!(
                "shift days needs a date or timestamp column; the column is {shape}"
            ))
        }
        (_, ValueShape::Number) => Op::ShiftNumber(*sh),
        _ => {
            return fail(format!(
                "shift amount/percent needs a numeric column; the column is {shape}"
            ))
        }
    };
    let d = match sh {
        Shift::Days(n) => format!("shift(days {n})"),
        Shift::Amount(a) => format!("shift(amount {a})"),
        Shift::Percent(p) => format!("shift(percent {p})"),
    };
    Ok((op, "shift".to_string(), d, true))
}

/// `generalize`: dates and timestamps only.
fn generalize(g: Granularity, col: &Column) -> Result<Parts, MaskBuildError> {
    if !matches!(col.shape, ValueShape::Date | ValueShape::Timestamp) {
        return fail(format!(
            "generalize needs a date or timestamp column; the column is {} (use round for numbers)",
            col.shape
        ));
    }
    Ok((
        Op::Generalize(g),
        String::new(),
        format!("generalize(to {})", g.name()),
        false,
    ))
}

/// `round`: numbers, to a power of ten (above 1 for integers).
fn round(step: &RoundStep, col: &Column) -> Result<Parts, MaskBuildError> {
    let bits = match col.shape {
        ValueShape::Int16 => Some(16),
        ValueShape::Int32 => Some(32),
        ValueShape::Int64 => Some(64),
        ValueShape::Number => None,
        shape => {
            return fail(format!(
                "round needs a numeric column; the column is {shape} (use generalize for dates)"
            ))
        }
    };
    if bits.is_some() && step.exponent <= 0 {
        return fail(
            "round to 1 or less leaves an integer unchanged: round to 10, 100, 1000…".into(),
        );
    }
    if step.exponent > 30 {
        return fail("round step too large (at most 1e30)".into());
    }
    let unit = if step.exponent >= 0 {
        format!("1{}", "0".repeat(step.exponent as usize))
    } else {
        format!("0.{}1", "0".repeat((-step.exponent - 1) as usize))
    };
    Ok((
        Op::Round(*step, bits),
        String::new(),
        format!("round({unit})"),
        false,
    ))
}

/// `replace`: a regular expression over text.
fn replace(pattern: &str, with: &str, col: &Column) -> Result<Parts, MaskBuildError> {
    if !col.text_like {
        return fail(format!(
            "replace works on text; the column is {}",
            col.shape
        ));
    }
    let re = regex::Regex::new(pattern)
        .map_err(|e| MaskBuildError(format!("replace pattern {pattern:?}: {e}")))?;
    Ok((
        Op::Replace(re, with.to_string(), col.max_chars),
        String::new(),
        format!("replace({pattern:?} → {with:?})"),
        false,
    ))
}

/// `json`: a masker per path, each compiled for text.
fn json_paths(
    paths: &[(String, MaskSpec)],
    key: &MaskKey,
    col: &Column,
) -> Result<Parts, MaskBuildError> {
    if !matches!(col.shape, ValueShape::Jsonb | ValueShape::Json) {
        return fail(format!(
            "json masks json and jsonb documents; the column is {}",
            col.shape
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
    Ok((
        Op::Json(compiled),
        String::new(),
        format!("json({})", names.join(", ")),
        true,
    ))
}

/// `scrub`: text only.
fn scrub(kinds: &[ScrubKind], locale: Locale, col: &Column) -> Result<Parts, MaskBuildError> {
    if !col.text_like {
        return fail(format!("scrub works on text; the column is {}", col.shape));
    }
    let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
    let mut d = format!("scrub({}", names.join(", "));
    if kinds.contains(&ScrubKind::Name) {
        d.push_str(&format!("; names {}", locale.tag()));
    }
    d.push(')');
    let op = Op::Scrub {
        kinds: kinds.to_vec(),
        locale,
    };
    Ok((op, String::new(), d, true))
}

/// The op, domain, description and keyedness of a `tokenize` masker.
fn tokenize(
    format: TokenFormat,
    length: Option<usize>,
    prefix: &Option<String>,
    domain: &Option<String>,
    email_domain: &Option<String>,
    key: &MaskKey,
    col: &Column,
) -> Result<Parts, MaskBuildError> {
    let dom = domain
        .clone()
        .unwrap_or_else(|| format!("tokenize/{}", format.tag()));
    let hex_like = matches!(format, TokenFormat::Hex | TokenFormat::Email);
    if length.is_some() && !hex_like {
        return fail(format!(
            "`length` applies to tokenize hex and email, not {}",
            format.tag()
        ));
    }
    if prefix.is_some() && !hex_like {
        return fail(format!(
            "`prefix` applies to tokenize hex and email, not {}",
            format.tag()
        ));
    }
    if email_domain.is_some() && format != TokenFormat::Email {
        return fail(format!(
            "`email_domain` applies to tokenize email, not {}",
            format.tag()
        ));
    }
    let op = match format {
        TokenFormat::Hex => hex_token(length, prefix, col)?,
        TokenFormat::Email => email_token(length, prefix, email_domain, col)?,
        TokenFormat::Uuid => uuid_token(col)?,
        TokenFormat::Integer => integer_token(key, &dom, col)?,
        TokenFormat::Card | TokenFormat::Preserve | TokenFormat::Digits => text_token(format, col)?,
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
    Ok((op, dom, d, true))
}

/// `tokenize: hex`: `length` hex digits after `prefix`.
fn hex_token(
    length: Option<usize>,
    prefix: &Option<String>,
    col: &Column,
) -> Result<Op, MaskBuildError> {
    if !col.text_like {
        return fail(format!(
            "tokenize hex produces text; the column is {}",
            col.shape
        ));
    }
    let len = length.unwrap_or(32);
    if len == 0 || len > 64 {
        return fail(format!("hex token length must be 1 to 64, not {len}"));
    }
    let prefix = prefix.clone().unwrap_or_default();
    if let Some(n) = col.max_chars {
        if prefix.chars().count() + len > n {
            return fail(format!(
                "prefix and token need {} characters, the column holds at most {n}",
                prefix.chars().count() + len
            ));
        }
    }
    Ok(Op::Hex { len, prefix })
}

/// `tokenize: email`: a token local part on the input's or a fixed domain.
fn email_token(
    length: Option<usize>,
    prefix: &Option<String>,
    email_domain: &Option<String>,
    col: &Column,
) -> Result<Op, MaskBuildError> {
    if !col.text_like {
        return fail(format!(
            "tokenize email produces text; the column is {}",
            col.shape
        ));
    }
    let len = length.unwrap_or(16);
    if !(8..=64).contains(&len) {
        return fail(format!("email token length must be 8 to 64, not {len}"));
    }
    let prefix = prefix.clone().unwrap_or_default();
    if let Some(n) = col.max_chars {
        let host = email_domain.as_deref().map_or(0, str::len);
        if prefix.chars().count() + len + 1 + host.max(4) > n {
            return fail(format!(
                "an email token needs {} characters plus the domain, the column holds at most {n}: set a smaller `length`",
                prefix.chars().count() + len + 1
            ));
        }
    }
    if let Some(h) = email_domain {
        if h.is_empty() || h.contains(['@', ' ']) {
            return fail(format!("email_domain {h:?} is not a domain name"));
        }
    }
    Ok(Op::TokEmail {
        len,
        prefix,
        host: email_domain.clone(),
    })
}

/// `tokenize: uuid`: a uuid, for uuid and text columns.
fn uuid_token(col: &Column) -> Result<Op, MaskBuildError> {
    if !(col.text_like || *col.shape == ValueShape::Uuid) {
        return fail(format!(
            "tokenize uuid produces a uuid; the column is {}",
            col.shape
        ));
    }
    if col.max_chars.is_some_and(|n| n < 36) {
        return fail("a uuid token needs 36 characters".into());
    }
    Ok(Op::Uuid)
}

/// `tokenize: integer`: a keyed permutation of the column's integer range.
fn integer_token(key: &MaskKey, dom: &str, col: &Column) -> Result<Op, MaskBuildError> {
    let bits = match col.shape {
        ValueShape::Int16 => 16,
        ValueShape::Int32 => 32,
        ValueShape::Int64 => 64,
        shape => {
            return fail(format!(
            "tokenize integer needs a smallint, integer or bigint column; the column is {shape}"
        ))
        }
    };
    Ok(Op::Integer(tokenize::IntegerPerm::new(key, dom, bits)))
}

/// `tokenize: card | preserve | digits`: text to text.
fn text_token(format: TokenFormat, col: &Column) -> Result<Op, MaskBuildError> {
    if !col.text_like {
        return fail(if format == TokenFormat::Card {
            format!(
                "tokenize card produces text; the column is {} (store card numbers as text)",
                col.shape
            )
        } else {
            format!(
                "tokenize {} maps text to text; the column is {}",
                format.tag(),
                col.shape
            )
        });
    }
    Ok(if format == TokenFormat::Card {
        Op::TokCard
    } else {
        Op::Preserve {
            digits_only: format == TokenFormat::Digits,
        }
    })
}
