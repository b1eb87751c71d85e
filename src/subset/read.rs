//! Reading rows for a closure: one streamed SELECT of the expressions a
//! table's references use (as text, with the table's filter), reaching a
//! table through a reference's keys, those not asked for before, in
//! batches, and cursors that hand a large result over a batch at a time.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use tokio_postgres::{Client, Row};

use super::graph::Node;
use super::pred::Pred;
use super::state::{Closure, Interner, Key, State};
use crate::pg::{pg_text, QualifiedName};
use crate::Error;

/// Keys per SELECT when reaching rows through a reference.
pub(super) const BATCH: usize = 10_000;

/// Rows per FETCH of a cursor: what a read holds at a time.
const FETCH: usize = 1_000;

/// How rows of a table are reached: through these columns (where `when`
/// holds), as rows a tenant owns (children) or rows referenced (parents).
#[derive(Clone, Copy)]
pub(super) struct Via<'a> {
    pub(super) columns: &'a [String],
    pub(super) types: &'a [String],
    pub(super) when: &'a Option<String>,
    pub(super) owned: bool,
}

impl Closure<'_> {
    /// Read the rows of table `t` that `keys` reach (those not asked for
    /// before), batch by batch.
    pub(super) async fn reach(
        &mut self,
        client: &Client,
        t: usize,
        via: Via<'_>,
        keys: HashSet<Key>,
    ) -> Result<(), Error> {
        let fresh = self.st[t].ask(
            via.columns,
            via.types,
            via.when,
            via.owned,
            keys.into_iter().collect(),
        );
        for chunk in fresh.chunks(BATCH) {
            let p = Pred::In {
                columns: via.columns.to_vec(),
                types: via.types.to_vec(),
                keys: self.words.texts(chunk.iter()),
                from: String::new(),
            };
            let p = Pred::when(via.when, p);
            let node = &self.graph.nodes[t];
            select(
                client,
                node,
                &mut self.st[t],
                &mut self.words,
                &p,
                via.owned,
            )
            .await?;
        }
        Ok(())
    }
}

/// Read the rows of `node` where `pred` (and the table's filter) holds
/// into `state`, streamed.
pub(super) async fn select(
    client: &Client,
    node: &Node,
    state: &mut State,
    words: &mut Interner,
    pred: &Pred,
    owned: bool,
) -> Result<(), Error> {
    let mut sql = format!(
        "SELECT {} FROM {} WHERE {}",
        state.exprs.join(", "),
        node.name.quoted(),
        pred.sql()
    );
    if let Some(f) = &node.filter {
        sql.push_str(&format!(" AND ({f})"));
    }
    let failed = |e: tokio_postgres::Error| {
        Error::runtime(format!(
            "source: reading {} for the tenant subset: {}",
            node.name,
            pg_text(&e)
        ))
    };
    let none: [&str; 0] = [];
    let rows = client.query_raw(&sql, none).await.map_err(failed)?;
    let mut rows = std::pin::pin!(rows);
    let n = state.exprs.len();
    while let Some(row) = rows.next().await {
        let row = row.map_err(failed)?;
        let vals: Vec<u32> = texts(&row, n, &node.name)?
            .into_iter()
            .map(|v| words.id(v))
            .collect();
        state.add(vals.into_boxed_slice(), owned);
    }
    Ok(())
}

/// The first `n` values of a row read as text.
pub(super) fn texts<'r>(
    row: &'r Row,
    n: usize,
    table: &QualifiedName,
) -> Result<Vec<Option<&'r str>>, Error> {
    (0..n)
        .map(|i| {
            row.try_get(i)
                .map_err(|e| Error::runtime(format!("source: {table}: {e}")))
        })
        .collect()
}

/// Names cursors uniquely within the process.
static CURSORS: AtomicU64 = AtomicU64::new(0);

/// A SELECT read through a cursor of the caller's transaction, [`FETCH`]
/// rows at a time, so that a large result is never held whole and the
/// session can run other statements between two batches.
pub(super) struct Cursor {
    name: String,
    /// What is read, for errors.
    what: String,
}

impl Cursor {
    /// Declare a cursor over `sql`; `what` names the read in errors.
    pub(super) async fn open(client: &Client, sql: &str, what: &str) -> Result<Cursor, Error> {
        let name = format!("doppel_subset_{}", CURSORS.fetch_add(1, Ordering::Relaxed));
        let c = Cursor {
            name,
            what: what.to_string(),
        };
        client
            .batch_execute(&format!("DECLARE {} NO SCROLL CURSOR FOR {sql}", c.name))
            .await
            .map_err(|e| c.failed(&e))?;
        Ok(c)
    }

    /// The next batch of rows; empty when the result is read.
    pub(super) async fn next(&self, client: &Client) -> Result<Vec<Row>, Error> {
        client
            .query(&format!("FETCH FORWARD {FETCH} FROM {}", self.name), &[])
            .await
            .map_err(|e| self.failed(&e))
    }

    /// Close the cursor.
    pub(super) async fn close(self, client: &Client) -> Result<(), Error> {
        client
            .batch_execute(&format!("CLOSE {}", self.name))
            .await
            .map_err(|e| self.failed(&e))
    }

    fn failed(&self, e: &tokio_postgres::Error) -> Error {
        Error::runtime(format!("source: reading {}: {}", self.what, pg_text(e)))
    }
}
