//! `doppel plan`: what `run` would do, per table: the row estimate, the
//! exact source query with its filter, each column's masker and the rule
//! that chose it, the load order, what is left out and why, and what the
//! roles of `access:` will be granted. Nothing is copied and the key is
//! never needed (its fingerprint is shown when the environment has it).

use super::inspect::inspect;
use crate::cli::{OutputFormat, PlanArgs};
use crate::pipeline::PipelineOptions;
use crate::report::PlanView;
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
    let limits = args.source.limits()?;
    let key = ins
        .plan
        .key_fingerprint
        .clone()
        .or_else(|| ins.key.as_ref().map(|k| k.fingerprint()));
    let view = PlanView {
        plan: &ins.plan,
        rules_path: ins.rules.path.display().to_string(),
        rules_sha256: &ins.rules.sha256,
        source: ins.source.describe(),
        key,
        limits,
        subset: subset.as_ref(),
        options: &options,
        problems: &problems,
        access_note,
    };
    match args.format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&view.json()).map_err(Error::runtime)?
        ),
        OutputFormat::Text | OutputFormat::Github => view.print_text(),
    }
    Ok(if problems.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Usage
    })
}
