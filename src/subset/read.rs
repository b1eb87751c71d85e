//! Reading rows for a closure: one streamed SELECT of the expressions a
//! table's references use (as text, with the table's filter), and reaching
//! a table through a reference's keys, those not asked for before, in
//! batches.

use std::collections::HashSet;

use futures_util::StreamExt;
use tokio_postgres::Client;

use super::graph::Node;
use super::pred::Pred;
use super::state::{Closure, Interner, Key, State};
use crate::pg::pg_text;
use crate::Error;

/// Keys per SELECT when reaching rows through a reference.
const BATCH: usize = 10_000;

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
        let mut vals = Vec::with_capacity(n);
        for i in 0..n {
            let v: Option<&str> = row
                .try_get(i)
                .map_err(|e| Error::runtime(format!("source: {}: {e}", node.name)))?;
            vals.push(words.id(v));
        }
        state.add(vals.into_boxed_slice(), owned);
    }
    Ok(())
}
