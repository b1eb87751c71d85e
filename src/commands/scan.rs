//! `doppel scan`: read a sample of every column inside one read-only
//! snapshot and write a draft rules file (or, with `--diff`, report what
//! existing rules keep that the values say is personal). The work is in
//! `scan/`; this file builds the options, draws progress and writes.

use std::time::Instant;

use super::inspect::{open_source, read_catalog};
use crate::cli::ScanArgs;
use crate::config::load_rules;
use crate::report::Progress;
use crate::scan::{self, Draft, NationalIdPattern, SampleOptions, Status};
use crate::{Error, ExitCode};

/// Run `doppel scan`.
pub async fn scan(args: ScanArgs) -> Result<ExitCode, Error> {
    let started = Instant::now();
    if args.sample_rows == 0 {
        return Err(Error::usage("--sample-rows: give at least 1"));
    }
    let budget = SampleOptions::parse_budget(&args.time_budget)
        .map_err(|e| Error::usage(format!("--time-budget: {e}")))?;
    let mut ids = NationalIdPattern::builtin();
    for spec in &args.national_id {
        ids.push(
            NationalIdPattern::parse(spec)
                .map_err(|e| Error::usage(format!("--national-id {e}")))?,
        );
    }
    // Rules to compare with are read before any connection.
    let existing = match &args.diff {
        Some(p) => Some(load_rules(p).map_err(Error::usage)?),
        None => None,
    };
    let (conn, client) = open_source(&args.source, "scan").await?;
    let catalog = read_catalog(&client).await?;
    let tables = catalog.tables.iter().filter(|t| t.parent.is_none()).count();
    let progress = Progress::new(
        super::progress_style(args.progress),
        args.sample_rows.saturating_mul(tables as u64),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let drawer = {
        let p = progress.clone();
        tokio::spawn(async move { p.draw_until(stopped).await })
    };
    let opts = SampleOptions {
        rows: args.sample_rows,
        budget,
    };
    let samples = scan::sample_all(&client, &catalog, &opts, &progress).await;
    let _ = stop.send(());
    let _ = drawer.await;
    let samples = samples?;
    let analysis = scan::analyse(&catalog, &samples, &ids);
    let sampled = analysis
        .tables
        .iter()
        .filter(|t| matches!(t.status, Status::Sampled(_)))
        .count();

    if let (Some(rules), Some(path)) = (existing, &args.diff) {
        let (found, problems) = scan::diff(&rules, &catalog, &analysis);
        let _ = client.batch_execute("COMMIT").await;
        for f in &found {
            println!("{f}");
        }
        if !problems.is_empty() {
            eprintln!(
                "note: {} has {} problem{} that doppel check reports; the columns concerned were not compared",
                path.display(),
                problems.0.len(),
                if problems.0.len() == 1 { "" } else { "s" }
            );
        }
        println!(
            "diff: {} finding{} in {} against {} ({sampled} of {tables} tables sampled)",
            found.len(),
            if found.len() == 1 { "" } else { "s" },
            path.display(),
            conn.describe()
        );
        return Ok(if found.is_empty() {
            ExitCode::Success
        } else {
            ExitCode::Check
        });
    }

    let mut draft = Draft::build(&catalog, &analysis, scan::guess_tenant(&catalog));
    let left = scan::settle(&mut draft, &catalog, &client).await?;
    let _ = client.batch_execute("COMMIT").await;
    let (masked, kept) = draft.counts();
    draft.header = [
        format!("Draft rules written by `doppel scan` from {}.", conn.describe()),
        format!(
            "{tables} tables: {sampled} read (at most {} rows each), {} judged by column names alone.",
            args.sample_rows,
            tables - sampled
        ),
        format!("{masked} columns masked, {kept} kept. Above each masked column: what it holds, what said so"),
        "(its name, its values, both), how sure, and sampled values masked for review.".into(),
        "Review every rule, then run: doppel check --source URL --rules THIS_FILE".into(),
    ]
    .into_iter()
    .chain(draft.header.drain(..))
    .chain(left.iter().map(|l| format!("check still reports: {l}")))
    .collect();
    let (text, _) = draft.render();
    for l in &left {
        eprintln!("note: check still reports: {l}");
    }
    let target = match &args.output {
        Some(path) => {
            let label = format!("--output {}", path.display());
            crate::pipeline::file::write_atomically(path, text.as_bytes(), &label)?;
            path.display().to_string()
        }
        None => {
            print!("{text}");
            "standard output".into()
        }
    };
    eprintln!(
        "scan: {tables} tables ({sampled} sampled, {} by name only), {masked} columns masked, {kept} kept, in {:.1}s; draft written to {target}",
        tables - sampled,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::Success)
}
