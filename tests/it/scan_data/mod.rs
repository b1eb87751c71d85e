//! Generated personal data for the SaaS schema (tests/data/saas-schema.sql),
//! deterministic, written in SQL: the seeded core tables get personal
//! values by UPDATE, every empty table gets rows in foreign-key order, each
//! column from its expression below or a neutral filler of its type. The
//! labels name every column that holds personal data and the `name`-like
//! columns that hold labels, for `scan` to be measured against.

mod labels;
mod values;

use std::collections::{BTreeMap, HashMap};

use crate::harness::TestDb;

pub use labels::{not_personal, personal};
use values::{expressions, filler, updates};

/// Rows given to each empty table: 120, or `DOPPEL_SCAN_ROWS` (for the
/// timing in BENCHMARKS.md).
pub fn rows() -> usize {
    std::env::var("DOPPEL_SCAN_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120)
}

/// SQL functions the expressions call: a Luhn check digit, an IBAN check
/// pair and an NRIC check letter.
const HELPERS: &str = r#"
CREATE FUNCTION scan_t_luhn(body text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT body || ((10 - (sum(CASE WHEN (length(body) - i) % 2 = 0
      THEN (CASE WHEN d * 2 > 9 THEN d * 2 - 9 ELSE d * 2 END) ELSE d END) % 10)::int) % 10)::text
    FROM (SELECT i, substr(body, i, 1)::int AS d FROM generate_series(1, length(body)) i) x
$$;
CREATE FUNCTION scan_t_iban(bban text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT 'GB' || lpad((98 - (string_agg(CASE WHEN c ~ '[A-Z]' THEN (ascii(c) - 55)::text ELSE c END, '' ORDER BY i)::numeric % 97))::text, 2, '0') || bban
    FROM (SELECT i, substr(bban || 'GB00', i, 1) AS c FROM generate_series(1, length(bban) + 4) i) x
$$;
CREATE FUNCTION scan_t_nric(digits text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT 'S' || digits || substr('JZIHGFEDCBA', 1 + (sum(substr(digits, i, 1)::int * (ARRAY[2,7,6,5,4,3,2])[i]) % 11)::int, 1)
    FROM generate_series(1, 7) i
$$;
"#;

/// Load the SaaS schema into `db` and fill it.
pub async fn fill(db: &TestDb) {
    db.exec(include_str!("../../data/saas-schema.sql")).await;
    db.exec(HELPERS).await;
    db.exec(&updates()).await;
    let c = db.client().await;
    let tables = c
        .query(
            "SELECT c.oid, n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_' \
             ORDER BY 2",
            &[],
        )
        .await
        .expect("tables");
    let mut pending: BTreeMap<String, u32> = tables.iter().map(|r| (r.get(1), r.get(0))).collect();
    let exprs = expressions();
    let mut filled: Vec<String> = Vec::new();
    // Foreign-key order: a table is filled once every table it references
    // (other than itself) has rows, or a nullable reference is left NULL.
    while !pending.is_empty() {
        let mut progressed = false;
        for (name, oid) in pending.clone() {
            let rows: i64 = c
                .query_one(&format!("SELECT count(*) FROM {name}"), &[])
                .await
                .expect("count")
                .get(0);
            let fks = c
                .query(
                    "SELECT a.attname::text, f.confrelid::regclass::text, fa.attname::text, NOT a.attnotnull \
                     FROM pg_constraint f JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = f.conkey[1] \
                     JOIN pg_attribute fa ON fa.attrelid = f.confrelid AND fa.attnum = f.confkey[1] \
                     WHERE f.contype = 'f' AND f.conrelid = $1 AND array_length(f.conkey, 1) = 1",
                    &[&oid],
                )
                .await
                .expect("fks");
            let waits = fks.iter().any(|r| {
                let parent: String = r.get(1);
                let nullable: bool = r.get(3);
                parent != name && pending.contains_key(&parent) && !nullable && rows == 0
            });
            if waits {
                continue;
            }
            pending.remove(&name);
            progressed = true;
            if rows > 0 {
                continue;
            }
            insert(&c, &name, oid, &fks, &filled, &exprs).await;
            filled.push(name);
        }
        assert!(progressed, "no table can be filled: {pending:?}");
    }
    db.exec("DROP FUNCTION scan_t_luhn(text), scan_t_iban(text), scan_t_nric(text); ANALYZE")
        .await;
}

async fn insert(
    c: &tokio_postgres::Client,
    name: &str,
    oid: u32,
    fks: &[tokio_postgres::Row],
    filled: &[String],
    exprs: &HashMap<&'static str, String>,
) {
    let cols = c
        .query(
            "SELECT a.attname::text, t.typname::text, (SELECT d.typname::text FROM pg_type d WHERE d.oid = a.atttypid AND d.typtype = 'd'), \
                    a.attidentity <> '' OR a.attgenerated <> '', a.atttypmod, \
                    (SELECT bt.typname::text FROM pg_type bt WHERE bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END) \
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
             WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            &[&oid],
        )
        .await
        .expect("columns");
    let mut names = Vec::new();
    let mut values = Vec::new();
    let mut parents = Vec::new();
    for col in &cols {
        let (cname, skip): (String, bool) = (col.get(0), col.get(3));
        if skip {
            continue;
        }
        let key = format!("{name}.{cname}");
        let fk = fks.iter().find(|r| r.get::<_, String>(0) == cname);
        let v = if let Some(e) = exprs.get(key.as_str()) {
            e.clone()
        } else if let Some(fk) = fk {
            let (parent, pcol): (String, String) = (fk.get(1), fk.get(2));
            if parent == name || !(filled.contains(&parent) || parent_has_rows(c, &parent).await) {
                "NULL".into()
            } else {
                let p = format!("p{}", parents.len());
                parents.push(format!(
                    "{p} AS MATERIALIZED (SELECT array_agg({pcol} ORDER BY {pcol}) a FROM {parent})"
                ));
                format!("(SELECT a[1 + g % array_length(a, 1)] FROM {p})")
            }
        } else if cname == "created_at" {
            continue;
        } else {
            let typmod: i32 = col.get(4);
            filler(
                &col.get::<_, String>(5),
                col.get::<_, Option<String>>(2).as_deref(),
                (typmod > 4).then_some(typmod - 4),
            )
        };
        names.push(format!("\"{cname}\""));
        values.push(v);
    }
    let with = if parents.is_empty() {
        String::new()
    } else {
        format!("WITH {} ", parents.join(", "))
    };
    let sql = format!(
        "{with}INSERT INTO {name} ({}) SELECT {} FROM generate_series(1, {}) g",
        names.join(", "),
        values.join(", "),
        rows()
    );
    c.batch_execute(&sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
}

async fn parent_has_rows(c: &tokio_postgres::Client, parent: &str) -> bool {
    let n: i64 = c
        .query_one(&format!("SELECT count(*) FROM {parent}"), &[])
        .await
        .expect("count")
        .get(0);
    n > 0
}
