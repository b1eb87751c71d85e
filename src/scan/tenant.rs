//! The tenant section, guessed from the schema: a column that references
//! one root table's one-column primary key (by a declared foreign key
//! somewhere) and that at least half of the other tables have.

use std::collections::HashMap;

use crate::catalog::Catalog;
use crate::pg::QualifiedName;

/// A guessed `tenant:` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantGuess {
    /// The tenant column (`org_id`).
    pub column: String,
    /// The root table (`public.organisations`).
    pub root: QualifiedName,
    /// Tables that have the column.
    pub tables_with: usize,
    /// Tables besides the root.
    pub tables: usize,
}

/// The most widespread column that references a root's primary key, when
/// at least two tables and half the tables have it.
pub fn guess(catalog: &Catalog) -> Option<TenantGuess> {
    let tables: Vec<_> = catalog
        .tables
        .iter()
        .filter(|t| t.parent.is_none())
        .collect();
    // (column, root oid) → foreign keys seen.
    let mut candidates: HashMap<(String, u32), usize> = HashMap::new();
    for t in &catalog.tables {
        for fk in t.foreign_keys.iter().filter(|fk| fk.columns.len() == 1) {
            let Some(root) = catalog.by_oid(fk.ref_table).map(|r| catalog.rule_table(r)) else {
                continue;
            };
            let pk = root.unique_keys.iter().find(|k| k.primary);
            if pk.is_some_and(|k| k.columns.len() == 1 && k.columns[0] == fk.ref_columns[0]) {
                *candidates
                    .entry((fk.columns[0].clone(), root.oid))
                    .or_default() += 1;
            }
        }
    }
    let mut best: Option<(usize, usize, TenantGuess)> = None;
    for ((column, root_oid), fks) in candidates {
        let Some(root) = catalog.by_oid(root_oid) else {
            continue;
        };
        let with = tables
            .iter()
            .filter(|t| t.oid != root_oid && t.column(&column).is_some())
            .count();
        let others = tables.len().saturating_sub(1);
        if with < 2 || with * 2 < others {
            continue;
        }
        let g = TenantGuess {
            column,
            root: root.name.clone(),
            tables_with: with,
            tables: others,
        };
        let better = match &best {
            None => true,
            Some((w, f, b)) => {
                (with, fks) > (*w, *f)
                    || ((with, fks) == (*w, *f) && (&g.column, &g.root) < (&b.column, &b.root))
            }
        };
        if better {
            best = Some((with, fks, g));
        }
    }
    best.map(|(_, _, g)| g)
}
