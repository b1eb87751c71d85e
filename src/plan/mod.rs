//! (rules, catalog, key) → Plan: everything each table job needs, decided
//! before anything is written. Every rule error is collected and returned at
//! once, each with its place in the rules file. No I/O and no SQL runs here.

mod access;
mod build;
mod columns;
mod compile;
mod glob;
mod jobs;
mod readers;
pub mod references;
mod spec;
pub mod split;
pub mod suggest;
mod token;

pub(crate) use build::suggest_table;
pub use build::{build, build_all, PlanOptions};
pub use compile::{check_column_rule, shape_of};
pub use readers::AccessGrant;
pub use split::{split, BlockRange, SPLIT_ABOVE};
pub use token::{column_token, ColumnToken, Token};

pub use crate::copy::FieldOp as FieldAction;
use crate::copy::{Format, FormatChoice, WireType};
use crate::mask::{Masker, TemplatePart};
use crate::pg::QualifiedName;

/// What a run will do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// One entry per table the rules can name (ordinary tables and partitioned
    /// parents; partitions are under their parent), in catalog order.
    pub tables: Vec<TablePlan>,
    /// Sequences whose values are set on the target after the load.
    pub sequences: Vec<QualifiedName>,
    /// Materialized views refreshed on the target after the load.
    pub matviews: Vec<QualifiedName>,
    /// What each role of `access:` is granted inside the copy once it is
    /// complete.
    pub access: Vec<AccessGrant>,
    /// Public fingerprint of the masking key, when one is used.
    pub key_fingerprint: Option<String>,
}

/// What happens to one table.
#[derive(Debug, Clone)]
pub struct TablePlan {
    /// The table as rules name it.
    pub name: QualifiedName,
    /// Copy rows, or schema only (and why).
    pub decision: Decision,
    /// Every column and what happens to it.
    pub columns: Vec<ColumnPlan>,
    /// SQL predicate applied on the source, if any.
    pub filter: Option<String>,
    /// `rows: all`: every row, even in a tenant subset.
    pub all_rows: bool,
    /// The jobs that move the rows: the table itself, or each partition.
    pub leaves: Vec<LeafJob>,
}

/// Whether a table's rows are copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Rows are copied (filtered and masked as the columns say).
    Copy,
    /// Schema only; the reason is shown in plans and reports.
    SchemaOnly(String),
}

/// One column's treatment.
#[derive(Debug, Clone)]
pub struct ColumnPlan {
    /// Column name.
    pub name: String,
    /// Type as written.
    pub type_name: String,
    /// What happens to its values.
    pub action: ColumnAction,
    /// Which rule decided it, for plans and reports (e.g. `tables.public.users.columns.email`).
    pub rule: String,
}

/// What happens to a column's values.
#[derive(Debug, Clone)]
pub enum ColumnAction {
    /// Copied byte for byte.
    Keep,
    /// Written as NULL.
    Null,
    /// Left out of the COPY: the target computes it (generated) or applies its DEFAULT.
    Omit(OmitReason),
    /// Masked.
    Mask(Masker),
    /// The value of a SQL expression the source computes (`sql:`).
    Sql(String),
    /// Conditions the source evaluates; the first that holds picks the action,
    /// the last entry (without a condition) applies otherwise.
    When(Vec<(Option<String>, ColumnAction)>),
    /// Text built from other columns of the row, after they are masked.
    Template(Vec<TemplatePart<String>>),
}

/// Why a column is left out of the COPY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OmitReason {
    /// A generated column: the target recomputes it from the copied values.
    Generated,
    /// `default`: the target's DEFAULT applies.
    Default,
}

impl ColumnAction {
    /// Whether the action uses the key (a keyed masker, also inside conditions).
    pub fn uses_key(&self) -> bool {
        match self {
            ColumnAction::Mask(m) => m.is_keyed(),
            ColumnAction::When(b) => b.iter().any(|(_, a)| a.uses_key()),
            _ => false,
        }
    }

    /// Short description for plans and reports.
    pub fn describe(&self) -> String {
        match self {
            ColumnAction::Keep => "keep".into(),
            ColumnAction::Null => "null".into(),
            ColumnAction::Omit(OmitReason::Generated) => {
                "generated (recomputed by the target)".into()
            }
            ColumnAction::Omit(OmitReason::Default) => "default (target's DEFAULT)".into(),
            ColumnAction::Mask(m) => m.describe(),
            ColumnAction::Sql(e) => format!("sql({e})"),
            ColumnAction::Template(parts) => {
                let t: String = parts
                    .iter()
                    .map(|p| match p {
                        TemplatePart::Text(t) => t.replace('{', "{{").replace('}', "}}"),
                        TemplatePart::Column(c) => format!("{{{c}}}"),
                    })
                    .collect();
                format!("template({t:?})")
            }
            ColumnAction::When(branches) => {
                let parts: Vec<String> = branches
                    .iter()
                    .map(|(c, a)| match c {
                        Some(c) => format!("when {c}: {}", a.describe()),
                        None => format!("otherwise: {}", a.describe()),
                    })
                    .collect();
                parts.join("; ")
            }
        }
    }
}

/// One COPY from a source relation that holds rows into the same relation on the target.
#[derive(Debug, Clone)]
pub struct LeafJob {
    /// The relation that holds the rows (the table, or one partition).
    pub table: QualifiedName,
    /// The rules-level table it belongs to.
    pub rule_table: QualifiedName,
    /// Columns loaded into the target, in order.
    pub columns: Vec<String>,
    /// The source's SELECT list: one expression per loaded column (the
    /// quoted column, or a `sql:` expression), then the values and
    /// conditions that `when` rules need.
    pub select: Vec<String>,
    /// What to do with each selected column's field, same order.
    pub fields: Vec<FieldAction>,
    /// SQL predicate on the source.
    pub filter: Option<String>,
    /// Planner's row estimate.
    pub estimate_rows: u64,
    /// Heap + TOAST bytes on the source.
    pub bytes: u64,
    /// Each loaded column's binary form, where doppel can decode and encode it.
    pub wire: Vec<Option<WireType>>,
    /// Why the rows cannot be copied in binary COPY, when they cannot.
    pub text_only: Option<String>,
    /// Blocks of the heap on the source.
    pub pages: u64,
    /// The part of the relation this job reads, when it is split
    /// ([`split`]); `None`: every row.
    pub range: Option<BlockRange>,
}

impl LeafJob {
    /// The COPY format this job uses when the run asks for `choice`, and why.
    pub fn format(&self, choice: FormatChoice) -> (Format, String) {
        match (choice, &self.text_only) {
            (FormatChoice::Text, _) => (Format::Text, "--copy-format text".into()),
            (_, Some(why)) => (Format::Text, why.clone()),
            _ if self.is_passthrough() => (
                Format::Binary,
                "every column passes through as bytes".into(),
            ),
            _ => (
                Format::Binary,
                "masked columns are decoded from and encoded to their binary forms".into(),
            ),
        }
    }

    /// True when every field passes through unchanged, so rows need not be parsed.
    pub fn is_passthrough(&self) -> bool {
        self.select.len() == self.fields.len()
            && self.fields.iter().all(|f| matches!(f, FieldAction::Keep))
    }

    /// Whether the source must run a SELECT (a filter, or values it computes)
    /// rather than copy the table's columns as they are.
    pub fn needs_select(&self) -> bool {
        self.filter.is_some()
            || self.range.is_some()
            || self.select.len() != self.columns.len()
            || self.select.iter().any(|s| s.starts_with('('))
    }
}

impl Plan {
    /// Every leaf job, largest first (so the longest jobs start first).
    pub fn jobs(&self) -> Vec<LeafJob> {
        let mut jobs: Vec<LeafJob> = self
            .tables
            .iter()
            .filter(|t| t.decision == Decision::Copy)
            .flat_map(|t| t.leaves.iter().cloned())
            .collect();
        jobs.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.table.cmp(&b.table)));
        jobs
    }
}
