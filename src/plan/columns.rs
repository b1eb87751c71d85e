//! A listed table's columns: its filter, `rows: none`, and for each column
//! the rule that applies (the table's own, a `match:` pattern, its `"*"`)
//! compiled into an action. Columns without a rule, rules for unknown
//! columns and templates that refer to columns not copied are reported,
//! each with its place.

use serde_saphyr::Spanned;

use super::build::{plan_all, Collected, Ctx};
use super::compile::{column_list, compile_column};
use super::glob::column_pattern_match;
use super::suggest;
use super::{ColumnAction, ColumnPlan, Decision, OmitReason};
use crate::catalog::{Column, Table};
use crate::config::{expand_expr, ColumnRule, Diagnostic, Loc, OrderedMap, RowsOption, TableRules};
use crate::mask::TemplatePart;

/// Where a column's rule came from, with its place in the file.
struct Found<'r> {
    rule: &'r ColumnRule,
    loc: Option<Loc>,
    origin: String,
}

/// The decision, columns and filter of a table with a rules mapping.
pub(super) fn listed_table(
    cx: &Ctx,
    table: &Table,
    key: &Spanned<String>,
    r: &TableRules,
    out: &mut Collected,
) -> (Decision, Vec<ColumnPlan>, Option<String>) {
    let filter = r.filter.as_ref().and_then(|f| {
        expand_expr(
            cx.path,
            f,
            cx.opts.env,
            "filter",
            "filter is empty: remove it or write a SQL predicate",
        )
        .map_err(|d| out.diags.push(d))
        .ok()
    });
    // Unknown column names are errors even when no rows are copied.
    for (ckey, _) in r.columns.iter() {
        if ckey.value != "*" && table.column(&ckey.value).is_none() {
            out.diags.push(Diagnostic::at(
                Loc::of(cx.path, ckey),
                format!(
                    "unknown column {}.{}: the table has {}",
                    table.name,
                    ckey.value,
                    column_list(table)
                ),
            ));
        }
    }
    if r.rows.as_ref().is_some_and(|s| s.value == RowsOption::None) {
        return (
            Decision::SchemaOnly("rows: none".into()),
            plan_all(table, &format!("tables.{}: rows: none", table.name), |_| {
                ColumnAction::Null
            }),
            filter,
        );
    }
    let mut cols = Vec::new();
    let mut uncovered = Vec::new();
    for col in &table.columns {
        let found = find_rule(cx, table, col, &r.columns);
        if found.is_none() && !col.generated {
            uncovered.push(col);
            continue;
        }
        cols.extend(plan_column(cx, table, col, found, out));
    }
    report_uncovered(cx, table, key, &uncovered, out);
    check_template_refs(cx, table, r, &cols, out);
    (Decision::Copy, cols, filter)
}

/// One column's plan from the rule found for it (`None` only for generated
/// columns, which the target recomputes).
fn plan_column(
    cx: &Ctx,
    table: &Table,
    col: &Column,
    found: Option<Found>,
    out: &mut Collected,
) -> Option<ColumnPlan> {
    let plan = |action: ColumnAction, rule: String| ColumnPlan {
        name: col.name.clone(),
        type_name: col.type_name.clone(),
        action,
        rule,
    };
    let generated = || ColumnAction::Omit(OmitReason::Generated);
    let f = match found {
        None => return Some(plan(generated(), "generated column".into())),
        Some(f) => f,
    };
    if col.generated {
        return match f.rule {
            ColumnRule::Default | ColumnRule::Keep => Some(plan(generated(), f.origin)),
            _ if f.origin.ends_with(".*") || f.origin.starts_with("match") => {
                Some(plan(generated(), "generated column".into()))
            }
            _ => {
                out.diags.push(Diagnostic::at(
                    f.loc,
                    format!(
                        "{}.{} is a generated column: the target recomputes it from the masked values; write `default` or remove the rule",
                        table.name, col.name
                    ),
                ));
                None
            }
        };
    }
    match compile_column(
        cx.path,
        table,
        col,
        f.rule,
        f.loc.clone(),
        cx.opts,
        &cx.file.defaults.locale.value,
    ) {
        Ok(action) => {
            if action.uses_key() {
                out.needs_key.push(format!("{}.{}", table.name, col.name));
            }
            Some(plan(action, f.origin))
        }
        Err(d) => {
            out.diags.push(d);
            None
        }
    }
}

/// Columns of a listed table that no rule covers: one problem for the
/// table, with the rules to add after review.
fn report_uncovered(
    cx: &Ctx,
    table: &Table,
    key: &Spanned<String>,
    uncovered: &[&Column],
    out: &mut Collected,
) {
    if uncovered.is_empty() {
        return;
    }
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
    out.diags.push(Diagnostic::at(
        Loc::of(cx.path, key),
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

/// Templates may refer only to columns that are copied, kept or masked.
fn check_template_refs(
    cx: &Ctx,
    table: &Table,
    r: &TableRules,
    cols: &[ColumnPlan],
    out: &mut Collected,
) {
    for c in cols {
        let ColumnAction::Template(parts) = &c.action else {
            continue;
        };
        for p in parts {
            let TemplatePart::Column(name) = p else {
                continue;
            };
            let bad = match cols.iter().find(|o| &o.name == name).map(|o| &o.action) {
                Some(ColumnAction::Omit(_)) => Some("is not copied (generated or default)"),
                Some(ColumnAction::Template(_)) => Some("is itself a template"),
                None => Some("has no rule"),
                _ => None,
            };
            if let Some(why) = bad {
                out.diags.push(Diagnostic::at(
                    r.columns.get(&c.name).and_then(|(k, _)| Loc::of(cx.path, k)),
                    format!("{}.{}: the template refers to {name}, which {why}: refer to columns that are kept or masked", table.name, c.name),
                ));
            }
        }
    }
}

/// The rule for a column: the table's own rule for it, else the first
/// matching `match:` pattern, else the table's `"*"`. A wildcard never
/// overrides a pattern, so `"*": keep` cannot undo a `match:` masker.
fn find_rule<'r>(
    cx: &Ctx<'r>,
    table: &Table,
    col: &Column,
    columns: &'r OrderedMap<ColumnRule>,
) -> Option<Found<'r>> {
    if let Some((k, rule)) = columns.get(&col.name) {
        return Some(Found {
            rule,
            loc: Loc::of(cx.path, k),
            origin: format!("tables.{}.columns.{}", table.name, col.name),
        });
    }
    for (parts, i, loc) in &cx.patterns {
        if column_pattern_match(parts, &table.name.schema, &table.name.name, &col.name) {
            let m = &cx.file.match_rules[*i];
            return Some(Found {
                rule: &m.mask.value,
                loc: loc.clone(),
                origin: format!("match[{i}] {}", parts.join(".")),
            });
        }
    }
    columns.get("*").map(|(k, rule)| Found {
        rule,
        loc: Loc::of(cx.path, k),
        origin: format!("tables.{}.columns.*", table.name),
    })
}
