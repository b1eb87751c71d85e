//! Compiling rules against the catalog into a [`Plan`].

use std::path::Path;

use serde_saphyr::Spanned;

use super::glob::column_pattern_match;
use super::suggest;
use super::{
    ColumnAction, ColumnPlan, Decision, FieldAction, LeafJob, OmitReason, Plan, TablePlan,
};
use crate::catalog::{Catalog, Column, Table};
use crate::config::{
    expand_env, expand_sql, ColumnRule, Diagnostic, Diagnostics, LoadedRules, Loc, MaskerConfig,
    RowsOption, TableRule, TablesDefault,
};
use crate::mask::{
    parse_template, FakeKind, Granularity, Locale, MaskKey, MaskSpec, Masker, RoundStep, ScrubKind,
    Shift, TemplatePart, TokenFormat, ValueShape,
};
use crate::pg::ident::split_dotted;
use crate::pg::QualifiedName;

/// What the plan needs besides rules and catalog.
pub struct PlanOptions<'a> {
    /// The masking key, when one was resolved.
    pub key: Option<&'a MaskKey>,
    /// Environment lookup for `${NAME}` in rules strings.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Whether a missing key is an error (`run`) or not (`check`, `plan`,
    /// which never mask data and work with a placeholder).
    pub require_key: bool,
}

/// Where a column's rule came from, with its place in the file.
struct Found<'r> {
    rule: &'r ColumnRule,
    loc: Option<Loc>,
    origin: String,
}

/// Compile `rules` against `catalog`. All problems are returned at once.
pub fn build(
    rules: &LoadedRules,
    catalog: &Catalog,
    opts: &PlanOptions,
) -> Result<Plan, Diagnostics> {
    let (plan, diags) = build_all(rules, catalog, opts);
    diags.into_result()?;
    Ok(plan)
}

/// Compile `rules` against `catalog`, returning the plan of everything that
/// compiled together with every problem (the columns and tables with
/// problems are left out of the plan), for `check`.
pub fn build_all(
    rules: &LoadedRules,
    catalog: &Catalog,
    opts: &PlanOptions,
) -> (Plan, Diagnostics) {
    let path = rules.path.as_path();
    let file = &rules.file;
    let mut diags = Diagnostics::default();

    // Match patterns, parsed once.
    let mut patterns: Vec<([String; 3], usize, Option<Loc>)> = Vec::new();
    for (i, m) in file.match_rules.iter().enumerate() {
        for p in &m.columns {
            match split_dotted(&p.value).and_then(|v| <[String; 3]>::try_from(v).ok()) {
                Some(parts) => patterns.push((parts, i, Loc::of(path, p))),
                None => diags.push(Diagnostic::at(
                    Loc::of(path, p),
                    format!("match pattern `{}` must have three parts: schema.table.column (globs allowed, e.g. \"*.*.email\")", p.value),
                )),
            }
        }
    }

    // Every table rule must name a table that rules can name.
    let mut rule_for: Vec<(QualifiedName, &Spanned<String>, &TableRule)> = Vec::new();
    for (key, rule) in file.tables.iter() {
        let Some(name) = QualifiedName::parse_user(&key.value) else {
            diags.push(Diagnostic::at(
                Loc::of(path, key),
                format!("table `{}` must be written schema.table (quote parts with double quotes if needed)", key.value),
            ));
            continue;
        };
        match catalog.by_name(&name) {
            None => diags.push(Diagnostic::at(
                Loc::of(path, key),
                format!("unknown table {name}: the source has no such table{}", suggest_table(catalog, &name)),
            )),
            Some(t) if t.parent.is_some() => diags.push(Diagnostic::at(
                Loc::of(path, key),
                format!(
                    "{name} is a partition of {}: rules name the partitioned table, and apply to all its partitions",
                    catalog.rule_table(t).name
                ),
            )),
            Some(_) => rule_for.push((name, key, rule)),
        }
    }

    let mut tables = Vec::new();
    let mut needs_key: Vec<String> = Vec::new();
    for table in catalog.tables.iter().filter(|t| t.parent.is_none()) {
        let entry = rule_for.iter().find(|(n, _, _)| n == &table.name);
        let (decision, columns, filter) = match entry {
            None => match file.defaults.tables {
                TablesDefault::Deny => (
                    Decision::SchemaOnly("no rule (tables: deny by default)".into()),
                    plan_all(table, "defaults.tables: deny", |_| ColumnAction::Null),
                    None,
                ),
                TablesDefault::Keep => (
                    Decision::Copy,
                    plan_all(table, "defaults.tables: keep", |_| ColumnAction::Keep),
                    None,
                ),
            },
            Some((_, _, TableRule::Keep)) => (
                Decision::Copy,
                plan_all(table, &format!("tables.{}: keep", table.name), |_| {
                    ColumnAction::Keep
                }),
                None,
            ),
            Some((_, key, TableRule::Rules(r))) => {
                let filter = r.filter.as_ref().and_then(|f| {
                    expand_sql(
                        path,
                        f,
                        opts.env,
                        "filter is empty: remove it or write a SQL predicate",
                    )
                    .map_err(|d| diags.push(d))
                    .ok()
                });
                // Unknown column names are errors even when no rows are copied.
                for (ckey, _) in r.columns.iter() {
                    if ckey.value != "*" && table.column(&ckey.value).is_none() {
                        diags.push(Diagnostic::at(
                            Loc::of(path, ckey),
                            format!(
                                "unknown column {}.{}: the table has {}",
                                table.name,
                                ckey.value,
                                column_list(table)
                            ),
                        ));
                    }
                }
                let rows_none = r.rows.as_ref().is_some_and(|s| s.value == RowsOption::None);
                if rows_none {
                    (
                        Decision::SchemaOnly("rows: none".into()),
                        plan_all(table, &format!("tables.{}: rows: none", table.name), |_| {
                            ColumnAction::Null
                        }),
                        filter,
                    )
                } else {
                    let mut cols = Vec::new();
                    let mut uncovered = Vec::new();
                    for col in &table.columns {
                        let found = find_rule(path, file, &patterns, table, col, &r.columns);
                        let plan = match (col.generated, found) {
                            (true, None) => Some(ColumnPlan {
                                name: col.name.clone(),
                                type_name: col.type_name.clone(),
                                action: ColumnAction::Omit(OmitReason::Generated),
                                rule: "generated column".into(),
                            }),
                            (true, Some(f)) => match f.rule {
                                ColumnRule::Default | ColumnRule::Keep => Some(ColumnPlan {
                                    name: col.name.clone(),
                                    type_name: col.type_name.clone(),
                                    action: ColumnAction::Omit(OmitReason::Generated),
                                    rule: f.origin,
                                }),
                                _ if f.origin.ends_with(".*") || f.origin.starts_with("match") => {
                                    Some(ColumnPlan {
                                        name: col.name.clone(),
                                        type_name: col.type_name.clone(),
                                        action: ColumnAction::Omit(OmitReason::Generated),
                                        rule: "generated column".into(),
                                    })
                                }
                                _ => {
                                    diags.push(Diagnostic::at(
                                        f.loc,
                                        format!(
                                            "{}.{} is a generated column: the target recomputes it from the masked values; write `default` or remove the rule",
                                            table.name, col.name
                                        ),
                                    ));
                                    None
                                }
                            },
                            (false, None) => {
                                uncovered.push(col);
                                None
                            }
                            (false, Some(f)) => {
                                match compile_column(
                                    path,
                                    table,
                                    col,
                                    f.rule,
                                    f.loc.clone(),
                                    opts,
                                    &file.defaults.locale.value,
                                ) {
                                    Ok(action) => {
                                        if uses_key(&action) {
                                            needs_key.push(format!("{}.{}", table.name, col.name));
                                        }
                                        Some(ColumnPlan {
                                            name: col.name.clone(),
                                            type_name: col.type_name.clone(),
                                            action,
                                            rule: f.origin,
                                        })
                                    }
                                    Err(d) => {
                                        diags.push(d);
                                        None
                                    }
                                }
                            }
                        };
                        cols.extend(plan);
                    }
                    if !uncovered.is_empty() {
                        let list: Vec<String> = uncovered
                            .iter()
                            .map(|c| format!("{} ({})", c.name, c.type_name))
                            .collect();
                        let add: Vec<String> = uncovered
                            .iter()
                            .map(|c| {
                                format!(
                                    "{}: {}",
                                    suggest::yaml_key(&c.name),
                                    suggest::column_rule(table, c)
                                )
                            })
                            .collect();
                        diags.push(Diagnostic::at(
                            Loc::of(path, key),
                            format!(
                                "{}: {} column{} without a rule (deny by default; new in the source since the rules were written?): {}. Add under tables.{}.columns, after review: {}",
                                table.name,
                                uncovered.len(),
                                if uncovered.len() == 1 { "" } else { "s" },
                                list.join(", "),
                                table.name,
                                add.join("; ")
                            ),
                        ));
                    }
                    for c in &cols {
                        let ColumnAction::Template(parts) = &c.action else {
                            continue;
                        };
                        for p in parts {
                            let TemplatePart::Column(name) = p else {
                                continue;
                            };
                            let bad = match cols.iter().find(|o| &o.name == name).map(|o| &o.action)
                            {
                                Some(ColumnAction::Omit(_)) => {
                                    Some("is not copied (generated or default)")
                                }
                                Some(ColumnAction::Template(_)) => Some("is itself a template"),
                                None => Some("has no rule"),
                                _ => None,
                            };
                            if let Some(why) = bad {
                                diags.push(Diagnostic::at(
                                    r.columns.get(&c.name).and_then(|(k, _)| Loc::of(path, k)),
                                    format!("{}.{}: the template refers to {name}, which {why}: refer to columns that are kept or masked", table.name, c.name),
                                ));
                            }
                        }
                    }
                    (Decision::Copy, cols, filter)
                }
            }
        };
        if decision == Decision::Copy && !catalog.sees_all_rows(table) {
            diags.push(Diagnostic::at(
                entry.and_then(|(_, k, _)| Loc::of(path, k)),
                format!(
                    "{} has row-level security and role {} would see only some of its rows: connect as its owner, a superuser or a role with BYPASSRLS, or mark the table {{ rows: none }}",
                    table.name, catalog.role.name
                ),
            ));
        }
        let leaves = if decision == Decision::Copy {
            catalog
                .leaves(table)
                .into_iter()
                .map(|leaf| leaf_job(leaf, table, &columns, filter.clone()))
                .collect()
        } else {
            Vec::new()
        };
        let all_rows = matches!(entry, Some((_, _, TableRule::Rules(r)))
            if r.rows.as_ref().is_some_and(|s| s.value == RowsOption::All));
        tables.push(TablePlan {
            name: table.name.clone(),
            decision,
            columns,
            filter,
            all_rows,
            leaves,
        });
    }

    if opts.require_key && opts.key.is_none() && !needs_key.is_empty() {
        let first = needs_key
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        diags.push(Diagnostic::at(
            None,
            format!(
                "no masking key, but {} column{} use keyed maskers ({first}{}): set `key: ${{DOPPEL_KEY}}` (or key_file:) in the rules and export DOPPEL_KEY, or pass --random-key for a throwaway key",
                needs_key.len(),
                if needs_key.len() == 1 { "" } else { "s" },
                if needs_key.len() > 3 { ", …" } else { "" }
            ),
        ));
    }

    let plan = Plan {
        tables,
        sequences: catalog.sequences.clone(),
        matviews: catalog.matviews.clone(),
        key_fingerprint: opts.key.map(|k| k.fingerprint()),
    };
    (plan, diags)
}

/// Whether an action uses the key (a keyed masker, also inside conditions).
fn uses_key(action: &ColumnAction) -> bool {
    match action {
        ColumnAction::Mask(m) => m.is_keyed(),
        ColumnAction::When(b) => b.iter().any(|(_, a)| uses_key(a)),
        _ => false,
    }
}

fn plan_all(
    table: &Table,
    rule: &str,
    action: impl Fn(&Column) -> ColumnAction,
) -> Vec<ColumnPlan> {
    table
        .columns
        .iter()
        .map(|c| ColumnPlan {
            name: c.name.clone(),
            type_name: c.type_name.clone(),
            action: if c.generated {
                ColumnAction::Omit(OmitReason::Generated)
            } else {
                action(c)
            },
            rule: rule.to_string(),
        })
        .collect()
}

/// The rule for a column: the table's own rule for it, else the first
/// matching `match:` pattern, else the table's `"*"`. A wildcard never
/// overrides a pattern, so `"*": keep` cannot undo a `match:` masker.
fn find_rule<'r>(
    path: &Path,
    file: &'r crate::config::RulesFile,
    patterns: &[([String; 3], usize, Option<Loc>)],
    table: &Table,
    col: &Column,
    columns: &'r crate::config::OrderedMap<ColumnRule>,
) -> Option<Found<'r>> {
    if let Some((k, rule)) = columns.get(&col.name) {
        return Some(Found {
            rule,
            loc: Loc::of(path, k),
            origin: format!("tables.{}.columns.{}", table.name, col.name),
        });
    }
    for (parts, i, loc) in patterns {
        if column_pattern_match(parts, &table.name.schema, &table.name.name, &col.name) {
            let m = &file.match_rules[*i];
            return Some(Found {
                rule: &m.mask.value,
                loc: loc.clone(),
                origin: format!("match[{i}] {}", parts.join(".")),
            });
        }
    }
    columns.get("*").map(|(k, rule)| Found {
        rule,
        loc: Loc::of(path, k),
        origin: format!("tables.{}.columns.*", table.name),
    })
}

/// The value shape a masker must produce for this column.
pub fn shape_of(col: &Column) -> ValueShape {
    match col.base_type.as_str() {
        "int2" => ValueShape::Int16,
        "int4" => ValueShape::Int32,
        "int8" => ValueShape::Int64,
        "uuid" => ValueShape::Uuid,
        "text" | "varchar" | "bpchar" | "citext" | "name" => ValueShape::Text {
            max_chars: col.max_chars,
            case_insensitive: col.base_type == "citext",
        },
        "date" => ValueShape::Date,
        "timestamp" | "timestamptz" => ValueShape::Timestamp,
        "numeric" | "float4" | "float8" => ValueShape::Number,
        "jsonb" => ValueShape::Jsonb,
        "json" => ValueShape::Json,
        "inet" | "cidr" => ValueShape::Inet,
        array if col.category == 'A' && array.starts_with('_') => {
            let elem = Column {
                base_type: array[1..].to_string(),
                category: 'X',
                max_chars: None,
                ..col.clone()
            };
            ValueShape::Array(Box::new(shape_of(&elem)))
        }
        _ => ValueShape::Other(col.type_name.clone()),
    }
}

fn compile_column(
    path: &Path,
    table: &Table,
    col: &Column,
    rule: &ColumnRule,
    loc: Option<Loc>,
    opts: &PlanOptions,
    default_locale: &str,
) -> Result<ColumnAction, Diagnostic> {
    let at =
        |msg: String| Diagnostic::at(loc.clone(), format!("{}.{}: {msg}", table.name, col.name));
    match rule {
        ColumnRule::Keep => Ok(ColumnAction::Keep),
        ColumnRule::Null if col.not_null => Err(at(format!(
            "`null` on a NOT NULL column ({}): use a masker that produces a value, e.g. {{ value: … }}",
            col.type_name
        ))),
        ColumnRule::Null => Ok(ColumnAction::Null),
        ColumnRule::Default => {
            if col.has_default || col.identity.is_some() || !col.not_null {
                Ok(ColumnAction::Omit(OmitReason::Default))
            } else {
                Err(at("`default` on a NOT NULL column without a DEFAULT: the target would reject every row; use keep or a masker".into()))
            }
        }
        ColumnRule::When(list) => {
            let mut branches = Vec::new();
            for (i, w) in list.iter().enumerate() {
                let last = i + 1 == list.len();
                let cond = match &w.when {
                    Some(c) => Some(expand_env(path, c, opts.env).map_err(|d| at(d.message))?),
                    None if last => None,
                    None => return Err(at("only the last entry of a condition list may omit `when`".into())),
                };
                if matches!(&w.mask.value, ColumnRule::When(_) | ColumnRule::Default)
                    || matches!(&w.mask.value, ColumnRule::Mask(m) if m.template.is_some())
                {
                    return Err(at("inside a condition list use keep, null or a masker (not default, template or another list)".into()));
                }
                let inner = compile_column(path, table, col, &w.mask.value, loc.clone(), opts, default_locale)?;
                branches.push((cond, inner));
            }
            if branches.last().is_none_or(|(c, _)| c.is_some()) {
                return Err(at("a condition list must end with an entry without `when` (what applies otherwise), e.g. `- mask: null`".into()));
            }
            Ok(ColumnAction::When(branches))
        }
        ColumnRule::Mask(cfg) if cfg.sql.is_some() => {
            let e = cfg.sql.as_ref().map(|e| expand_env(path, e, opts.env)).transpose().map_err(|d| at(d.message))?;
            let others = masker_names(cfg).len() > 1;
            match e {
                Some(e) if !others && !e.trim().is_empty() => Ok(ColumnAction::Sql(e)),
                _ => Err(at("`sql:` takes a non-empty SQL expression and no other masker".into())),
            }
        }
        ColumnRule::Mask(cfg) if cfg.template.is_some() => {
            if masker_names(cfg).len() > 1 {
                return Err(at("`template:` takes no other masker".into()));
            }
            if !matches!(shape_of(col), ValueShape::Text { .. }) {
                return Err(at(format!("template builds text; the column is {}", col.type_name)));
            }
            let t = cfg.template.as_ref().map(|t| expand_env(path, t, opts.env)).transpose().map_err(|d| at(d.message))?.unwrap_or_default();
            let parts = parse_template(&t).map_err(&at)?;
            for p in &parts {
                if let TemplatePart::Column(c) = p {
                    if c == &col.name {
                        return Err(at(format!("template {t:?} refers to its own column: refer to other columns")));
                    }
                    if table.column(c).is_none() {
                        return Err(at(format!("template {t:?} refers to {c}, which {} does not have ({})", table.name, column_list(table))));
                    }
                }
            }
            if table.unique_keys.iter().any(|k| k.columns.iter().any(|c| c == &col.name)) {
                return Err(at("template on a primary key or unique column cannot promise distinct values: use tokenize".into()));
            }
            Ok(ColumnAction::Template(parts))
        }
        ColumnRule::Mask(cfg) => {
            let spec = mask_spec(path, cfg, opts, default_locale).map_err(&at)?;
            let shape = shape_of(col);
            let key_for_build;
            let key = match opts.key {
                Some(k) => k,
                None => {
                    // The missing key is reported once for the whole plan; build
                    // with a placeholder so type errors are still found now.
                    key_for_build = MaskKey::new(b"placeholder: no key was given");
                    &key_for_build
                }
            };
            let masker = Masker::new(&spec, key, &shape)
                .map_err(|e| at(format!("{e} (column type {})", col.type_name)))?;
            if !masker.is_injective() {
                if let Some(k) = table
                    .unique_keys
                    .iter()
                    .find(|k| k.columns.iter().any(|c| c == &col.name))
                {
                    return Err(at(format!(
                        "{} can give two rows the same value, but the column is in {} {} ({}): use a unique-safe masker (tokenize hex/uuid/integer/preserve/digits, fake email or uuid) or keep",
                        masker.describe(),
                        if k.primary { "primary key" } else { "unique index" },
                        k.name,
                        k.columns.join(", ")
                    )));
                }
                if let ColumnRule::Mask(cfg) = rule {
                    if cfg.unique.as_ref().is_some_and(|u| u.value) {
                        return Err(at(format!(
                            "`unique: true`, but {} can give two rows the same value: use a unique-safe masker",
                            masker.describe()
                        )));
                    }
                }
            }
            Ok(ColumnAction::Mask(masker))
        }
    }
}

/// The maskers a mapping names (exactly one is valid).
fn masker_names(cfg: &MaskerConfig) -> Vec<&'static str> {
    [
        cfg.fake.as_ref().map(|_| "fake"),
        cfg.tokenize.as_ref().map(|_| "tokenize"),
        cfg.value.as_ref().map(|_| "value"),
        cfg.partial.as_ref().map(|_| "partial"),
        cfg.shift.as_ref().map(|_| "shift"),
        cfg.json.as_ref().map(|_| "json"),
        cfg.scrub.as_ref().map(|_| "scrub"),
        cfg.each.as_ref().map(|_| "each"),
        cfg.generalize.as_ref().map(|_| "generalize"),
        cfg.round.as_ref().map(|_| "round"),
        cfg.replace.as_ref().map(|_| "replace"),
        cfg.template.as_ref().map(|_| "template"),
        cfg.sql.as_ref().map(|_| "sql"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn mask_spec(
    path: &Path,
    cfg: &MaskerConfig,
    opts: &PlanOptions,
    default_locale: &str,
) -> Result<MaskSpec, String> {
    let kinds = masker_names(cfg);
    if kinds.iter().any(|k| matches!(*k, "template" | "sql")) {
        return Err(format!(
            "`{}` computes a column from its row; it cannot be used inside json or each",
            if kinds.contains(&"sql") {
                "sql"
            } else {
                "template"
            }
        ));
    }
    if kinds.len() != 1 {
        return Err(if kinds.is_empty() {
            "no masker given: write one of fake, tokenize, value, partial, shift, generalize, round, replace, template, json, scrub, each, sql (or keep, null, default)".into()
        } else {
            format!("one masker per column, found {}", kinds.join(" and "))
        });
    }
    let only = |allowed: &[&str]| -> Result<(), String> {
        let given = [
            ("unique", cfg.unique.is_some()),
            ("locale", cfg.locale.is_some()),
            ("length", cfg.length.is_some()),
            ("prefix", cfg.prefix.is_some()),
            ("domain", cfg.domain.is_some()),
            ("email_domain", cfg.email_domain.is_some()),
        ];
        for (name, set) in given {
            if set && !allowed.contains(&name) {
                return Err(format!("option `{name}` does not apply to `{}`", kinds[0]));
            }
        }
        Ok(())
    };
    let domain = cfg.domain.as_ref().map(|d| d.value.clone());
    if let Some(kind) = &cfg.fake {
        only(&["unique", "locale", "domain"])?;
        let kind_name = kind.value.clone();
        let kind = FakeKind::parse(&kind.value).ok_or_else(|| {
            format!(
                "unknown fake kind `{}`: this version has {}",
                kind.value,
                FakeKind::names().join(", ")
            )
        })?;
        let locale_name = cfg
            .locale
            .as_ref()
            .map(|l| l.value.as_str())
            .unwrap_or(default_locale);
        let locale = Locale::parse(locale_name)
            .ok_or_else(|| format!("unknown locale `{locale_name}`: this version has en, id (Indonesia), sg (Singapore)"))?;
        if cfg.unique.as_ref().is_some_and(|u| u.value) {
            match kind {
                FakeKind::Email | FakeKind::Uuid => {}
                FakeKind::Phone => return Ok(MaskSpec::UniquePhone { domain }),
                _ => {
                    return Err(format!(
                        "`unique: true` is guaranteed for fake email, phone and uuid, not {kind_name}; use tokenize for unique columns"
                    ))
                }
            }
        }
        return Ok(MaskSpec::Fake {
            kind,
            locale,
            domain,
        });
    }
    if let Some(fmt) = &cfg.tokenize {
        only(&["unique", "length", "prefix", "domain", "email_domain"])?;
        let format = match fmt.value.as_str() {
            "hex" => TokenFormat::Hex,
            "uuid" => TokenFormat::Uuid,
            "integer" => TokenFormat::Integer,
            "preserve" => TokenFormat::Preserve,
            "digits" => TokenFormat::Digits,
            "email" => TokenFormat::Email,
            "card" => TokenFormat::Card,
            other => {
                return Err(format!(
                    "unknown token format `{other}`: this version has hex, uuid, integer, digits, email, card, preserve"
                ))
            }
        };
        return Ok(MaskSpec::Tokenize {
            format,
            length: cfg.length.as_ref().map(|l| l.value),
            prefix: cfg.prefix.as_ref().map(|p| p.value.clone()),
            domain,
            email_domain: cfg.email_domain.as_ref().map(|d| d.value.clone()),
        });
    }
    if let Some(v) = &cfg.value {
        only(&[])?;
        let s = Spanned::new(v.value.0.clone(), v.referenced, v.defined);
        let text = expand_env(path, &s, opts.env).map_err(|d| d.message)?;
        return Ok(MaskSpec::Value(text));
    }
    if let Some(p) = &cfg.partial {
        only(&[])?;
        let with = match p.value.with.as_deref() {
            None => '*',
            Some(w) => {
                let mut chars = w.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => c,
                    _ => return Err(format!("partial `with` must be one character, not {w:?}")),
                }
            }
        };
        return Ok(MaskSpec::Partial {
            keep_start: p.value.keep_start,
            keep_end: p.value.keep_end,
            with,
        });
    }
    if let Some(sh) = &cfg.shift {
        only(&[])?;
        let c = &sh.value;
        return match (c.days, c.amount, c.percent) {
            (Some(d), None, None) if d > 0 => Ok(MaskSpec::Shift(Shift::Days(d))),
            (None, Some(a), None) if a > 0.0 => Ok(MaskSpec::Shift(Shift::Amount(a))),
            (None, None, Some(p)) if p > 0.0 && p < 100.0 => Ok(MaskSpec::Shift(Shift::Percent(p))),
            _ => Err("shift takes exactly one of days (> 0), amount (> 0) or percent (between 0 and 100)".into()),
        };
    }
    if let Some(g) = &cfg.generalize {
        only(&[])?;
        let to = Granularity::parse(&g.value.to)
            .ok_or_else(|| format!("generalize to `{}`: write year, month or day", g.value.to))?;
        return Ok(MaskSpec::Generalize(to));
    }
    if let Some(r) = &cfg.round {
        only(&[])?;
        let step = RoundStep::parse(&r.value.0).ok_or_else(|| {
            format!(
                "round: {} is not a power of ten; write 1000, 100, 10, 1, 0.1, 0.01…",
                r.value.0
            )
        })?;
        return Ok(MaskSpec::Round(step));
    }
    if let Some(r) = &cfg.replace {
        only(&[])?;
        return Ok(MaskSpec::Replace {
            pattern: r.value.pattern.clone(),
            with: r.value.with.clone(),
        });
    }
    if let Some(paths) = &cfg.json {
        only(&[])?;
        let mut out = Vec::new();
        for (p, rule) in paths.iter() {
            let inner = match rule {
                ColumnRule::Keep => continue,
                ColumnRule::Null => MaskSpec::Null,
                ColumnRule::Mask(m) => mask_spec(path, m, opts, default_locale)
                    .map_err(|e| format!("{}: {e}", p.value))?,
                _ => {
                    return Err(format!(
                        "{}: inside json use null or a masker such as {{ fake: email }}",
                        p.value
                    ))
                }
            };
            out.push((p.value.clone(), inner));
        }
        if out.is_empty() {
            return Err("json names no path to mask".into());
        }
        return Ok(MaskSpec::Json(out));
    }
    if let Some(inner) = &cfg.each {
        only(&[])?;
        let spec = match inner.as_ref() {
            ColumnRule::Null => MaskSpec::Null,
            ColumnRule::Mask(m) => mask_spec(path, m, opts, default_locale)?,
            _ => return Err("each takes null or a masker such as { fake: email }".into()),
        };
        return Ok(MaskSpec::Each(Box::new(spec)));
    }
    if let Some(list) = &cfg.scrub {
        only(&[])?;
        let mut kinds = Vec::new();
        for k in list {
            kinds.push(ScrubKind::parse(&k.value).ok_or_else(|| {
                format!(
                    "unknown scrub kind `{}`: this version finds {}",
                    k.value,
                    ScrubKind::names().join(", ")
                )
            })?);
        }
        if kinds.is_empty() {
            return Err("scrub needs at least one kind, e.g. [email, phone]".into());
        }
        return Ok(MaskSpec::Scrub(kinds));
    }
    Err("no masker given".into())
}

fn column_list(table: &Table) -> String {
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    if names.len() <= 12 {
        format!("columns {}", names.join(", "))
    } else {
        format!("{} columns: {}, …", names.len(), names[..12].join(", "))
    }
}

/// ` (did you mean …?)` for a table name the catalog has under another schema or case.
pub(crate) fn suggest_table(catalog: &Catalog, name: &QualifiedName) -> String {
    let same_name: Vec<String> = catalog
        .tables
        .iter()
        .filter(|t| t.parent.is_none() && t.name.name.eq_ignore_ascii_case(&name.name))
        .map(|t| t.name.to_string())
        .collect();
    if same_name.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", same_name.join(" or "))
    }
}

fn leaf_job(
    leaf: &Table,
    rule_table: &Table,
    columns: &[ColumnPlan],
    filter: Option<String>,
) -> LeafJob {
    let mut names = Vec::new();
    let mut select = Vec::new();
    let mut actions = Vec::new();
    for c in columns {
        if matches!(c.action, ColumnAction::Omit(_)) {
            continue;
        }
        // Partitions may order their columns differently; they are selected by name.
        if leaf.column(&c.name).is_none() {
            continue;
        }
        names.push(c.name.clone());
        select.push(match &c.action {
            ColumnAction::Sql(e) => format!("({e})"),
            _ => crate::pg::quote_ident(&c.name),
        });
        actions.push(c.action.clone());
    }
    let base = select.len();
    let mut extra: Vec<String> = Vec::new();
    let fields: Vec<FieldAction> = actions
        .iter()
        .map(|a| match a {
            ColumnAction::Template(parts) => FieldAction::Template(
                parts
                    .iter()
                    .map(|p| match p {
                        TemplatePart::Text(t) => TemplatePart::Text(t.clone()),
                        TemplatePart::Column(c) => TemplatePart::Column(
                            names.iter().position(|n| n == c).unwrap_or(usize::MAX),
                        ),
                    })
                    .collect(),
            ),
            other => field_op(other, base, &mut extra),
        })
        .collect();
    select.extend(extra);
    LeafJob {
        table: leaf.name.clone(),
        rule_table: rule_table.name.clone(),
        columns: names,
        select,
        fields,
        filter,
        estimate_rows: leaf.estimate_rows.max(0.0) as u64,
        bytes: leaf.bytes.max(0) as u64,
    }
}

/// The row operation for a column; conditions and values computed by the
/// source are appended to `extra` (their field index is `base + position`).
fn field_op(action: &ColumnAction, base: usize, extra: &mut Vec<String>) -> FieldAction {
    match action {
        ColumnAction::Keep | ColumnAction::Sql(_) | ColumnAction::Omit(_) => FieldAction::Keep,
        // Refused inside condition lists when the plan is built.
        ColumnAction::Template(_) => FieldAction::Null,
        ColumnAction::Null => FieldAction::Null,
        ColumnAction::Mask(m) => FieldAction::Mask(m.clone()),
        ColumnAction::When(branches) => {
            let mut flags = Vec::new();
            let mut ops = Vec::new();
            let mut otherwise = FieldAction::Null;
            for (cond, inner) in branches {
                let op = match inner {
                    ColumnAction::Sql(e) => {
                        extra.push(format!("({e})"));
                        FieldAction::Take(base + extra.len() - 1)
                    }
                    other => field_op(other, base, extra),
                };
                match cond {
                    Some(c) => {
                        extra.push(format!("({c})"));
                        flags.push(base + extra.len() - 1);
                        ops.push(op);
                    }
                    None => otherwise = op,
                }
            }
            FieldAction::Choose {
                flags,
                ops,
                otherwise: Box::new(otherwise),
            }
        }
    }
}
