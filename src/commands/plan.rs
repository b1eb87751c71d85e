//! `doppel plan`: what `run` would do, per table: the row estimate, the
//! exact source query with its filter, each column's masker and the rule
//! that chose it, the load order, what is left out and why, and what the
//! roles of `access:` will be granted. Nothing is copied and the key is
//! never needed (its fingerprint is shown when the environment has it).

use serde_json::json;

use super::inspect::inspect;
use crate::cli::{OutputFormat, PlanArgs};
use crate::pipeline::{ranges_of, source_copy_sql, PipelineOptions};
use crate::plan::{Decision, LeafJob};
use crate::report::human_bytes;
use crate::{Error, ExitCode};

/// Run `doppel plan`.
pub async fn plan(args: PlanArgs) -> Result<ExitCode, Error> {
    let selection = args.tenants.selection()?;
    let copy_format = args.copy_format.choice();
    let split_above = args.split_above;
    let args = args.inspect;
    let ins = inspect("plan", &args.source, &args.rules, selection.is_subset()).await?;
    let mut problems = ins.problems.clone();
    problems.0.extend(ins.source_problems().await?);
    let access_note = match ins.access_problems(args.target.as_deref()).await? {
        Some(missing) => {
            problems.0.extend(missing.0);
            None
        }
        None => ins.access_unchecked(),
    };
    let subset =
        match crate::subset::prepare(&ins.client, &ins.rules, &ins.catalog, &ins.plan, &selection)
            .await
        {
            Ok(s) => s,
            Err(e) if !selection.is_subset() => {
                problems.push(crate::config::Diagnostic::at(None, e.to_string()));
                None
            }
            Err(e) => return Err(e),
        };
    let _ = ins.client.batch_execute("COMMIT").await;
    // Before PostgreSQL 14 a ctid range is a filter on a whole scan: `run`
    // does not split there.
    let split_above = match crate::pg::session::server_major(&ins.client).await {
        Ok(v) if v >= 14 => split_above,
        _ => 0,
    };
    let options = PipelineOptions {
        copy_format,
        split_above,
        ..PipelineOptions::default()
    };
    let queries = |l: &LeafJob| -> Vec<String> {
        let parts = ranges_of(l, &options);
        match parts.is_empty() {
            true => vec![source_copy_sql(l, &options)],
            false => parts.iter().map(|p| source_copy_sql(p, &options)).collect(),
        }
    };
    let order: Vec<String> = ins
        .plan
        .jobs()
        .iter()
        .map(|j| j.table.to_string())
        .collect();
    let limits = args.source.limits()?;
    let key = ins
        .plan
        .key_fingerprint
        .clone()
        .or_else(|| ins.key.as_ref().map(|k| k.fingerprint()));
    let tables: Vec<serde_json::Value> = ins
        .plan
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let sub = subset.as_ref().map(|s| &s.tables[i]);
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
                "queries": t.leaves.iter().flat_map(queries).collect::<Vec<_>>(),
                "ranges": t.leaves.iter().map(|l| ranges_of(l, &options).len().max(1)).sum::<usize>(),
                "copy_format": t.leaves.iter().map(|l| {
                    let (f, why) = l.format(copy_format);
                    json!({"relation": l.table.to_string(), "format": f.name(), "because": why})
                }).collect::<Vec<_>>(),
                "subset": subset.as_ref().zip(sub).map(|(all, s)| json!({
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
        })
        .collect();
    match args.format {
        OutputFormat::Json => {
            let doc = json!({
                "rules": ins.rules.path.display().to_string(),
                "rules_sha256": ins.rules.sha256,
                "source": ins.source.describe(),
                "key_fingerprint": key,
                "source_limits": { "lock_timeout": limits.lock_timeout, "statement_timeout": limits.statement_timeout },
                "load_order": order,
                "tables": tables,
                "tenants": subset.as_ref().map(|s| json!({
                    "whole_copy": s.whole,
                    "copied": s.tenants,
                    "excluded": s.excluded,
                    "excluded_rows": s.excluded_total(),
                    "set_null": s.nulled_total(),
                    "dropped": s.dropped_total(),
                })),
                "sequences": ins.plan.sequences.len(),
                "materialized_views": ins.plan.matviews.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
                "access": ins.plan.access.iter().map(|g| json!({
                    "role": g.role,
                    "schemas": g.schemas,
                    "relations": g.relations.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                    "sequences": g.sequences.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                    "grants": g.describe(),
                })).collect::<Vec<_>>(),
                "access_note": access_note,
                "problems": problems.0.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).map_err(Error::runtime)?
            );
        }
        OutputFormat::Text | OutputFormat::Github => {
            println!(
                "plan for {} (sha256 {}…) against {}",
                ins.rules.path.display(),
                &ins.rules.sha256[..12.min(ins.rules.sha256.len())],
                ins.source.describe()
            );
            println!(
                "key: {}; source limits: lock_timeout {}, statement_timeout {}",
                key.as_deref()
                    .unwrap_or("not available here (only its fingerprint is ever shown)"),
                limits.lock_timeout,
                limits.statement_timeout
            );
            let copied = ins
                .plan
                .tables
                .iter()
                .filter(|t| t.decision == Decision::Copy)
                .count();
            println!(
                "{copied} tables copied, {} schema only; load order (largest first): {}",
                ins.plan.tables.len() - copied,
                order.join(", ")
            );
            if let Some(s) = &subset {
                println!("{}", s.summary());
            }
            for (i, (t, j)) in ins.plan.tables.iter().zip(&tables).enumerate() {
                println!();
                match &t.decision {
                    Decision::SchemaOnly(why) => {
                        println!("{}: schema only ({why})", t.name);
                        continue;
                    }
                    Decision::Copy => println!(
                        "{}: copy, {}, {}{}",
                        t.name,
                        match (
                            t.leaves.iter().map(|l| l.estimate_rows).sum::<u64>(),
                            j["estimate_rows"].as_u64().unwrap_or(0),
                            subset.as_ref().and_then(|s| s.tables[i].count)
                        ) {
                            (_, _, Some(n)) =>
                                format!("{n} row{} in the subset", if n == 1 { "" } else { "s" }),
                            (0, _, None) => "rows not estimated (never analyzed)".to_string(),
                            (_, n, None) => format!("~{n} rows"),
                        },
                        human_bytes(j["bytes"].as_u64().unwrap_or(0)),
                        j["load_order"]
                            .as_u64()
                            .map(|o| format!(", load order {o}"))
                            .unwrap_or_default()
                    ),
                }
                for l in &t.leaves {
                    print_queries(l, &ranges_of(l, &options), &options);
                    let (f, why) = l.format(copy_format);
                    let on = match t.leaves.len() {
                        1 => String::new(),
                        _ => format!(" ({})", l.table),
                    };
                    println!("  format{on}: {} ({why})", f.name());
                }
                if let Some((all, s)) = subset.as_ref().map(|all| (all, &all.tables[i])) {
                    println!(
                        "  subset: {}; rows where {}",
                        all.role_text(s),
                        s.rows.describe()
                    );
                    if s.excluded > 0 {
                        println!(
                            "  subset: {} row{} of the excluded tenants left out",
                            s.excluded,
                            if s.excluded == 1 { "" } else { "s" }
                        );
                    }
                    for (c, p) in &s.nulls {
                        println!("  subset: {}", crate::subset::describe_null(c, p));
                    }
                    for (e, n) in &s.nulled {
                        println!(
                            "  subset: {n} row{}: {e} set NULL (the row referenced is not copied)",
                            if *n == 1 { "" } else { "s" }
                        );
                    }
                    if s.dropped > 0 {
                        println!(
                            "  subset: {} row{} dropped ({})",
                            s.dropped,
                            if s.dropped == 1 { "" } else { "s" },
                            if all.whole {
                                "they reference rows left out: children of the excluded tenants' rows"
                            } else {
                                "a NOT NULL reference to a row not copied"
                            }
                        );
                    }
                }
                let width = t.columns.iter().map(|c| c.name.len()).max().unwrap_or(0);
                for c in &t.columns {
                    println!("  {:width$}  {}  ← {}", c.name, c.action.describe(), c.rule);
                }
            }
            println!();
            println!(
                "then: {} sequences set, {} materialized views refreshed",
                ins.plan.sequences.len(),
                ins.plan.matviews.len()
            );
            if !ins.plan.access.is_empty() {
                println!("then access, granted inside the copy before the run ends:");
                for g in &ins.plan.access {
                    println!("  {}", g.describe());
                }
                if let Some(note) = &access_note {
                    println!("  ({note})");
                }
            }
            if !problems.is_empty() {
                println!();
                println!("run would refuse: {problems}");
            }
        }
    }
    Ok(if problems.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Usage
    })
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
