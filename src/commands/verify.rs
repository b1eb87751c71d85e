//! `doppel verify`: check a finished copy against its source and rules.
//! The source is read in one read-only snapshot (as `check` reads it), the
//! target in another; both are exported so that `--jobs` sessions per side
//! read tables in them at once. The stage is `crate::verify`.
//! Prints each finding and a summary on standard error; exit 4 on any
//! finding, 0 when the copy is clean.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::inspect::inspect;
use crate::cli::{LeakArgs, VerifyArgs};
use crate::pg::{session, ConnInfo};
use crate::sink::DatabaseSink;
use crate::verify::{self, Expected, Options, Sessions};
use crate::{Error, ExitCode};

/// Run `doppel verify`.
pub async fn verify(args: VerifyArgs) -> Result<ExitCode, Error> {
    let expected = match &args.run_report {
        Some(p) => Expected::Run(run_report_rows(p)?),
        None => Expected::Source,
    };
    let ins = inspect("verify", &args.source, &args.rules, false).await?;
    let source_snapshot = session::snapshot_id(&ins.client).await.map_err(|e| {
        Error::runtime(format!(
            "source: cannot export a snapshot: {}",
            crate::pg::pg_text(&e)
        ))
    })?;
    let conn = ConnInfo::parse(&args.target).map_err(|e| Error::usage(format!("--target: {e}")))?;
    let target = DatabaseSink::new(conn);
    let tgt = target.connect("verify").await?;
    let target_snapshot = session::export_snapshot(&tgt).await.map_err(|e| {
        Error::runtime(format!(
            "target: cannot open a read-only snapshot: {}",
            crate::pg::pg_text(&e)
        ))
    })?;
    let sessions = Arc::new(Sessions {
        source: ins.source.clone(),
        limits: args.source.limits()?,
        source_snapshot,
        target,
        target_snapshot,
    });
    let sensitive = verify::sensitive_columns(&ins.plan);
    let jobs = args.jobs.unwrap_or_else(super::default_jobs);
    let mut report = verify::verify(
        &ins.client,
        &tgt,
        sessions,
        &ins.plan,
        &ins.catalog,
        &sensitive,
        &expected,
        &options(&args.leaks, jobs),
    )
    .await?;
    let _ = tgt.batch_execute("COMMIT").await;
    let _ = ins.client.batch_execute("COMMIT").await;
    for line in report.summary() {
        eprintln!("{line}");
    }
    if let Some(p) = &args.report {
        report.write(p)?;
    }
    Ok(match report.has_findings() {
        true => ExitCode::Verify,
        false => ExitCode::Success,
    })
}

/// The leak search's options from the command line, reading tables on
/// `jobs` sessions per side.
pub fn options(args: &LeakArgs, jobs: usize) -> Options {
    Options {
        min_length: args.min_length.max(1),
        rare: args.rare.min(254),
        jobs: jobs.max(1),
        ..Options::default()
    }
}

/// Rows written per copied table, from a run report.
fn run_report_rows(path: &Path) -> Result<HashMap<String, u64>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::usage(format!("--run-report {}: {e}", path.display())))?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::usage(format!("--run-report {}: not JSON: {e}", path.display())))?;
    let bad = |why: &str| {
        Error::usage(format!(
            "--run-report {}: {why}; give the file `doppel run --report` wrote",
            path.display()
        ))
    };
    if doc.get("outcome").and_then(|o| o.as_str()) != Some("succeeded") {
        return Err(bad(
            "the run did not succeed, so its copy is not one to verify",
        ));
    }
    let tables = doc
        .get("tables")
        .and_then(|t| t.as_array())
        .ok_or_else(|| bad("it has no `tables` list"))?;
    tables
        .iter()
        .filter(|t| t.get("decision").and_then(|d| d.as_str()) == Some("copy"))
        .map(|t| {
            let name = t.get("table").and_then(|v| v.as_str());
            let rows = t.get("rows_written").and_then(|v| v.as_u64());
            match (name, rows) {
                (Some(n), Some(r)) => Ok((n.to_string(), r)),
                _ => Err(bad("a table entry lacks `table` or `rows_written`")),
            }
        })
        .collect()
}
