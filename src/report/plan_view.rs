//! What `doppel plan` shows of a compiled plan: per table the row estimate,
//! the exact source queries, the COPY format and why, the subset's rows,
//! each column's masker and the rule that chose it; then sequences,
//! materialized views, grants and what `run` would refuse. As JSON or text.

use serde_json::{json, Value};

use crate::config::Diagnostics;
use crate::pg::session::SourceLimits;
use crate::pipeline::{ranges_of, source_copy_sql, PipelineOptions};
use crate::plan::{Decision, LeafJob, Plan, TablePlan};
use crate::report::human_bytes;
use crate::subset::{Subset, TableSubset};

/// Everything `plan` prints, gathered by the command.
pub struct PlanView<'a> {
    /// The compiled plan.
    pub plan: &'a Plan,
    /// The rules file, as given.
    pub rules_path: String,
    /// The rules file's SHA-256 (hex).
    pub rules_sha256: &'a str,
    /// The source, for display (no password).
    pub source: String,
    /// The key's fingerprint, when the plan or the environment has it.
    pub key: Option<String>,
    /// The source session's limits.
    pub limits: SourceLimits,
    /// The tenant subset or whole copy without excluded tenants, if any.
    pub subset: Option<&'a Subset>,
    /// How `run` would read: the COPY format and the split threshold.
    pub options: &'a PipelineOptions,
    /// Every problem `run` would refuse for.
    pub problems: &'a Diagnostics,
    /// Why the roles of `access:` were not looked up, when they were not.
    pub access_note: Option<String>,
}

impl PlanView<'_> {
    /// The tables in load order (largest first).
    fn order(&self) -> Vec<String> {
        self.plan
            .jobs()
            .iter()
            .map(|j| j.table.to_string())
            .collect()
    }

    /// The source queries of a leaf: one, or one per range of a split table.
    fn queries(&self, l: &LeafJob) -> Vec<String> {
        let parts = ranges_of(l, self.options);
        match parts.is_empty() {
            true => vec![source_copy_sql(l, self.options)],
            false => parts
                .iter()
                .map(|p| source_copy_sql(p, self.options))
                .collect(),
        }
    }

    /// One JSON object per plan table, in the plan's order.
    pub fn tables_json(&self) -> Vec<Value> {
        let order = self.order();
        self.plan
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| self.table_json(t, self.subset.map(|s| &s.tables[i]), &order))
            .collect()
    }

    /// The JSON object of one table.
    fn table_json(&self, t: &TablePlan, sub: Option<&TableSubset>, order: &[String]) -> Value {
        let copy_format = self.options.copy_format;
        let estimate: u64 = t.leaves.iter().map(|l| l.estimate_rows).sum();
        let rows: u64 = match sub {
            Some(s) => s
                .count
                .unwrap_or_else(|| estimate.saturating_sub(s.excluded + s.dropped)),
            None => estimate,
        };
        let bytes: u64 = t.leaves.iter().map(|l| l.bytes).sum();
        json!({
            "table": t.name.to_string(),
            "copy": t.decision == Decision::Copy,
            "excluded_because": match &t.decision { Decision::SchemaOnly(why) => Some(why.clone()), Decision::Copy => None },
            "estimate_rows": rows,
            "bytes": bytes,
            "filter": t.filter,
            "load_order": t.leaves.iter().filter_map(|l| order.iter().position(|o| o == &l.table.to_string()).map(|p| p + 1)).min(),
            "queries": t.leaves.iter().flat_map(|l| self.queries(l)).collect::<Vec<_>>(),
            "ranges": t.leaves.iter().map(|l| ranges_of(l, self.options).len().max(1)).sum::<usize>(),
            "copy_format": t.leaves.iter().map(|l| {
                let (f, why) = l.format(copy_format);
                json!({"relation": l.table.to_string(), "format": f.name(), "because": why})
            }).collect::<Vec<_>>(),
            "subset": self.subset.zip(sub).map(|(all, s)| json!({
                "role": all.role_text(s),
                "predicate": s.rows.describe(),
                "predicate_sql": s.rows.sql(),
                "rows": s.count,
                "excluded_rows": s.excluded,
                "dropped": s.dropped,
                "set_null": s.nulls.iter().map(|(c, p)| json!({"column": c, "when": p.describe()})).collect::<Vec<_>>(),
                "nulled": s.nulled.iter().map(|(e, n)| json!({"reference": e, "rows": n})).collect::<Vec<_>>(),
            })),
            "columns": t.columns.iter().map(|c| json!({
                "column": c.name,
                "type": c.type_name,
                "masker": if t.decision == Decision::Copy { c.action.describe() } else { "no rows".to_string() },
                "rule": c.rule,
            })).collect::<Vec<_>>(),
        })
    }

    /// The whole plan as one JSON document.
    pub fn json(&self) -> Value {
        let subset = self.subset;
        json!({
            "rules": self.rules_path,
            "rules_sha256": self.rules_sha256,
            "source": self.source,
            "key_fingerprint": self.key,
            "source_limits": { "lock_timeout": self.limits.lock_timeout, "statement_timeout": self.limits.statement_timeout },
            "load_order": self.order(),
            "tables": self.tables_json(),
            "tenants": subset.map(|s| json!({
                "whole_copy": s.whole,
                "copied": s.tenants,
                "excluded": s.excluded,
                "excluded_rows": s.excluded_total(),
                "set_null": s.nulled_total(),
                "dropped": s.dropped_total(),
            })),
            "sequences": self.plan.sequences.len(),
            "materialized_views": self.plan.matviews.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
            "access": self.plan.access.iter().map(|g| json!({
                "role": g.role,
                "schemas": g.schemas,
                "relations": g.relations.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                "sequences": g.sequences.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                "grants": g.describe(),
            })).collect::<Vec<_>>(),
            "access_note": self.access_note,
            "problems": self.problems.0.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        })
    }

    /// The plan as text on standard output.
    pub fn print_text(&self) {
        self.print_header();
        let tables = self.tables_json();
        for (i, (t, j)) in self.plan.tables.iter().zip(&tables).enumerate() {
            println!();
            self.print_table(i, t, j);
        }
        self.print_after();
    }

    /// Rules, key, limits, what is copied and the load order.
    fn print_header(&self) {
        println!(
            "plan for {} (sha256 {}…) against {}",
            self.rules_path,
            &self.rules_sha256[..12.min(self.rules_sha256.len())],
            self.source
        );
        println!(
            "key: {}; source limits: lock_timeout {}, statement_timeout {}",
            self.key
                .as_deref()
                .unwrap_or("not available here (only its fingerprint is ever shown)"),
            self.limits.lock_timeout,
            self.limits.statement_timeout
        );
        let copied = self
            .plan
            .tables
            .iter()
            .filter(|t| t.decision == Decision::Copy)
            .count();
        println!(
            "{copied} tables copied, {} schema only; load order (largest first): {}",
            self.plan.tables.len() - copied,
            self.order().join(", ")
        );
        if let Some(s) = self.subset {
            println!("{}", s.summary());
        }
    }

    /// One table: what is done with it, its queries and format, its subset
    /// and its columns. `j` is its JSON object.
    fn print_table(&self, i: usize, t: &TablePlan, j: &Value) {
        if let Decision::SchemaOnly(why) = &t.decision {
            println!("{}: schema only ({why})", t.name);
            return;
        }
        let rows = match (
            t.leaves.iter().map(|l| l.estimate_rows).sum::<u64>(),
            j["estimate_rows"].as_u64().unwrap_or(0),
            self.subset.and_then(|s| s.tables[i].count),
        ) {
            (_, _, Some(n)) => format!("{n} row{} in the subset", plural(n)),
            (0, _, None) => "rows not estimated (never analyzed)".to_string(),
            (_, n, None) => format!("~{n} rows"),
        };
        println!(
            "{}: copy, {rows}, {}{}",
            t.name,
            human_bytes(j["bytes"].as_u64().unwrap_or(0)),
            j["load_order"]
                .as_u64()
                .map(|o| format!(", load order {o}"))
                .unwrap_or_default()
        );
        for l in &t.leaves {
            print_queries(l, &ranges_of(l, self.options), self.options);
            let (f, why) = l.format(self.options.copy_format);
            let on = match t.leaves.len() {
                1 => String::new(),
                _ => format!(" ({})", l.table),
            };
            println!("  format{on}: {} ({why})", f.name());
        }
        if let Some(all) = self.subset {
            print_subset(all, &all.tables[i]);
        }
        let width = t.columns.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for c in &t.columns {
            println!("  {:width$}  {}  ← {}", c.name, c.action.describe(), c.rule);
        }
    }

    /// Sequences, materialized views, grants and what `run` would refuse.
    fn print_after(&self) {
        println!();
        println!(
            "then: {} sequences set, {} materialized views refreshed",
            self.plan.sequences.len(),
            self.plan.matviews.len()
        );
        if !self.plan.access.is_empty() {
            println!("then access, granted inside the copy before the run ends:");
            for g in &self.plan.access {
                println!("  {}", g.describe());
            }
            if let Some(note) = &self.access_note {
                println!("  ({note})");
            }
        }
        if !self.problems.is_empty() {
            println!();
            println!("run would refuse: {}", self.problems);
        }
    }
}

/// "s" unless `n` is one.
fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A table's part of the subset: its rows, and the rows left out, set NULL
/// or dropped.
fn print_subset(all: &Subset, s: &TableSubset) {
    println!(
        "  subset: {}; rows where {}",
        all.role_text(s),
        s.rows.describe()
    );
    if s.excluded > 0 {
        println!(
            "  subset: {} row{} of the excluded tenants left out",
            s.excluded,
            plural(s.excluded)
        );
    }
    for (c, p) in &s.nulls {
        println!("  subset: {}", crate::subset::describe_null(c, p));
    }
    for (e, n) in &s.nulled {
        println!(
            "  subset: {n} row{}: {e} set NULL (the row referenced is not copied)",
            plural(*n)
        );
    }
    if s.dropped > 0 {
        println!(
            "  subset: {} row{} dropped ({})",
            s.dropped,
            plural(s.dropped),
            if all.whole {
                "they reference rows left out: children of the excluded tenants' rows"
            } else {
                "a NOT NULL reference to a row not copied"
            }
        );
    }
}

/// A leaf's source query, or the queries of its ranges (the first two and
/// the last, when there are more).
fn print_queries(leaf: &LeafJob, parts: &[LeafJob], options: &PipelineOptions) {
    if parts.is_empty() {
        println!("  query: {}", source_copy_sql(leaf, options));
        return;
    }
    println!(
        "  {}: read in {} ranges of heap blocks by the jobs that come free, loaded through one COPY",
        leaf.table,
        parts.len()
    );
    for (i, p) in parts.iter().enumerate() {
        if i == 2 && parts.len() > 3 {
            println!("  … {} more ranges", parts.len() - 3);
        }
        if i < 2 || i + 1 == parts.len() {
            let range = p.range.map(|r| r.describe()).unwrap_or_default();
            println!("  query, {range}: {}", source_copy_sql(p, options));
        }
    }
}
