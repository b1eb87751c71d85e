//! Reading the catalog: one step per query of `catalog/sql/`, each turning
//! its rows into the catalog's types. The steps run in order on one
//! client, inside the caller's snapshot.

use std::collections::HashMap;

use tokio_postgres::{Client, Error, Row};

use super::{Catalog, Column, ForeignKey, Role, Table, TableKind, UniqueKey};
use crate::pg::QualifiedName;

const TABLES_SQL: &str = include_str!("sql/tables.sql");
const COLUMNS_SQL: &str = include_str!("sql/columns.sql");
const UNIQUE_KEYS_SQL: &str = include_str!("sql/unique_keys.sql");
const FOREIGN_KEYS_SQL: &str = include_str!("sql/foreign_keys.sql");
const RELATIONS_SQL: &str = include_str!("sql/relations.sql");
const SCHEMAS_SQL: &str = include_str!("sql/schemas.sql");

impl Catalog {
    /// Read the catalog through `client` (inside the run's snapshot transaction).
    pub async fn load(client: &Client) -> Result<Catalog, Error> {
        let role = read_role(client).await?;
        let mut tables = Tables::new(read_tables(client).await?);
        read_columns(client, &mut tables).await?;
        read_unique_keys(client, &mut tables).await?;
        read_foreign_keys(client, &mut tables).await?;
        let relations = read_relations(client).await?;
        let schemas = read_schemas(client).await?;
        Ok(Catalog {
            tables: tables.list,
            sequences: relations.sequences,
            matviews: relations.matviews,
            views: relations.views,
            schemas,
            unreadable_sequences: relations.unreadable_sequences,
            role,
        })
    }
}

/// The tables read so far, found by oid by the queries that fill in their
/// columns and keys.
struct Tables {
    list: Vec<Table>,
    oids: Vec<u32>,
    index: HashMap<u32, usize>,
}

impl Tables {
    fn new(list: Vec<Table>) -> Tables {
        let oids = list.iter().map(|t| t.oid).collect();
        let index = list.iter().enumerate().map(|(i, t)| (t.oid, i)).collect();
        Tables { list, oids, index }
    }

    /// The table a row's `rel` column names, if it is one of them.
    fn of(&mut self, row: &Row) -> Result<Option<&mut Table>, Error> {
        let rel: u32 = row.try_get("rel")?;
        Ok(self.index.get(&rel).map(|&i| &mut self.list[i]))
    }
}

/// The reading role: its name and whether it sees every row.
async fn read_role(client: &Client) -> Result<Role, Error> {
    let row = client
        .query_one(
            "SELECT current_user::text, r.rolsuper, r.rolbypassrls FROM pg_catalog.pg_roles r WHERE r.rolname = current_user",
            &[],
        )
        .await?;
    Ok(Role {
        name: row.try_get(0)?,
        superuser: row.try_get(1)?,
        bypass_rls: row.try_get(2)?,
    })
}

/// Every table and partition, without columns or keys yet.
async fn read_tables(client: &Client) -> Result<Vec<Table>, Error> {
    let mut tables = Vec::new();
    for r in client.query(TABLES_SQL, &[]).await? {
        let kind: String = r.try_get("kind")?;
        tables.push(Table {
            oid: r.try_get("oid")?,
            name: QualifiedName::new(
                r.try_get::<_, String>("schema")?,
                r.try_get::<_, String>("name")?,
            ),
            kind: if kind == "p" {
                TableKind::Partitioned
            } else {
                TableKind::Ordinary
            },
            parent: r.try_get("parent")?,
            rls: r.try_get("rls")?,
            force_rls: r.try_get("force_rls")?,
            owner: r.try_get("owner")?,
            estimate_rows: r.try_get("estimate_rows")?,
            bytes: r.try_get("bytes")?,
            pages: r.try_get("pages")?,
            columns: Vec::new(),
            unique_keys: Vec::new(),
            foreign_keys: Vec::new(),
            can_select: r.try_get("can_select")?,
            schema_usage: r.try_get("schema_usage")?,
        });
    }
    Ok(tables)
}

/// Add each table's columns, in attribute order.
async fn read_columns(client: &Client, tables: &mut Tables) -> Result<(), Error> {
    for r in client.query(COLUMNS_SQL, &[&tables.oids]).await? {
        let Some(table) = tables.of(&r)? else {
            continue;
        };
        table.columns.push(column(&r)?);
    }
    Ok(())
}

/// One column from its row: the base type's length limit, category and
/// the generated, identity and domain flags decoded.
fn column(r: &Row) -> Result<Column, Error> {
    let base_type: String = r.try_get("base_type")?;
    let typmod: i32 = r.try_get("typmod")?;
    let category: String = r.try_get("category")?;
    let generated: String = r.try_get("generated")?;
    let identity: String = r.try_get("identity")?;
    let type_kind: String = r.try_get("type_kind")?;
    let max_chars = match base_type.as_str() {
        "varchar" | "bpchar" if typmod > 4 => Some((typmod - 4) as usize),
        _ => None,
    };
    Ok(Column {
        num: r.try_get("num")?,
        name: r.try_get("name")?,
        type_name: r.try_get("type_name")?,
        base_type,
        category: category.chars().next().unwrap_or('X'),
        max_chars,
        is_domain: type_kind == "d",
        not_null: r.try_get("not_null")?,
        generated: !generated.is_empty(),
        identity: identity.chars().next(),
        has_default: r.try_get("has_default")?,
        can_select: r.try_get("can_select")?,
        wire: r.try_get("wire")?,
    })
}

/// Add each table's primary key and unique indexes.
async fn read_unique_keys(client: &Client, tables: &mut Tables) -> Result<(), Error> {
    for r in client.query(UNIQUE_KEYS_SQL, &[&tables.oids]).await? {
        let Some(table) = tables.of(&r)? else {
            continue;
        };
        table.unique_keys.push(UniqueKey {
            name: r.try_get("name")?,
            primary: r.try_get("is_primary")?,
            columns: r.try_get("columns")?,
            has_expressions: r.try_get("has_expressions")?,
            partial: r.try_get("is_partial")?,
        });
    }
    Ok(())
}

/// Add the foreign keys each table declares.
async fn read_foreign_keys(client: &Client, tables: &mut Tables) -> Result<(), Error> {
    for r in client.query(FOREIGN_KEYS_SQL, &[&tables.oids]).await? {
        let Some(table) = tables.of(&r)? else {
            continue;
        };
        table.foreign_keys.push(ForeignKey {
            name: r.try_get("name")?,
            columns: r.try_get("columns")?,
            ref_table: r.try_get("ref_rel")?,
            ref_columns: r.try_get("ref_columns")?,
        });
    }
    Ok(())
}

/// The relations that are not tables, by kind.
#[derive(Default)]
struct Relations {
    sequences: Vec<QualifiedName>,
    unreadable_sequences: Vec<QualifiedName>,
    matviews: Vec<QualifiedName>,
    views: Vec<QualifiedName>,
}

/// Sequences (and which the role cannot read), materialized views, and
/// views and foreign tables.
async fn read_relations(client: &Client) -> Result<Relations, Error> {
    let mut out = Relations::default();
    for r in client.query(RELATIONS_SQL, &[]).await? {
        let name = QualifiedName::new(
            r.try_get::<_, String>("schema")?,
            r.try_get::<_, String>("name")?,
        );
        match r.try_get::<_, String>("kind")?.as_str() {
            "S" => {
                if !r.try_get::<_, bool>("readable")? {
                    out.unreadable_sequences.push(name.clone());
                }
                out.sequences.push(name)
            }
            "m" => out.matviews.push(name),
            _ => out.views.push(name),
        }
    }
    Ok(out)
}

/// The schemas the copy holds, in name order.
async fn read_schemas(client: &Client) -> Result<Vec<String>, Error> {
    let mut schemas = Vec::new();
    for r in client.query(SCHEMAS_SQL, &[]).await? {
        schemas.push(r.try_get::<_, String>("schema")?);
    }
    Ok(schemas)
}
