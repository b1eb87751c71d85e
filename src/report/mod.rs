//! What the user sees and keeps: log set-up, progress (counters that
//! workers bump, drawn by one reporter), and the JSON run report.

mod plan_view;
mod progress;
mod run_report;

pub use plan_view::PlanView;
pub use progress::{Progress, ProgressStyle, TableCounter};
pub use run_report::{RunReport, TableReport};

use crate::cli::LogFormat;

/// Set up `tracing` output on standard error: text or JSON lines.
/// `DOPPEL_LOG` (e.g. `doppel=debug`) overrides the verbosity.
pub fn init_logging(format: LogFormat, verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "doppel=info,warn",
        1 => "doppel=debug,info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_env("DOPPEL_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Text => builder.without_time().try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// A per-table summary of a finished copy: rows, and what happened to the columns.
pub fn plan_summary(plan: &crate::plan::Plan, stats: &[crate::pipeline::JobStats]) -> String {
    use crate::plan::{ColumnAction, Decision};
    let mut lines = vec![format!("{:<34} {:>9}  {}", "table", "rows", "treatment")];
    for t in &plan.tables {
        let rows: u64 = stats
            .iter()
            .filter(|s| s.rule_table == t.name)
            .map(|s| s.rows_written)
            .sum();
        let what = match &t.decision {
            Decision::SchemaOnly(why) => format!("schema only ({why})"),
            Decision::Copy => {
                let masked: Vec<String> = t
                    .columns
                    .iter()
                    .filter(|c| !matches!(c.action, ColumnAction::Keep | ColumnAction::Omit(_)))
                    .map(|c| format!("{} → {}", c.name, c.action.describe()))
                    .collect();
                if masked.is_empty() {
                    "all columns kept".to_string()
                } else {
                    masked.join(", ")
                }
            }
        };
        let rows = if t.decision == Decision::Copy {
            rows.to_string()
        } else {
            "-".into()
        };
        lines.push(format!("{:<34} {:>9}  {}", t.name.to_string(), rows, what));
    }
    lines.join("\n")
}

/// Bytes as a short human figure (e.g. `12.3 MB`).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
