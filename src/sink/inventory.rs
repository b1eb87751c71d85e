//! What a target database holds that a copy may create (schemas,
//! extensions, relations, types, routines, collations, operators, text
//! search objects), so that a failed run can drop exactly what it added.

use std::collections::HashSet;

use tokio_postgres::Client;

use crate::Error;

/// The objects a database holds, by catalog and oid.
#[derive(Debug, Default, Clone)]
pub(super) struct Inventory(HashSet<(String, u32)>);

/// One object created by the run.
#[derive(Debug, Clone)]
pub(super) struct Created {
    kind: &'static str,
    /// The object's name as SQL (qualified, with a signature for routines).
    name: String,
}

impl Created {
    /// The statement that drops it and what depends on it.
    pub(super) fn drop_sql(&self) -> String {
        format!("DROP {} IF EXISTS {} CASCADE;\n", self.kind, self.name)
    }
}

/// "2 tables, 1 routine".
pub(super) fn summary(created: &[Created]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for c in created {
        match counts.iter_mut().find(|(k, _)| *k == c.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((c.kind, 1)),
        }
    }
    counts
        .iter()
        .map(|(k, n)| format!("{n} {}{}", k.to_lowercase(), if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every object doppel may create, with its catalog, oid, DROP keyword and
/// SQL name; extension members and system schemas left out.
const INVENTORY_SQL: &str = include_str!("inventory.sql");

impl Inventory {
    /// Read what `client`'s database holds now.
    pub(super) async fn read(client: &Client) -> Result<Inventory, Error> {
        let rows = client.query(INVENTORY_SQL, &[]).await.map_err(|e| {
            Error::runtime(format!(
                "target: recording what it holds: {}",
                crate::pg::pg_text(&e)
            ))
        })?;
        Ok(Inventory(
            rows.iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, u32>(1)))
                .collect(),
        ))
    }

    /// What the target holds now that it did not hold in `before`, in the
    /// order to drop it (schemas and extensions first: they take their
    /// contents with them).
    pub(super) async fn created(
        client: &Client,
        before: &Inventory,
    ) -> Result<Vec<Created>, String> {
        let rows = client
            .query(INVENTORY_SQL, &[])
            .await
            .map_err(|e| crate::pg::pg_text(&e))?;
        let mut created: Vec<Created> = rows
            .iter()
            .filter(|r| {
                !before
                    .0
                    .contains(&(r.get::<_, String>(0), r.get::<_, u32>(1)))
            })
            .filter_map(|r| {
                let kind = match r.get::<_, &str>(2) {
                    "SCHEMA" => "SCHEMA",
                    "EXTENSION" => "EXTENSION",
                    "TABLE" => "TABLE",
                    "VIEW" => "VIEW",
                    "MATERIALIZED VIEW" => "MATERIALIZED VIEW",
                    "SEQUENCE" => "SEQUENCE",
                    "FOREIGN TABLE" => "FOREIGN TABLE",
                    "TYPE" => "TYPE",
                    "DOMAIN" => "DOMAIN",
                    "ROUTINE" => "ROUTINE",
                    "AGGREGATE" => "AGGREGATE",
                    "COLLATION" => "COLLATION",
                    "OPERATOR" => "OPERATOR",
                    "TEXT SEARCH CONFIGURATION" => "TEXT SEARCH CONFIGURATION",
                    "TEXT SEARCH DICTIONARY" => "TEXT SEARCH DICTIONARY",
                    _ => return None,
                };
                Some(Created {
                    kind,
                    name: r.get(3),
                })
            })
            .collect();
        created.sort_by_key(|c| match c.kind {
            "SCHEMA" => 0,
            "EXTENSION" => 1,
            "AGGREGATE" => 2,
            _ => 3,
        });
        Ok(created)
    }
}
