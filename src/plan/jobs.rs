//! A table's compiled columns turned into the jobs that move its rows: one
//! per relation that holds rows, with the source's SELECT list and the
//! operation on each field.

use super::{ColumnAction, ColumnPlan, FieldAction, LeafJob};
use crate::catalog::Table;
use crate::copy::WireType;
use crate::mask::TemplatePart;

/// The job that copies `leaf` (the table itself or one of its partitions)
/// with `columns` as compiled for `rule_table`.
pub(super) fn leaf_job(
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
    let (wire, text_only) = binary_forms(leaf, columns, &names);
    LeafJob {
        table: leaf.name.clone(),
        rule_table: rule_table.name.clone(),
        columns: names,
        select,
        fields,
        filter,
        estimate_rows: leaf.estimate_rows.max(0.0) as u64,
        bytes: leaf.bytes.max(0) as u64,
        pages: leaf.pages.max(0) as u64,
        range: None,
        wire,
        text_only,
    }
}

/// Each loaded column's binary form (where doppel decodes and encodes it),
/// and the first reason the job cannot use binary COPY: a column whose type
/// has no binary form or names user-defined types by oid, a value the
/// source computes (`sql:`, typed as the expression), a template, or a
/// masked column of a type doppel has no binary form for.
fn binary_forms(
    leaf: &Table,
    columns: &[ColumnPlan],
    names: &[String],
) -> (Vec<Option<WireType>>, Option<String>) {
    let mut wire = Vec::new();
    let mut why = None;
    for name in names {
        let (Some(col), Some(plan)) = (leaf.column(name), columns.iter().find(|c| &c.name == name))
        else {
            wire.push(None);
            continue;
        };
        let form = WireType::from_send(&col.wire);
        let problem = match col.wire.as_str() {
            "" => Some(format!(
                "{} ({}) has no binary form",
                col.name, col.type_name
            )),
            "oids" => Some(format!(
                "{} ({}) names user-defined types by oid in binary, which differ between databases",
                col.name, col.type_name
            )),
            _ => action_problem(&plan.action, form.is_some())
                .map(|p| format!("{} ({}) {p}", col.name, col.type_name)),
        };
        if why.is_none() {
            why = problem;
        }
        wire.push(form);
    }
    (wire, why)
}

/// Why `action` needs text COPY (`decodable`: doppel has the column's
/// binary form).
fn action_problem(action: &ColumnAction, decodable: bool) -> Option<&'static str> {
    match action {
        ColumnAction::Sql(_) => {
            Some("takes a `sql:` value, converted to the column's type only in text")
        }
        ColumnAction::Template(_) => Some("is built from a template, in text only"),
        ColumnAction::Mask(_) if !decodable => {
            Some("is masked, and doppel has no binary form for its type")
        }
        ColumnAction::When(branches) => branches
            .iter()
            .find_map(|(_, a)| action_problem(a, decodable)),
        _ => None,
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
