//! Foreign keys the plan would break, found before anything is written: a
//! copied table that references a table getting no rows, or a filtered
//! table while it is not filtered itself (the key could not be added after
//! the load), and references whose referenced columns are masked while the
//! referencing columns are kept (the values would no longer match). A
//! tenant subset closes over references itself (references to rows not
//! copied are set NULL or their rows dropped), so only the masking check
//! applies there.

use super::{ColumnAction, ColumnPlan, Decision, Plan, TablePlan};
use crate::catalog::{Catalog, ForeignKey, Table};
use crate::config::{Diagnostic, Diagnostics, LoadedRules, Loc};
use crate::pg::QualifiedName;

/// One declared foreign key between two plan tables.
struct Reference<'a> {
    /// The constraint.
    fk: &'a ForeignKey,
    /// The relation it is declared on (the table, or one of its partitions).
    declared_on: &'a Table,
    /// The referencing plan table.
    child: &'a TablePlan,
    /// The referenced plan table.
    parent: &'a TablePlan,
}

/// The references a whole copy would break because their parent gets no
/// rows or is filtered (what [`check`] refuses outside a tenant subset),
/// for `check` to show as notices when the rules are made for subsets.
pub fn whole_copy_problems(rules: &LoadedRules, catalog: &Catalog, plan: &Plan) -> Diagnostics {
    let loc = |name: &QualifiedName| {
        rules.file.tables.iter().find_map(|(k, _)| {
            QualifiedName::parse_user(&k.value)
                .filter(|n| n == name)
                .and_then(|_| Loc::of(&rules.path, k))
        })
    };
    let mut diags = Diagnostics::default();
    report(catalog, &plan.tables, &loc, rows_problem, &mut diags);
    diags
}

/// Report every foreign key the plan breaks. `loc` gives a table's entry in
/// the rules; `subset` is true for a tenant subset.
pub(super) fn check(
    catalog: &Catalog,
    tables: &[TablePlan],
    loc: &dyn Fn(&QualifiedName) -> Option<Loc>,
    subset: bool,
    diags: &mut Diagnostics,
) {
    if !subset {
        report(catalog, tables, loc, rows_problem, diags);
    }
    report(catalog, tables, loc, masking_problem, diags);
}

/// One problem per reference that `problem` finds, located at the child's
/// entry (else the parent's). References whose columns are all written as
/// NULL reference nothing and are never a problem.
fn report(
    catalog: &Catalog,
    tables: &[TablePlan],
    loc: &dyn Fn(&QualifiedName) -> Option<Loc>,
    problem: fn(&Reference) -> Option<String>,
    diags: &mut Diagnostics,
) {
    for r in references(catalog, tables) {
        if all_null(r.child, &r.fk.columns) {
            continue;
        }
        if let Some(message) = problem(&r) {
            let at = loc(&r.child.name).or_else(|| loc(&r.parent.name));
            diags.push(Diagnostic::at(at, message));
        }
    }
}

/// Every declared foreign key from a table whose rows are copied (on the
/// table itself or on any of its partitions) to a table of the plan.
fn references<'a>(catalog: &'a Catalog, tables: &'a [TablePlan]) -> Vec<Reference<'a>> {
    let plan_table = |name: &QualifiedName| tables.iter().find(|t| &t.name == name);
    let mut out = Vec::new();
    for child in tables.iter().filter(|t| t.decision == Decision::Copy) {
        let Some(table) = catalog.by_name(&child.name) else {
            continue;
        };
        let relations = catalog
            .tables
            .iter()
            .filter(|t| catalog.rule_table(t).oid == table.oid);
        for declared_on in relations {
            for fk in &declared_on.foreign_keys {
                let parent = catalog
                    .by_oid(fk.ref_table)
                    .map(|t| catalog.rule_table(t))
                    .and_then(|t| plan_table(&t.name));
                if let Some(parent) = parent {
                    out.push(Reference {
                        fk,
                        declared_on,
                        child,
                        parent,
                    });
                }
            }
        }
    }
    out
}

/// Whether every referencing column is written as NULL (no reference is left).
fn all_null(child: &TablePlan, columns: &[String]) -> bool {
    columns.iter().all(|c| {
        matches!(
            column(child, c).map(|p| &p.action),
            Some(ColumnAction::Null)
        )
    })
}

fn column<'a>(table: &'a TablePlan, name: &str) -> Option<&'a ColumnPlan> {
    table.columns.iter().find(|c| c.name == name)
}

/// `foreign key NAME (cols) → parent(cols)`, with the partition it is declared on.
fn describe(r: &Reference) -> String {
    let on = if r.declared_on.name == r.child.name {
        String::new()
    } else {
        format!(", declared on partition {}", r.declared_on.name)
    };
    format!(
        "foreign key {} {}({}) → {}({}){on}",
        r.fk.name,
        r.child.name,
        r.fk.columns.join(", "),
        r.parent.name,
        r.fk.ref_columns.join(", ")
    )
}

/// A parent with no rows, or filtered while the child is not.
fn rows_problem(r: &Reference) -> Option<String> {
    if r.parent.name == r.child.name {
        return None;
    }
    let (child, parent) = (&r.child.name, &r.parent.name);
    match (&r.parent.decision, &r.parent.filter, &r.child.filter) {
        (Decision::SchemaOnly(why), _, _) => Some(format!(
            "{child} references {parent} ({}), but {parent} gets no rows ({why}): the key could not be added after {child}'s rows are loaded. Fix one: {}, give {child} `rows: none`, or filter both tables so that {child} keeps only rows whose {parent} rows are kept",
            describe(r),
            if why == "rows: none" {
                format!("copy the rows of {parent} (remove its `rows: none`)")
            } else {
                format!("list {parent} under tables so its rows are copied")
            }
        )),
        (Decision::Copy, Some(pf), None) => Some(format!(
            "{child} references {parent} ({}), but {parent} is filtered (`{pf}`) and {child} is not: rows of {child} that reference rows the filter leaves out would break the key. Fix one: filter {child} too (to the rows whose {parent} rows are kept), copy all of {parent} (remove its filter), or give {child} `rows: none`",
            describe(r)
        )),
        _ => None,
    }
}

/// Referenced columns whose values change while the referencing ones are kept.
fn masking_problem(r: &Reference) -> Option<String> {
    if r.parent.decision != Decision::Copy {
        return None;
    }
    let changed: Vec<(&String, &ColumnPlan)> =
        r.fk.columns
            .iter()
            .zip(&r.fk.ref_columns)
            .filter_map(|(c, rc)| {
                let kept = matches!(
                    column(r.child, c).map(|p| &p.action),
                    Some(ColumnAction::Keep)
                );
                let parent_col = column(r.parent, rc)?;
                let changes = !matches!(
                    parent_col.action,
                    ColumnAction::Keep | ColumnAction::Omit(super::OmitReason::Generated)
                );
                (kept && changes).then_some((c, parent_col))
            })
            .collect();
    let (c, p) = changed.first()?;
    Some(format!(
        "{} ({}): {}.{} is masked ({}, {}) but {}.{c} is kept, so the copied references would point at values that no longer exist. Give {}.{c} the same masker as {}.{}, or keep {}.{}",
        r.child.name,
        describe(r),
        r.parent.name,
        p.name,
        p.action.describe(),
        p.rule,
        r.child.name,
        r.child.name,
        r.parent.name,
        p.name,
        r.parent.name,
        p.name
    ))
}
