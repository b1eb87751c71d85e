//! `doppel run`: copy the source into the target, masked.

use std::time::{Duration, SystemTime};

use crate::cli::{RunArgs, SwapReaders};
use crate::config::{load_rules, resolve_key, Diagnostics};
use crate::pg::ConnInfo;
use crate::pipeline::{
    copy_database, interrupt, CopyRecord, CopyRequest, Destination, PipelineOptions,
};
use crate::report::{human_bytes, RunReport};
use crate::sink::{Readers, SwapOptions};
use crate::{Error, ExitCode};

/// Run `doppel run`.
pub async fn run(args: RunArgs) -> Result<ExitCode, Error> {
    let rules = load_rules(&args.rules).map_err(Error::usage)?;
    let env = |name: &str| std::env::var(name).ok();
    let key = resolve_key(&rules.path, &rules.file, &env, args.random_key)
        .map_err(|d| Error::usage(Diagnostics(vec![d])))?;
    let source =
        ConnInfo::parse(&args.source.source).map_err(|e| Error::usage(format!("--source: {e}")))?;
    let target = match (&args.target, &args.output) {
        (_, Some(p)) if p.as_os_str() == "-" => Destination::File(None),
        (_, Some(p)) => Destination::File(Some(p.clone())),
        (Some(t), None) => Destination::Database(Box::new(
            ConnInfo::parse(t).map_err(|e| Error::usage(format!("--target: {e}")))?,
        )),
        (None, None) => return Err(Error::usage("give --target URL or --output FILE")),
    };
    let jobs = args.jobs.unwrap_or_else(super::default_jobs).max(1);
    let req = CopyRequest {
        source,
        target,
        key,
        replace: args.replace,
        analyze: !args.no_analyze,
        swap: args.swap.then_some(SwapOptions {
            readers: match args.swap_readers {
                SwapReaders::Wait => Readers::Wait,
                SwapReaders::Terminate => Readers::Terminate,
            },
            timeout: Duration::from_secs(args.swap_timeout),
        }),
        options: PipelineOptions {
            jobs,
            copy_format: args.copy_format.choice(),
            source_limits: args.source.limits()?,
            split_above: args.split_above,
            batch_bytes: usize::try_from(args.batch_size.max(1)).unwrap_or(usize::MAX),
            queue_batches: args.queue_depth.max(1),
            mask_pool: crate::pipeline::mask_pool(
                args.mask_threads.unwrap_or_else(super::default_jobs),
            ),
        },
        progress: super::progress_style(args.progress),
        selection: args.tenants.selection()?,
        verify: args
            .verify
            .then(|| super::verify::options(&args.leaks, jobs)),
        rules,
    };
    let mut record = CopyRecord {
        report: args.report.clone(),
        ..CopyRecord::default()
    };
    let result = copy_or_give_back(&req, &mut record).await;
    finish(&req, &record, &result)?;
    result.map(|_| ExitCode::Success)
}

/// Run the copy until it ends or a signal stops it. A failed or stopped run
/// cancels its queries on both sides and gives the target back as it was
/// found; the error says what was done.
async fn copy_or_give_back(req: &CopyRequest, record: &mut CopyRecord) -> Result<(), Error> {
    let result = tokio::select! {
        r = copy_database(req, record) => r,
        s = interrupt::listen() => {
            let code = match s {
                interrupt::Signal::Interrupt => ExitCode::Interrupted,
                interrupt::Signal::Terminate => ExitCode::Terminated,
            };
            Err(Error::Stopped(code, format!("stopped by {}", s.name())))
        }
    };
    let Err(e) = result else { return Ok(()) };
    // The copy's tasks and sessions are dropped by now; the cancel requests
    // stop what the servers may still be running for them.
    crate::pg::cancel::cancel_all(Duration::from_secs(1)).await;
    // After a signal the process must end within seconds; after an error
    // the clean-up may wait longer for locks (autovacuum on a freshly
    // loaded table gives way after deadlock_timeout).
    let patience = match e {
        Error::Stopped(..) => Duration::from_secs(2),
        _ => Duration::from_secs(15),
    };
    if let Some(swap) = record.swap.take() {
        // The new database goes as a whole; the live copy was not touched.
        drop(record.lease.take());
        let done = swap.abandon(patience).await;
        return Err(e.with_note(&done));
    }
    let Some(lease) = record.lease.take() else {
        return Err(e);
    };
    match lease.give_back(patience).await {
        Ok(done) => Err(e.with_note(&done)),
        Err(left) => Err(e.with_note(&left)),
    }
}

/// Print the summary and write the report (also for a failed run, when a plan exists).
pub fn finish(
    req: &CopyRequest,
    record: &CopyRecord,
    result: &Result<(), Error>,
) -> Result<(), Error> {
    let Some(plan) = &record.plan else {
        return Ok(());
    };
    let mut report = RunReport::new(
        plan,
        &record.stats,
        record.started.unwrap_or_else(SystemTime::now),
        req.source.describe(),
        req.target.describe(),
        &req.rules.path,
        &req.rules.sha256,
        record.snapshot.clone(),
        result.as_ref().err().map(|e| e.to_string()),
    );
    report.tenant_subset = record.subset.as_ref().map(Into::into);
    report.swap = record.swapped.clone();
    report.access = record.access.clone();
    for a in &record.access {
        report.warnings.extend(
            a.beyond_read
                .iter()
                .map(|b| format!("access: role {} {b}", a.role)),
        );
    }
    if let Some(path) = &record.report {
        report.write(path)?;
    }
    if let (Ok(()), Some(subset)) = (result, &record.subset) {
        tracing::info!("{}", subset.summary());
    }
    for a in &record.access {
        tracing::info!(
            "access: role {} reads schema{} {} ({} relations, {} sequences) in database {}",
            a.role,
            if a.schemas.len() == 1 { "" } else { "s" },
            a.schemas.join(", "),
            a.relations,
            a.sequences,
            a.database
        );
    }
    if result.is_ok() {
        let copied = report
            .tables
            .iter()
            .filter(|t| t.decision == "copy")
            .count();
        let masked: usize = plan
            .tables
            .iter()
            .filter(|t| t.decision == crate::plan::Decision::Copy)
            .flat_map(|t| t.columns.iter())
            .filter(|c| {
                matches!(
                    c.action,
                    crate::plan::ColumnAction::Mask(_) | crate::plan::ColumnAction::Null
                )
            })
            .count();
        let phases: Vec<String> = record
            .phases
            .iter()
            .map(|(n, s)| format!("{n} {s:.1}s"))
            .collect();
        tracing::info!(
            "copied {copied} tables ({} schema only), {} rows, {} in {:.1}s ({}); {masked} columns masked{}",
            report.tables.len() - copied,
            report.totals.rows_written,
            human_bytes(report.totals.bytes_written),
            report.totals.seconds,
            phases.join(", "),
            plan.key_fingerprint
                .as_ref()
                .map(|f| format!(", key {f}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}
