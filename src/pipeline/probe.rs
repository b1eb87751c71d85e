//! Checks that need the source, run inside the snapshot's read-only
//! transaction before anything is written: every filter, `sql:` expression
//! and `when` condition must run (EXPLAIN), and masked values must be valid
//! for domains with CHECK constraints and for enums (a sample of source
//! values is masked and cast to the column's type). Each returns its
//! findings, one line per table or column, so that `run` and `check`
//! report them all at once.

use tokio_postgres::Client;

use crate::catalog::Catalog;
use crate::mask::Masker;
use crate::pg::quote_ident;
use crate::plan::{ColumnAction, Decision, Plan};
use crate::Error;

/// How many source values of a column are masked and cast.
const SAMPLE: i64 = 20;

/// A problem the source found, with the table (and column) it is about.
#[derive(Debug, Clone)]
pub struct Finding {
    /// `schema.table`.
    pub table: String,
    /// The column, when the finding is about one.
    pub column: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "tables.{}.columns.{c}: {}", self.table, self.message),
            None => write!(f, "tables.{}: {}", self.table, self.message),
        }
    }
}

/// One message for a list of findings.
pub fn summary(findings: &[Finding]) -> String {
    let lines: Vec<String> = findings.iter().map(|f| format!("  {f}")).collect();
    format!(
        "{} problem{} found on the source:\n{}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        lines.join("\n")
    )
}

pub(crate) fn db_message(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string())
}

/// Run `statement` (a future of the source session `src`, which sends
/// nothing until awaited) in a savepoint, so that its failure leaves the
/// snapshot's transaction usable: `Ok(Err(e))` when the server refused the
/// statement, `Err` when the session failed.
pub(crate) async fn in_savepoint<T>(
    src: &Client,
    statement: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<Result<T, tokio_postgres::Error>, Error> {
    let src_err =
        |e: tokio_postgres::Error| Error::runtime(format!("source: {}", crate::pg::pg_text(&e)));
    src.batch_execute("SAVEPOINT doppel_probe")
        .await
        .map_err(src_err)?;
    let result = statement.await;
    if let Err(e) = &result {
        if e.as_db_error().is_none() {
            return Err(Error::runtime(format!("source: {}", crate::pg::pg_text(e))));
        }
    }
    src.batch_execute("ROLLBACK TO SAVEPOINT doppel_probe")
        .await
        .map_err(src_err)?;
    Ok(result)
}

/// Run `sql` in a savepoint; `Ok(Err(message))` when the statement failed.
async fn attempt(
    src: &Client,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Result<(), String>, Error> {
    Ok(in_savepoint(src, src.execute(sql, params))
        .await?
        .map(|_| ())
        .map_err(|e| db_message(&e)))
}

/// Every check of this module, in order.
pub async fn all(src: &Client, plan: &Plan, catalog: &Catalog) -> Result<Vec<Finding>, Error> {
    let mut found = sql_runs(src, plan).await?;
    found.extend(outputs_fit_types(src, plan, catalog).await?);
    Ok(found)
}

/// Every filter, `sql:` expression and `when` condition through EXPLAIN
/// (one leaf per table).
pub async fn sql_runs(src: &Client, plan: &Plan) -> Result<Vec<Finding>, Error> {
    let mut found = Vec::new();
    for t in plan.tables.iter().filter(|t| t.decision == Decision::Copy) {
        let Some(job) = t.leaves.first() else {
            continue;
        };
        if !job.needs_select() {
            continue;
        }
        let sql = format!("EXPLAIN {}", super::source_select_sql(job));
        if let Err(msg) = attempt(src, &sql, &[]).await? {
            let what = if t.filter.is_some() {
                "filter or expressions"
            } else {
                "expressions"
            };
            found.push(Finding {
                table: t.name.to_string(),
                column: None,
                message: format!("{what} cannot run on the source: {msg}"),
            });
        }
    }
    Ok(found)
}

fn maskers_of(action: &ColumnAction, out: &mut Vec<Masker>) {
    match action {
        ColumnAction::Mask(m) => out.push(m.clone()),
        ColumnAction::When(branches) => branches.iter().for_each(|(_, a)| maskers_of(a, out)),
        _ => {}
    }
}

/// Masked values of columns typed by a domain or an enum must be values of
/// that type: a sample of the column's source values is masked and cast.
pub async fn outputs_fit_types(
    src: &Client,
    plan: &Plan,
    catalog: &Catalog,
) -> Result<Vec<Finding>, Error> {
    let mut found = Vec::new();
    for t in plan.tables.iter().filter(|t| t.decision == Decision::Copy) {
        let Some(table) = catalog.by_name(&t.name) else {
            continue;
        };
        for c in &t.columns {
            let Some(col) = table.column(&c.name) else {
                continue;
            };
            if !(col.is_domain || col.category == 'E') {
                continue;
            }
            let mut maskers = Vec::new();
            maskers_of(&c.action, &mut maskers);
            if maskers.is_empty() {
                continue;
            }
            let sample_sql = format!(
                "SELECT {c}::text FROM {t} WHERE {c} IS NOT NULL LIMIT {SAMPLE}",
                c = quote_ident(&col.name),
                t = t.name.quoted()
            );
            let rows = src.query(&sample_sql, &[]).await.map_err(|e| {
                Error::runtime(format!(
                    "source: sampling {}: {}",
                    t.name,
                    crate::pg::pg_text(&e)
                ))
            })?;
            let mut inputs: Vec<String> = rows.iter().filter_map(|r| r.get(0)).collect();
            if inputs.is_empty() {
                // A constant needs no input; other maskers have nothing to show.
                inputs.push(String::new());
            }
            for m in &maskers {
                let mut outputs: Vec<String> = Vec::new();
                for v in &inputs {
                    let mut out = String::new();
                    match m.apply(v, &mut out) {
                        Ok(true) => outputs.push(out),
                        Ok(false) => {}
                        // Empty placeholder input: nothing to learn.
                        Err(_) if v.is_empty() => {}
                        Err(e) => {
                            found.push(Finding {
                                table: t.name.to_string(),
                                column: Some(c.name.clone()),
                                message: format!("{} fails on a source value: {e}", m.describe()),
                            });
                            break;
                        }
                    }
                }
                if outputs.is_empty() {
                    continue;
                }
                let cast = format!("SELECT x::{} FROM unnest($1::text[]) AS x", col.type_name);
                if let Err(msg) = attempt(src, &cast, &[&outputs]).await? {
                    found.push(Finding {
                        table: t.name.to_string(),
                        column: Some(c.name.clone()),
                        message: format!(
                            "{} gives values that type {} does not accept ({msg}): use a masker whose output fits its CHECK or labels, e.g. {{ value: … }} with an allowed value, or keep",
                            m.describe(),
                            col.type_name
                        ),
                    });
                }
            }
        }
    }
    Ok(found)
}
