//! What the source role must be allowed to read, checked against the
//! privileges the catalog recorded: USAGE on every schema that holds
//! tables, SELECT on every table and partition (COPY reads the rows of the
//! copied ones, and pg_dump locks every table whose schema it dumps, copied
//! or not), and SELECT on every sequence whose value is copied.

use std::collections::BTreeMap;

use super::{Decision, TablePlan};
use crate::catalog::Catalog;
use crate::config::{Diagnostic, Diagnostics, Loc};
use crate::pg::{quote_ident, QualifiedName};

/// Report what the source role lacks, one problem per schema without USAGE
/// and per table without SELECT. `loc` gives a table's entry in the rules.
pub(super) fn check(
    catalog: &Catalog,
    tables: &[TablePlan],
    loc: &dyn Fn(&QualifiedName) -> Option<Loc>,
    diags: &mut Diagnostics,
) {
    let role = &catalog.role.name;
    let role_sql = quote_ident(role);
    let mut no_usage: BTreeMap<&str, Vec<&QualifiedName>> = BTreeMap::new();
    for t in catalog.tables.iter().filter(|t| !t.schema_usage) {
        no_usage.entry(&t.name.schema).or_default().push(&t.name);
    }
    for (schema, names) in &no_usage {
        let listed: Vec<String> = names.iter().take(5).map(|n| n.to_string()).collect();
        diags.push(Diagnostic::at(
            names.iter().find_map(|n| loc(n)),
            format!(
                "schema {schema}: the source role {role} lacks USAGE on schema {schema}, which holds {}{}: GRANT USAGE ON SCHEMA {} TO {role_sql}",
                listed.join(", "),
                if names.len() > 5 { format!(" and {} more", names.len() - 5) } else { String::new() },
                quote_ident(schema),
            ),
        ));
    }
    for t in catalog.tables.iter().filter(|t| !t.can_select) {
        let rule_table = catalog.rule_table(t);
        let copied = tables
            .iter()
            .any(|p| p.name == rule_table.name && p.decision == Decision::Copy);
        let of = if t.oid == rule_table.oid {
            String::new()
        } else {
            format!(" (a partition of {})", rule_table.name)
        };
        let granted: Vec<&str> = t
            .columns
            .iter()
            .filter(|c| c.can_select)
            .map(|c| c.name.as_str())
            .collect();
        let columns = if granted.is_empty() {
            String::new()
        } else {
            format!(
                "; SELECT on some columns ({}) is not enough",
                granted.join(", ")
            )
        };
        let why = if copied {
            "its rows are copied, and pg_dump locks it to read its schema"
        } else {
            "its rows are not copied, but pg_dump locks every table to read its schema"
        };
        diags.push(Diagnostic::at(
            loc(&rule_table.name),
            format!(
                "{}{of}: the source role {role} lacks SELECT on table {} ({why}{columns}): GRANT SELECT ON {} TO {role_sql}",
                t.name,
                t.name,
                t.name.quoted()
            ),
        ));
    }
    for s in &catalog.unreadable_sequences {
        diags.push(Diagnostic::at(
            None,
            format!(
                "{s}: the source role {role} lacks SELECT on sequence {s} (or USAGE on its schema), and its value is copied after the load: GRANT SELECT ON SEQUENCE {} TO {role_sql}",
                s.quoted()
            ),
        ));
    }
}
