//! `doppel verify`: check a finished copy against its source and rules.
//! The source is read in one read-only snapshot (as `check` reads it), the
//! target in one read-only transaction; the stage is `crate::verify`.
//! Prints each finding and a summary on standard error; exit 4 on any
//! finding, 0 when the copy is clean.

use std::collections::HashMap;
use std::path::Path;

use super::inspect::inspect;
use crate::cli::{LeakArgs, VerifyArgs};
use crate::pg::{session, ConnInfo};
use crate::verify::{self, Expected, Options};
use crate::{Error, ExitCode};

/// Run `doppel verify`.
pub async fn verify(args: VerifyArgs) -> Result<ExitCode, Error> {
    let expected = match &args.run_report {
        Some(p) => Expected::Run(run_report_rows(p)?),
        None => Expected::Source,
    };
    let ins = inspect("verify", &args.source, &args.rules, false).await?;
    let conn = ConnInfo::parse(&args.target).map_err(|e| Error::usage(format!("--target: {e}")))?;
    let fail = |e: &(dyn std::error::Error + 'static)| {
        Error::runtime(format!("target: {}", crate::pg::pg_text(e)))
    };
    let tgt = conn.connect().await.map_err(|e| fail(&e))?;
    session::prepare(&tgt, "verify")
        .await
        .map_err(|e| fail(&e))?;
    tgt.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .map_err(|e| fail(&e))?;
    let sensitive = verify::sensitive_columns(&ins.plan);
    let mut report = verify::verify(
        &ins.client,
        &tgt,
        &ins.plan,
        &ins.catalog,
        &sensitive,
        &expected,
        &options(&args.leaks),
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

/// The leak search's options from the command line.
pub fn options(args: &LeakArgs) -> Options {
    Options {
        min_length: args.min_length.max(1),
        rare: args.rare,
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
