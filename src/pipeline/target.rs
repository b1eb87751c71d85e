//! The target of a database copy, checked and held before its first write:
//! not the source, not loaded by another run, empty (or `--replace`), and
//! writable by the run's role.

use tokio_postgres::Client;

use super::database::{CopyRecord, CopyRequest};
use crate::pg::{session, ConnInfo};
use crate::plan::Plan;
use crate::sink::{DatabaseSink, TargetLease};
use crate::Error;

/// The target database, checked and held, before its first write.
pub(super) struct HeldTarget {
    pub(super) sink: DatabaseSink,
    pub(super) tgt: Client,
    pub(super) schemas: Vec<String>,
    pub(super) occupied: Vec<String>,
}

/// Check the target and take it for this run: not the source, writable, not
/// loaded by another run, empty (or `--replace`), and the role allowed to
/// create what the copy needs. Sets `record.lease`.
pub(super) async fn hold_target(
    req: &CopyRequest,
    conn: &ConnInfo,
    src: &Client,
    plan: &Plan,
    record: &mut CopyRecord,
) -> Result<HeldTarget, Error> {
    let sink = DatabaseSink::new(conn.clone());
    let tgt = sink.connect("schema").await?;
    guard_not_source(src, &tgt).await?;
    let lease = TargetLease::acquire(&sink).await?;
    let mut schemas: Vec<String> = plan.tables.iter().map(|t| t.name.schema.clone()).collect();
    schemas.sort();
    schemas.dedup();
    let occupied = tables_in_schemas(&tgt, &schemas).await?;
    if !occupied.is_empty() && !req.replace {
        return Err(Error::usage(format!(
            "the target {} is not empty: it already holds {} table{} of the schemas being copied ({}{}): pass --replace to replace {}, or load into an empty database",
            conn.describe(),
            occupied.len(),
            if occupied.len() == 1 { "" } else { "s" },
            occupied.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            if occupied.len() > 3 { ", …" } else { "" },
            schemas.join(", ")
        )));
    }
    lease
        .check_privileges(&schemas, !occupied.is_empty())
        .await?;
    // Schemas the run sets aside are made again by it, so it owns them.
    let kept: Vec<String> = plan
        .access
        .iter()
        .flat_map(|g| g.schemas.iter())
        .filter(|s| occupied.is_empty() || !schemas.contains(s))
        .cloned()
        .collect();
    crate::sink::access::check_target(
        lease.client(),
        &plan.access,
        &kept,
        &req.rules.path,
        &conn.describe(),
    )
    .await?;
    record.lease = Some(lease);
    Ok(HeldTarget {
        sink,
        tgt,
        schemas,
        occupied,
    })
}

async fn guard_not_source(src: &Client, tgt: &Client) -> Result<(), Error> {
    let a = session::database_identity(src)
        .await
        .map_err(|e| Error::runtime(format!("source: {}", crate::pg::pg_text(&e))))?;
    let b = session::database_identity(tgt)
        .await
        .map_err(|e| Error::runtime(format!("target: {}", crate::pg::pg_text(&e))))?;
    if a.same_database(&b) {
        return Err(Error::usage(format!(
            "the target is the source database ({}): doppel never writes into its source; give another database as --target",
            a.database
        )));
    }
    Ok(())
}

/// Tables (and views, sequences) of `schemas` that the target already has.
async fn tables_in_schemas(tgt: &Client, schemas: &[String]) -> Result<Vec<String>, Error> {
    let rows = tgt
        .query(
            "SELECT n.nspname::text || '.' || c.relname::text FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') \
               AND n.nspname = ANY($1) \
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') \
             ORDER BY 1",
            &[&schemas],
        )
        .await
        .map_err(|e| Error::runtime(format!("target: {}", crate::pg::pg_text(&e))))?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<_, String>(0).ok())
        .collect())
}
