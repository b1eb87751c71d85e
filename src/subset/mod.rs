//! Tenant subsets (SPEC §3): which rows of each table a copy of some tenants
//! holds, decided inside the run's snapshot with SELECTs only (no temporary
//! tables, so a hot standby can be the source).
//!
//! A subset: the root and the tenant tables hold the chosen tenants' rows. Tables
//! without the tenant column are reached through references, both ways, to
//! a fixpoint: the rows that reference a tenant's rows (owned children, read
//! batch by batch through the referencing columns' indexes) and the rows
//! that copied rows reference (parents, e.g. global users). Then every
//! reference is checked against what is copied: one to a row that is not
//! copied (another tenant's) is set to NULL where the column allows it,
//! otherwise the referencing row is dropped, until nothing changes. The
//! outcome is one predicate per table (and NULL rewrites for some columns)
//! that the table's COPY applies.
//!
//! A whole copy without some tenants (`exclude.rs`) goes the other way:
//! from the excluded tenants' rows forward to what references them, so
//! that it reads what is left out rather than what is copied, and ends in
//! the same kind of predicates.

mod check;
mod closure;
mod exclude;
pub mod graph;
pub mod pred;
mod read;
mod shared;
mod state;
mod tenants;

pub use closure::compute;
pub use graph::{build as build_graph, Edge, Graph, Node, Role};
pub use pred::Pred;

use sha2::{Digest, Sha256};

use crate::pg::{quote_ident, QualifiedName};
use crate::plan::Plan;

/// Which tenants to copy, as the command line and rules give them.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--tenant`: these tenants.
    pub tenants: Vec<String>,
    /// `--sample-tenants P%`: a stable share of all tenants, chosen by hashed id.
    pub sample_percent: Option<f64>,
    /// `--exclude-tenant`: never these (wins over the others).
    pub exclude: Vec<String>,
}

impl Selection {
    /// True when the copy is limited to some tenants.
    pub fn is_subset(&self) -> bool {
        !self.tenants.is_empty() || self.sample_percent.is_some()
    }

    /// True when anything about tenants was asked for.
    pub fn is_set(&self) -> bool {
        self.is_subset() || !self.exclude.is_empty()
    }
}

/// Parse `--sample-tenants`: `5%`, `0.5%` or `5` (percent of all tenants).
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let n = t.strip_suffix('%').unwrap_or(t).trim();
    match n.parse::<f64>() {
        Ok(p) if p > 0.0 && p <= 100.0 => Ok(p),
        _ => Err(format!(
            "`{text}` is not a share of tenants: write a percentage above 0 and at most 100, e.g. 5%"
        )),
    }
}

/// Whether `--sample-tenants percent` chooses the tenant `id`: its SHA-256,
/// read as a fraction, is below the share. The same id is always chosen the
/// same way, whatever the key, the run or the other tenants.
pub fn sampled(id: &str, percent: f64) -> bool {
    let h = Sha256::digest(id.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    (u64::from_be_bytes(b) as f64) / 18_446_744_073_709_551_616.0 * 100.0 < percent
}

/// The rows one table keeps.
#[derive(Debug, Clone)]
pub struct TableSubset {
    /// The table.
    pub name: QualifiedName,
    /// Its role.
    pub role: Role,
    /// The rows kept (the rules' filter applies on top).
    pub rows: Pred,
    /// Columns set to NULL where the predicate holds (references to rows not copied).
    pub nulls: Vec<(String, Pred)>,
    /// Rows kept, counted while closing the subset (`None`: not read).
    pub count: Option<u64>,
    /// Rows dropped because a NOT NULL reference pointed at a row not copied
    /// (in a whole copy without some tenants: the rows left out because
    /// they reference rows left out).
    pub dropped: u64,
    /// In a whole copy without some tenants: the excluded tenants' own rows
    /// (tenant column or root key), left out.
    pub excluded: u64,
    /// Per reference: rows whose reference to a row not copied is set to NULL.
    pub nulled: Vec<(String, u64)>,
}

/// The outcome of closing a subset, or of leaving tenants out of a whole copy.
#[derive(Debug, Clone)]
pub struct Subset {
    /// The tenants copied (empty in a whole copy: every tenant not excluded).
    pub tenants: Vec<String>,
    /// Tenants excluded (by the rules or `--exclude-tenant`): in a subset,
    /// those that were asked for or sampled; in a whole copy, all of them.
    pub excluded: Vec<String>,
    /// Per plan table, same order.
    pub tables: Vec<TableSubset>,
    /// A whole copy without the excluded tenants, rather than a subset.
    pub whole: bool,
}

impl Subset {
    /// Limit `plan`'s jobs to the subset: each table's predicate joins its
    /// filter, NULL rewrites wrap the selected columns, and estimates become
    /// the counted rows.
    pub fn apply(&self, plan: &mut Plan) {
        for (t, s) in plan.tables.iter_mut().zip(&self.tables) {
            if s.rows == Pred::True && s.nulls.is_empty() {
                continue;
            }
            let pred = s.rows.sql();
            let nulls: Vec<(&String, String)> = s.nulls.iter().map(|(c, p)| (c, p.sql())).collect();
            let total: u64 = t.leaves.iter().map(|l| l.estimate_rows).sum();
            let n = t.leaves.len() as u64;
            for leaf in &mut t.leaves {
                if s.rows != Pred::True {
                    leaf.filter = Some(match &leaf.filter {
                        Some(f) => format!("({f}) AND {pred}"),
                        None => pred.clone(),
                    });
                }
                for (col, when) in &nulls {
                    if let Some(i) = leaf.columns.iter().position(|c| c == *col) {
                        leaf.select[i] =
                            format!("(CASE WHEN {when} THEN NULL ELSE {} END)", leaf.select[i]);
                    }
                }
                let left_out = s.excluded + s.dropped;
                let kept = s
                    .count
                    .or_else(|| (left_out > 0).then(|| total.saturating_sub(left_out)));
                if let Some(count) = kept {
                    leaf.estimate_rows = if total == 0 {
                        count / n.max(1)
                    } else {
                        (count as f64 * leaf.estimate_rows as f64 / total as f64).round() as u64
                    };
                }
            }
        }
    }

    /// References set to NULL, in total.
    pub fn nulled_total(&self) -> u64 {
        self.tables
            .iter()
            .flat_map(|t| t.nulled.iter().map(|(_, n)| n))
            .sum()
    }

    /// Rows dropped, in total.
    pub fn dropped_total(&self) -> u64 {
        self.tables.iter().map(|t| t.dropped).sum()
    }

    /// The excluded tenants' own rows left out of a whole copy, in total.
    pub fn excluded_total(&self) -> u64 {
        self.tables.iter().map(|t| t.excluded).sum()
    }

    /// How table `t` is treated, for plans and reports.
    pub fn role_text(&self, t: &TableSubset) -> &'static str {
        match (&t.role, self.whole) {
            (Role::Reached, true) => "no tenant column",
            (role, _) => role.describe(),
        }
    }

    /// One line for logs and summaries.
    pub fn summary(&self) -> String {
        if self.whole {
            return self.whole_summary();
        }
        let mut s = format!(
            "tenant subset: {} tenant{}",
            self.tenants.len(),
            if self.tenants.len() == 1 { "" } else { "s" }
        );
        if self.tenants.len() <= 3 {
            s.push_str(&format!(" ({})", self.tenants.join(", ")));
        }
        if !self.excluded.is_empty() {
            s.push_str(&format!(", {} excluded", self.excluded.len()));
        }
        s.push_str(&format!(
            "; {} reference{} to rows not copied set to NULL, {} row{} dropped",
            self.nulled_total(),
            plural(self.nulled_total()),
            self.dropped_total(),
            plural(self.dropped_total()),
        ));
        s.push_str(&self.details());
        s
    }

    /// The summary of a whole copy without some tenants.
    fn whole_summary(&self) -> String {
        let mut s = format!(
            "whole copy without {} excluded tenant{}",
            self.excluded.len(),
            plural(self.excluded.len() as u64)
        );
        if self.excluded.len() <= 3 {
            s.push_str(&format!(" ({})", self.excluded.join(", ")));
        }
        s.push_str(&format!(
            "; {} of their row{} left out, {} row{} that reference rows left out dropped, {} reference{} set to NULL",
            self.excluded_total(),
            plural(self.excluded_total()),
            self.dropped_total(),
            plural(self.dropped_total()),
            self.nulled_total(),
            plural(self.nulled_total()),
        ));
        s.push_str(&self.details());
        s
    }

    /// ` (table: n excluded; table: n dropped; reference: n set NULL)`, or
    /// nothing when nothing was left out or set NULL.
    fn details(&self) -> String {
        let details: Vec<String> = self
            .tables
            .iter()
            .flat_map(|t| {
                let mut v: Vec<String> = Vec::new();
                if t.excluded > 0 {
                    v.push(format!("{}: {} excluded", t.name, t.excluded));
                }
                v.extend(
                    t.nulled
                        .iter()
                        .filter(|(_, n)| *n > 0)
                        .map(|(e, n)| format!("{e}: {n} set NULL")),
                );
                if t.dropped > 0 {
                    v.push(format!("{}: {} dropped", t.name, t.dropped));
                }
                v
            })
            .collect();
        if details.is_empty() {
            String::new()
        } else {
            format!(" ({})", details.join("; "))
        }
    }
}

/// `s` unless `n` is one.
fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The subset a run or plan works on: `None` for a whole copy of every
/// tenant; a whole copy without the excluded tenants when tenants are
/// excluded without `--tenant` or `--sample-tenants`. Refuses tenant
/// options without a `tenant:` section.
pub async fn prepare(
    client: &tokio_postgres::Client,
    rules: &crate::config::LoadedRules,
    catalog: &crate::catalog::Catalog,
    plan: &Plan,
    selection: &Selection,
) -> Result<Option<Subset>, crate::Error> {
    use crate::Error;
    let env = |name: &str| std::env::var(name).ok();
    let graph = build_graph(rules, catalog, plan, &env).map_err(Error::usage)?;
    let Some(graph) = graph else {
        if selection.is_set() {
            return Err(Error::usage(format!(
                "--tenant, --sample-tenants and --exclude-tenant need a `tenant:` section in {} (the tenant column and the root table, e.g. tenant: {{ column: org_id, root: public.organisations }})",
                rules.path.display()
            )));
        }
        return Ok(None);
    };
    if !selection.is_subset() {
        if selection.exclude.is_empty() && graph.excluded.is_empty() {
            return Ok(None);
        }
        return Ok(Some(exclude::compute(client, &graph, selection).await?));
    }
    let subset = compute(client, &graph, selection).await?;
    Ok(Some(subset))
}

/// `CASE` helper for `plan`: how a column is rewritten.
pub fn describe_null(col: &str, when: &Pred) -> String {
    format!("{} := NULL when {}", quote_ident(col), when.describe())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_parse_and_refuse_nonsense() {
        assert_eq!(parse_percent("5%"), Ok(5.0));
        assert_eq!(parse_percent("0.5 %"), Ok(0.5));
        assert_eq!(parse_percent("100"), Ok(100.0));
        for bad in ["0%", "-1%", "101%", "five", ""] {
            assert!(parse_percent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sampling_is_stable_and_close_to_the_share() {
        let ids: Vec<String> = (0..20_000).map(|i| format!("tenant-{i}")).collect();
        let chosen: Vec<&String> = ids.iter().filter(|id| sampled(id, 5.0)).collect();
        let again: Vec<&String> = ids.iter().filter(|id| sampled(id, 5.0)).collect();
        assert_eq!(chosen, again);
        assert!((800..1200).contains(&chosen.len()), "{}", chosen.len());
        // A larger share keeps every tenant a smaller share chose.
        assert!(chosen.iter().all(|id| sampled(id, 10.0)));
        assert!(ids.iter().all(|id| sampled(id, 100.0)));
    }
}
