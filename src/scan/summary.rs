//! The draft as `doppel scan` writes it: built from the verdicts, settled
//! against the source, and headed by what the scan read and decided. Also
//! what a scan covered, for the lines the command prints. No sampled value
//! is seen here: only counts and the source's description.

use tokio_postgres::Client;

use super::classify::Analysis;
use super::draft::Draft;
use super::sample::Status;
use super::settle::settle;
use super::tenant::guess as guess_tenant;
use crate::catalog::Catalog;
use crate::Error;

/// What a scan read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// The tables rules can name.
    pub tables: usize,
    /// Those whose values were read.
    pub sampled: usize,
    /// Rows read per table, at most.
    pub rows: u64,
}

impl Coverage {
    /// What `analysis` covered, each table read up to `rows` rows.
    pub fn of(analysis: &Analysis, rows: u64) -> Coverage {
        let sampled = analysis
            .tables
            .iter()
            .filter(|t| matches!(t.status, Status::Sampled(_)))
            .count();
        Coverage {
            tables: analysis.tables.len(),
            sampled,
            rows,
        }
    }

    /// The tables judged by their column names alone.
    pub fn by_name(&self) -> usize {
        self.tables - self.sampled
    }
}

/// A settled, rendered draft and what the command reports about it.
#[derive(Debug, Clone)]
pub struct DraftText {
    /// The rules file.
    pub text: String,
    /// What `check` still reports that no rule can fix.
    pub left: Vec<String>,
    /// Columns masked.
    pub masked: usize,
    /// Columns kept.
    pub kept: usize,
}

/// The draft for `analysis`: built, settled against the source on
/// `client` (inside the scan's snapshot), headed by what the scan of
/// `source` covered, and rendered.
pub async fn draft_rules(
    client: &Client,
    catalog: &Catalog,
    analysis: &Analysis,
    source: &str,
    coverage: &Coverage,
) -> Result<DraftText, Error> {
    let mut draft = Draft::build(catalog, analysis, guess_tenant(catalog));
    let left = settle(&mut draft, catalog, client).await?;
    let (masked, kept) = draft.counts();
    let notes = std::mem::take(&mut draft.header);
    draft.header = header(source, coverage, masked, kept)
        .into_iter()
        .chain(notes)
        .chain(left.iter().map(|l| format!("check still reports: {l}")))
        .collect();
    let (text, _) = draft.render();
    Ok(DraftText {
        text,
        left,
        masked,
        kept,
    })
}

/// The first header lines of a draft: where it comes from, what was read,
/// what it masks, and what to do with it.
fn header(source: &str, coverage: &Coverage, masked: usize, kept: usize) -> Vec<String> {
    vec![
        format!("Draft rules written by `doppel scan` from {source}."),
        format!(
            "{} tables: {} read (at most {} rows each), {} judged by column names alone.",
            coverage.tables,
            coverage.sampled,
            coverage.rows,
            coverage.by_name()
        ),
        format!("{masked} columns masked, {kept} kept. Above each masked column: what it holds, what said so"),
        "(its name, its values, both), how sure, and sampled values masked for review.".into(),
        "Review every rule, then run: doppel check --source URL --rules THIS_FILE".into(),
    ]
}
