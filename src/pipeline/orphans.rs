//! When a foreign key does not validate on the copy (only the data can tell,
//! e.g. filters that keep a child whose parent they drop): say which key,
//! between which tables, how many copied rows reference rows that were not
//! copied, and what to change in the rules.

use tokio_postgres::Client;

use crate::catalog::Catalog;
use crate::pg::{quote_ident, QualifiedName};

/// The explanation for foreign key `constraint` of `schema.table` failing on
/// the target, counted on the target while the copy's rows are still there.
/// `None` when the key is not one of the source's (nothing to add).
pub async fn explain(
    tgt: &Client,
    catalog: &Catalog,
    schema: &str,
    table: &str,
    constraint: &str,
) -> Option<String> {
    let child_name = QualifiedName::new(schema, table);
    let child = catalog.by_name(&child_name)?;
    let child = catalog.rule_table(child);
    let fk = child.foreign_keys.iter().find(|f| f.name == constraint)?;
    let parent = catalog.by_oid(fk.ref_table)?;
    let parent = catalog.rule_table(parent);
    let not_null: Vec<String> = fk
        .columns
        .iter()
        .map(|c| format!("c.{} IS NOT NULL", quote_ident(c)))
        .collect();
    let join: Vec<String> = fk
        .columns
        .iter()
        .zip(&fk.ref_columns)
        .map(|(c, p)| format!("p.{} = c.{}", quote_ident(p), quote_ident(c)))
        .collect();
    let sql = format!(
        "SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
        child.name.quoted(),
        not_null.join(" AND "),
        parent.name.quoted(),
        join.join(" AND ")
    );
    let orphans = match tgt.query_one(&sql, &[]).await {
        Ok(r) => r.try_get::<_, i64>(0).ok()?,
        Err(e) => {
            tracing::debug!("counting rows that break {constraint}: {e}");
            return None;
        }
    };
    Some(format!(
        "foreign key {constraint} of {} ({}) → {}: {orphans} copied row{} of {} reference{} rows of {} that were not copied (a filter, `rows: none`, or the table not being listed left them out). Give {} a filter that keeps only rows whose parent is copied, filter both tables alike, list {} with rows, or mask {} with null",
        child.name,
        fk.columns.join(", "),
        parent.name,
        if orphans == 1 { "" } else { "s" },
        child.name,
        if orphans == 1 { "s" } else { "" },
        parent.name,
        child.name,
        parent.name,
        fk.columns.join(", "),
    ))
}
