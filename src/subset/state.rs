//! What a closure knows while it runs: every text value read (interned),
//! the rows read per table with the keys asked for, and which expressions
//! each reference reads on both sides. No I/O here.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::graph::{Graph, Node, Role};
use crate::pg::quote_ident;

/// A key: one interned text value per column.
pub(super) type Key = Box<[u32]>;

/// NULL, among interned values.
const NULL: u32 = u32::MAX;

/// Every text value read, stored once: rows hold 4-byte ids, so a subset of
/// hundreds of thousands of rows stays small, and equal values (the same
/// user id in many rows, the same key in two tables) compare as integers.
#[derive(Debug, Default)]
pub(super) struct Interner {
    ids: HashMap<Rc<str>, u32>,
    strs: Vec<Rc<str>>,
}

impl Interner {
    /// The id of `v` (NULL for `None`), interning it if new.
    pub(super) fn id(&mut self, v: Option<&str>) -> u32 {
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

    /// One key as text.
    pub(super) fn text(&self, key: &[u32]) -> Vec<String> {
        key.iter()
            .map(|&i| self.strs[i as usize].to_string())
            .collect()
    }

    /// Keys as text, sorted (so that predicates are the same on every run).
    pub(super) fn texts<'k>(&self, keys: impl Iterator<Item = &'k Key>) -> Vec<Vec<String>> {
        let mut v: Vec<Vec<String>> = keys.map(|k| self.text(k)).collect();
        v.sort();
        v
    }
}

/// The key of a row's values `vals` in the expressions `idx` (`None` if
/// any is NULL).
pub(super) fn key_of(vals: &[u32], idx: &[usize]) -> Option<Key> {
    if idx.iter().any(|&i| vals[i] == NULL) {
        return None;
    }
    Some(idx.iter().map(|&i| vals[i]).collect())
}

/// One way a table was read through references, and the keys asked for.
#[derive(Debug)]
pub(super) struct Asked {
    /// The columns read through.
    pub(super) columns: Vec<String>,
    /// Their types.
    pub(super) types: Vec<String>,
    /// Only rows where this holds (polymorphic references).
    pub(super) when: Option<String>,
    /// Read as rows a tenant owns (children) or rows referenced (parents).
    owned: bool,
    /// Every key asked for this way.
    pub(super) keys: HashSet<Key>,
}

/// One row read: its values (interned, one per expression), whether a
/// tenant owns it, and whether the reference check dropped it.
#[derive(Debug)]
pub(super) struct Row {
    vals: Box<[u32]>,
    pub(super) owned: bool,
    pub(super) dropped: bool,
}

/// What the closure knows about one table.
#[derive(Debug, Default)]
pub(super) struct State {
    /// Expressions read, as text; for tables reached through references
    /// (read more than once) the first identifies the row.
    pub(super) exprs: Vec<String>,
    dedup: bool,
    pub(super) rows: Vec<Row>,
    seen: HashMap<u32, usize>,
    /// Rows new or newly owned since the table's references were last followed.
    pub(super) pending: Vec<usize>,
    /// Reads through references: (columns, types, when, as owned) → keys asked for.
    pub(super) asked: Vec<Asked>,
    /// Whether the table's rows were read (and so can be counted and checked).
    pub(super) read: bool,
}

impl State {
    /// Add a row read; a table read more than once keeps each row once,
    /// owned if any read found it owned.
    pub(super) fn add(&mut self, vals: Box<[u32]>, owned: bool) {
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

    /// The key of `row` in the expressions `idx` (`None` if any is NULL).
    pub(super) fn key(&self, row: usize, idx: &[usize]) -> Option<Key> {
        key_of(&self.rows[row].vals, idx)
    }

    /// The keys of `keys` not asked for yet through (columns, when, owned).
    pub(super) fn ask(
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

/// The closure under way, shared by its steps.
pub(super) struct Closure<'g> {
    /// The tables and references.
    pub(super) graph: &'g Graph,
    /// Per table (same order as the graph's nodes).
    pub(super) st: Vec<State>,
    /// Every value read.
    pub(super) words: Interner,
    /// Per reference: the referencing expressions, indexes into the child's `exprs`.
    pub(super) fk_idx: Vec<Vec<usize>>,
    /// Per reference: the referenced expressions, indexes into the parent's `exprs`.
    pub(super) ref_idx: Vec<Vec<usize>>,
}

impl<'g> Closure<'g> {
    /// Nothing read yet: each table's expressions are the row identity
    /// (tables reached through references) then what each reference reads.
    pub(super) fn new(graph: &'g Graph) -> Closure<'g> {
        let layout = Layout::new(graph, |node| node.role == Role::Reached);
        let st = layout
            .exprs
            .into_iter()
            .zip(&graph.nodes)
            .map(|(exprs, node)| State {
                exprs,
                dedup: node.role == Role::Reached,
                ..State::default()
            })
            .collect();
        Closure {
            graph,
            st,
            words: Interner::default(),
            fk_idx: layout.fk_idx,
            ref_idx: layout.ref_idx,
        }
    }
}

/// A row's identity within the snapshot: its relation and its tuple. Every
/// read of one snapshot sees a row at the same place.
pub(super) const IDENTITY: &str = "tableoid::oid::text || ':' || ctid::text";

/// The expressions each table is read with, and where each reference's
/// columns are among them.
pub(super) struct Layout {
    /// Per table: the expressions, as text.
    pub(super) exprs: Vec<Vec<String>>,
    /// Per reference: the referencing expressions, indexes into the child's.
    pub(super) fk_idx: Vec<Vec<usize>>,
    /// Per reference: the referenced expressions, indexes into the parent's.
    pub(super) ref_idx: Vec<Vec<usize>>,
}

impl Layout {
    /// The row identity first for the tables `identity` picks, then what
    /// each reference reads on both sides: the referencing columns cast to
    /// the referenced types (NULL where a polymorphic reference's `when`
    /// does not hold) and the referenced columns.
    pub(super) fn new(graph: &Graph, identity: impl Fn(&Node) -> bool) -> Layout {
        let mut exprs: Vec<Vec<String>> = graph
            .nodes
            .iter()
            .map(|n| {
                if identity(n) {
                    vec![IDENTITY.to_string()]
                } else {
                    Vec::new()
                }
            })
            .collect();
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
                    position_or_push(
                        &mut exprs[e.child],
                        match &e.when {
                            Some(w) => format!("CASE WHEN ({w}) THEN {v} END"),
                            None => v,
                        },
                    )
                })
                .collect();
            let r: Vec<usize> = e
                .ref_columns
                .iter()
                .map(|c| {
                    position_or_push(&mut exprs[e.parent], format!("{}::text", quote_ident(c)))
                })
                .collect();
            fk_idx.push(f);
            ref_idx.push(r);
        }
        Layout {
            exprs,
            fk_idx,
            ref_idx,
        }
    }
}

/// The position of `e` in `v`, added at the end if new.
fn position_or_push(v: &mut Vec<String>, e: String) -> usize {
    match v.iter().position(|x| x == &e) {
        Some(i) => i,
        None => {
            v.push(e);
            v.len() - 1
        }
    }
}
