//! Deciding the rows of a whole copy without some tenants that reference
//! rows left out through nullable references only, from a table without
//! the tenant column: each is a child of what is left out, and goes with
//! it, unless it is shared — a copied row references it (a user who is also
//! a member of a kept tenant), or it also references a copied row of the
//! root or a tenant table (it belongs to a kept tenant as well). A shared
//! row stays, its references to rows left out set NULL. Both tests are
//! SELECTs of at most one row per key, in batches.

use std::collections::{HashMap, HashSet};

use tokio_postgres::Client;

use super::exclude::{Exclusion, Fate, RowId};
use super::graph::Role;
use super::pred::{typed_array, Pred};
use super::read::BATCH;
use super::state::{key_of, Key};
use crate::pg::{pg_text, quote_ident};
use crate::Error;

/// Rows waiting to be decided, by the key they are found by.
type ByKey = HashMap<Key, Vec<RowId>>;

impl Exclusion<'_> {
    /// Decide every such row, those kept before included (what kept them
    /// may be left out since): shared rows are kept, the others left out
    /// and queued so that their own children follow. Kept rows keep the
    /// waiting rows they reference, so rows that only reference each
    /// other (a cycle of children) go together. True when a row was left
    /// out.
    pub(super) async fn resolve(&mut self, client: &Client) -> Result<bool, Error> {
        let graph = self.graph;
        let mut open: Vec<Vec<RowId>> = Vec::with_capacity(self.tables.len());
        for t in &mut self.tables {
            let mut ids: Vec<RowId> = Vec::new();
            for (id, r) in t.touched.iter_mut().filter(|(_, r)| r.fate != Fate::Nulled) {
                r.fate = Fate::Pending;
                ids.push(*id);
            }
            ids.sort();
            open.push(ids);
        }
        if open.iter().all(Vec::is_empty) {
            return Ok(false);
        }
        let mut shared: Vec<HashSet<RowId>> = vec![HashSet::new(); graph.nodes.len()];
        let mut by_ref: Vec<ByKey> = vec![HashMap::new(); graph.edges.len()];
        for (ei, e) in graph.edges.iter().enumerate() {
            // A copied row references it.
            if !open[e.parent].is_empty() && graph.nodes[e.child].role != Role::Empty {
                let waiting = self.keyed(e.parent, &open[e.parent], &self.layout.ref_idx[ei]);
                let keys: Vec<&Key> = waiting.keys().collect();
                for k in self
                    .copied(client, e.child, (&e.columns, &e.types), &e.when, &keys)
                    .await?
                {
                    shared[e.parent].extend(&waiting[k]);
                }
                by_ref[ei] = waiting;
            }
            // It references a copied row of the root or a tenant table.
            if !open[e.child].is_empty() && self.tenants_of(e.parent).is_some() {
                let mut waiting = self.keyed(e.child, &open[e.child], &self.layout.fk_idx[ei]);
                waiting.retain(|k, _| !self.bad[ei].contains(k));
                let keys: Vec<&Key> = waiting.keys().collect();
                for k in self
                    .copied(
                        client,
                        e.parent,
                        (&e.ref_columns, &e.ref_types),
                        &None,
                        &keys,
                    )
                    .await?
                {
                    shared[e.child].extend(&waiting[k]);
                }
            }
        }
        self.keep_referenced(&mut shared, &by_ref);
        let mut left_out = false;
        for (t, ids) in open.iter().enumerate() {
            let table = &mut self.tables[t];
            for id in ids {
                if shared[t].contains(id) {
                    if let Some(r) = table.touched.get_mut(id) {
                        r.fate = Fate::Kept;
                    }
                } else if let Some(r) = table.touched.remove(id) {
                    table.dropped.insert(*id);
                    table.queue.push(r.vals);
                    left_out = true;
                }
            }
        }
        Ok(left_out)
    }

    /// The waiting rows `ids` of table `t` by their key in the expressions `idx`.
    fn keyed(&self, t: usize, ids: &[RowId], idx: &[usize]) -> ByKey {
        let mut out: ByKey = HashMap::new();
        for id in ids {
            if let Some(k) = self.tables[t]
                .touched
                .get(id)
                .and_then(|r| key_of(&r.vals, idx))
            {
                out.entry(k).or_default().push(*id);
            }
        }
        out
    }

    /// Shared rows keep the waiting rows they reference, transitively.
    fn keep_referenced(&self, shared: &mut [HashSet<RowId>], by_ref: &[ByKey]) {
        let graph = self.graph;
        let mut work: Vec<(usize, RowId)> = shared
            .iter()
            .enumerate()
            .flat_map(|(t, s)| s.iter().map(move |id| (t, *id)))
            .collect();
        while let Some((t, id)) = work.pop() {
            let Some(row) = self.tables[t].touched.get(&id) else {
                continue;
            };
            for (ei, e) in graph.edges.iter().enumerate() {
                if e.child != t {
                    continue;
                }
                let Some(k) = key_of(&row.vals, &self.layout.fk_idx[ei]) else {
                    continue;
                };
                for p in by_ref[ei].get(&k).into_iter().flatten() {
                    if shared[e.parent].insert(*p) {
                        work.push((e.parent, *p));
                    }
                }
            }
        }
    }

    /// Of `keys` (values of the columns of table `t`, with their types),
    /// those a row of `t` that the copy holds has (where `when` holds): not
    /// left out so far, waiting rows counting as left out, and passing the
    /// table's filter. One `EXISTS` per key, in batches.
    async fn copied<'k>(
        &self,
        client: &Client,
        t: usize,
        (columns, types): (&[String], &[String]),
        when: &Option<String>,
        keys: &[&'k Key],
    ) -> Result<Vec<&'k Key>, Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let node = &self.graph.nodes[t];
        let mut held = self.rows_pred(t);
        if let Some(f) = &node.filter {
            held = held.and(Pred::Sql(f.clone()));
        }
        let held = Pred::when(when, held).sql();
        let names: Vec<String> = (0..columns.len()).map(|i| format!("doppel_k{i}")).collect();
        let equal: Vec<String> = columns
            .iter()
            .zip(&names)
            .map(|(c, n)| format!("{} = k.{n}", quote_ident(c)))
            .collect();
        let mut found = Vec::new();
        for chunk in keys.chunks(BATCH) {
            let text: Vec<Vec<String>> = chunk.iter().map(|k| self.words.text(k)).collect();
            let arrays: Vec<String> = types
                .iter()
                .enumerate()
                .map(|(i, ty)| typed_array(text.iter().map(|k| k[i].as_str()), ty))
                .collect();
            let sql = format!(
                "SELECT k.doppel_n FROM unnest({}) WITH ORDINALITY AS k({}, doppel_n) \
                 WHERE EXISTS (SELECT 1 FROM {} WHERE {} AND {held})",
                arrays.join(", "),
                names.join(", "),
                node.name.quoted(),
                equal.join(" AND "),
            );
            let rows = client.query(&sql, &[]).await.map_err(|e| {
                Error::runtime(format!(
                    "source: reading {} for the excluded tenants: {}",
                    node.name,
                    pg_text(&e)
                ))
            })?;
            for r in rows {
                let n: i64 = r
                    .try_get(0)
                    .map_err(|e| Error::runtime(format!("source: {}: {e}", node.name)))?;
                if let Some(k) = usize::try_from(n - 1).ok().and_then(|i| chunk.get(i)) {
                    found.push(*k);
                }
            }
        }
        Ok(found)
    }
}
