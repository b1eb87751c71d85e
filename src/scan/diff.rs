//! `scan --diff`: what existing rules copy unchanged that the sampled
//! values say is personal. The rules are compiled against the catalog as
//! `check` compiles them; every column of a copied table whose action is
//! `keep` (its own rule, a `match:` pattern, `"*"`, a table `keep`, or
//! `defaults.tables: keep`, or a `when` branch that keeps) is compared with
//! the scan's verdict. Only what the values (or the type) show counts: a
//! suspicion from the name alone is a review note for the draft, not a
//! finding against reviewed rules.

use super::classify::Analysis;
use super::{Finding, Reason};
use crate::catalog::Catalog;
use crate::config::{Diagnostics, LoadedRules};
use crate::pg::QualifiedName;
use crate::plan::{self, ColumnAction, Decision, PlanOptions};

/// A column the rules keep that holds personal data.
#[derive(Debug, Clone)]
pub struct DiffFinding {
    /// The table.
    pub table: QualifiedName,
    /// The column (and json path).
    pub column: String,
    /// The rule that keeps it (`tables.public.users.columns.phone`).
    pub rule: String,
    /// What the values show (with masked examples).
    pub what: String,
}

impl std::fmt::Display for DiffFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{}: kept by {}, but it holds {}",
            self.table, self.column, self.rule, self.what
        )
    }
}

fn keeps(action: &ColumnAction) -> bool {
    match action {
        ColumnAction::Keep => true,
        ColumnAction::When(branches) => branches.iter().any(|(_, a)| keeps(a)),
        _ => false,
    }
}

/// Compare `rules` with the scan; also returns the rules' own problems
/// (columns with problems are not compared).
pub fn diff(
    rules: &LoadedRules,
    catalog: &Catalog,
    analysis: &Analysis,
) -> (Vec<DiffFinding>, Diagnostics) {
    let no_env = |_: &str| None;
    let (plan, problems) = plan::build_all(rules, catalog, &PlanOptions::check(&no_env));
    let shown = |f: &Finding| f.reason != Reason::Name;
    let mut out = Vec::new();
    for t in plan.tables.iter().filter(|t| t.decision == Decision::Copy) {
        for c in t.columns.iter().filter(|c| keeps(&c.action)) {
            let Some(v) = analysis.column(&t.name, &c.name) else {
                continue;
            };
            for (path, f) in v.findings().into_iter().filter(|(_, f)| shown(f)) {
                out.push(DiffFinding {
                    table: t.name.clone(),
                    column: match path {
                        Some(p) => format!("{} {p}", c.name),
                        None => c.name.clone(),
                    },
                    rule: c.rule.clone(),
                    what: f.comment(),
                });
            }
        }
    }
    (out, problems)
}
