//! What `verify` found: leaks (each located by table, column, row and the
//! source column it came from, never with the value), integrity failures,
//! and what was checked; written as JSON (`--report`) and summed up for
//! people.

use serde::Serialize;

use super::fingerprints::Fingerprints;
use super::scan::TableScan;
use super::Options;

/// A sensitive value found in the copy.
#[derive(Debug, Clone, Serialize)]
pub struct Leak {
    /// Target table, `schema.table`.
    pub table: String,
    /// Target column.
    pub column: String,
    /// The row: its primary key (`id=42`) or its place in the table's read (`row 7`).
    pub row: String,
    /// The source column the value belongs to, `schema.table.column`.
    pub source_column: String,
    /// `whole value`, `array element` or `substring` (also a string in json).
    pub found_as: String,
    /// Why it is a leak: `the same row's own value` or `a rare source value`.
    pub why: String,
}

/// A part of the copy that is not whole.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrityFinding {
    /// `rows` or `constraint`.
    pub check: String,
    /// `schema.table`.
    pub table: String,
    /// What is wrong.
    pub problem: String,
}

/// What was checked besides the findings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Integrity {
    /// Tables whose row count was compared.
    pub tables_counted: usize,
    /// Constraints of the source compared with the target's.
    pub constraints_checked: usize,
    /// The failures.
    pub findings: Vec<IntegrityFinding>,
    /// What could not be checked, and why.
    pub notes: Vec<String>,
}

/// Seconds per part.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Seconds {
    /// Reading the source's sensitive values.
    pub fingerprints: f64,
    /// Reading the target.
    pub scan: f64,
    /// Counts and constraints.
    pub integrity: f64,
}

/// A sensitive column and why.
#[derive(Debug, Clone, Serialize)]
pub struct SensitiveColumn {
    /// `schema.table.column`.
    pub column: String,
    /// Why.
    pub why: String,
}

/// The whole result.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always "doppel verify".
    pub tool: &'static str,
    /// doppel's version.
    pub version: &'static str,
    /// `clean` or `findings`.
    pub outcome: String,
    /// Shortest value looked for, in characters.
    pub min_length: usize,
    /// Most source rows a rare value is held by.
    pub rare: u32,
    /// The columns whose values were looked for.
    pub sensitive_columns: Vec<SensitiveColumn>,
    /// Source rows read.
    pub source_rows: u64,
    /// Distinct values fingerprinted.
    pub distinct_values: usize,
    /// (row, value) fingerprints of tables with a kept primary key.
    pub row_fingerprints: usize,
    /// Bytes the fingerprints hold once built.
    pub fingerprint_bytes: u64,
    /// The most bytes they held while they were built.
    pub fingerprint_peak_bytes: u64,
    /// Target tables read.
    pub tables_scanned: usize,
    /// Target rows read.
    pub rows_scanned: u64,
    /// Leaks found in all.
    pub leaks_total: u64,
    /// The first `max_listed` leaks.
    pub leaks: Vec<Leak>,
    /// Counts and constraints.
    pub integrity: Integrity,
    /// Time per part.
    pub seconds: Seconds,
    #[serde(skip)]
    max_listed: usize,
}

impl Report {
    /// An empty report for fingerprints `fp`.
    pub fn new(opts: &Options, fp: &Fingerprints) -> Report {
        Report {
            tool: "doppel verify",
            version: env!("CARGO_PKG_VERSION"),
            outcome: String::new(),
            min_length: opts.min_length,
            rare: opts.rare,
            sensitive_columns: fp
                .origins
                .iter()
                .map(|o| SensitiveColumn {
                    column: format!("{}.{}", o.table, o.column),
                    why: o.why.clone(),
                })
                .collect(),
            source_rows: fp.rows_read,
            distinct_values: fp.values.len(),
            row_fingerprints: fp.rows.len(),
            fingerprint_bytes: fp.bytes(),
            fingerprint_peak_bytes: fp.peak_bytes,
            tables_scanned: 0,
            rows_scanned: 0,
            leaks_total: 0,
            leaks: Vec::new(),
            integrity: Integrity::default(),
            seconds: Seconds::default(),
            max_listed: opts.max_listed,
        }
    }

    /// Add what one target table held, listing its leaks while fewer
    /// than `max_listed` are.
    pub fn add_table(&mut self, t: TableScan) {
        self.tables_scanned += 1;
        self.rows_scanned += t.rows;
        self.leaks_total += t.leaks_total;
        let room = self.max_listed.saturating_sub(self.leaks.len());
        self.leaks.extend(t.leaks.into_iter().take(room));
    }

    /// Whether anything was found.
    pub fn has_findings(&self) -> bool {
        self.leaks_total > 0 || !self.integrity.findings.is_empty()
    }

    /// Set the outcome and write the JSON report to `path`.
    pub fn write(&mut self, path: &std::path::Path) -> Result<(), crate::Error> {
        self.settle();
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| crate::Error::runtime(format!("verify report: {e}")))?;
        std::fs::write(path, json + "\n").map_err(|e| {
            crate::Error::runtime(format!(
                "cannot write the verify report {}: {e}",
                path.display()
            ))
        })
    }

    fn settle(&mut self) {
        self.outcome = if self.has_findings() {
            "findings"
        } else {
            "clean"
        }
        .into();
    }

    /// The lines people read: one per finding (the first 50 of each kind),
    /// then a summary.
    pub fn summary(&mut self) -> Vec<String> {
        self.settle();
        let mut out = Vec::new();
        for l in self.leaks.iter().take(50) {
            out.push(format!(
                "leak: {}.{} ({}) holds {} of {} ({})",
                l.table,
                l.column,
                l.row,
                match l.found_as.as_str() {
                    "substring" => "in its text a value",
                    "array element" => "as an array element a value",
                    _ => "a value",
                },
                l.source_column,
                l.why
            ));
        }
        if self.leaks_total > 50 {
            out.push(format!(
                "… and {} more leaks (see --report)",
                self.leaks_total - 50
            ));
        }
        for f in self.integrity.findings.iter().take(50) {
            out.push(format!("integrity: {}: {}", f.table, f.problem));
        }
        for n in &self.integrity.notes {
            out.push(format!("note: {n}"));
        }
        out.push(format!(
            "verify: {}: {} leak{}, {} integrity finding{}; looked for {} distinct values of {} columns ({} source rows, ~{} of fingerprints) in {} rows of {} tables; {} row counts and {} constraints checked in {:.1}s",
            self.outcome,
            self.leaks_total,
            if self.leaks_total == 1 { "" } else { "s" },
            self.integrity.findings.len(),
            if self.integrity.findings.len() == 1 { "" } else { "s" },
            self.distinct_values,
            self.sensitive_columns.len(),
            self.source_rows,
            crate::report::human_bytes(self.fingerprint_bytes),
            self.rows_scanned,
            self.tables_scanned,
            self.integrity.tables_counted,
            self.integrity.constraints_checked,
            self.seconds.fingerprints + self.seconds.scan + self.seconds.integrity
        ));
        out
    }
}
