//! What `token` takes from a plan: one copied column's field operation,
//! built by the same code as `run`'s jobs, and the source SELECT that gives
//! that operation its input for a value instead of a row — the value read
//! as the column's type, and the column's `when` conditions evaluated on it.
//! Which treatments a value alone cannot decide is said here, with why.
//! No I/O: the source runs the SELECT (`pipeline::token`).

use super::compile::column_list;
use super::jobs::leaf_job;
use super::{ColumnAction, ColumnPlan, Decision, FieldAction, LeafJob, OmitReason, Plan};
use crate::catalog::Catalog;
use crate::config::{standalone_identifiers, Diagnostics};
use crate::copy::{text, RowTransform};
use crate::pg::ident::{display_ident, split_dotted};
use crate::pg::{quote_ident, QualifiedName};

/// One column of the copy, ready to compute the masked value of any value.
#[derive(Debug, Clone)]
pub struct ColumnToken {
    /// `schema.table.column`, as the rules name it.
    pub name: String,
    /// The column's plan: its type and the action `run` applies.
    pub column: ColumnPlan,
    /// The table as rules name it (the partitioned table for a partition).
    table: QualifiedName,
    /// The job `run` would build for this one column: its select list
    /// (the column, then the conditions) and its field operation.
    job: LeafJob,
    /// Character limit of varchar(n) and char(n).
    max_chars: Option<usize>,
}

/// What the copy holds for one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// The masked value, in the COPY text form the copy loads.
    Masked(String),
    /// The value itself (the column, or the `when` entry chosen, is `keep`).
    Kept(String),
}

/// The column named `spec` (`schema.table.column`, parts optionally
/// double-quoted) as `plan` copies it; `Err` says why `token` cannot
/// compute its values (not copied, unknown, or a treatment that does not
/// follow from the value alone). `problems` are the plan's, to show when
/// the column's rule did not compile.
pub fn column_token(
    plan: &Plan,
    catalog: &Catalog,
    problems: &Diagnostics,
    spec: &str,
) -> Result<ColumnToken, String> {
    let parts = split_dotted(spec).and_then(|v| <[String; 3]>::try_from(v).ok());
    let Some([schema, table_name, column]) = parts else {
        return Err(format!(
            "--column {spec:?} must be schema.table.column (double-quote parts that hold dots or capitals, e.g. public.users.\"Email\")"
        ));
    };
    let asked = QualifiedName::new(schema, table_name);
    let Some(found) = catalog.by_name(&asked) else {
        return Err(format!(
            "unknown table {asked}: the source has no such table{}",
            super::suggest_table(catalog, &asked)
        ));
    };
    let table = catalog.rule_table(found);
    let name = format!("{}.{}", table.name, display_ident(&column));
    let Some(col) = table.column(&column) else {
        return Err(format!(
            "unknown column {name}: the table has {}",
            column_list(table)
        ));
    };
    let tp = plan
        .tables
        .iter()
        .find(|t| t.name == table.name)
        .ok_or_else(|| format!("{} is not in the plan", table.name))?;
    if let Decision::SchemaOnly(why) = &tp.decision {
        return Err(format!(
            "{} is not copied ({why}): the copy holds none of its rows",
            table.name
        ));
    }
    let Some(cp) = tp.columns.iter().find(|c| c.name == column) else {
        let about = format!("{}.{}", table.name, column);
        let mine: Vec<String> = problems
            .0
            .iter()
            .filter(|d| d.message.contains(&about))
            .map(|d| d.to_string())
            .collect();
        return Err(format!(
            "{name} has no rule that `run` accepts{}",
            if mine.is_empty() {
                " (`doppel check` says why)".to_string()
            } else {
                format!(": {}", mine.join("; "))
            }
        ));
    };
    if let Some(why) = refusal(&cp.action) {
        return Err(format!("{name} {why}"));
    }
    if let ColumnAction::When(branches) = &cp.action {
        if branches.iter().all(|(_, a)| refusal(a).is_some()) {
            return Err(format!(
                "{name}: no entry of its `when` list follows from the value ({}), so no value has a token",
                cp.action.describe()
            ));
        }
        for cond in branches.iter().filter_map(|(c, _)| c.as_deref()) {
            let whole_row = standalone_identifiers(cond)
                .into_iter()
                .any(|n| n == table.name.name && n != column);
            if whole_row {
                return Err(format!(
                    "{name}: its `when` condition `{cond}` refers to {} as a whole row (or to another column of that name), which the value alone does not decide",
                    display_ident(&table.name.name)
                ));
            }
        }
    }
    let job = leaf_job(table, table, std::slice::from_ref(cp), None);
    Ok(ColumnToken {
        name,
        column: cp.clone(),
        table: table.name.clone(),
        job,
        max_chars: col.max_chars,
    })
}

/// Why a column's values cannot be looked up when `action` applies, or
/// `None` when they can.
fn refusal(action: &ColumnAction) -> Option<String> {
    Some(match action {
        ColumnAction::Keep | ColumnAction::When(_) => return None,
        ColumnAction::Mask(m) if !m.is_constant() => return None,
        ColumnAction::Mask(m) => format!(
            "is masked with {}: every row of the copy holds the same value, so it finds no one",
            m.describe()
        ),
        ColumnAction::Null => {
            "is masked with `null`: the copy holds NULL in every row, so there is nothing to search for".into()
        }
        ColumnAction::Omit(OmitReason::Generated) => {
            "is a generated column: the copy computes it from the row's other (masked) columns, not from this value alone".into()
        }
        ColumnAction::Omit(OmitReason::Default) => {
            "is masked with `default`: the copy holds the column's DEFAULT, which does not follow from the value".into()
        }
        ColumnAction::Sql(e) => format!(
            "is masked with `sql: {e}`: the source computes it from the whole row, so the value alone does not decide it"
        ),
        ColumnAction::Template(_) => format!(
            "is masked with {}: it is built from other columns of the row, not from this value",
            action.describe()
        ),
    })
}

impl ColumnToken {
    /// Whether computing the values needs the masking key.
    pub fn needs_key(&self) -> bool {
        self.column.action.uses_key()
    }

    /// Whether the source evaluates `when` conditions for each value.
    pub fn has_conditions(&self) -> bool {
        matches!(self.column.action, ColumnAction::When(_))
    }

    /// The SELECT whose one row is what `run`'s job for this column reads
    /// from a row holding `value` (SQL: a literal, or `NULL` to check that
    /// the conditions refer to nothing but the column). The value is read
    /// as the column's type by a single-column relation named like the
    /// table, so conditions that refer to other columns do not run; values
    /// the source would compute with `sql:` are not selected.
    pub fn source_sql(&self, value: &str) -> String {
        let mut takes = Vec::new();
        sources_taken(&self.job.fields[0], &mut takes);
        let list: Vec<String> = self
            .job
            .select
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if takes.contains(&i) {
                    "NULL".to_string()
                } else {
                    s.clone()
                }
            })
            .collect();
        format!(
            "SELECT {} FROM (SELECT {value}::{} AS {}) AS {}",
            list.join(", "),
            self.column.type_name,
            quote_ident(&self.column.name),
            quote_ident(&self.table.name)
        )
    }

    /// Why `value` cannot be a value of the column before the source reads
    /// it: NUL characters, or more characters than varchar(n)/char(n) hold
    /// (an explicit cast would cut it where the copy's load refuses it).
    pub fn check_input(&self, value: &str) -> Result<(), String> {
        if value.contains('\0') {
            return Err("it holds a NUL character, which no PostgreSQL text holds".into());
        }
        if let Some(n) = self.max_chars {
            let chars = value.trim_end_matches(' ').chars().count();
            if chars > n {
                return Err(format!(
                    "it is {chars} characters long; {} holds at most {n}",
                    self.column.type_name
                ));
            }
        }
        Ok(())
    }

    /// What the copy holds for the value whose source row (one COPY text
    /// row of [`ColumnToken::source_sql`], without its newline) is `row`:
    /// the `when` entry is chosen and the value masked by the pipeline's
    /// own row transform. `Err` says why this value has no token.
    pub fn token(&self, row: &[u8]) -> Result<Token, String> {
        let fields: Vec<&[u8]> = text::fields(row).collect();
        if fields.len() != self.job.select.len() {
            return Err(format!(
                "the source gave {} fields for {} selected",
                fields.len(),
                self.job.select.len()
            ));
        }
        let op = self.job.fields[0].resolve(|f| fields[f] == b"t");
        let chosen = "its `when` list gives such values";
        match op {
            FieldAction::Keep => {
                return text::decode_lossy(fields[0])
                    .map(Token::Kept)
                    .ok_or_else(|| "the source reads it as NULL".into())
            }
            FieldAction::Null => return Err(format!("{chosen} NULL (`null`)")),
            FieldAction::Take(_) => {
                return Err(format!(
                    "{chosen} a value the source computes from the whole row (`sql:`)"
                ))
            }
            FieldAction::Mask(m) if m.is_constant() => {
                return Err(format!(
                    "{chosen} {}, the same for every such row",
                    m.describe()
                ))
            }
            FieldAction::Template(_) | FieldAction::Choose { .. } => {
                return Err(format!("{chosen} a value built from the whole row"))
            }
            FieldAction::Mask(_) => {}
        }
        let mut transform = RowTransform::with_source_fields(
            self.job.columns.clone(),
            self.job.fields.clone(),
            self.job.select.len(),
        );
        let mut out = bytes::BytesMut::new();
        let mut line = row.to_vec();
        line.push(b'\n');
        transform
            .push(&line, &mut out)
            .and_then(|()| transform.finish())
            .map_err(|e| format!("the masker fails on it ({e}); `run` fails on such a row"))?;
        let field = out.strip_suffix(b"\n").unwrap_or(&out);
        text::decode_lossy(field)
            .map(Token::Masked)
            .ok_or_else(|| "the masker gives NULL for it".into())
    }
}

/// The source fields a field op takes as they are (`sql:` inside `when`).
fn sources_taken(op: &FieldAction, out: &mut Vec<usize>) {
    match op {
        FieldAction::Take(i) => out.push(*i),
        FieldAction::Choose { ops, otherwise, .. } => {
            ops.iter().for_each(|o| sources_taken(o, out));
            sources_taken(otherwise, out);
        }
        _ => {}
    }
}
