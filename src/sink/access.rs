//! The `access:` section applied inside the copy: who may read it. For each
//! role, CONNECT on the database, USAGE on the copied schemas it reads,
//! SELECT on their tables, views, materialized views, foreign tables and
//! sequences, and default privileges so that what the loading role creates
//! there later is readable too. Nothing else: no write, no CREATE, no
//! other schema. Sequences get SELECT only (their value), never USAGE,
//! which would let the role call nextval.
//!
//! Before the first write, the roles must exist on the target's cluster and
//! the loading role must be able to give what it gives. Once the copy is
//! complete, every grant runs in one transaction, and what each role can
//! then do is read back from the catalog (the run report's evidence); a
//! role that still cannot read something fails the run. The database is
//! named at run time (`current_database()`), never taken from the target
//! URL, so the grants stay right when the database is renamed.

use std::path::Path;

use serde::Serialize;
use tokio_postgres::Client;

use super::lease::target_err;
use crate::config::{Diagnostic, Diagnostics};
use crate::pg::{quote_ident, quote_literal, QualifiedName};
use crate::plan::AccessGrant;
use crate::Error;

const VERIFY_SQL: &str = include_str!("access.sql");
const TARGET_SQL: &str = include_str!("access_target.sql");

/// Names per GRANT statement: long lists are split so that no statement
/// grows without bound.
const NAMES_PER_STATEMENT: usize = 500;

/// How the database is named in `GRANT CONNECT ON DATABASE`.
#[derive(Debug, Clone, Copy)]
pub enum DatabaseName<'a> {
    /// The name read from the session (`current_database()`) in the
    /// transaction that grants.
    Named(&'a str),
    /// Whatever database the statements run in (a SQL file loaded later):
    /// dynamic SQL asks the server for its name.
    Current,
}

/// The statements that give `grant` its access, in order.
pub fn statements(grant: &AccessGrant, database: DatabaseName) -> Vec<String> {
    let role = quote_ident(&grant.role);
    let mut out = vec![match database {
        DatabaseName::Named(db) => {
            format!("GRANT CONNECT ON DATABASE {} TO {role}", quote_ident(db))
        }
        DatabaseName::Current => {
            let body = format!(
                "BEGIN EXECUTE 'GRANT CONNECT ON DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || {}; END",
                quote_literal(&format!(" TO {role}"))
            );
            format!("DO {}", quote_literal(&body))
        }
    }];
    if grant.schemas.is_empty() {
        return out;
    }
    let schemas: Vec<String> = grant.schemas.iter().map(|s| quote_ident(s)).collect();
    let schemas = schemas.join(", ");
    out.push(format!("GRANT USAGE ON SCHEMA {schemas} TO {role}"));
    for (kind, names) in [("TABLE", &grant.relations), ("SEQUENCE", &grant.sequences)] {
        for chunk in names.chunks(NAMES_PER_STATEMENT) {
            let list: Vec<String> = chunk.iter().map(QualifiedName::quoted).collect();
            out.push(format!(
                "GRANT SELECT ON {kind} {} TO {role}",
                list.join(", ")
            ));
        }
    }
    for kind in ["TABLES", "SEQUENCES"] {
        out.push(format!(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {schemas} GRANT SELECT ON {kind} TO {role}"
        ));
    }
    out
}

/// The grants as a SQL file's last section (`--output`), for the database
/// the file is loaded into.
pub fn file_sql(grants: &[AccessGrant]) -> String {
    if grants.is_empty() {
        return String::new();
    }
    let mut sql = String::from(
        "\n-- access: the rules' readers of the copy (these roles must exist where this file is loaded)\n",
    );
    for g in grants {
        for s in statements(g, DatabaseName::Current) {
            sql.push_str(&s);
            sql.push_str(";\n");
        }
    }
    sql
}

/// What one role was given, as the run report records it.
#[derive(Debug, Clone, Serialize)]
pub struct AccessApplied {
    /// The role.
    pub role: String,
    /// The database it may connect to, by its name when the grants ran
    /// (with `--swap`, the new database's name before it was swapped in).
    pub database: String,
    /// Schemas it reads.
    pub schemas: Vec<String>,
    /// Tables, views, materialized views and foreign tables it reads.
    pub relations: usize,
    /// Sequences whose value it reads.
    pub sequences: usize,
    /// The role whose future objects in those schemas it reads too.
    pub default_privileges_for: String,
    /// The statements run, in order, in the transaction that granted.
    pub statements: Vec<String>,
    /// Read back from the catalog after granting: it can connect and read
    /// every relation and sequence of its schemas.
    pub verified: bool,
    /// The role has BYPASSRLS (row-level security policies do not apply to it).
    pub bypass_rls: bool,
    /// What it can do besides reading, granted elsewhere (should be empty).
    pub beyond_read: Vec<String>,
}

/// What the target's cluster says of each role, before anything is written.
struct RoleState {
    name: String,
    exists: bool,
    near: Option<String>,
    connect_ok: bool,
    usage_blocked: Vec<String>,
    database: String,
    loader: String,
}

async fn role_states(
    client: &Client,
    grants: &[AccessGrant],
    existing_schemas: &[String],
) -> Result<Vec<RoleState>, tokio_postgres::Error> {
    let names: Vec<&str> = grants.iter().map(|g| g.role.as_str()).collect();
    let rows = client
        .query(TARGET_SQL, &[&names, &existing_schemas])
        .await?;
    rows.iter()
        .map(|r| {
            Ok(RoleState {
                name: r.try_get("name")?,
                exists: r.try_get("exists")?,
                near: r.try_get("near")?,
                connect_ok: r.try_get("connect_ok")?,
                usage_blocked: r.try_get("usage_blocked")?,
                database: r.try_get("database")?,
                loader: r.try_get("loader")?,
            })
        })
        .collect()
}

/// The roles of `grants` that do not exist on the cluster `client` is
/// connected to, one problem each at its place in the rules, with the fix.
pub async fn missing_roles(
    client: &Client,
    grants: &[AccessGrant],
    target: &str,
) -> Result<Diagnostics, tokio_postgres::Error> {
    let states = role_states(client, grants, &[]).await?;
    let mut diags = Diagnostics::default();
    for (g, s) in grants.iter().zip(&states) {
        if s.exists {
            continue;
        }
        let near = s
            .near
            .as_ref()
            .map(|n| {
                format!(" (it has {n}, which differs in case: role names are matched exactly)")
            })
            .unwrap_or_default();
        diags.push(Diagnostic::at(
            g.loc.clone(),
            format!(
                "access: role {} does not exist on the target's cluster ({target}){near}: create it there once, e.g. CREATE ROLE {} NOLOGIN (and GRANT it to the people who query the copy), or correct the name",
                s.name,
                quote_ident(&s.name)
            ),
        ));
    }
    Ok(diags)
}

/// Refuse a role of `grants` that the cluster `client` is connected to
/// does not have (exit 2, each at its place in the rules, with the fix).
pub async fn refuse_missing_roles(
    client: &Client,
    grants: &[AccessGrant],
    target: &str,
) -> Result<(), Error> {
    if grants.is_empty() {
        return Ok(());
    }
    let missing = missing_roles(client, grants, target)
        .await
        .map_err(target_err("access: reading roles"))?;
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::usage(format!(
        "{missing}\nnothing was written to the target"
    )))
}

/// Refuse before the first write: a role that does not exist, or a
/// privilege the loading role cannot give (CONNECT on a database it does
/// not own, USAGE on an existing schema such as `public` it does not own)
/// to a role that does not already hold it. `kept_schemas` are the copied
/// schemas that exist on the target and are not replaced by the run.
pub async fn check_target(
    client: &Client,
    grants: &[AccessGrant],
    kept_schemas: &[String],
    rules: &Path,
    target: &str,
) -> Result<(), Error> {
    if grants.is_empty() {
        return Ok(());
    }
    refuse_missing_roles(client, grants, target).await?;
    let states = role_states(client, grants, kept_schemas)
        .await
        .map_err(target_err("access: reading privileges"))?;
    let mut problems = Vec::new();
    for (g, s) in grants.iter().zip(&states) {
        let (role, db, loader) = (
            quote_ident(&s.name),
            quote_ident(&s.database),
            quote_ident(&s.loader),
        );
        if !s.connect_ok {
            problems.push(format!(
                "role {} cannot give CONNECT on database {} (it is not its owner) and {} cannot connect to it: GRANT CONNECT ON DATABASE {db} TO {role} once as the owner, or ALTER DATABASE {db} OWNER TO {loader}",
                s.loader, s.database, s.name
            ));
        }
        for schema in s.usage_blocked.iter().filter(|b| g.schemas.contains(b)) {
            problems.push(format!(
                "role {} cannot give USAGE on schema {schema} (it is not its owner) and {} lacks it: GRANT USAGE ON SCHEMA {} TO {role} once as the owner, or load as the database owner",
                s.loader,
                s.name,
                quote_ident(schema)
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::usage(format!(
        "access ({}): the target cannot give the access the rules ask for, nothing was written: {}",
        rules.display(),
        problems.join("; ")
    )))
}

/// Give every role its access, in one transaction on `client` (outside any
/// transaction), and read back what each can do. A role that still cannot
/// read something rolls everything back and fails the run.
pub async fn apply(client: &Client, grants: &[AccessGrant]) -> Result<Vec<AccessApplied>, Error> {
    if grants.is_empty() {
        return Ok(Vec::new());
    }
    client
        .batch_execute("BEGIN")
        .await
        .map_err(target_err("access"))?;
    let result = grant_all(client, grants).await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = client.batch_execute(end).await;
    let applied = result?;
    ended.map_err(target_err("access: committing the grants"))?;
    for a in &applied {
        for b in &a.beyond_read {
            tracing::warn!("access: role {} {b}", a.role);
        }
    }
    Ok(applied)
}

async fn grant_all(client: &Client, grants: &[AccessGrant]) -> Result<Vec<AccessApplied>, Error> {
    let row = client
        .query_one(
            "SELECT pg_catalog.current_database()::text, current_user::text",
            &[],
        )
        .await
        .map_err(target_err("access"))?;
    let (database, loader): (String, String) = (row.get(0), row.get(1));
    let mut applied = Vec::new();
    for g in grants {
        let sql = statements(g, DatabaseName::Named(&database));
        for s in &sql {
            client
                .batch_execute(s)
                .await
                .map_err(target_err(&format!("access: granting to {}", g.role)))?;
        }
        let back = read_back(client, g).await?;
        if !back.missing.is_empty() {
            return Err(Error::runtime(format!(
                "target: access: after the grants role {} still {}: nothing was granted",
                g.role,
                back.missing.join(", ")
            )));
        }
        applied.push(AccessApplied {
            role: g.role.clone(),
            database: database.clone(),
            schemas: g.schemas.clone(),
            relations: g.relations.len(),
            sequences: g.sequences.len(),
            default_privileges_for: loader.clone(),
            statements: sql,
            verified: true,
            bypass_rls: back.bypass_rls,
            beyond_read: back.beyond_read,
        });
    }
    Ok(applied)
}

/// What a role can do once granted, read back from the catalog.
#[derive(Debug, Default, PartialEq, Eq)]
struct ReadBack {
    /// What it still cannot read (should be nothing).
    missing: Vec<String>,
    /// What it can do besides reading (should be nothing).
    beyond_read: Vec<String>,
    /// It has BYPASSRLS.
    bypass_rls: bool,
}

/// Read back what `grant`'s role can do in its schemas.
async fn read_back(client: &Client, grant: &AccessGrant) -> Result<ReadBack, Error> {
    let role = client
        .query_one(
            "SELECT rolsuper, rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = $1",
            &[&grant.role],
        )
        .await
        .map_err(target_err("access: reading the role"))?;
    let (superuser, bypass_rls): (bool, bool) = (role.get(0), role.get(1));
    let rows = client
        .query(VERIFY_SQL, &[&grant.role, &grant.schemas])
        .await
        .map_err(target_err("access: reading back the grants"))?;
    let found = rows
        .iter()
        .map(|r| {
            let object = match (r.get::<_, Option<String>>(1), r.get::<_, Option<String>>(2)) {
                (Some(s), Some(n)) => QualifiedName::new(s, n).to_string(),
                (Some(s), None) => format!("schema {s}"),
                _ => "the database".to_string(),
            };
            (r.get::<_, String>(0), object)
        })
        .collect();
    Ok(ReadBack {
        bypass_rls,
        ..summarize(found, superuser)
    })
}

/// The read-back's rows (`what`, object) as sentences, long lists cut
/// short; a superuser is one sentence, not a list of everything.
fn summarize(found: Vec<(String, String)>, superuser: bool) -> ReadBack {
    let of = |what: &str| -> Vec<&str> {
        found
            .iter()
            .filter(|(w, _)| w == what)
            .map(|(_, o)| o.as_str())
            .collect()
    };
    let list = |names: Vec<&str>| -> String {
        let more = names.len().saturating_sub(5);
        let mut text = names.into_iter().take(5).collect::<Vec<_>>().join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    };
    let mut missing = Vec::new();
    if !of("no connect").is_empty() {
        missing.push("cannot connect to the database".to_string());
    }
    for (what, sentence) in [
        ("no usage", "lacks USAGE on"),
        ("unreadable", "cannot read"),
    ] {
        let names = of(what);
        if !names.is_empty() {
            missing.push(format!("{sentence} {}", list(names)));
        }
    }
    let mut beyond_read = Vec::new();
    if superuser {
        beyond_read.push(
            "is a superuser: it reads and writes everything in the copy whatever is granted"
                .to_string(),
        );
    } else {
        let (writable, create) = (of("writable"), of("create"));
        if !writable.is_empty() {
            beyond_read.push(format!(
                "can write {} (granted outside doppel)",
                list(writable)
            ));
        }
        if !create.is_empty() {
            beyond_read.push(format!(
                "can CREATE in {} (granted outside doppel, e.g. to PUBLIC)",
                list(create)
            ));
        }
    }
    ReadBack {
        missing,
        beyond_read,
        bypass_rls: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> AccessGrant {
        AccessGrant {
            role: "support \"ro\"".into(),
            loc: None,
            schemas: vec!["Billing".into(), "public".into()],
            relations: vec![
                QualifiedName::new("Billing", "Invoices"),
                QualifiedName::new("public", "users"),
            ],
            sequences: vec![QualifiedName::new("public", "users_id_seq")],
        }
    }

    #[test]
    fn grants_read_only_with_every_name_quoted() {
        let s = statements(&grant(), DatabaseName::Named("app's \"copy\""));
        assert_eq!(
            s,
            [
                r#"GRANT CONNECT ON DATABASE "app's ""copy""" TO "support ""ro""""#,
                r#"GRANT USAGE ON SCHEMA "Billing", "public" TO "support ""ro""""#,
                r#"GRANT SELECT ON TABLE "Billing"."Invoices", "public"."users" TO "support ""ro""""#,
                r#"GRANT SELECT ON SEQUENCE "public"."users_id_seq" TO "support ""ro""""#,
                r#"ALTER DEFAULT PRIVILEGES IN SCHEMA "Billing", "public" GRANT SELECT ON TABLES TO "support ""ro""""#,
                r#"ALTER DEFAULT PRIVILEGES IN SCHEMA "Billing", "public" GRANT SELECT ON SEQUENCES TO "support ""ro""""#,
            ]
        );
    }

    #[test]
    fn a_file_names_the_database_it_is_loaded_into() {
        let sql = file_sql(&[grant()]);
        assert!(
            sql.contains(r#"DO 'BEGIN EXECUTE ''GRANT CONNECT ON DATABASE '' || pg_catalog.quote_ident(pg_catalog.current_database()) || '' TO "support ""ro"""''; END';"#),
            "{sql}"
        );
        assert!(sql.contains("GRANT SELECT ON SEQUENCE"), "{sql}");
        assert_eq!(file_sql(&[]), "");
    }

    #[test]
    fn long_lists_are_split() {
        let mut g = grant();
        g.relations = (0..1001)
            .map(|i| QualifiedName::new("public", format!("t{i}")))
            .collect();
        let s = statements(&g, DatabaseName::Current);
        let tables: Vec<&String> = s
            .iter()
            .filter(|s| s.starts_with("GRANT SELECT ON TABLE"))
            .collect();
        assert_eq!(tables.len(), 3);
        assert_eq!(tables[2].matches("\"public\"").count(), 1);
    }

    #[test]
    fn read_back_is_said_in_short_sentences() {
        let row = |w: &str, o: &str| (w.to_string(), o.to_string());
        let mut found = vec![
            row("no usage", "schema billing"),
            row("create", "schema public"),
        ];
        found.extend((0..7).map(|i| row("writable", &format!("public.t{i}"))));
        let back = summarize(found.clone(), false);
        assert_eq!(back.missing, ["lacks USAGE on schema billing"]);
        assert_eq!(
            back.beyond_read,
            [
                "can write public.t0, public.t1, public.t2, public.t3, public.t4 and 2 more (granted outside doppel)",
                "can CREATE in schema public (granted outside doppel, e.g. to PUBLIC)",
            ]
        );
        let back = summarize(found, true);
        assert_eq!(back.beyond_read.len(), 1);
        assert!(back.beyond_read[0].contains("is a superuser"));
        assert_eq!(summarize(Vec::new(), false), ReadBack::default());
    }
}
