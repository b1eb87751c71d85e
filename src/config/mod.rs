//! The rules file as the user wrote it: a serde mirror of `masking-rules/*.yaml`
//! (SPEC §3), loaded with every location kept so that errors can name
//! file:line:column. Nothing here knows the database; `plan/` compiles these
//! types against the catalog.

mod access;
mod key;
mod load;
mod ordered;
mod sql;

pub use access::{AccessRule, ReadScope};
pub use key::{resolve_key, MIN_KEY_BYTES};
pub use load::{
    expand_env, expand_sql, hex_str, load_rules, parse_loaded_rules, parse_rules, Diagnostic,
    Diagnostics, LoadedRules, Loc,
};
pub use ordered::OrderedMap;
pub use sql::{expand_expr, one_expression, standalone_identifiers};

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// The whole rules file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// Format version; only 1 exists.
    #[schemars(with = "u32")]
    pub version: Spanned<u32>,
    /// The masking key, usually `${DOPPEL_KEY}`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub key: Option<Spanned<String>>,
    /// A file holding the masking key (e.g. a mounted secret).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
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
    /// Roles of the target's cluster that may read the copy, and what they read.
    #[serde(default)]
    pub access: Vec<AccessRule>,
}

/// `defaults:` — what happens to what the rules do not mention.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Tables not listed: `deny` (schema only, no rows) or `keep` (copied unchanged).
    #[serde(default)]
    pub tables: TablesDefault,
    /// Columns not covered in a listed table: `error` (check fails, run refuses).
    #[serde(default)]
    pub columns: ColumnsDefault,
    /// Default locale of `fake` values and of the fake names `scrub` writes.
    #[serde(default = "default_locale")]
    #[schemars(with = "String")]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TablesDefault {
    /// Schema copied, no rows.
    #[default]
    Deny,
    /// Copied unchanged.
    Keep,
}

/// What an uncovered column of a listed table gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ColumnsDefault {
    /// `check` fails and `run` refuses, naming the column.
    #[default]
    Error,
}

/// `tenant:` — the tenant column and the root table whose primary key is the tenant id.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// Tables with this column are tenant tables.
    #[schemars(with = "String")]
    pub column: Spanned<String>,
    /// The root table, `schema.table`.
    #[schemars(with = "String")]
    pub root: Spanned<String>,
    /// Tenants that are never copied (e.g. after a deletion request), by id.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub exclude_tenants: Vec<Spanned<String>>,
}

/// One entry of `match:`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRule {
    /// Glob patterns on `schema.table.column` (`*` any characters, `?` one).
    #[schemars(with = "Vec<String>")]
    pub columns: Vec<Spanned<String>>,
    /// The masker for every matching column.
    #[schemars(with = "ColumnRule")]
    pub mask: Spanned<ColumnRule>,
}

/// One entry of `references:` (a foreign key the database does not declare).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceConfig {
    /// `schema.table(column, …)` holding the reference.
    #[schemars(with = "String")]
    pub from: Spanned<String>,
    /// `schema.table(column, …)` referenced.
    #[schemars(with = "String")]
    pub to: Spanned<String>,
    /// Optional SQL condition on the referencing row (polymorphic references).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
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
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableRules {
    /// `none`: schema only; `all`: every row even in a tenant subset.
    #[serde(default)]
    #[schemars(with = "Option<RowsOption>")]
    pub rows: Option<Spanned<RowsOption>>,
    /// SQL predicate evaluated on the source.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub filter: Option<Spanned<String>>,
    /// Rules per column; `"*"` covers the columns not named.
    #[serde(default)]
    pub columns: OrderedMap<ColumnRule>,
}

/// `rows:` of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhenRule {
    /// SQL condition on the row, evaluated by the source.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<Spanned<String>>,
    /// The rule applied when the condition holds.
    #[schemars(with = "ColumnRule")]
    pub mask: Spanned<ColumnRule>,
}

/// The mapping form of a masker: exactly one masker key plus its options.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaskerConfig {
    /// `fake: KIND` — a realistic fake value.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub fake: Option<Spanned<String>>,
    /// `tokenize: FORMAT` — a keyed one-way token.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub tokenize: Option<Spanned<String>>,
    /// `value: X` — a constant.
    #[serde(default)]
    #[schemars(with = "Option<Scalar>")]
    pub value: Option<Spanned<Scalar>>,
    /// Never produce duplicates for distinct inputs.
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub unique: Option<Spanned<bool>>,
    /// Locale of fake values (and of the fake names `scrub` writes).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub locale: Option<Spanned<String>>,
    /// Token length.
    #[serde(default)]
    #[schemars(with = "Option<usize>")]
    pub length: Option<Spanned<usize>>,
    /// Token prefix.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub prefix: Option<Spanned<String>>,
    /// Determinism domain: same domain, same output for the same input.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub domain: Option<Spanned<String>>,
    /// `partial: {keep_start, keep_end, with}` — keep the ends, mask the middle.
    #[serde(default)]
    #[schemars(with = "Option<PartialConfig>")]
    pub partial: Option<Spanned<PartialConfig>>,
    /// `shift: {days | amount | percent}` — deterministic noise.
    #[serde(default)]
    #[schemars(with = "Option<ShiftConfig>")]
    pub shift: Option<Spanned<ShiftConfig>>,
    /// `json: {PATH: masker}` — mask inside json and jsonb documents.
    #[serde(default)]
    pub json: Option<OrderedMap<ColumnRule>>,
    /// `scrub: [email, phone, card, iban, nik, nric, ip, url, id_number, name]` — redact personal data inside free text (`locale:` sets the locale of the fake names).
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub scrub: Option<Vec<Spanned<String>>>,
    /// `each: masker` — the masker applied to every element of an array.
    #[serde(default)]
    pub each: Option<Box<ColumnRule>>,
    /// `sql: EXPR` — a SQL expression the source computes in the snapshot (escape hatch).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub sql: Option<Spanned<String>>,
    /// tokenize email: the domain written after `@` (default: the input's own).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub email_domain: Option<Spanned<String>>,
    /// `generalize: {to: year|month|day}` — dates and timestamps made coarser.
    #[serde(default)]
    #[schemars(with = "Option<GeneralizeConfig>")]
    pub generalize: Option<Spanned<GeneralizeConfig>>,
    /// `round: N` — numbers rounded to a multiple of N (a power of ten: 1000, 1, 0.01).
    #[serde(default)]
    #[schemars(with = "Option<Scalar>")]
    pub round: Option<Spanned<Scalar>>,
    /// `replace: {pattern, with}` — regular-expression replacement.
    #[serde(default)]
    #[schemars(with = "Option<ReplaceConfig>")]
    pub replace: Option<Spanned<ReplaceConfig>>,
    /// `template: "…{column}…"` — built from other columns of the row (their masked values).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub template: Option<Spanned<String>>,
}

/// Options of `generalize`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GeneralizeConfig {
    /// `year`, `month` or `day`.
    pub to: String,
}

/// Options of `replace`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceConfig {
    /// A regular expression (Rust regex syntax).
    pub pattern: String,
    /// The replacement; `$1` or `${name}` insert a group.
    #[serde(default)]
    pub with: String,
}

/// Options of `partial`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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

/// The JSON Schema of the rules file, for editors (`doppel schema`).
pub fn rules_json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(RulesFile);
    schema.insert("title".into(), "doppel rules".into());
    schema.to_value()
}

impl JsonSchema for TableRule {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TableRule".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let rules = generator.subschema_for::<TableRules>();
        schemars::json_schema!({
            "description": "`keep` copies the table unchanged; a mapping gives rows, filter and per-column rules.",
            "oneOf": [ { "const": "keep" }, rules ]
        })
    }
}

impl JsonSchema for ColumnRule {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ColumnRule".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let masker = generator.subschema_for::<MaskerConfig>();
        let when = generator.subschema_for::<Vec<WhenRule>>();
        schemars::json_schema!({
            "description": "keep (unchanged), null (SQL NULL), default (the target's DEFAULT), a masker mapping, or a list of { when, mask }.",
            "anyOf": [
                { "enum": ["keep", "null", "default"] },
                { "type": "null" },
                masker,
                when
            ]
        })
    }
}

impl JsonSchema for Scalar {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scalar".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": ["string", "number", "boolean"] })
    }
}

impl<V: JsonSchema> JsonSchema for OrderedMap<V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let v = generator.subschema_for::<V>();
        schemars::json_schema!({ "type": "object", "additionalProperties": v })
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;

    /// The committed schema is what the rule types generate; regenerate with
    /// `cargo run -- schema > doppel.schema.json`.
    #[test]
    fn committed_schema_matches_the_rule_types() {
        let committed: serde_json::Value =
            serde_json::from_str(include_str!("../../doppel.schema.json"))
                .expect("doppel.schema.json is JSON");
        assert_eq!(
            committed,
            rules_json_schema(),
            "doppel.schema.json is stale: run `cargo run -- schema > doppel.schema.json`"
        );
    }

    /// Every masker the schema accepts, and every fake kind and scrub kind,
    /// is documented in README's rules reference.
    #[test]
    fn readme_documents_every_masker() {
        let readme = include_str!("../../README.md");
        let schema = rules_json_schema();
        let props = schema["$defs"]["MaskerConfig"]["properties"]
            .as_object()
            .expect("MaskerConfig properties");
        for name in props.keys() {
            assert!(
                readme.contains(&format!("`{name}")),
                "README does not document `{name}`"
            );
        }
        for kind in crate::mask::FakeKind::names() {
            assert!(
                readme.contains(&format!("`{kind}`")),
                "README does not document fake `{kind}`"
            );
        }
        for kind in crate::mask::ScrubKind::names() {
            assert!(
                readme.contains(&format!(" {kind},")) || readme.contains(&format!(" {kind}]")),
                "README does not list scrub `{kind}`"
            );
        }
    }
}
