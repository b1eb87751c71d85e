//! The rules file as the user wrote it: a serde mirror of `masking-rules/*.yaml`
//! (SPEC §3), loaded with every location kept so that errors can name
//! file:line:column. Nothing here knows the database; `plan/` compiles these
//! types against the catalog.

mod key;
mod load;
mod ordered;

pub use key::{resolve_key, MIN_KEY_BYTES};
pub use load::{
    expand_env, hex_str, load_rules, parse_loaded_rules, parse_rules, Diagnostic, Diagnostics,
    LoadedRules, Loc,
};
pub use ordered::OrderedMap;

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// The whole rules file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// Format version; only 1 exists.
    pub version: Spanned<u32>,
    /// The masking key, usually `${DOPPEL_KEY}`.
    #[serde(default)]
    pub key: Option<Spanned<String>>,
    /// A file holding the masking key (e.g. a mounted secret).
    #[serde(default)]
    pub key_file: Option<Spanned<String>>,
    /// Defaults for what the rules do not mention.
    #[serde(default)]
    pub defaults: Defaults,
    /// How tenants are recognised (for subsets).
    #[serde(default)]
    pub tenant: Option<TenantConfig>,
    /// Rules by column pattern, lower precedence than `tables`.
    #[serde(default, rename = "match")]
    pub match_rules: Vec<MatchRule>,
    /// Rules per table, keyed by `schema.table`.
    #[serde(default)]
    pub tables: OrderedMap<TableRule>,
    /// Relations the database does not declare.
    #[serde(default)]
    pub references: Vec<ReferenceConfig>,
}

/// `defaults:` — what happens to what the rules do not mention.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Tables not listed: `deny` (schema only, no rows) or `keep` (copied unchanged).
    #[serde(default)]
    pub tables: TablesDefault,
    /// Columns not covered in a listed table: `error` (check fails, run refuses).
    #[serde(default)]
    pub columns: ColumnsDefault,
    /// Default locale of `fake` values.
    #[serde(default = "default_locale")]
    pub locale: Spanned<String>,
}

fn default_locale() -> Spanned<String> {
    Spanned::new(
        "en".to_string(),
        serde_saphyr::Location::UNKNOWN,
        serde_saphyr::Location::UNKNOWN,
    )
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            tables: TablesDefault::default(),
            columns: ColumnsDefault::default(),
            locale: default_locale(),
        }
    }
}

/// What an unlisted table gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TablesDefault {
    /// Schema copied, no rows.
    #[default]
    Deny,
    /// Copied unchanged.
    Keep,
}

/// What an uncovered column of a listed table gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnsDefault {
    /// `check` fails and `run` refuses, naming the column.
    #[default]
    Error,
}

/// `tenant:` — the tenant column and the root table whose primary key is the tenant id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// Tables with this column are tenant tables.
    pub column: Spanned<String>,
    /// The root table, `schema.table`.
    pub root: Spanned<String>,
}

/// One entry of `match:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchRule {
    /// Glob patterns on `schema.table.column` (`*` any characters, `?` one).
    pub columns: Vec<Spanned<String>>,
    /// The masker for every matching column.
    pub mask: Spanned<ColumnRule>,
}

/// One entry of `references:` (a foreign key the database does not declare).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceConfig {
    /// `schema.table(column, …)` holding the reference.
    pub from: Spanned<String>,
    /// `schema.table(column, …)` referenced.
    pub to: Spanned<String>,
    /// Optional SQL condition on the referencing row (polymorphic references).
    #[serde(default)]
    pub when: Option<Spanned<String>>,
}

/// A table's rule: `keep` for the whole table, or options and columns.
#[derive(Debug)]
pub enum TableRule {
    /// Every column unchanged, every row.
    Keep,
    /// Options and per-column rules.
    Rules(TableRules),
}

/// The mapping form of a table rule.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRules {
    /// `none`: schema only; `all`: every row even in a tenant subset.
    #[serde(default)]
    pub rows: Option<Spanned<RowsOption>>,
    /// SQL predicate evaluated on the source.
    #[serde(default)]
    pub filter: Option<Spanned<String>>,
    /// Rules per column; `"*"` covers the columns not named.
    #[serde(default)]
    pub columns: OrderedMap<ColumnRule>,
}

/// `rows:` of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowsOption {
    /// Schema only, never data.
    None,
    /// All rows, even in a tenant subset.
    All,
}

impl<'de> Deserialize<'de> for TableRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TableRule;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`keep` or a mapping with rows, filter and columns")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<TableRule, E> {
                match s {
                    "keep" => Ok(TableRule::Keep),
                    other => Err(E::custom(format!(
                        "unknown table rule `{other}`: write `keep`, or a mapping such as {{ rows: none }} or {{ columns: {{ … }} }}"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TableRule, A::Error> {
                TableRules::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(TableRule::Rules)
            }
        }
        d.deserialize_any(V)
    }
}

/// A column's rule: what the user wrote for one column.
#[derive(Debug, Clone)]
pub enum ColumnRule {
    /// Copy unchanged.
    Keep,
    /// SQL NULL.
    Null,
    /// Leave the column out so that the target's DEFAULT (or generation) applies.
    Default,
    /// A masker with its options.
    Mask(Box<MaskerConfig>),
    /// Conditions evaluated by the source; the first that matches wins.
    When(Vec<WhenRule>),
}

/// One `- when: SQL / mask: M` entry (the last may omit `when`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhenRule {
    /// SQL condition on the row, evaluated by the source.
    #[serde(default)]
    pub when: Option<Spanned<String>>,
    /// The rule applied when the condition holds.
    pub mask: Spanned<ColumnRule>,
}

/// The mapping form of a masker: exactly one masker key plus its options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskerConfig {
    /// `fake: KIND` — a realistic fake value.
    #[serde(default)]
    pub fake: Option<Spanned<String>>,
    /// `tokenize: FORMAT` — a keyed one-way token.
    #[serde(default)]
    pub tokenize: Option<Spanned<String>>,
    /// `value: X` — a constant.
    #[serde(default)]
    pub value: Option<Spanned<Scalar>>,
    /// Never produce duplicates for distinct inputs.
    #[serde(default)]
    pub unique: Option<Spanned<bool>>,
    /// Locale of fake values.
    #[serde(default)]
    pub locale: Option<Spanned<String>>,
    /// Token length.
    #[serde(default)]
    pub length: Option<Spanned<usize>>,
    /// Token prefix.
    #[serde(default)]
    pub prefix: Option<Spanned<String>>,
    /// Determinism domain: same domain, same output for the same input.
    #[serde(default)]
    pub domain: Option<Spanned<String>>,
    /// `partial: {keep_start, keep_end, with}` — keep the ends, mask the middle.
    #[serde(default)]
    pub partial: Option<Spanned<PartialConfig>>,
    /// `shift: {days | amount | percent}` — deterministic noise.
    #[serde(default)]
    pub shift: Option<Spanned<ShiftConfig>>,
    /// `json: {PATH: masker}` — mask inside jsonb documents.
    #[serde(default)]
    pub json: Option<OrderedMap<ColumnRule>>,
    /// `scrub: [email, phone, card, ip]` — redact personal data inside free text.
    #[serde(default)]
    pub scrub: Option<Vec<Spanned<String>>>,
}

/// Options of `partial`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialConfig {
    /// Characters kept at the start.
    #[serde(default)]
    pub keep_start: usize,
    /// Characters kept at the end.
    #[serde(default)]
    pub keep_end: usize,
    /// The masking character (default `*`).
    #[serde(default)]
    pub with: Option<String>,
}

/// Options of `shift` (exactly one).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftConfig {
    /// Dates and timestamps: up to this many days either way.
    #[serde(default)]
    pub days: Option<u32>,
    /// Numbers: up to this amount either way.
    #[serde(default)]
    pub amount: Option<f64>,
    /// Numbers: up to this percentage either way.
    #[serde(default)]
    pub percent: Option<f64>,
}

/// A YAML scalar taken as its text (for `value:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar(s.to_string()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Scalar, E> {
                Ok(Scalar(b.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Scalar, E> {
                Ok(Scalar(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Scalar, E> {
                Ok(Scalar(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Scalar, E> {
                Ok(Scalar(n.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Err(E::custom(
                    "`value: null` is not a constant: write the masker `null` instead",
                ))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for ColumnRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ColumnRule;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a masker: keep, null, default, a mapping such as { fake: email }, or a list of { when, mask }")
            }
            fn visit_unit<E: de::Error>(self) -> Result<ColumnRule, E> {
                Ok(ColumnRule::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<ColumnRule, E> {
                Ok(ColumnRule::Null)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ColumnRule, E> {
                match s {
                    "keep" => Ok(ColumnRule::Keep),
                    "null" => Ok(ColumnRule::Null),
                    "default" => Ok(ColumnRule::Default),
                    other => Err(E::custom(format!(
                        "unknown masker `{other}`: write keep, null, default, or a mapping such as {{ fake: email }} or {{ tokenize: hex }}"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ColumnRule, A::Error> {
                MaskerConfig::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|m| ColumnRule::Mask(Box::new(m)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ColumnRule, A::Error> {
                Vec::<WhenRule>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(ColumnRule::When)
            }
        }
        d.deserialize_any(V)
    }
}
