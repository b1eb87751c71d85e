//! The integrity half of `verify`: each copied table holds the rows the
//! run wrote (or, without the run's numbers, the source's rows that the
//! plan's filter keeps), and every primary key, unique, check and foreign
//! key constraint of the source exists in the target with the same
//! definition and holds there (validated, its index valid; a constraint
//! that is NOT VALID on both sides is checked with a query).

use std::collections::HashMap;

use tokio_postgres::Client;

use super::findings::{Integrity, IntegrityFinding};
use super::Expected;
use crate::pg::{quote_ident, QualifiedName};
use crate::plan::{Decision, Plan};
use crate::Error;

const CONSTRAINTS_SQL: &str = include_str!("sql/constraints.sql");

/// One constraint as the catalog gives it.
#[derive(Debug, Clone)]
struct Constraint {
    table: QualifiedName,
    name: String,
    kind: String,
    def: String,
    validated: bool,
    index_valid: bool,
    columns: Vec<String>,
    references: Option<(QualifiedName, Vec<String>)>,
}

fn fail(side: &str, e: tokio_postgres::Error) -> Error {
    Error::runtime(format!("{side}: {}", crate::pg::pg_text(&e)))
}

/// Counts and constraints.
pub async fn check(
    src: &Client,
    tgt: &Client,
    plan: &Plan,
    expected: &Expected,
) -> Result<Integrity, Error> {
    let mut out = Integrity::default();
    counts(src, tgt, plan, expected, &mut out).await?;
    constraints(src, tgt, plan, &mut out).await?;
    Ok(out)
}

async fn count(client: &Client, side: &str, sql: &str) -> Result<i64, Error> {
    let row = client
        .query_one(sql, &[])
        .await
        .map_err(|e| fail(side, e))?;
    row.try_get(0).map_err(|e| fail(side, e))
}

async fn counts(
    src: &Client,
    tgt: &Client,
    plan: &Plan,
    expected: &Expected,
    out: &mut Integrity,
) -> Result<(), Error> {
    for t in plan.tables.iter().filter(|t| t.decision == Decision::Copy) {
        let name = t.name.to_string();
        let want = match expected {
            Expected::Run(rows) => match rows.get(&name) {
                Some(n) => *n as i64,
                None => {
                    out.notes.push(format!(
                        "{name}: the run's numbers have no row count for it; not counted"
                    ));
                    continue;
                }
            },
            Expected::Source => {
                let filter = t
                    .filter
                    .as_ref()
                    .map(|f| format!(" WHERE {f}"))
                    .unwrap_or_default();
                let sql = format!("SELECT count(*) FROM {}{filter}", t.name.quoted());
                count(src, "source", &sql).await?
            }
        };
        let have = count(
            tgt,
            "target",
            &format!("SELECT count(*) FROM {}", t.name.quoted()),
        )
        .await;
        out.tables_counted += 1;
        match have {
            Ok(have) if have == want => {}
            Ok(have) => out.findings.push(IntegrityFinding {
                check: "rows".into(),
                table: name,
                problem: format!(
                    "holds {have} rows, {} {want}",
                    match expected {
                        Expected::Run(_) => "the run wrote",
                        Expected::Source => "the source (with the rules' filter) has",
                    }
                ),
            }),
            Err(e) => out.findings.push(IntegrityFinding {
                check: "rows".into(),
                table: name,
                problem: format!("cannot be counted in the target: {e}"),
            }),
        }
    }
    Ok(())
}

async fn read_constraints(
    client: &Client,
    side: &str,
    schemas: &[String],
) -> Result<Vec<Constraint>, Error> {
    let rows = client
        .query(CONSTRAINTS_SQL, &[&schemas])
        .await
        .map_err(|e| fail(side, e))?;
    rows.iter()
        .map(|r| {
            let s = |i: usize| {
                r.try_get::<_, Option<String>>(i)
                    .map(Option::unwrap_or_default)
            };
            let refs = match (s(8)?, s(9)?) {
                (rs, rt) if !rt.is_empty() => Some((
                    QualifiedName::new(rs, rt),
                    r.try_get::<_, Option<Vec<String>>>(10)?.unwrap_or_default(),
                )),
                _ => None,
            };
            Ok(Constraint {
                table: QualifiedName::new(s(0)?, s(1)?),
                name: s(2)?,
                kind: s(3)?,
                def: s(4)?,
                validated: r.try_get(5)?,
                index_valid: r.try_get(6)?,
                columns: r.try_get::<_, Option<Vec<String>>>(7)?.unwrap_or_default(),
                references: refs,
            })
        })
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()
        .map_err(|e| fail(side, e))
}

fn kind_name(kind: &str) -> &'static str {
    match kind {
        "p" => "primary key",
        "u" => "unique constraint",
        "f" => "foreign key",
        _ => "check constraint",
    }
}

async fn constraints(
    src: &Client,
    tgt: &Client,
    plan: &Plan,
    out: &mut Integrity,
) -> Result<(), Error> {
    let mut schemas: Vec<String> = plan.tables.iter().map(|t| t.name.schema.clone()).collect();
    schemas.sort();
    schemas.dedup();
    let source = read_constraints(src, "source", &schemas).await?;
    let target: HashMap<(QualifiedName, String), Constraint> =
        read_constraints(tgt, "target", &schemas)
            .await?
            .into_iter()
            .map(|c| ((c.table.clone(), c.name.clone()), c))
            .collect();
    for s in &source {
        out.constraints_checked += 1;
        let what = format!("{} {}", kind_name(&s.kind), s.name);
        let mut problem = |p: String| {
            out.findings.push(IntegrityFinding {
                check: "constraint".into(),
                table: s.table.to_string(),
                problem: p,
            })
        };
        let Some(t) = target.get(&(s.table.clone(), s.name.clone())) else {
            problem(format!("{what} of the source is missing in the target"));
            continue;
        };
        if t.def != s.def {
            problem(format!(
                "{what} differs: the source has `{}`, the target `{}`",
                s.def, t.def
            ));
        } else if !t.index_valid {
            problem(format!("{what}: its index in the target is not valid"));
        } else if !t.validated && s.validated {
            problem(format!(
                "{what} is validated in the source but NOT VALID in the target"
            ));
        } else if !t.validated {
            if let Some(n) = violations(tgt, t).await? {
                if n > 0 {
                    problem(format!(
                        "{what} (NOT VALID on both sides): {n} rows of the target break it"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Rows of the target that break a NOT VALID check or foreign key.
async fn violations(tgt: &Client, c: &Constraint) -> Result<Option<i64>, Error> {
    let sql = match (&c.kind[..], &c.references) {
        ("c", _) => {
            let expr = c.def.trim_end_matches(" NOT VALID");
            let Some(expr) = expr.strip_prefix("CHECK ") else {
                return Ok(None);
            };
            format!("SELECT count(*) FROM {} WHERE NOT {expr}", c.table.quoted())
        }
        ("f", Some((parent, pcols))) if pcols.len() == c.columns.len() => {
            let set: Vec<String> = c
                .columns
                .iter()
                .map(|k| format!("c.{} IS NOT NULL", quote_ident(k)))
                .collect();
            let join: Vec<String> = c
                .columns
                .iter()
                .zip(pcols)
                .map(|(k, p)| format!("p.{} = c.{}", quote_ident(p), quote_ident(k)))
                .collect();
            format!(
                "SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
                c.table.quoted(),
                set.join(" AND "),
                parent.quoted(),
                join.join(" AND ")
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(count(tgt, "target", &sql).await?))
}
