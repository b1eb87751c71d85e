//! Unit tests of the scan's pure parts: `detect` (names, dictionaries,
//! value detectors, evidence) and `draft` (masker choice, json paths,
//! verdicts, the tenant guess, the draft's YAML), with the catalog
//! helpers both use.

mod detect;
mod draft;

use crate::catalog::{Column, ForeignKey, Table, TableKind, UniqueKey};
use crate::pg::QualifiedName;

/// A nullable column of a base type.
fn col(name: &str, base: &str) -> Column {
    Column {
        num: 1,
        name: name.into(),
        type_name: base.into(),
        base_type: base.into(),
        category: match base {
            "text" | "varchar" => 'S',
            "int8" | "int4" => 'N',
            _ => 'U',
        },
        max_chars: None,
        is_domain: false,
        not_null: false,
        generated: false,
        identity: None,
        has_default: false,
        can_select: true,
        wire: String::new(),
    }
}

/// A table with a primary key on `id`.
fn table(oid: u32, name: &str, columns: Vec<Column>) -> Table {
    let (schema, name) = name.split_once('.').unwrap();
    Table {
        oid,
        name: QualifiedName::new(schema, name),
        kind: TableKind::Ordinary,
        parent: None,
        rls: false,
        force_rls: false,
        owner: "postgres".into(),
        estimate_rows: 0.0,
        bytes: 0,
        pages: 0,
        columns,
        unique_keys: vec![UniqueKey {
            name: format!("{name}_pkey"),
            primary: true,
            columns: vec!["id".into()],
            has_expressions: false,
            partial: false,
        }],
        foreign_keys: Vec::new(),
        can_select: true,
        schema_usage: true,
    }
}

/// A one-column foreign key to `ref_table(id)`.
fn fk(column: &str, ref_table: u32) -> ForeignKey {
    ForeignKey {
        name: format!("{column}_fkey"),
        columns: vec![column.into()],
        ref_table,
        ref_columns: vec!["id".into()],
    }
}
