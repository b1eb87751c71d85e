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
mod compile;
mod fake_values;
mod json;
mod key;
mod locales;
mod partial;
mod scrub;
mod shift;
mod spec;
mod template;
mod tokenize;

#[cfg(test)]
mod tests;

pub use array::each_element;
pub use coarse::{Granularity, Step as RoundStep};
pub use key::MaskKey;
pub use locales::name_words;
pub use scrub::{detect as detect_personal, ScrubKind};
pub use shift::Shift;
pub(crate) use shift::{civil_from_days, days_from_civil};
pub use spec::{FakeKind, Locale, MaskSpec, TokenFormat, ValueShape};
pub use template::{parse as parse_template, Part as TemplatePart};

use std::fmt;

use compile::{Compiled, Op};

/// Why a masker cannot be built for a column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MaskBuildError(pub String);

/// Why a value could not be masked. Never contains the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MaskError(pub String);

/// A compiled masker: cheap to clone (shared), `Send + Sync`.
#[derive(Clone)]
pub struct Masker(std::sync::Arc<Compiled>);

impl fmt::Debug for Masker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Masker({})", self.0.describe)
    }
}

impl Masker {
    /// Mask one value like [`Masker::apply`], handing the masked text to
    /// `emit` in pieces. `scrub` works through a long text in pieces and
    /// emits each as it is done, so the whole masked value is never held
    /// beside the input and its encoded form; the others emit it once.
    /// `buf` is scratch space. Returns `Ok(false)` when the result is SQL
    /// NULL (nothing is emitted).
    pub fn apply_in_pieces(
        &self,
        input: &str,
        buf: &mut String,
        emit: &mut dyn FnMut(&str),
    ) -> Result<bool, MaskError> {
        let c = &*self.0;
        if let (Op::Scrub { kinds, locale }, Some(k)) = (&c.op, c.key.as_ref()) {
            let input = self.folded(input);
            scrub::scrub_in_pieces(k, kinds, *locale, &input, buf, emit);
            return Ok(true);
        }
        buf.clear();
        let written = self.apply(input, buf)?;
        if written {
            emit(buf);
        }
        Ok(written)
    }

    /// The input as the masker sees it: lower-cased for a case-insensitive
    /// column (citext), except for `preserve`, which keeps the letters' case.
    fn folded<'a>(&self, input: &'a str) -> std::borrow::Cow<'a, str> {
        let c = &*self.0;
        if c.fold_case
            && !matches!(c.op, Op::Preserve { .. })
            && input.chars().any(char::is_uppercase)
        {
            std::borrow::Cow::Owned(input.to_lowercase())
        } else {
            std::borrow::Cow::Borrowed(input)
        }
    }

    /// Mask one value (its text form), appending the masked text form to
    /// `out`. Returns `Ok(false)` when the result is SQL NULL.
    pub fn apply(&self, input: &str, out: &mut String) -> Result<bool, MaskError> {
        let c = &*self.0;
        let key = c.key.as_ref();
        let input = self.folded(input);
        let input = input.as_ref();
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
            (Op::Scrub { kinds, locale }, Some(k)) => {
                scrub::scrub(k, kinds, *locale, input, out);
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

    /// Whether every value gives the same output (`null`, `value`): such a
    /// masker keeps nothing of the value to find it by.
    pub fn is_constant(&self) -> bool {
        matches!(self.0.op, Op::Null | Op::Value(_))
    }

    /// For a `json` masker: each scalar of `input` that one of its paths
    /// reaches, as text (strings decoded), handed to `each`; `false` (and
    /// nothing handed) for any other masker or a value that is not JSON.
    /// `verify` fingerprints these, not the whole document, whose other
    /// keys are kept.
    pub fn json_scalars(&self, input: &str, each: &mut dyn FnMut(&str)) -> bool {
        let Op::Json(paths) = &self.0.op else {
            return false;
        };
        let mut sink = String::new();
        let mut visit = |_: &Masker, raw: &str, _: &mut String| -> Result<(), ()> {
            match raw.starts_with('"') {
                true => {
                    if let Ok(s) = serde_json::from_str::<String>(raw) {
                        each(&s);
                    }
                }
                false => each(raw),
            }
            Ok(())
        };
        json::rewrite(input, paths, &mut visit, &mut sink).is_ok()
    }

    /// Whether the output may carry parts of the input's text as they were
    /// (`replace`, `partial`, `json` (the other keys), `scrub` (what it does
    /// not recognise), `each` of such a masker), rather than being made
    /// entirely from the key, a list or a coarser value.
    pub fn keeps_input_text(&self) -> bool {
        match &self.0.op {
            Op::Replace(..) | Op::Partial { .. } | Op::Json(_) | Op::Scrub { .. } => true,
            Op::Each(m) => m.keeps_input_text(),
            _ => false,
        }
    }

    /// Whether masking a value costs work in proportion to its length
    /// (`scrub`, `json`, `replace`, `each`, placeholder sentences and
    /// paragraphs), so that a table with such a column is worth masking on
    /// several threads.
    pub fn is_costly(&self) -> bool {
        match &self.0.op {
            Op::Scrub { .. } | Op::Json(_) | Op::Replace(..) | Op::Each(_) => true,
            Op::Fake { kind, .. } => matches!(kind, FakeKind::Sentence | FakeKind::Paragraph),
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
    let mut buf = String::new();
    let mut mask = |m: &Masker, raw: &str, out: &mut String| -> Result<(), MaskError> {
        let is_string = raw.starts_with('"');
        let text: std::borrow::Cow<str> = match (is_string, json::plain_string(raw)) {
            (true, Some(inner)) => std::borrow::Cow::Borrowed(inner),
            (true, None) => std::borrow::Cow::Owned(
                serde_json::from_str::<String>(raw)
                    .map_err(|_| MaskError("json: a string could not be decoded".into()))?,
            ),
            (false, _) => std::borrow::Cow::Borrowed(raw),
        };
        buf.clear();
        let written = m.apply(&text, &mut buf)?;
        if !written {
            out.push_str("null");
        } else if !is_string && serde_json::from_str::<serde_json::Number>(&buf).is_ok() {
            out.push_str(&buf);
        } else if !buf.bytes().any(json::escaped) {
            out.push('"');
            out.push_str(&buf);
            out.push('"');
        } else {
            out.push_str(&serde_json::Value::String(std::mem::take(&mut buf)).to_string());
        }
        Ok(())
    };
    json::rewrite(input, paths, &mut mask, out).map_err(|e| match e {
        json::Fail::Syntax(e) => MaskError(format!("json: the value is not a JSON document ({e})")),
        json::Fail::Mask(e) => e,
    })
}
