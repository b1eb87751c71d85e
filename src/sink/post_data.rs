//! The post-data section on the target, in two steps.
//!
//! [`DatabaseSink::apply_post_data`]: indexes and primary/unique/exclusion
//! constraints are built table by table on `--jobs` connections, largest
//! table first; then the rest (foreign keys, triggers, index attachments,
//! rules, policies) runs in pg_dump's order in one transaction, where each
//! foreign key of an ordinary table is added `NOT VALID`: a catalog change
//! that reads no rows. A partitioned table's keys (PostgreSQL before 18
//! refuses `NOT VALID` there) are left for the next step, whole.
//!
//! [`DatabaseSink::finish_tables`]: table by table on `--jobs` connections,
//! largest first, those foreign keys are validated (or added) and the table
//! is ANALYZEd. Validating a key locks only its own table against other
//! validations and ANALYZE (and the referenced table against nothing they
//! take), so keys of different tables are checked at the same time instead
//! of one after the other, beside the statistics; the end state is the same
//! as pg_dump's `ADD CONSTRAINT … FOREIGN KEY` (the key is valid).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio_postgres::Client;

use super::database::{DatabaseSink, SinkError};
use crate::pg::dump::DumpEntry;
use crate::pg::QualifiedName;

/// Why the post-data section, or the validation and ANALYZE after it,
/// failed.
#[derive(Debug, thiserror::Error)]
pub enum PostDataError {
    /// A session could not be opened or set up.
    #[error(transparent)]
    Session(crate::Error),
    /// A statement failed (an index, a key, a foreign key's validation…).
    #[error(transparent)]
    Statement(SinkError),
}

/// The foreign keys post-data left to check: those it added `NOT VALID`,
/// to be validated, and a partitioned table's, to be added; per
/// referencing table, for [`DatabaseSink::finish_tables`].
#[derive(Debug, Default)]
pub struct PendingKeys {
    /// pg_dump's session settings, run first on each connection.
    setup: String,
    /// `ALTER TABLE … VALIDATE CONSTRAINT …` (or `ADD CONSTRAINT …`)
    /// statements per table.
    by_table: BTreeMap<QualifiedName, Vec<String>>,
}

impl PendingKeys {
    /// How many foreign keys wait to be checked.
    pub fn len(&self) -> usize {
        self.by_table.values().map(Vec::len).sum()
    }

    /// Whether none does.
    pub fn is_empty(&self) -> bool {
        self.by_table.is_empty()
    }
}

/// How much work a table is, for the order of parallel steps (largest
/// first): its bytes of data, say; tables not named count as 0.
pub type Weights = HashMap<QualifiedName, u64>;

impl DatabaseSink {
    /// Load the post-data section: indexes and primary/unique/exclusion
    /// constraints first, on up to `jobs` connections (one table's objects
    /// on one connection, so they never wait on each other; heaviest table
    /// first), then everything else in pg_dump's order in one transaction,
    /// with the foreign keys of ordinary tables added `NOT VALID` and those
    /// of partitioned tables left out. Returns those keys, for
    /// [`DatabaseSink::finish_tables`] to check.
    pub async fn apply_post_data(
        &self,
        client: &Client,
        sql: &str,
        jobs: usize,
        weights: &Weights,
    ) -> Result<PendingKeys, PostDataError> {
        let (preamble, entries) = crate::pg::dump::split_entries(sql);
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut rest = String::new();
        let mut pending = PendingKeys {
            setup: preamble.clone(),
            by_table: BTreeMap::new(),
        };
        for e in entries {
            if let ("INDEX" | "CONSTRAINT", Some(rel)) = (e.kind.as_str(), e.relation()) {
                groups.entry(rel.to_string()).or_default().push(e.sql);
                continue;
            }
            match deferred_foreign_key(&e) {
                Some(Deferred::Validate {
                    table,
                    add_not_valid,
                    validate,
                }) => {
                    rest.push_str(&add_not_valid.to_sql());
                    pending.by_table.entry(table).or_default().push(validate);
                }
                Some(Deferred::Whole { table, add }) => {
                    pending.by_table.entry(table).or_default().push(add);
                }
                None => rest.push_str(&e.to_sql()),
            }
        }
        let weight = |rel: &str| {
            QualifiedName::parse_user(rel)
                .and_then(|t| weights.get(&t).copied())
                .unwrap_or(0)
        };
        let mut groups: Vec<(String, Vec<String>)> = groups.into_iter().collect();
        // The heaviest tables first, and of equal ones those with more
        // objects: they take longest.
        groups.sort_by_key(|(rel, v)| std::cmp::Reverse((weight(rel), v.len())));
        let work = groups
            .into_iter()
            .map(|(rel, stmts)| {
                (
                    format!("building indexes and keys of {rel}"),
                    vec![stmts.concat()],
                )
            })
            .collect();
        self.run_parallel("post-data", jobs, &preamble, work)
            .await?;
        DatabaseSink::apply_schema(client, "post-data", &format!("{preamble}{rest}"))
            .await
            .map_err(PostDataError::Statement)?;
        Ok(pending)
    }

    /// Check the foreign keys post-data left (see [`PendingKeys`]), and ANALYZE
    /// `analyze` (so that the first queries on the copy get good plans),
    /// table by table on up to `jobs` connections, heaviest table first. A
    /// partitioned table's ANALYZE covers its partitions.
    pub async fn finish_tables(
        &self,
        keys: PendingKeys,
        analyze: &[QualifiedName],
        weights: &Weights,
        jobs: usize,
    ) -> Result<(), PostDataError> {
        let PendingKeys {
            setup,
            mut by_table,
        } = keys;
        let mut units: Vec<(QualifiedName, Vec<String>, bool)> = analyze
            .iter()
            .map(|t| (t.clone(), by_table.remove(t).unwrap_or_default(), true))
            .collect();
        units.extend(by_table.into_iter().map(|(t, keys)| (t, keys, false)));
        units.sort_by_key(|(t, keys, _)| {
            std::cmp::Reverse((weights.get(t).copied().unwrap_or(0), keys.len()))
        });
        let work = units
            .into_iter()
            .map(|(table, keys, analyze)| {
                let what = match (keys.is_empty(), analyze) {
                    (true, _) => format!("analyzing {table}"),
                    (false, false) => format!("checking the foreign keys of {table}"),
                    (false, true) => {
                        format!("checking the foreign keys of {table} and analyzing it")
                    }
                };
                let mut statements = keys;
                if analyze {
                    statements.push(format!("ANALYZE {}", table.quoted()));
                }
                (what, statements)
            })
            .collect();
        self.run_parallel("finish", jobs, &setup, work).await
    }

    /// Run each `(what, statements)` of `work` in turn on up to `jobs` new
    /// connections (each first runs `setup`), each statement in a
    /// transaction of its own, so that no lock is held past its statement;
    /// the first failure stops the rest and is reported with its `what`.
    async fn run_parallel(
        &self,
        role: &str,
        jobs: usize,
        setup: &str,
        work: Vec<(String, Vec<String>)>,
    ) -> Result<(), PostDataError> {
        let workers = jobs.max(1).min(work.len());
        let queue = Arc::new(Mutex::new(work.into_iter().collect::<VecDeque<_>>()));
        let mut set = tokio::task::JoinSet::new();
        for w in 0..workers {
            let queue = Arc::clone(&queue);
            let sink = self.clone();
            let setup = setup.to_string();
            let role = format!("{role} {w}");
            set.spawn(async move {
                let c = sink.connect(&role).await.map_err(PostDataError::Session)?;
                c.batch_execute(&setup).await.map_err(|e| {
                    PostDataError::Session(crate::Error::runtime(format!(
                        "target: {role} settings: {}",
                        crate::pg::pg_text(&e)
                    )))
                })?;
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some((what, statements)) = next else {
                        break;
                    };
                    for sql in statements {
                        c.batch_execute(&sql).await.map_err(|e| {
                            PostDataError::Statement(SinkError::new(what.clone())(e))
                        })?;
                    }
                }
                Ok::<_, PostDataError>(())
            });
        }
        while let Some(r) = set.join_next().await {
            let failed = match r {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e,
                Err(e) => PostDataError::Session(crate::Error::runtime(format!(
                    "a {role} worker stopped: {e}"
                ))),
            };
            set.abort_all();
            return Err(failed);
        }
        Ok(())
    }
}

/// A foreign key whose check waits for [`DatabaseSink::finish_tables`].
#[derive(Debug, PartialEq, Eq)]
enum Deferred {
    /// An ordinary table's: added `NOT VALID` in post-data (`add_not_valid`,
    /// the entry rewritten), validated later.
    Validate {
        table: QualifiedName,
        add_not_valid: DumpEntry,
        validate: String,
    },
    /// A partitioned table's (PostgreSQL before 18 refuses `NOT VALID`
    /// there): added later, whole, beside the other tables' work.
    Whole { table: QualifiedName, add: String },
}

/// The foreign key of `e`, when `e` is pg_dump's `ALTER TABLE [ONLY] t ADD
/// CONSTRAINT c FOREIGN KEY …;` (pg_dump writes `ONLY` for every table but
/// a partitioned one). `None` for anything else: a key the source holds
/// `NOT VALID`, or a statement this does not read with certainty; those run
/// in post-data as pg_dump wrote them.
fn deferred_foreign_key(e: &DumpEntry) -> Option<Deferred> {
    if e.kind != "FK CONSTRAINT" {
        return None;
    }
    let stmt: Vec<&str> = e.sql.lines().filter(|l| !l.starts_with("--")).collect();
    let stmt = stmt.join("\n");
    let body = stmt.trim().strip_suffix(';')?;
    if body.contains(';') || body.ends_with(" NOT VALID") {
        return None;
    }
    let rest = body.strip_prefix("ALTER TABLE ")?;
    let (only, rest) = match rest.strip_prefix("ONLY ") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let (rel, rest) = rest.split_once(char::is_whitespace)?;
    let table = QualifiedName::parse_user(rel)?;
    let rest = rest.trim_start().strip_prefix("ADD CONSTRAINT ")?;
    let name = leading_ident(rest)?;
    if !rest[name.len()..].trim_start().starts_with("FOREIGN KEY (") {
        return None;
    }
    if !only {
        return Some(Deferred::Whole {
            table,
            add: body.to_string(),
        });
    }
    Some(Deferred::Validate {
        add_not_valid: DumpEntry {
            sql: format!("\n{body} NOT VALID;\n"),
            ..e.clone()
        },
        validate: format!("ALTER TABLE ONLY {rel} VALIDATE CONSTRAINT {name}"),
        table,
    })
}

/// The identifier `s` starts with, as written: `"quoted ""name"""` or a
/// plain word.
fn leading_ident(s: &str) -> Option<&str> {
    if let Some(inner) = s.strip_prefix('"') {
        let mut i = 0;
        let bytes = inner.as_bytes();
        while i < bytes.len() {
            if bytes[i] == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 2;
                    continue;
                }
                return Some(&s[..i + 2]);
            }
            i += 1;
        }
        return None;
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    (end > 0).then(|| &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sql: &str) -> DumpEntry {
        DumpEntry {
            kind: "FK CONSTRAINT".into(),
            name: "lines lines_invoice_id_fkey".into(),
            schema: "public".into(),
            sql: format!("--\n\n{sql}\n\n\n--\n"),
        }
    }

    #[test]
    fn an_ordinary_tables_key_is_added_not_valid_and_validated_later() {
        let Some(Deferred::Validate {
            table,
            add_not_valid,
            validate,
        }) = deferred_foreign_key(&entry(
            "ALTER TABLE ONLY public.lines\n    ADD CONSTRAINT lines_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id) ON DELETE CASCADE DEFERRABLE;",
        ))
        else {
            panic!("not deferred")
        };
        assert_eq!(table, QualifiedName::new("public", "lines"));
        assert_eq!(
            add_not_valid.sql,
            "\nALTER TABLE ONLY public.lines\n    ADD CONSTRAINT lines_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id) ON DELETE CASCADE DEFERRABLE NOT VALID;\n"
        );
        assert_eq!(
            validate,
            "ALTER TABLE ONLY public.lines VALIDATE CONSTRAINT lines_invoice_id_fkey"
        );
        // The entry keeps its header, so a failure still names it.
        assert_eq!(
            add_not_valid.describe(),
            "FK CONSTRAINT public.lines lines_invoice_id_fkey"
        );
    }

    #[test]
    fn quoted_names_are_kept_as_written() {
        let k = deferred_foreign_key(&entry(
            "ALTER TABLE ONLY \"My Schema\".\"Order\"\n    ADD CONSTRAINT \"fk \"\"x\"\"\" FOREIGN KEY (a) REFERENCES public.t(id);",
        ));
        // A relation with a space is not split on it: left as pg_dump wrote it.
        assert_eq!(k, None);
        let Some(Deferred::Validate {
            table, validate, ..
        }) = deferred_foreign_key(&entry(
            "ALTER TABLE ONLY public.\"Order\"\n    ADD CONSTRAINT \"fk \"\"x\"\"\" FOREIGN KEY (a) REFERENCES public.t(id);",
        ))
        else {
            panic!("not deferred")
        };
        assert_eq!(table, QualifiedName::new("public", "Order"));
        assert_eq!(
            validate,
            "ALTER TABLE ONLY public.\"Order\" VALIDATE CONSTRAINT \"fk \"\"x\"\"\""
        );
    }

    #[test]
    fn a_partitioned_tables_key_is_added_whole_later() {
        let sql = "ALTER TABLE public.events\n    ADD CONSTRAINT events_org_fkey FOREIGN KEY (org_id) REFERENCES public.orgs(id);";
        assert_eq!(
            deferred_foreign_key(&entry(sql)),
            Some(Deferred::Whole {
                table: QualifiedName::new("public", "events"),
                add: sql.trim_end_matches(';').to_string(),
            })
        );
    }

    #[test]
    fn not_valid_and_other_entries_run_as_written() {
        for sql in [
            // Not valid on the source: stays so.
            "ALTER TABLE ONLY public.lines\n    ADD CONSTRAINT l_fkey FOREIGN KEY (a) REFERENCES public.t(id) NOT VALID;",
            // Two statements: not read with certainty.
            "ALTER TABLE ONLY public.lines\n    ADD CONSTRAINT l_fkey FOREIGN KEY (a) REFERENCES public.t(id); SELECT 1;",
            // Not a foreign key.
            "ALTER TABLE ONLY public.lines\n    ADD CONSTRAINT l_check CHECK (a > 0);",
        ] {
            assert_eq!(deferred_foreign_key(&entry(sql)), None, "{sql}");
        }
        let mut index = entry("CREATE INDEX i ON public.t USING btree (a);");
        index.kind = "INDEX".into();
        assert_eq!(deferred_foreign_key(&index), None);
    }

    #[test]
    fn identifiers() {
        assert_eq!(leading_ident("abc FOREIGN"), Some("abc"));
        assert_eq!(
            leading_ident("\"a \"\"b\"\"\" FOREIGN"),
            Some("\"a \"\"b\"\"\"")
        );
        assert_eq!(leading_ident("\"unterminated"), None);
        assert_eq!(leading_ident(" x"), None);
    }
}
