//! The JSON run report (`--report FILE`): audit evidence of what a run did.
//! It names source and target without secrets, identifies the rules by
//! sha256 and the key by fingerprint, lists every table and column with
//! its treatment and counts, and the access each reader of the copy was
//! given.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::pipeline::JobStats;
use crate::plan::{Decision, Plan};

/// The report of one run.
#[derive(Debug, Serialize)]
pub struct RunReport {
    /// Always "doppel".
    pub tool: &'static str,
    /// doppel's version.
    pub version: &'static str,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// End time, RFC 3339 UTC.
    pub finished_at: String,
    /// `succeeded` or `failed`.
    pub outcome: String,
    /// The error, when the run failed.
    pub error: Option<String>,
    /// Source, without secrets.
    pub source: String,
    /// Target, without secrets.
    pub target: String,
    /// Rules file path.
    pub rules_path: String,
    /// sha256 of the rules file.
    pub rules_sha256: String,
    /// Public fingerprint of the key (never the key).
    pub key_fingerprint: Option<String>,
    /// The exported snapshot every table was read in.
    pub snapshot: Option<String>,
    /// Per table.
    pub tables: Vec<TableReport>,
    /// Totals.
    pub totals: Totals,
    /// Warnings raised during the run.
    pub warnings: Vec<String>,
    /// The tenant subset, when the copy was one.
    pub tenant_subset: Option<SubsetReport>,
    /// `--swap`: how the new copy replaced the live one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swap: Option<crate::sink::SwapOutcome>,
    /// What each role of the rules' `access:` was granted, read back from
    /// the target (empty when the rules have no `access:` or the run ended
    /// before the grants).
    pub access: Vec<crate::sink::AccessApplied>,
}

/// What a tenant subset kept, set NULL and dropped; or what a whole copy
/// without some tenants left out.
#[derive(Debug, Serialize)]
pub struct SubsetReport {
    /// A whole copy without the excluded tenants (`tenants` is then empty:
    /// every other tenant is copied).
    pub whole_copy: bool,
    /// Tenant ids copied.
    pub tenants: Vec<String>,
    /// Tenants excluded: in a subset, those asked for or sampled; in a
    /// whole copy, every excluded tenant.
    pub excluded: Vec<String>,
    /// In a whole copy: the excluded tenants' own rows left out.
    pub excluded_rows: u64,
    /// References to rows not copied, set NULL.
    pub set_null: u64,
    /// Rows dropped for a NOT NULL reference to a row not copied (in a
    /// whole copy: rows left out because they reference rows left out).
    pub dropped: u64,
    /// Per table with rows.
    pub tables: Vec<SubsetTableReport>,
}

/// One table of a subset.
#[derive(Debug, Serialize)]
pub struct SubsetTableReport {
    /// `schema.table`.
    pub table: String,
    /// How the subset treats it.
    pub role: String,
    /// The rows kept, as `plan` shows it (key sets counted).
    pub predicate: String,
    /// Rows kept, counted while closing the subset.
    pub rows: Option<u64>,
    /// The excluded tenants' own rows, left out of a whole copy.
    pub excluded_rows: u64,
    /// Rows dropped.
    pub dropped: u64,
    /// Per reference, the rows whose reference was set NULL.
    pub set_null: Vec<(String, u64)>,
}

impl From<&crate::subset::Subset> for SubsetReport {
    fn from(s: &crate::subset::Subset) -> SubsetReport {
        SubsetReport {
            whole_copy: s.whole,
            tenants: s.tenants.clone(),
            excluded: s.excluded.clone(),
            excluded_rows: s.excluded_total(),
            set_null: s.nulled_total(),
            dropped: s.dropped_total(),
            tables: s
                .tables
                .iter()
                .filter(|t| t.role != crate::subset::Role::Empty)
                .map(|t| SubsetTableReport {
                    table: t.name.to_string(),
                    role: s.role_text(t).to_string(),
                    predicate: t.rows.describe(),
                    rows: t.count,
                    excluded_rows: t.excluded,
                    dropped: t.dropped,
                    set_null: t.nulled.clone(),
                })
                .collect(),
        }
    }
}

/// Totals over all tables.
#[derive(Debug, Default, Serialize)]
pub struct Totals {
    /// Rows read.
    pub rows_read: u64,
    /// Rows written.
    pub rows_written: u64,
    /// Bytes read (COPY stream).
    pub bytes_read: u64,
    /// Bytes written (COPY stream).
    pub bytes_written: u64,
    /// Wall seconds of the whole run.
    pub seconds: f64,
}

/// One table of the report.
#[derive(Debug, Serialize)]
pub struct TableReport {
    /// `schema.table`.
    pub table: String,
    /// `copy` or `schema only: why`.
    pub decision: String,
    /// Source predicate, if any.
    pub filter: Option<String>,
    /// Rows read (all partitions).
    pub rows_read: u64,
    /// Rows written.
    pub rows_written: u64,
    /// Bytes read.
    pub bytes_read: u64,
    /// Bytes written.
    pub bytes_written: u64,
    /// Seconds spent in its jobs (summed over partitions).
    pub seconds: f64,
    /// Each column's treatment.
    pub columns: Vec<ColumnReport>,
}

/// One column of the report.
#[derive(Debug, Serialize)]
pub struct ColumnReport {
    /// Column name.
    pub name: String,
    /// Type.
    pub r#type: String,
    /// Treatment, e.g. `keep`, `fake(email, en)`.
    pub masker: String,
    /// The rule that decided it.
    pub rule: String,
}

impl RunReport {
    /// A report for `plan` with the jobs' statistics.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        plan: &Plan,
        stats: &[JobStats],
        started: SystemTime,
        source: String,
        target: String,
        rules_path: &Path,
        rules_sha256: &str,
        snapshot: Option<String>,
        error: Option<String>,
    ) -> RunReport {
        let finished = SystemTime::now();
        let mut totals = Totals::default();
        let tables = plan
            .tables
            .iter()
            .map(|t| {
                let mine: Vec<&JobStats> =
                    stats.iter().filter(|s| s.rule_table == t.name).collect();
                let tr = TableReport {
                    table: t.name.to_string(),
                    decision: match &t.decision {
                        Decision::Copy => "copy".into(),
                        Decision::SchemaOnly(why) => format!("schema only: {why}"),
                    },
                    filter: t.filter.clone(),
                    rows_read: mine.iter().map(|s| s.rows_read).sum(),
                    rows_written: mine.iter().map(|s| s.rows_written).sum(),
                    bytes_read: mine.iter().map(|s| s.bytes_read).sum(),
                    bytes_written: mine.iter().map(|s| s.bytes_written).sum(),
                    seconds: mine.iter().map(|s| s.duration.as_secs_f64()).sum(),
                    columns: t
                        .columns
                        .iter()
                        .map(|c| ColumnReport {
                            name: c.name.clone(),
                            r#type: c.type_name.clone(),
                            masker: c.action.describe(),
                            rule: c.rule.clone(),
                        })
                        .collect(),
                };
                totals.rows_read += tr.rows_read;
                totals.rows_written += tr.rows_written;
                totals.bytes_read += tr.bytes_read;
                totals.bytes_written += tr.bytes_written;
                tr
            })
            .collect();
        totals.seconds = finished
            .duration_since(started)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        RunReport {
            tool: "doppel",
            version: env!("CARGO_PKG_VERSION"),
            started_at: rfc3339(started),
            finished_at: rfc3339(finished),
            outcome: if error.is_some() {
                "failed".into()
            } else {
                "succeeded".into()
            },
            error,
            source,
            target,
            rules_path: rules_path.display().to_string(),
            rules_sha256: rules_sha256.to_string(),
            key_fingerprint: plan.key_fingerprint.clone(),
            snapshot,
            tables,
            totals,
            warnings: Vec::new(),
            tenant_subset: None,
            swap: None,
            access: Vec::new(),
        }
    }

    /// Write the report as pretty JSON (to a temporary file renamed into place).
    pub fn write(&self, path: &Path) -> Result<(), crate::Error> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| crate::Error::runtime(format!("cannot encode the report: {e}")))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, json)
            .and_then(|_| std::fs::rename(&tmp, path))
            .map_err(|e| {
                crate::Error::runtime(format!("cannot write report {}: {e}", path.display()))
            })
    }
}

/// RFC 3339 UTC time with seconds.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_times() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_795_400_000)),
            "2026-11-23T02:13:20Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }
}
