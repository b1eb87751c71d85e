//! Closing a subset, step by step: choose the tenants, read the rows the
//! tenant tables own, reach the other tables through references to a
//! fixpoint, check every reference against what is copied to a fixpoint,
//! then build one predicate per table. Only the columns references use are
//! read, as text, and every read is a SELECT inside the caller's snapshot.

use std::collections::HashSet;

use tokio_postgres::Client;

use super::check::needs_reading;
use super::graph::{Graph, Role};
use super::pred::Pred;
use super::read::{select, Via};
use super::state::{Closure, Key};
use super::tenants::{choose, tenant_pred};
use super::{Selection, Subset, TableSubset};
use crate::Error;

/// Where a subset's tenant ids come from, for `plan`.
const CHOSEN: &str = "the chosen tenants";

/// Choose the tenants and close the subset inside `client`'s snapshot.
pub async fn compute(
    client: &Client,
    graph: &Graph,
    selection: &Selection,
) -> Result<Subset, Error> {
    let (tenants, excluded) = choose(client, graph, selection).await?;
    let mut closure = Closure::new(graph);
    closure.read_owned(client, &tenants).await?;
    closure.reach_all(client).await?;
    let bad = closure.check_references();
    let mut tables = closure.tables(&tenants);
    closure.cut(&mut tables, &bad);
    Ok(Subset {
        tenants,
        excluded,
        tables,
        whole: false,
    })
}

impl Closure<'_> {
    /// Read the rows every chosen tenant holds (root and tenant tables),
    /// and the `rows: all` tables whose references must be checked.
    async fn read_owned(&mut self, client: &Client, tenants: &[String]) -> Result<(), Error> {
        let graph = self.graph;
        for (i, node) in graph.nodes.iter().enumerate() {
            let base = match &node.role {
                Role::Root => tenant_pred(&graph.root_key, &graph.root_key_type, tenants, CHOSEN),
                Role::Tenant(ty) => tenant_pred(&graph.tenant_column, ty, tenants, CHOSEN),
                Role::All if needs_reading(graph, i) => Pred::True,
                _ => continue,
            };
            let owned = node.role != Role::All;
            select(client, node, &mut self.st[i], &mut self.words, &base, owned).await?;
            self.st[i].read = true;
        }
        Ok(())
    }

    /// Reach the other tables, both ways, until no new row turns up.
    async fn reach_all(&mut self, client: &Client) -> Result<(), Error> {
        let graph = self.graph;
        loop {
            let mut progressed = false;
            for t in 0..graph.nodes.len() {
                let pending = std::mem::take(&mut self.st[t].pending);
                if pending.is_empty() {
                    continue;
                }
                progressed = true;
                self.follow(client, t, &pending).await?;
            }
            if !progressed {
                break;
            }
        }
        for (s, node) in self.st.iter_mut().zip(&graph.nodes) {
            if node.role == Role::Reached {
                s.read = true;
            }
        }
        Ok(())
    }

    /// Follow the references of table `t`'s new rows `pending`: to the
    /// rows they reference, and from those a tenant owns to the rows that
    /// reference them.
    async fn follow(&mut self, client: &Client, t: usize, pending: &[usize]) -> Result<(), Error> {
        let graph = self.graph;
        for (ei, e) in graph.edges.iter().enumerate() {
            // Parents of the new rows.
            if e.child == t && graph.nodes[e.parent].role == Role::Reached {
                let keys: HashSet<Key> = pending
                    .iter()
                    .filter_map(|&r| self.st[t].key(r, &self.fk_idx[ei]))
                    .collect();
                let via = Via {
                    columns: &e.ref_columns,
                    types: &e.ref_types,
                    when: &None,
                    owned: false,
                };
                self.reach(client, e.parent, via, keys).await?;
            }
            // Children of the new rows the tenants own.
            if e.parent == t && graph.nodes[e.child].role == Role::Reached {
                let keys: HashSet<Key> = pending
                    .iter()
                    .filter(|&&r| self.st[t].rows[r].owned)
                    .filter_map(|&r| self.st[t].key(r, &self.ref_idx[ei]))
                    .collect();
                let via = Via {
                    columns: &e.columns,
                    types: &e.types,
                    when: &e.when,
                    owned: true,
                };
                self.reach(client, e.child, via, keys).await?;
            }
        }
        Ok(())
    }

    /// Per table, the rows kept before the reference check cuts any: the
    /// tenants' rows, every row, none, or the rows reached (each way a
    /// table was reached, with the keys asked for); and the rows counted.
    fn tables(&self, tenants: &[String]) -> Vec<TableSubset> {
        let graph = self.graph;
        let mut tables = Vec::with_capacity(graph.nodes.len());
        for (node, st) in graph.nodes.iter().zip(&self.st) {
            let rows = match &node.role {
                Role::Root => tenant_pred(&graph.root_key, &graph.root_key_type, tenants, CHOSEN),
                Role::Tenant(ty) => tenant_pred(&graph.tenant_column, ty, tenants, CHOSEN),
                Role::All => Pred::True,
                Role::Empty => Pred::False,
                Role::Reached => Pred::any(
                    st.asked
                        .iter()
                        .map(|a| {
                            let p = Pred::In {
                                columns: a.columns.clone(),
                                types: a.types.clone(),
                                keys: self.words.texts(a.keys.iter()),
                                from: "rows reached".into(),
                            };
                            Pred::when(&a.when, p)
                        })
                        .collect(),
                ),
            };
            tables.push(TableSubset {
                name: node.name.clone(),
                role: node.role.clone(),
                rows,
                nulls: Vec::new(),
                count: st
                    .read
                    .then(|| st.rows.iter().filter(|r| !r.dropped).count() as u64),
                dropped: st.rows.iter().filter(|r| r.dropped).count() as u64,
                nulled: Vec::new(),
                excluded: 0,
            });
        }
        tables
    }
}
