//! The draft rules file: every table listed, every column with a rule,
//! deny by default, the guessed tenant section, and a comment above each
//! rule that masks (what, why, how sure, masked examples) or that keeps a
//! column whose name suggested otherwise. Written by hand (with quoting)
//! so that the comments stay; a map from line numbers back to columns lets
//! [`super::settle`] act on what `check` reports at a line.

use std::collections::HashMap;

use super::classify::{Analysis, ColumnVerdict, Verdict};
use super::maskers::{column_candidates, first_fit, last_resorts, text_candidates, PRESERVE};
use super::sample::Status;
use super::tenant::TenantGuess;
use crate::catalog::Catalog;
use crate::pg::QualifiedName;

/// One column of the draft.
#[derive(Debug, Clone)]
pub struct DraftColumn {
    /// Its name.
    pub name: String,
    /// Comment lines above its rule.
    pub comments: Vec<String>,
    /// Rules to try, most faithful first (YAML flow text).
    pub candidates: Vec<String>,
    /// The one in use.
    pub chosen: usize,
}

impl DraftColumn {
    /// The rule in use.
    pub fn rule(&self) -> &str {
        &self.candidates[self.chosen.min(self.candidates.len() - 1)]
    }

    /// Whether its rule changes the values.
    pub fn masked(&self) -> bool {
        !matches!(self.rule(), "keep" | "default")
    }

    /// Try the next candidate, saying why the current one was left.
    pub fn next(&mut self, why: &str) -> bool {
        if self.chosen + 1 >= self.candidates.len() {
            return false;
        }
        self.comments.push(format!(
            "{} was refused: {}",
            self.rule(),
            why.replace('\n', " ")
        ));
        self.chosen += 1;
        true
    }
}

/// One table of the draft.
#[derive(Debug, Clone)]
pub struct DraftTable {
    /// The table.
    pub name: QualifiedName,
    /// Comment lines above its entry.
    pub comments: Vec<String>,
    /// `rows: none`, and why.
    pub rows_none: Option<String>,
    /// Every column, in order.
    pub columns: Vec<DraftColumn>,
}

/// The whole draft.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Header comment lines.
    pub header: Vec<String>,
    /// The guessed tenant section.
    pub tenant: Option<TenantGuess>,
    /// Every table rules can name.
    pub tables: Vec<DraftTable>,
}

/// Where things are in the rendered text.
#[derive(Debug, Default)]
pub struct LineMap {
    /// Line of a column's rule → (table, column) index.
    pub columns: HashMap<u64, (usize, usize)>,
    /// Line of a table's entry → table index.
    pub tables: HashMap<u64, usize>,
}

impl Draft {
    /// The draft from the scan's verdicts: each column's candidates, the
    /// first that compiles for the column chosen.
    pub fn build(catalog: &Catalog, analysis: &Analysis, tenant: Option<TenantGuess>) -> Draft {
        let mut tables = Vec::new();
        for ta in &analysis.tables {
            let Some(table) = catalog.by_oid(ta.oid) else {
                continue;
            };
            let mut comments = Vec::new();
            if let Status::NotSampled(why) = &ta.status {
                comments.push(format!("{why}: judged by column names alone"));
            }
            let columns = ta
                .columns
                .iter()
                .filter_map(|(name, v)| Some((table.column(name)?, v)))
                .map(|(col, v)| {
                    let mut comments = Vec::new();
                    let candidates = match v {
                        ColumnVerdict::Generated => vec!["default".to_string()],
                        ColumnVerdict::Scalar(Verdict::Keep(note)) => {
                            comments.extend(note.clone());
                            vec!["keep".to_string()]
                        }
                        ColumnVerdict::Scalar(Verdict::Personal(f)) => {
                            comments.push(f.comment());
                            column_candidates(table, col, f)
                        }
                        ColumnVerdict::Json(paths) => {
                            let mut faithful = Vec::new();
                            let mut safe = Vec::new();
                            for (p, f) in paths {
                                comments.push(format!("{p}: {}", f.comment()));
                                let c = text_candidates(f, false, None);
                                faithful.push((p.clone(), c[0].clone()));
                                safe.push((
                                    p.clone(),
                                    c.last().cloned().unwrap_or(PRESERVE.into()),
                                ));
                            }
                            let mut c = vec![json_rule(&faithful)];
                            if safe != faithful {
                                c.push(json_rule(&safe));
                            }
                            c.extend(last_resorts());
                            c
                        }
                    };
                    let chosen = first_fit(table, col, &candidates);
                    DraftColumn {
                        name: col.name.clone(),
                        comments,
                        candidates,
                        chosen,
                    }
                })
                .collect();
            tables.push(DraftTable {
                name: ta.name.clone(),
                comments,
                rows_none: None,
                columns,
            });
        }
        Draft {
            header: Vec::new(),
            tenant,
            tables,
        }
    }

    /// Give the two ends of every declared foreign key the same masker, so
    /// that masked references still match: a referencing column takes the
    /// masker of the column it references, and a kept column referenced by
    /// a masked one takes that one's. Both ends then move on together.
    pub fn unify_references(&mut self, catalog: &Catalog) {
        let index: HashMap<String, usize> = self
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.to_string(), i))
            .collect();
        let mut pairs = Vec::new();
        for t in &catalog.tables {
            let child = catalog.rule_table(t);
            for fk in &t.foreign_keys {
                let Some(parent) = catalog.by_oid(fk.ref_table).map(|p| catalog.rule_table(p))
                else {
                    continue;
                };
                let (Some(&ci), Some(&pi)) = (
                    index.get(&child.name.to_string()),
                    index.get(&parent.name.to_string()),
                ) else {
                    continue;
                };
                for (c, p) in fk.columns.iter().zip(&fk.ref_columns) {
                    let find = |ti: usize, name: &str| {
                        self.tables[ti].columns.iter().position(|x| x.name == name)
                    };
                    if let (Some(cc), Some(pc)) = (find(ci, c), find(pi, p)) {
                        if (ci, cc) != (pi, pc) {
                            pairs.push(((ci, cc), (pi, pc)));
                        }
                    }
                }
            }
        }
        for _ in 0..=pairs.len() {
            let mut changed = false;
            for &((ci, cc), (pi, pc)) in &pairs {
                changed |= self.unify(ci, cc, pi, pc);
            }
            if !changed {
                break;
            }
        }
    }

    /// Make one reference's two columns agree; whether anything changed.
    fn unify(&mut self, ci: usize, cc: usize, pi: usize, pc: usize) -> bool {
        let child = self.tables[ci].columns[cc].clone();
        let parent = self.tables[pi].columns[pc].clone();
        let (cname, pname) = (
            format!("{}.{}", self.tables[ci].name, child.name),
            format!("{}.{}", self.tables[pi].name, parent.name),
        );
        if child.candidates == parent.candidates {
            let chosen = child.chosen.max(parent.chosen);
            let changed = child.chosen != chosen || parent.chosen != chosen;
            self.tables[ci].columns[cc].chosen = chosen;
            self.tables[pi].columns[pc].chosen = chosen;
            return changed;
        }
        let (from, to, note) = if parent.masked() && parent.rule() != child.rule() {
            (
                parent,
                (ci, cc),
                format!("references {pname}: masked as it is, so that the references still match"),
            )
        } else if child.masked() && !parent.masked() && parent.rule() != "default" {
            (
                child,
                (pi, pc),
                format!("referenced by {cname}, which is masked: masked the same way, so that the references still match"),
            )
        } else {
            return false;
        };
        let target = &mut self.tables[to.0].columns[to.1];
        target.candidates = from.candidates;
        target.chosen = from.chosen;
        target.comments.push(note);
        true
    }

    /// The rules text, and where each table and column landed.
    pub fn render(&self) -> (String, LineMap) {
        let mut out = Vec::<String>::new();
        let mut map = LineMap::default();
        for h in &self.header {
            out.push(comment("", h));
        }
        out.push("version: 1".into());
        out.push("key: ${DOPPEL_KEY}".into());
        out.push("defaults:".into());
        out.push("  tables: deny      # a table not listed gets its schema and no rows".into());
        out.push("  columns: error    # a column without a rule stops check and run".into());
        out.push("  locale: en".into());
        if let Some(t) = &self.tenant {
            out.push(comment(
                "",
                &format!(
                    "tenant guessed from the schema: {} is in {} of the {} other tables and references {}",
                    t.column, t.tables_with, t.tables, t.root
                ),
            ));
            out.push("tenant:".into());
            out.push(format!("  column: {}", yaml_key(&t.column)));
            out.push(format!("  root: {}", yaml_key(&t.root.to_string())));
        }
        out.push(
            if self.tables.is_empty() {
                "tables: {}"
            } else {
                "tables:"
            }
            .into(),
        );
        for (ti, t) in self.tables.iter().enumerate() {
            for c in &t.comments {
                out.push(comment("  ", c));
            }
            map.tables.insert(out.len() as u64 + 1, ti);
            out.push(format!("  {}:", yaml_key(&t.name.to_string())));
            if let Some(why) = &t.rows_none {
                out.push(format!("    rows: none    # {}", one_line(why)));
            }
            if t.columns.is_empty() {
                out.push("    columns: {}".into());
                continue;
            }
            out.push("    columns:".into());
            for (ci, c) in t.columns.iter().enumerate() {
                for line in &c.comments {
                    out.push(comment("      ", line));
                }
                map.columns.insert(out.len() as u64 + 1, (ti, ci));
                out.push(format!("      {}: {}", yaml_key(&c.name), c.rule()));
            }
        }
        let mut text = out.join("\n");
        text.push('\n');
        (text, map)
    }

    /// Columns masked and kept.
    pub fn counts(&self) -> (usize, usize) {
        let all = self.tables.iter().flat_map(|t| &t.columns);
        let masked = all.clone().filter(|c| c.masked()).count();
        (masked, all.count() - masked)
    }
}

/// `{ json: { '$.a': M, … } }`.
fn json_rule(paths: &[(String, String)]) -> String {
    let inner: Vec<String> = paths
        .iter()
        .map(|(p, m)| format!("{}: {m}", quote(p)))
        .collect();
    format!("{{ json: {{ {} }} }}", inner.join(", "))
}

/// A comment line (or several, for a long text) at `indent`.
fn comment(indent: &str, text: &str) -> String {
    format!("{indent}# {}", one_line(text))
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A mapping key: plain when YAML reads it back as the same string,
/// single-quoted otherwise.
pub fn yaml_key(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        s.to_string()
    } else {
        quote(s)
    }
}

/// Single-quoted YAML (a quote is written twice).
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
