//! Checking a closure's references against what is copied: a reference to
//! a row not copied drops the referencing row (NOT NULL columns) until
//! nothing changes, and becomes a predicate that leaves the row out or a
//! NULL rewrite of the referencing columns.

use std::collections::HashSet;

use super::graph::{Graph, Role};
use super::pred::Pred;
use super::state::{Closure, Key};
use super::TableSubset;

/// Whether table `i` is copied whole (`rows: all` without a filter): a
/// reference to it always holds.
pub(super) fn universal(graph: &Graph, i: usize) -> bool {
    graph.nodes[i].role == Role::All && graph.nodes[i].filter.is_none()
}

/// A `rows: all` table is read only when its references must be checked:
/// it references a table that is not copied whole, or it has a filter and
/// other tables reference it.
pub(super) fn needs_reading(graph: &Graph, i: usize) -> bool {
    graph.edges.iter().any(|e| {
        (e.child == i && !universal(graph, e.parent)) || (e.parent == i && !universal(graph, i))
    })
}

impl Closure<'_> {
    /// Check every reference against what is copied, until nothing
    /// changes. Per reference, the keys that point at rows not copied.
    pub(super) fn check_references(&mut self) -> Vec<HashSet<Key>> {
        let mut bad: Vec<HashSet<Key>> = vec![HashSet::new(); self.graph.edges.len()];
        loop {
            let mut changed = false;
            for (ei, bad) in bad.iter_mut().enumerate() {
                changed |= self.check_reference(ei, bad);
            }
            if !changed {
                break;
            }
        }
        bad
    }

    /// Check reference `ei` once: add to `bad` the keys its rows hold that
    /// no kept row of the parent has, dropping those rows where the
    /// reference cannot be NULL. True when a row was dropped.
    fn check_reference(&mut self, ei: usize, bad: &mut HashSet<Key>) -> bool {
        let e = &self.graph.edges[ei];
        if !self.st[e.child].read || universal(self.graph, e.parent) {
            return false;
        }
        let parent = &self.st[e.parent];
        let kept: HashSet<Key> = if parent.read {
            (0..parent.rows.len())
                .filter(|&r| !parent.rows[r].dropped)
                .filter_map(|r| parent.key(r, &self.ref_idx[ei]))
                .collect()
        } else {
            HashSet::new()
        };
        let mut changed = false;
        let child = &mut self.st[e.child];
        for r in 0..child.rows.len() {
            let Some(k) = child.key(r, &self.fk_idx[ei]) else {
                continue;
            };
            if kept.contains(&k) {
                continue;
            }
            if e.null_columns.is_empty() && !child.rows[r].dropped {
                child.rows[r].dropped = true;
                changed = true;
            }
            bad.insert(k);
        }
        changed
    }

    /// Leave out of `tables` the rows whose references point at rows not
    /// copied (`bad`, per reference), or set those references to NULL where
    /// the columns allow it.
    pub(super) fn cut(&self, tables: &mut [TableSubset], bad: &[HashSet<Key>]) {
        for (ei, e) in self.graph.edges.iter().enumerate() {
            if bad[ei].is_empty() {
                continue;
            }
            let p = Pred::In {
                columns: e.columns.clone(),
                types: e.types.clone(),
                keys: self.words.texts(bad[ei].iter()),
                from: format!("{} not copied", self.graph.nodes[e.parent].name),
            };
            let p = Pred::when(&e.when, p);
            let t = &mut tables[e.child];
            if e.null_columns.is_empty() {
                t.rows = std::mem::replace(&mut t.rows, Pred::True).and(p.negate());
                continue;
            }
            let child = &self.st[e.child];
            let set = child
                .rows
                .iter()
                .enumerate()
                .filter(|(r, row)| {
                    !row.dropped
                        && child
                            .key(*r, &self.fk_idx[ei])
                            .is_some_and(|k| bad[ei].contains(&k))
                })
                .count() as u64;
            t.nulled.push((e.describe(&self.graph.nodes), set));
            for c in &e.null_columns {
                match t.nulls.iter_mut().find(|(n, _)| n == c) {
                    Some((_, q)) => *q = Pred::any(vec![q.clone(), p.clone()]),
                    None => t.nulls.push((c.clone(), p.clone())),
                }
            }
        }
    }
}
