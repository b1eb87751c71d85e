//! Suggested rules for columns and tables the rules do not cover yet:
//! what `check` and `run` propose when the schema drifts (a new column or
//! table). The rule comes from the column's name and type, as `doppel scan`
//! reads names (English, Indonesian and Malay words, whole words only) and
//! picks maskers (one that compiles for the column's type, length and
//! unique index); no values are read here. A name that only suggests
//! personal data (`name`, `body`) is suggested `keep` unless the table holds
//! people; the reviewer decides, and `doppel scan` can look at the values.

use crate::catalog::{Column, Table};

/// A masker (YAML flow form) for a column, by its name and type.
pub fn column_rule(table: &Table, col: &Column) -> String {
    crate::scan::suggest_rule(table, col)
}

/// A table rule (YAML block, indented for `tables:`) covering every column.
pub fn table_rule(table: &Table) -> String {
    let mut out = format!("  {}:\n    columns:\n", table.name);
    for col in &table.columns {
        out.push_str(&format!(
            "      {}: {}\n",
            yaml_key(&col.name),
            column_rule(table, col)
        ));
    }
    out
}

/// A column name as a YAML key (quoted when it is not a plain word).
pub fn yaml_key(name: &str) -> String {
    if !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
    {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}
