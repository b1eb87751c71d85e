//! A table's compiled columns turned into the jobs that move its rows: one
//! per relation that holds rows, with the source's SELECT list and the
//! operation on each field.

use super::{ColumnAction, ColumnPlan, FieldAction, LeafJob};
use crate::catalog::Table;
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
