//! A whole copy without some tenants (SPEC §3, "Tenant subsets"): every row
//! is copied except the excluded tenants' rows, the rows that exist only as
//! their children, and the rows whose NOT NULL references point at a row
//! left out; other references to rows left out are set NULL.
//!
//! The work starts from the excluded tenants and goes forward to the rows
//! that reference what is left out, so it is proportional to their data,
//! never to the rest of the source. The tenants' own rows are not held: the
//! rows that reference them are found with one semi-join per reference,
//! read through a cursor a batch at a time. Rows left out elsewhere are
//! held as 12-byte identities, with the key values their own children are
//! looked up by until that is done. The outcome is, per table, the tenant
//! test and the referenced keys left out, which the table's COPY applies.
//! SELECTs only, inside the caller's snapshot.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use tokio_postgres::{Client, Row};

use super::graph::{Graph, Role};
use super::pred::Pred;
use super::read::{texts, Cursor, BATCH};
use super::state::{key_of, Interner, Key, Layout};
use super::tenants::{excluded, tenant_pred};
use super::{Selection, Subset, TableSubset};
use crate::pg::{pg_text, quote_ident};
use crate::Error;

/// Where the ids of the rows of the excluded tenants come from, for `plan`.
const EXCLUDED: &str = "the excluded tenants";

/// A row's place in the snapshot: its relation (the partition, for a
/// partitioned table) and its tuple. Every read of one snapshot sees a row
/// at the same place, so the COPY can name the rows the closure decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct RowId {
    rel: u32,
    block: u32,
    off: u16,
}

impl RowId {
    /// From the text of [`super::state::IDENTITY`], `oid:(block,offset)`.
    fn parse(text: &str) -> Option<RowId> {
        let (rel, tid) = text.split_once(':')?;
        let (block, off) = tid.strip_prefix('(')?.strip_suffix(')')?.split_once(',')?;
        Some(RowId {
            rel: rel.parse().ok()?,
            block: block.parse().ok()?,
            off: off.parse().ok()?,
        })
    }

    /// As the text of its `tableoid` and `ctid`.
    fn key(&self) -> Vec<String> {
        vec![
            self.rel.to_string(),
            format!("({},{})", self.block, self.off),
        ]
    }
}

/// What becomes of a row that references a row left out without being
/// left out itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    /// Copied, the references set NULL (rows of the root, of tenant tables
    /// and of `rows: all` tables).
    Nulled,
    /// A row without the tenant column that references rows left out
    /// through nullable references only: not decided yet.
    Pending,
    /// Such a row that stays because it is shared.
    Kept,
}

/// A row that references a row left out and is not left out.
#[derive(Debug)]
pub(super) struct Touched {
    pub(super) fate: Fate,
    /// Its values, one per expression of its table (the identity's unused),
    /// while it waits or is kept; none when its reference is set NULL.
    pub(super) vals: Box<[u32]>,
    /// The references whose values are set NULL.
    nulled: Vec<usize>,
}

/// What the exclusion knows about one table.
#[derive(Debug, Default)]
pub(super) struct Table {
    /// Rows left out, other than the excluded tenants' own.
    pub(super) dropped: HashSet<RowId>,
    /// Rows left out whose children are not looked up yet (their values).
    pub(super) queue: Vec<Box<[u32]>>,
    /// Rows that reference a row left out and are not left out.
    pub(super) touched: HashMap<RowId, Touched>,
    /// Rows of the excluded tenants (tenant column or root key), counted.
    excluded: u64,
}

/// The exclusion under way.
pub(super) struct Exclusion<'g> {
    /// The tables and references.
    pub(super) graph: &'g Graph,
    /// The excluded tenants, as the source writes their ids.
    ids: Vec<String>,
    /// What each table is read with: its rows' identity, then what each
    /// reference reads.
    pub(super) layout: Layout,
    /// Every value read.
    pub(super) words: Interner,
    /// Per table (same order as the graph's nodes).
    pub(super) tables: Vec<Table>,
    /// Per reference: the referenced keys of rows left out that its
    /// referencing rows hold.
    pub(super) bad: Vec<HashSet<Key>>,
    /// Per table: the expressions other tables' references read (what its
    /// children are looked up by).
    referenced: Vec<Vec<usize>>,
}

/// Leave the excluded tenants out of a whole copy, inside `client`'s snapshot.
pub async fn compute(
    client: &Client,
    graph: &Graph,
    selection: &Selection,
) -> Result<Subset, Error> {
    let mut ids: Vec<String> = excluded(client, graph, selection)
        .await?
        .into_iter()
        .collect();
    ids.sort();
    let layout = Layout::new(graph, |_| true);
    let mut referenced: Vec<Vec<usize>> = vec![Vec::new(); graph.nodes.len()];
    for (e, idx) in graph.edges.iter().zip(&layout.ref_idx) {
        referenced[e.parent].extend(idx);
    }
    let mut ex = Exclusion {
        graph,
        ids,
        layout,
        words: Interner::default(),
        tables: graph.nodes.iter().map(|_| Table::default()).collect(),
        bad: vec![HashSet::new(); graph.edges.len()],
        referenced,
    };
    ex.count_excluded(client).await?;
    ex.seed(client).await?;
    let mut settled = true;
    loop {
        ex.drain(client).await?;
        let pending = ex
            .tables
            .iter()
            .any(|t| t.touched.values().any(|r| r.fate == Fate::Pending));
        if settled && !pending {
            break;
        }
        settled = !ex.resolve(client).await?;
    }
    Ok(ex.finish())
}

impl Exclusion<'_> {
    /// The rows of the excluded tenants in table `t` (`None`: it has no
    /// tenant column, or no rows are copied).
    pub(super) fn tenants_of(&self, t: usize) -> Option<Pred> {
        let g = self.graph;
        match &g.nodes[t].role {
            Role::Root => Some(tenant_pred(
                &g.root_key,
                &g.root_key_type,
                &self.ids,
                EXCLUDED,
            )),
            Role::Tenant(ty) => Some(tenant_pred(&g.tenant_column, ty, &self.ids, EXCLUDED)),
            _ => None,
        }
    }

    /// Every row of table `t` but the excluded tenants'.
    fn not_excluded(&self, t: usize) -> Pred {
        self.tenants_of(t).map_or(Pred::True, Pred::negate)
    }

    /// Count the excluded tenants' rows, table by table.
    async fn count_excluded(&mut self, client: &Client) -> Result<(), Error> {
        for t in 0..self.tables.len() {
            let Some(p) = self.tenants_of(t) else {
                continue;
            };
            let name = &self.graph.nodes[t].name;
            let sql = format!("SELECT count(*) FROM {} WHERE {}", name.quoted(), p.sql());
            let n: i64 = client
                .query_one(&sql, &[])
                .await
                .and_then(|r| r.try_get(0))
                .map_err(|e| {
                    Error::runtime(format!(
                        "source: counting the excluded tenants' rows of {name}: {}",
                        pg_text(&e)
                    ))
                })?;
            self.tables[t].excluded = n as u64;
        }
        Ok(())
    }

    /// Find the rows that reference the excluded tenants' rows, reference
    /// by reference: `(columns) IN (SELECT referenced columns FROM parent
    /// WHERE tenant = ANY(ids))`, one semi-join the source plans, and what
    /// references those in turn.
    async fn seed(&mut self, client: &Client) -> Result<(), Error> {
        let graph = self.graph;
        for (ei, e) in graph.edges.iter().enumerate() {
            let Some(owned) = self.tenants_of(e.parent) else {
                continue;
            };
            if graph.nodes[e.child].role == Role::Empty {
                continue;
            }
            let refs: Vec<String> = e.ref_columns.iter().map(|c| quote_ident(c)).collect();
            let cols: Vec<String> = e
                .columns
                .iter()
                .zip(e.types.iter().zip(&e.ref_types))
                .map(|(c, (t, rt))| match t == rt {
                    true => quote_ident(c),
                    false => format!("CAST({} AS {rt})", quote_ident(c)),
                })
                .collect();
            let children = Pred::Sql(format!(
                "({}) IN (SELECT {} FROM {} WHERE {})",
                cols.join(", "),
                refs.join(", "),
                graph.nodes[e.parent].name.quoted(),
                owned.sql()
            ));
            self.follow(client, ei, children).await?;
            self.drain(client).await?;
        }
        Ok(())
    }

    /// Look up the rows that reference the rows left out that are waiting,
    /// a batch of them at a time, until none waits.
    pub(super) async fn drain(&mut self, client: &Client) -> Result<(), Error> {
        let graph = self.graph;
        while let Some(t) = self.tables.iter().position(|t| !t.queue.is_empty()) {
            let queue = &mut self.tables[t].queue;
            let batch = queue.split_off(queue.len().saturating_sub(BATCH));
            for (ei, e) in graph.edges.iter().enumerate() {
                if e.parent != t || graph.nodes[e.child].role == Role::Empty {
                    continue;
                }
                let keys: HashSet<Key> = batch
                    .iter()
                    .filter_map(|v| key_of(v, &self.layout.ref_idx[ei]))
                    .collect();
                if keys.is_empty() {
                    continue;
                }
                let children = Pred::In {
                    columns: e.columns.clone(),
                    types: e.types.clone(),
                    keys: self.words.texts(keys.iter()),
                    from: String::new(),
                };
                self.follow(client, ei, children).await?;
            }
        }
        Ok(())
    }

    /// Take the rows of reference `ei`'s child where `children` holds (and
    /// that are not the excluded tenants'), through a cursor.
    async fn follow(&mut self, client: &Client, ei: usize, children: Pred) -> Result<(), Error> {
        let e = &self.graph.edges[ei];
        let pred = self
            .not_excluded(e.child)
            .and(Pred::when(&e.when, children));
        let cursor = self.open(client, e.child, &pred).await?;
        loop {
            let rows = cursor.next(client).await?;
            if rows.is_empty() {
                break;
            }
            self.take(ei, &rows)?;
        }
        cursor.close(client).await
    }

    /// A cursor over table `t`'s rows where `pred` holds, read with the
    /// table's expressions.
    async fn open(&self, client: &Client, t: usize, pred: &Pred) -> Result<Cursor, Error> {
        let node = &self.graph.nodes[t];
        let sql = format!(
            "SELECT {} FROM {} WHERE {}",
            self.layout.exprs[t].join(", "),
            node.name.quoted(),
            pred.sql()
        );
        let what = format!("{} for the excluded tenants", node.name);
        Cursor::open(client, &sql, &what).await
    }

    /// Take `rows` of the child of reference `ei`, which reference rows left
    /// out: through a NOT NULL reference they are left out too; otherwise
    /// the reference is set NULL, and a row without the tenant column waits
    /// to be decided (a child of rows left out, unless it is shared).
    ///
    /// Only the values still needed are kept: those its own children are
    /// looked up by (a row left out), all of them (a row waiting to be
    /// decided), none (a row whose reference is set NULL).
    fn take(&mut self, ei: usize, rows: &[Row]) -> Result<(), Error> {
        let graph = self.graph;
        let e = &graph.edges[ei];
        let node = &graph.nodes[e.child];
        let n = self.layout.exprs[e.child].len();
        for row in rows {
            let texts = texts(row, n, &node.name)?;
            let id = texts[0].and_then(RowId::parse).ok_or_else(|| {
                Error::runtime(format!(
                    "source: {}: a row's place ({:?}) is not oid:(block,offset)",
                    node.name, texts[0]
                ))
            })?;
            let key: Option<Key> = self.layout.fk_idx[ei]
                .iter()
                .map(|&i| texts[i].map(|v| self.words.id(Some(v))))
                .collect();
            if let Some(k) = key {
                self.bad[ei].insert(k);
            }
            if self.tables[e.child].dropped.contains(&id) {
                continue;
            }
            let referenced = &self.referenced[e.child];
            let words = &mut self.words;
            let mut keep = |pick: &dyn Fn(usize) -> bool| -> Box<[u32]> {
                (0..n)
                    .map(|i| words.id(texts[i].filter(|_| i > 0 && pick(i))))
                    .collect()
            };
            let table = &mut self.tables[e.child];
            if e.null_columns.is_empty() {
                table.touched.remove(&id);
                table.dropped.insert(id);
                table.queue.push(keep(&|i| referenced.contains(&i)));
                continue;
            }
            match table.touched.entry(id) {
                Entry::Occupied(mut o) => {
                    let r = o.get_mut();
                    if !r.nulled.contains(&ei) {
                        r.nulled.push(ei);
                    }
                }
                Entry::Vacant(v) => {
                    let (fate, vals) = match node.role {
                        Role::Reached => (Fate::Pending, keep(&|_| true)),
                        _ => (Fate::Nulled, Box::default()),
                    };
                    v.insert(Touched {
                        fate,
                        vals,
                        nulled: vec![ei],
                    });
                }
            }
        }
        Ok(())
    }

    /// The rows of table `t` that the copy holds, as far as decided: not
    /// the excluded tenants', no NOT NULL reference to a key left out, and
    /// no nullable reference to one from a row without the tenant column
    /// unless that row is kept as shared.
    pub(super) fn rows_pred(&self, t: usize) -> Pred {
        let g = self.graph;
        let role = &g.nodes[t].role;
        if *role == Role::Empty {
            return Pred::True;
        }
        let mut hard = Vec::new();
        let mut soft = Vec::new();
        for (ei, e) in g.edges.iter().enumerate() {
            if e.child != t || self.bad[ei].is_empty() {
                continue;
            }
            let p = self.left_out(ei);
            if e.null_columns.is_empty() {
                hard.push(p);
            } else if *role == Role::Reached {
                soft.push(p);
            }
        }
        let mut rows = self.not_excluded(t).and(Pred::any(hard).negate());
        let soft = Pred::any(soft);
        if soft != Pred::False {
            let mut kept: Vec<Vec<String>> = self.tables[t]
                .touched
                .iter()
                .filter(|(_, r)| r.fate == Fate::Kept)
                .map(|(id, _)| id.key())
                .collect();
            kept.sort();
            let shared = Pred::In {
                columns: vec!["tableoid".into(), "ctid".into()],
                types: vec!["oid".into(), "tid".into()],
                keys: kept,
                from: "rows kept as shared".into(),
            };
            rows = rows.and(soft.and(Pred::any(vec![shared]).negate()).negate());
        }
        rows
    }

    /// The rows of reference `ei`'s child that reference a key left out.
    fn left_out(&self, ei: usize) -> Pred {
        let e = &self.graph.edges[ei];
        Pred::when(
            &e.when,
            Pred::In {
                columns: e.columns.clone(),
                types: e.types.clone(),
                keys: self.words.texts(self.bad[ei].iter()),
                from: format!("{} left out", self.graph.nodes[e.parent].name),
            },
        )
    }

    /// The outcome, one entry per table.
    fn finish(self) -> Subset {
        let g = self.graph;
        let tables = g
            .nodes
            .iter()
            .enumerate()
            .map(|(t, node)| {
                let mut nulls: Vec<(String, Pred)> = Vec::new();
                let mut nulled = Vec::new();
                for (ei, e) in g.edges.iter().enumerate() {
                    if e.child != t || e.null_columns.is_empty() || self.bad[ei].is_empty() {
                        continue;
                    }
                    let p = self.left_out(ei);
                    for c in &e.null_columns {
                        match nulls.iter_mut().find(|(n, _)| n == c) {
                            Some((_, q)) => *q = Pred::any(vec![q.clone(), p.clone()]),
                            None => nulls.push((c.clone(), p.clone())),
                        }
                    }
                    let set = self.tables[t]
                        .touched
                        .values()
                        .filter(|r| r.nulled.contains(&ei))
                        .count() as u64;
                    nulled.push((e.describe(&g.nodes), set));
                }
                TableSubset {
                    name: node.name.clone(),
                    role: node.role.clone(),
                    rows: self.rows_pred(t),
                    nulls,
                    count: None,
                    dropped: self.tables[t].dropped.len() as u64,
                    nulled,
                    excluded: self.tables[t].excluded,
                }
            })
            .collect();
        Subset {
            tenants: Vec::new(),
            excluded: self.ids,
            tables,
            whole: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_places_parse_and_print_back() {
        let id = RowId::parse("16384:(12,7)").expect("parses");
        assert_eq!(id.key(), ["16384", "(12,7)"]);
        for bad in [
            "",
            "16384",
            "16384:12,7",
            "x:(1,2)",
            "1:(1,70000)",
            "1:(1,2",
        ] {
            assert_eq!(RowId::parse(bad), None, "{bad}");
        }
    }
}
