//! Bringing the draft to pass `check`: it is loaded as a rules file,
//! compiled against the catalog, probed on the source (masked samples cast
//! to domains and enums) and its tenant section built, exactly the steps of
//! `check`; a column `check` refuses moves on to its next candidate (a
//! masker that fits, then `null` or `default`), a table whose rows the
//! role cannot all see gets `rows: none`, and a tenant section that does
//! not work is left out. Repeated until nothing is refused.

use std::collections::BTreeSet;
use std::path::Path;

use tokio_postgres::Client;

use super::draft::{Draft, LineMap};
use crate::catalog::Catalog;
use crate::config::{parse_loaded_rules, Diagnostic};
use crate::plan::{self, references, PlanOptions};
use crate::Error;

/// The most rounds: each moves at least one column to a later candidate.
const ROUNDS: usize = 12;

/// Settle `draft` against the source; returns what `check` would still
/// report that no rule can fix (e.g. a table the role may not read).
pub async fn settle(
    draft: &mut Draft,
    catalog: &Catalog,
    client: &Client,
) -> Result<Vec<String>, Error> {
    let no_env = |_: &str| None;
    let path = Path::new("draft.yaml");
    let mut left = Vec::new();
    for _ in 0..ROUNDS {
        draft.unify_references(catalog);
        let (text, map) = draft.render();
        let rules = parse_loaded_rules(path, &text).map_err(|d| {
            Error::runtime(format!(
                "the draft rules do not load (a bug in doppel scan): {d}"
            ))
        })?;
        let (plan, problems) = plan::build_all(&rules, catalog, &PlanOptions::check(&no_env));
        // With a tenant section, `check` shows what only a whole copy refuses as notices.
        let whole_copy = match draft.tenant {
            Some(_) => references::whole_copy_problems(&rules, catalog, &plan).0,
            None => Vec::new(),
        };
        let mut bad: BTreeSet<(usize, usize, String)> = BTreeSet::new();
        let mut changed = false;
        left.clear();
        for d in problems.0.iter().filter(|d| !whole_copy.contains(d)) {
            changed |= place(draft, &map, d, &mut bad, &mut left);
        }
        if bad.is_empty() && !changed {
            for f in crate::pipeline::probe::all(client, &plan, catalog).await? {
                let at = draft
                    .tables
                    .iter()
                    .position(|t| t.name.to_string() == f.table);
                let col = at.and_then(|ti| {
                    let c = f.column.as_ref()?;
                    Some((
                        ti,
                        draft.tables[ti].columns.iter().position(|x| &x.name == c)?,
                    ))
                });
                match col {
                    Some((ti, ci)) => {
                        bad.insert((ti, ci, f.message.clone()));
                    }
                    None => left.push(f.to_string()),
                }
            }
            if draft.tenant.is_some() {
                if let Err(d) = crate::subset::build_graph(&rules, catalog, &plan, &no_env) {
                    draft.header.push(format!(
                        "no tenant section: the guessed one does not work ({})",
                        d.0.iter()
                            .map(|d| d.message.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    ));
                    draft.tenant = None;
                    changed = true;
                }
            }
        }
        if bad.is_empty() && !changed {
            return Ok(left);
        }
        for (ti, ci, why) in bad {
            draft.tables[ti].columns[ci].next(&why);
        }
    }
    left.push(format!(
        "the draft still has problems after {ROUNDS} rounds of changes: run doppel check on it"
    ));
    Ok(left)
}

/// Act on one problem: a column's line marks the column; a table's line
/// about rows it cannot copy gives it `rows: none`; anything else is left
/// for the user. Whether the draft changed.
fn place(
    draft: &mut Draft,
    map: &LineMap,
    d: &Diagnostic,
    bad: &mut BTreeSet<(usize, usize, String)>,
    left: &mut Vec<String>,
) -> bool {
    let line = d.loc.as_ref().map(|l| l.line);
    if let Some(&(ti, ci)) = line.and_then(|l| map.columns.get(&l)) {
        bad.insert((ti, ci, d.message.clone()));
        return false;
    }
    if let Some(&ti) = line.and_then(|l| map.tables.get(&l)) {
        let t = &mut draft.tables[ti];
        let rows = d.message.contains("row-level security") || d.message.contains("gets no rows");
        if rows && t.rows_none.is_none() {
            t.rows_none = Some(d.message.clone());
            return true;
        }
    }
    left.push(d.message.clone());
    false
}
