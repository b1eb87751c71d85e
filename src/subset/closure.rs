//! Closing a subset: choose the tenants, read the tenant tables' rows, reach
//! the other tables through references in batches, then check every
//! reference against what is copied until nothing changes. Only the columns
//! references use are read, as text, and every read is a SELECT inside the
//! caller's snapshot.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use futures_util::StreamExt;
use tokio_postgres::Client;

use super::graph::{Graph, Role};
use super::pred::{text_array, Pred};
use super::{sampled, Selection, Subset, TableSubset};
use crate::pg::{pg_text, quote_ident};
use crate::Error;

/// Keys per SELECT when reaching rows through a reference.
const BATCH: usize = 10_000;

/// A key: one interned text value per column.
type Key = Box<[u32]>;

/// NULL, among interned values.
const NULL: u32 = u32::MAX;

/// Every text value read, stored once: rows hold 4-byte ids, so a subset of
/// hundreds of thousands of rows stays small, and equal values (the same
/// user id in many rows, the same key in two tables) compare as integers.
#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<Rc<str>, u32>,
    strs: Vec<Rc<str>>,
}

impl Interner {
    fn id(&mut self, v: Option<&str>) -> u32 {
        let Some(v) = v else { return NULL };
        if let Some(&i) = self.ids.get(v) {
            return i;
        }
        let rc: Rc<str> = Rc::from(v);
        let i = self.strs.len() as u32;
        self.strs.push(rc.clone());
        self.ids.insert(rc, i);
        i
    }

    fn text(&self, key: &[u32]) -> Vec<String> {
        key.iter()
            .map(|&i| self.strs[i as usize].to_string())
            .collect()
    }

    /// Keys as text, sorted (so that predicates are the same on every run).
    fn texts<'k>(&self, keys: impl Iterator<Item = &'k Key>) -> Vec<Vec<String>> {
        let mut v: Vec<Vec<String>> = keys.map(|k| self.text(k)).collect();
        v.sort();
        v
    }
}

/// One way a table was read through references, and the keys asked for.
#[derive(Debug)]
struct Asked {
    columns: Vec<String>,
    types: Vec<String>,
    when: Option<String>,
    owned: bool,
    keys: HashSet<Key>,
}

#[derive(Debug)]
struct Row {
    vals: Box<[u32]>,
    owned: bool,
    dropped: bool,
}

/// What the closure knows about one table.
#[derive(Debug, Default)]
struct State {
    /// Expressions read, as text; for tables reached through references
    /// (read more than once) the first identifies the row.
    exprs: Vec<String>,
    dedup: bool,
    rows: Vec<Row>,
    seen: HashMap<u32, usize>,
    pending: Vec<usize>,
    /// Reads through references: (columns, types, when, as owned) → keys asked for.
    asked: Vec<Asked>,
    read: bool,
}

impl State {
    fn expr(&mut self, e: String) -> usize {
        match self.exprs.iter().position(|x| x == &e) {
            Some(i) => i,
            None => {
                self.exprs.push(e);
                self.exprs.len() - 1
            }
        }
    }

    fn add(&mut self, vals: Box<[u32]>, owned: bool) {
        if !self.dedup {
            self.pending.push(self.rows.len());
            self.rows.push(Row {
                vals,
                owned,
                dropped: false,
            });
            return;
        }
        let id = vals[0];
        match self.seen.get(&id) {
            Some(&i) => {
                if owned && !self.rows[i].owned {
                    self.rows[i].owned = true;
                    self.pending.push(i);
                }
            }
            None => {
                self.seen.insert(id, self.rows.len());
                self.pending.push(self.rows.len());
                self.rows.push(Row {
                    vals,
                    owned,
                    dropped: false,
                });
            }
        }
    }

    fn key(&self, row: usize, idx: &[usize]) -> Option<Key> {
        let vals = &self.rows[row].vals;
        if idx.iter().any(|&i| vals[i] == NULL) {
            return None;
        }
        Some(idx.iter().map(|&i| vals[i]).collect())
    }

    /// The keys of `keys` not asked for yet through (columns, when, owned).
    fn ask(
        &mut self,
        columns: &[String],
        types: &[String],
        when: &Option<String>,
        owned: bool,
        keys: Vec<Key>,
    ) -> Vec<Key> {
        let pos = match self
            .asked
            .iter()
            .position(|a| a.columns == columns && &a.when == when && a.owned == owned)
        {
            Some(p) => p,
            None => {
                self.asked.push(Asked {
                    columns: columns.to_vec(),
                    types: types.to_vec(),
                    when: when.clone(),
                    owned,
                    keys: HashSet::new(),
                });
                self.asked.len() - 1
            }
        };
        let entry = &mut self.asked[pos];
        let mut fresh = Vec::new();
        for k in keys {
            if entry.keys.insert(k.clone()) {
                fresh.push(k);
            }
        }
        fresh
    }
}

/// Choose the tenants and close the subset inside `client`'s snapshot.
pub async fn compute(
    client: &Client,
    graph: &Graph,
    selection: &Selection,
) -> Result<Subset, Error> {
    let (tenants, excluded) = choose(client, graph, selection).await?;
    let n = graph.nodes.len();
    let mut st: Vec<State> = (0..n).map(|_| State::default()).collect();
    let mut words = Interner::default();
    for (s, node) in st.iter_mut().zip(&graph.nodes) {
        if node.role == Role::Reached {
            s.dedup = true;
            s.expr("tableoid::oid::text || ':' || ctid::text".into());
        }
    }
    // The expressions each reference reads on both sides.
    let mut fk_idx = Vec::new();
    let mut ref_idx = Vec::new();
    for e in &graph.edges {
        let f: Vec<usize> = e
            .columns
            .iter()
            .zip(e.types.iter().zip(&e.ref_types))
            .map(|(c, (t, rt))| {
                let v = if t == rt {
                    format!("{}::text", quote_ident(c))
                } else {
                    format!("CAST({} AS {rt})::text", quote_ident(c))
                };
                st[e.child].expr(match &e.when {
                    Some(w) => format!("CASE WHEN ({w}) THEN {v} END"),
                    None => v,
                })
            })
            .collect();
        let r: Vec<usize> = e
            .ref_columns
            .iter()
            .map(|c| st[e.parent].expr(format!("{}::text", quote_ident(c))))
            .collect();
        fk_idx.push(f);
        ref_idx.push(r);
    }
    let universal = |i: usize| graph.nodes[i].role == Role::All && graph.nodes[i].filter.is_none();

    // The rows every chosen tenant holds.
    for (i, node) in graph.nodes.iter().enumerate() {
        let base = match &node.role {
            Role::Root => tenant_pred(&graph.root_key, &graph.root_key_type, &tenants),
            Role::Tenant(ty) => tenant_pred(&graph.tenant_column, ty, &tenants),
            Role::All if needs_reading(graph, i, &universal) => Pred::True,
            _ => continue,
        };
        let owned = node.role != Role::All;
        select(client, graph, i, &mut st[i], &mut words, &base, owned).await?;
        st[i].read = true;
    }

    // Reach the other tables, both ways, until no new row turns up.
    loop {
        let mut progressed = false;
        for t in 0..n {
            let pending = std::mem::take(&mut st[t].pending);
            if pending.is_empty() {
                continue;
            }
            progressed = true;
            for (ei, e) in graph.edges.iter().enumerate() {
                // Parents of the new rows.
                if e.child == t && graph.nodes[e.parent].role == Role::Reached {
                    let keys: HashSet<Key> = pending
                        .iter()
                        .filter_map(|&r| st[t].key(r, &fk_idx[ei]))
                        .collect();
                    let via = Via {
                        columns: &e.ref_columns,
                        types: &e.ref_types,
                        when: &None,
                        owned: false,
                    };
                    reach(client, graph, &mut st, &mut words, e.parent, via, keys).await?;
                }
                // Children of the new rows the tenants own.
                if e.parent == t && graph.nodes[e.child].role == Role::Reached {
                    let keys: HashSet<Key> = pending
                        .iter()
                        .filter(|&&r| st[t].rows[r].owned)
                        .filter_map(|&r| st[t].key(r, &ref_idx[ei]))
                        .collect();
                    let via = Via {
                        columns: &e.columns,
                        types: &e.types,
                        when: &e.when,
                        owned: true,
                    };
                    reach(client, graph, &mut st, &mut words, e.child, via, keys).await?;
                }
            }
        }
        if !progressed {
            break;
        }
    }
    for (i, node) in graph.nodes.iter().enumerate() {
        if node.role == Role::Reached {
            st[i].read = true;
        }
    }

    // Check every reference against what is copied, until nothing changes.
    let mut bad: Vec<HashSet<Key>> = vec![HashSet::new(); graph.edges.len()];
    loop {
        let mut changed = false;
        for (ei, e) in graph.edges.iter().enumerate() {
            if !st[e.child].read || universal(e.parent) {
                continue;
            }
            let kept: HashSet<Key> = if st[e.parent].read {
                (0..st[e.parent].rows.len())
                    .filter(|&r| !st[e.parent].rows[r].dropped)
                    .filter_map(|r| st[e.parent].key(r, &ref_idx[ei]))
                    .collect()
            } else {
                HashSet::new()
            };
            for r in 0..st[e.child].rows.len() {
                let Some(k) = st[e.child].key(r, &fk_idx[ei]) else {
                    continue;
                };
                if kept.contains(&k) {
                    continue;
                }
                if e.null_columns.is_empty() && !st[e.child].rows[r].dropped {
                    st[e.child].rows[r].dropped = true;
                    changed = true;
                }
                bad[ei].insert(k);
            }
        }
        if !changed {
            break;
        }
    }

    let mut tables: Vec<TableSubset> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let rows = match &node.role {
                Role::Root => tenant_pred(&graph.root_key, &graph.root_key_type, &tenants),
                Role::Tenant(ty) => tenant_pred(&graph.tenant_column, ty, &tenants),
                Role::All => Pred::True,
                Role::Empty => Pred::False,
                Role::Reached => Pred::any(
                    st[i]
                        .asked
                        .iter()
                        .map(|a| {
                            let p = Pred::In {
                                columns: a.columns.clone(),
                                types: a.types.clone(),
                                keys: words.texts(a.keys.iter()),
                                from: "rows reached".into(),
                            };
                            Pred::when(&a.when, p)
                        })
                        .collect(),
                ),
            };
            TableSubset {
                name: node.name.clone(),
                role: node.role.clone(),
                rows,
                nulls: Vec::new(),
                count: st[i]
                    .read
                    .then(|| st[i].rows.iter().filter(|r| !r.dropped).count() as u64),
                dropped: st[i].rows.iter().filter(|r| r.dropped).count() as u64,
                nulled: Vec::new(),
            }
        })
        .collect();
    for (ei, e) in graph.edges.iter().enumerate() {
        if bad[ei].is_empty() {
            continue;
        }
        let p = Pred::In {
            columns: e.columns.clone(),
            types: e.types.clone(),
            keys: words.texts(bad[ei].iter()),
            from: format!("{} not copied", graph.nodes[e.parent].name),
        };
        let p = Pred::when(&e.when, p);
        let t = &mut tables[e.child];
        if e.null_columns.is_empty() {
            t.rows = std::mem::replace(&mut t.rows, Pred::True).and(p.negate());
        } else {
            let set = st[e.child]
                .rows
                .iter()
                .enumerate()
                .filter(|(r, row)| {
                    !row.dropped
                        && st[e.child]
                            .key(*r, &fk_idx[ei])
                            .is_some_and(|k| bad[ei].contains(&k))
                })
                .count() as u64;
            t.nulled.push((e.describe(&graph.nodes), set));
            for c in &e.null_columns {
                match t.nulls.iter_mut().find(|(n, _)| n == c) {
                    Some((_, q)) => *q = Pred::any(vec![q.clone(), p.clone()]),
                    None => t.nulls.push((c.clone(), p.clone())),
                }
            }
        }
    }
    Ok(Subset {
        tenants,
        excluded,
        tables,
    })
}

/// A `rows: all` table is read only when its references must be checked:
/// it references a table that is not copied whole, or it has a filter and
/// other tables reference it.
fn needs_reading(graph: &Graph, i: usize, universal: &dyn Fn(usize) -> bool) -> bool {
    graph
        .edges
        .iter()
        .any(|e| (e.child == i && !universal(e.parent)) || (e.parent == i && !universal(i)))
}

fn tenant_pred(column: &str, type_name: &str, tenants: &[String]) -> Pred {
    Pred::In {
        columns: vec![column.to_string()],
        types: vec![type_name.to_string()],
        keys: tenants.iter().map(|t| vec![t.clone()]).collect(),
        from: "the chosen tenants".into(),
    }
}

/// How rows of a table are reached: through these columns (where `when`
/// holds), as rows a tenant owns (children) or rows referenced (parents).
#[derive(Clone, Copy)]
struct Via<'a> {
    columns: &'a [String],
    types: &'a [String],
    when: &'a Option<String>,
    owned: bool,
}

/// Read the rows of table `t` that `keys` reach (those not asked for
/// before), batch by batch.
async fn reach(
    client: &Client,
    graph: &Graph,
    st: &mut [State],
    words: &mut Interner,
    t: usize,
    via: Via<'_>,
    keys: HashSet<Key>,
) -> Result<(), Error> {
    let fresh = st[t].ask(
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
            keys: words.texts(chunk.iter()),
            from: String::new(),
        };
        let p = Pred::when(via.when, p);
        select(client, graph, t, &mut st[t], words, &p, via.owned).await?;
    }
    Ok(())
}

/// Read the rows of table `t` where `pred` (and the table's filter) holds
/// into `state`, streamed.
async fn select(
    client: &Client,
    graph: &Graph,
    t: usize,
    state: &mut State,
    words: &mut Interner,
    pred: &Pred,
    owned: bool,
) -> Result<(), Error> {
    let node = &graph.nodes[t];
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

/// The chosen tenants (as the source writes their ids) and those excluded.
async fn choose(
    client: &Client,
    graph: &Graph,
    selection: &Selection,
) -> Result<(Vec<String>, Vec<String>), Error> {
    let root = &graph.nodes[graph.root].name;
    let key = quote_ident(&graph.root_key);
    let ty = &graph.root_key_type;
    // Each id as the source writes it (NULL: no such tenant).
    let canonical = |flag: &'static str, ids: Vec<String>| {
        let sql = format!(
            "SELECT u.v, r.{key}::text FROM unnest({}::text[]) WITH ORDINALITY u(v, n) \
             LEFT JOIN {} r ON r.{key} = u.v::{ty} ORDER BY u.n",
            text_array(ids.iter().map(|s| s.as_str())),
            root.quoted()
        );
        async move {
            let rows = client.query(&sql, &[]).await.map_err(|e| {
                Error::usage(format!(
                    "{flag}: {}: not a tenant id of {root} ({} is {ty}): {}",
                    ids.join(", "),
                    graph.root_key,
                    pg_text(&e)
                ))
            })?;
            rows.iter()
                .map(|r| {
                    Ok((
                        r.try_get::<_, String>(0)
                            .map_err(|e| Error::runtime(e.to_string()))?,
                        r.try_get::<_, Option<String>>(1)
                            .map_err(|e| Error::runtime(e.to_string()))?,
                    ))
                })
                .collect::<Result<Vec<(String, Option<String>)>, Error>>()
        }
    };
    let mut exclude_in = graph.excluded.clone();
    exclude_in.extend(selection.exclude.iter().cloned());
    let excluded: HashSet<String> = if exclude_in.is_empty() {
        HashSet::new()
    } else {
        // An excluded tenant that no longer exists is fine (it was deleted).
        canonical("exclude_tenants / --exclude-tenant", exclude_in.clone())
            .await?
            .into_iter()
            .map(|(given, found)| found.unwrap_or(given))
            .collect()
    };
    let mut chosen: Vec<String> = Vec::new();
    if !selection.tenants.is_empty() {
        let found = canonical("--tenant", selection.tenants.clone()).await?;
        let missing: Vec<&str> = found
            .iter()
            .filter(|(_, f)| f.is_none())
            .map(|(g, _)| g.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(Error::usage(format!(
                "--tenant {}: no such tenant in {root} (no row with that {}); check the id",
                missing.join(", "),
                graph.root_key
            )));
        }
        chosen.extend(found.into_iter().filter_map(|(_, f)| f));
    }
    if let Some(percent) = selection.sample_percent {
        let sql = format!("SELECT {key}::text FROM {} ORDER BY 1", root.quoted());
        let rows = client
            .query(&sql, &[])
            .await
            .map_err(|e| Error::runtime(format!("source: reading {root}: {}", pg_text(&e))))?;
        for r in rows {
            let id: String = r
                .try_get(0)
                .map_err(|e| Error::runtime(format!("source: {root}: {e}")))?;
            if sampled(&id, percent) {
                chosen.push(id);
            }
        }
    }
    chosen.sort();
    chosen.dedup();
    let mut dropped = Vec::new();
    chosen.retain(|t| {
        if excluded.contains(t) {
            dropped.push(t.clone());
            false
        } else {
            true
        }
    });
    for t in &dropped {
        tracing::warn!("tenant {t} is excluded (exclude_tenants or --exclude-tenant): not copied");
    }
    if chosen.is_empty() {
        return Err(Error::usage(format!(
            "no tenant left to copy: {}",
            if dropped.is_empty() {
                "--sample-tenants chose none; give a larger share or --tenant ID".to_string()
            } else {
                format!("{} excluded (exclusions win)", dropped.join(", "))
            }
        )));
    }
    Ok((chosen, dropped))
}
