//! `doppel scan`: read a sample of every column inside one read-only
//! snapshot and write a draft rules file (or, with `--diff`, report what
//! existing rules keep that the values say is personal). The work is in
//! `scan/`; this file builds the options, draws progress and writes.

use std::path::Path;
use std::time::Instant;

use super::inspect::{open_source, read_catalog};
use crate::cli::ScanArgs;
use crate::config::{load_rules, Diagnostics};
use crate::report::Progress;
use crate::scan::{self, Coverage, DiffFinding, NationalIdPattern, SampleOptions};
use crate::{Error, ExitCode};

/// Run `doppel scan`.
pub async fn scan(args: ScanArgs) -> Result<ExitCode, Error> {
    let started = Instant::now();
    let (opts, ids) = options(&args)?;
    // Rules to compare with are read before any connection.
    let existing = match &args.diff {
        Some(p) => Some(load_rules(p).map_err(Error::usage)?),
        None => None,
    };
    let (conn, client) = open_source(&args.source, "scan").await?;
    let catalog = read_catalog(&client).await?;
    let progress = Progress::new(
        super::progress_style(args.progress),
        opts.rows.saturating_mul(scan::table_count(&catalog) as u64),
    );
    let samples = progress
        .draw_while(scan::sample_all(&client, &catalog, &opts, &progress))
        .await?;
    let analysis = scan::analyse(&catalog, &samples, &ids);
    let coverage = Coverage::of(&analysis, opts.rows);

    if let (Some(rules), Some(path)) = (existing, &args.diff) {
        let (found, problems) = scan::diff(&rules, &catalog, &analysis);
        let _ = client.batch_execute("COMMIT").await;
        print_diff(&found, &problems, path, &conn.describe(), &coverage);
        return Ok(if found.is_empty() {
            ExitCode::Success
        } else {
            ExitCode::Check
        });
    }

    let draft =
        scan::draft_rules(&client, &catalog, &analysis, &conn.describe(), &coverage).await?;
    let _ = client.batch_execute("COMMIT").await;
    for l in &draft.left {
        eprintln!("note: check still reports: {l}");
    }
    let target = write_draft(args.output.as_deref(), &draft.text)?;
    eprintln!(
        "scan: {} tables ({} sampled, {} by name only), {} columns masked, {} kept, in {:.1}s; draft written to {target}",
        coverage.tables,
        coverage.sampled,
        coverage.by_name(),
        draft.masked,
        draft.kept,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::Success)
}

/// How much to sample and which identity numbers to look for, from the
/// arguments (a usage error names the option).
fn options(args: &ScanArgs) -> Result<(SampleOptions, Vec<NationalIdPattern>), Error> {
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
    let opts = SampleOptions {
        rows: args.sample_rows,
        budget,
    };
    Ok((opts, ids))
}

/// Print `--diff`'s findings, a note on the rules' own problems, and the
/// closing line.
fn print_diff(
    found: &[DiffFinding],
    problems: &Diagnostics,
    path: &Path,
    source: &str,
    coverage: &Coverage,
) {
    for f in found {
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
        "diff: {} finding{} in {} against {source} ({} of {} tables sampled)",
        found.len(),
        if found.len() == 1 { "" } else { "s" },
        path.display(),
        coverage.sampled,
        coverage.tables
    );
}

/// Write the draft to `output` (atomically) or to standard output; where it went.
fn write_draft(output: Option<&Path>, text: &str) -> Result<String, Error> {
    Ok(match output {
        Some(path) => {
            let label = format!("--output {}", path.display());
            crate::pipeline::file::write_atomically(path, text.as_bytes(), &label)?;
            path.display().to_string()
        }
        None => {
            print!("{text}");
            "standard output".into()
        }
    })
}
