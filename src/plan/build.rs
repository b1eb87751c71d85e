//! Compiling rules against the catalog into a [`Plan`], in named steps: the
//! `match:` patterns, the table entries, then each table (its decision,
//! columns and jobs), then the checks over the whole plan (the key, the
//! foreign keys the plan would break, what the source role may read), and
//! the `access:` section.

use std::path::Path;

use serde_saphyr::Spanned;

use super::columns::listed_table;
use super::jobs::leaf_job;
use super::{access, readers, references};
use super::{ColumnAction, ColumnPlan, Decision, OmitReason, Plan, TablePlan};
use crate::catalog::{Catalog, Column, Table};
use crate::config::{
    Diagnostic, Diagnostics, LoadedRules, Loc, RowsOption, RulesFile, TableRule, TablesDefault,
};
use crate::mask::MaskKey;
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
    /// Whether the copy is a tenant subset: its closure keeps references
    /// valid (references to rows not copied are set NULL, or their rows
    /// dropped), so references into tables without rows are not refused.
    pub subset: bool,
}

impl<'a> PlanOptions<'a> {
    /// What `check` compiles with: no key (keyed maskers are compiled with a
    /// placeholder), the whole copy, `${NAME}` from `env`.
    pub fn check(env: &'a dyn Fn(&str) -> Option<String>) -> PlanOptions<'a> {
        PlanOptions {
            key: None,
            env,
            require_key: false,
            subset: false,
        }
    }
}

/// One `match:` column pattern: its three parts, the index of its rule and
/// its place in the file.
pub(super) type Pattern = ([String; 3], usize, Option<Loc>);

/// What every step of a build reads.
pub(super) struct Ctx<'a> {
    /// The rules file's path, for locations.
    pub path: &'a Path,
    /// The rules.
    pub file: &'a RulesFile,
    /// The source's catalog.
    pub catalog: &'a Catalog,
    /// Key and environment.
    pub opts: &'a PlanOptions<'a>,
    /// The `match:` patterns, parsed once.
    pub patterns: Vec<Pattern>,
}

/// What the steps collect besides the tables.
#[derive(Default)]
pub(super) struct Collected {
    /// Every problem found.
    pub diags: Diagnostics,
    /// Columns whose maskers need the key (`schema.table.column`).
    pub needs_key: Vec<String>,
}

/// A `tables:` entry that names a table rules can name.
struct Entry<'r> {
    name: QualifiedName,
    key: &'r Spanned<String>,
    rule: &'r TableRule,
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
    let mut out = Collected::default();
    let path = rules.path.as_path();
    let cx = Ctx {
        path,
        file: &rules.file,
        catalog,
        opts,
        patterns: match_patterns(path, &rules.file, &mut out.diags),
    };
    let entries = table_entries(&cx, &mut out.diags);
    let tables: Vec<TablePlan> = catalog
        .tables
        .iter()
        .filter(|t| t.parent.is_none())
        .map(|table| {
            let entry = entries.iter().find(|e| e.name == table.name);
            plan_table(&cx, table, entry, &mut out)
        })
        .collect();
    check_key(opts, &out.needs_key, &mut out.diags);
    let loc = |name: &QualifiedName| {
        entries
            .iter()
            .find(|e| &e.name == name)
            .and_then(|e| Loc::of(path, e.key))
    };
    references::check(catalog, &tables, &loc, opts.subset, &mut out.diags);
    access::check(catalog, &tables, &loc, &mut out.diags);
    let readers = readers::compile(path, &rules.file.access, catalog, opts.env, &mut out.diags);
    let plan = Plan {
        tables,
        sequences: catalog.sequences.clone(),
        matviews: catalog.matviews.clone(),
        access: readers,
        key_fingerprint: opts.key.map(|k| k.fingerprint()),
    };
    (plan, out.diags)
}

/// The `match:` patterns, each split into schema, table and column.
fn match_patterns(path: &Path, file: &RulesFile, diags: &mut Diagnostics) -> Vec<Pattern> {
    let mut patterns = Vec::new();
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
    patterns
}

/// The `tables:` entries; each must name a table that rules can name (not
/// an unknown table, not a partition).
fn table_entries<'r>(cx: &Ctx<'r>, diags: &mut Diagnostics) -> Vec<Entry<'r>> {
    let mut entries = Vec::new();
    for (key, rule) in cx.file.tables.iter() {
        let at = Loc::of(cx.path, key);
        let Some(name) = QualifiedName::parse_user(&key.value) else {
            diags.push(Diagnostic::at(
                at,
                format!("table `{}` must be written schema.table (quote parts with double quotes if needed)", key.value),
            ));
            continue;
        };
        match cx.catalog.by_name(&name) {
            None => diags.push(Diagnostic::at(
                at,
                format!("unknown table {name}: the source has no such table{}", suggest_table(cx.catalog, &name)),
            )),
            Some(t) if t.parent.is_some() => diags.push(Diagnostic::at(
                at,
                format!(
                    "{name} is a partition of {}: rules name the partitioned table, and apply to all its partitions",
                    cx.catalog.rule_table(t).name
                ),
            )),
            Some(_) => entries.push(Entry { name, key, rule }),
        }
    }
    entries
}

/// One table's plan: whether its rows are copied, its columns and its jobs.
fn plan_table(cx: &Ctx, table: &Table, entry: Option<&Entry>, out: &mut Collected) -> TablePlan {
    let (decision, columns, filter) = match entry.map(|e| (e.key, e.rule)) {
        None => match cx.file.defaults.tables {
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
        Some((_, TableRule::Keep)) => (
            Decision::Copy,
            plan_all(table, &format!("tables.{}: keep", table.name), |_| {
                ColumnAction::Keep
            }),
            None,
        ),
        Some((key, TableRule::Rules(r))) => listed_table(cx, table, key, r, out),
    };
    let at = entry.and_then(|e| Loc::of(cx.path, e.key));
    if decision == Decision::Copy && !cx.catalog.sees_all_rows(table) {
        out.diags.push(Diagnostic::at(
            at,
            format!(
                "{} has row-level security and role {} would see only some of its rows: connect as its owner, a superuser or a role with BYPASSRLS, or mark the table {{ rows: none }}",
                table.name, cx.catalog.role.name
            ),
        ));
    }
    let leaves = if decision == Decision::Copy {
        cx.catalog
            .leaves(table)
            .into_iter()
            .map(|leaf| leaf_job(leaf, table, &columns, filter.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let all_rows = matches!(entry.map(|e| e.rule), Some(TableRule::Rules(r))
        if r.rows.as_ref().is_some_and(|s| s.value == RowsOption::All));
    TablePlan {
        name: table.name.clone(),
        decision,
        columns,
        filter,
        all_rows,
        leaves,
    }
}

/// A run needs the key when any column uses a keyed masker.
fn check_key(opts: &PlanOptions, needs_key: &[String], diags: &mut Diagnostics) {
    if !opts.require_key || opts.key.is_some() || needs_key.is_empty() {
        return;
    }
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

/// Every column of `table` with the same action (generated columns are
/// always left to the target).
pub(super) fn plan_all(
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
