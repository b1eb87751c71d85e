//! `doppel check` and `doppel plan` against real schemas (a SaaS of more
//! than 100 tables, and a small one with one of every problem), and the
//! guards every run has: a non-empty target, `--replace`, lock timeouts.

use crate::harness::*;

const SAAS: &str = include_str!("../data/saas-schema.sql");
const SAAS_RULES: &str = include_str!("../data/saas-rules.yaml");

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn check(src: &TestDb, rules: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let r = rules.to_string_lossy().to_string();
    let url = src.url();
    let mut args = vec!["check", "--source", &url, "--rules", &r];
    args.extend_from_slice(extra);
    doppel(&args, &[])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saas_schema_of_over_100_tables_checks_plans_and_copies() {
    let src = TestDb::create("saas_src").await;
    src.exec(SAAS).await;
    let tables: i64 = src
        .value("SELECT count(*)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')")
        .await
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(tables > 100, "{tables} tables");
    let rules = Rules::new(SAAS_RULES);

    // Clean: no errors; every unlisted table is a notice with a rule to add.
    let out = check(&src, &rules.path, &[]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains("ok: 0 errors, 116 notices"), "{text}");
    assert!(
        text.contains("notice: support.tickets") || text.contains("notice: crm.leads: no rule"),
        "{text}"
    );
    assert!(text.contains("      email: { fake: email }"), "{text}");

    // plan, as JSON: every table, its query, its maskers, the load order.
    let r = rules.path.to_string_lossy().to_string();
    let url = src.url();
    let out = doppel(
        &["plan", "--source", &url, "--rules", &r, "--format", "json"],
        &[],
    );
    assert_ok(&out);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("plan JSON");
    let list = plan["tables"].as_array().expect("tables");
    assert!(list.len() > 100);
    assert!(plan["key_fingerprint"]
        .as_str()
        .is_some_and(|k| k.starts_with("hmac-sha256:")));
    assert!(
        !stdout(&out).contains(KEY),
        "the key leaked into plan output"
    );
    let contacts = list
        .iter()
        .find(|t| t["table"] == "crm.contacts")
        .expect("contacts");
    assert_eq!(contacts["copy"], true);
    assert!(contacts["queries"][0]
        .as_str()
        .is_some_and(|q| q.starts_with("COPY \"crm\".\"contacts\"")));
    let cols = contacts["columns"].as_array().expect("columns");
    let email = cols.iter().find(|c| c["column"] == "email").expect("email");
    assert_eq!(email["masker"], "tokenize(email)");
    assert_eq!(email["rule"], "tables.crm.contacts.columns.email");
    let leads = list
        .iter()
        .find(|t| t["table"] == "crm.leads")
        .expect("leads");
    assert_eq!(leads["copy"], false);
    assert_eq!(
        leads["excluded_because"],
        "no rule (tables: deny by default)"
    );
    assert_eq!(plan["load_order"].as_array().map(Vec::len), Some(16));

    // The copy: composite, self-referencing and cyclic foreign keys all validate.
    let tgt = TestDb::create("saas_tgt").await;
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    let fks = "SELECT count(*)::text FROM pg_constraint WHERE contype = 'f' AND convalidated";
    assert_eq!(tgt.value(fks).await, src.value(fks).await);
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM billing.customers c JOIN billing.payment_methods p ON p.id = c.default_payment_method_id AND p.customer_id = c.id").await.as_deref(),
        Some("20")
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM crm.leads")
            .await
            .as_deref(),
        Some("0")
    );

    // A migration adds a phone column and a table: check fails and names both.
    src.exec("ALTER TABLE support.agents ADD COLUMN phone text; CREATE TABLE support.callbacks (id bigint PRIMARY KEY, phone text NOT NULL)").await;
    let out = check(&src, &rules.path, &[]);
    let err = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("rules.yaml:74:3: support.agents: 1 column without a rule")
            && err.contains("phone (text)")
            && err.contains("phone: { fake: phone }"),
        "{err}"
    );
    assert!(err.contains("notice: support.callbacks: no rule"), "{err}");
    assert!(
        err.contains("failed: 1 error, 117 notices"),
        "{}",
        err.lines().last().unwrap_or("")
    );
    // And run refuses, leaving the (new) target untouched.
    let tgt2 = TestDb::create("saas_tgt2").await;
    let e = assert_fails(&run(&src, &tgt2, &rules.path, &[], &[]), 2);
    assert!(e.contains("phone (text)"), "{e}");
    assert_eq!(tgt2.user_tables().await, 0);
}

const SMALL: &str = r#"
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN zip5 AS text CHECK (VALUE ~ '^[0-9]{5}$');
CREATE TABLE people (
  id int PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  age int,
  feeling mood,
  zip zip5,
  secret text
);
INSERT INTO people VALUES (1, 'a@x.example', 'A', 30, 'happy', '12345', 's');
CREATE TABLE private_notes (id int PRIMARY KEY, owner text, body text);
ALTER TABLE private_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE private_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY mine ON private_notes USING (owner = current_user);
CREATE TABLE orders (id int PRIMARY KEY, person_id int REFERENCES people(id), total numeric);
"#;

const SMALL_RULES: &str = r#"version: 1
key: ${DOPPEL_KEY}
tables:
  public.people:
    columns:
      id: keep
      email: { fake: name }
      name: null
      age: { fake: email }
      feeling: { value: angry }
      zip: { fake: city }
      nickname: keep
  public.private_notes: keep
  public.orders:
    filter: "no_such_column > 0"
    columns:
      "*": keep
  public.ghosts: keep
"#;

#[tokio::test(flavor = "multi_thread")]
async fn check_reports_every_problem_at_once_with_its_line() {
    let src = TestDb::create("chk_src").await;
    src.exec(SMALL).await;
    let rules = Rules::new(SMALL_RULES);
    let out = check(&src, &rules.path, &["--format", "json"]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&text).expect("check JSON");
    assert_eq!(doc["ok"], false);
    let findings = doc["findings"].as_array().expect("findings");
    let at = |line: u64, needle: &str| {
        assert!(
            findings.iter().any(|f| f["level"] == "error"
                && f["line"] == line
                && f["message"].as_str().is_some_and(|m| m.contains(needle))),
            "no error at line {line} containing {needle:?} in:\n{text}"
        )
    };
    at(7, "unique index");
    at(8, "`null` on a NOT NULL column");
    at(
        9,
        "fake email cannot produce a value for a column of type integer",
    );
    at(12, "unknown column public.people.nickname");
    at(18, "unknown table public.ghosts");
    // Found by the source: a filter that does not run; masked values the
    // enum and the domain reject (these need the columns that compiled).
    at(14, "filter or expressions cannot run on the source");
    assert_eq!(
        doc["errors"].as_u64(),
        Some(findings.iter().filter(|f| f["level"] == "error").count() as u64)
    );

    // With only the type problems left, the source finds them.
    let rules2 = Rules::new(
        "version: 1\nkey: ${DOPPEL_KEY}\ntables:\n  public.people:\n    columns:\n      \"*\": keep\n      feeling: { value: angry }\n      zip: { fake: city }\n",
    );
    let out = check(&src, &rules2.path, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("rules.yaml:7:7: tables.public.people.columns.feeling: value(\"angry\") gives values that type mood does not accept"), "{text}");
    assert!(text.contains("rules.yaml:8:7: tables.public.people.columns.zip: fake(city, en) gives values that type zip5 does not accept"), "{text}");
    // Row-level security: a role that would see only some rows is refused.
    let role = format!("doppel_rls_{}", std::process::id());
    let admin = connect(&server_url()).await;
    admin
        .batch_execute(&format!("CREATE ROLE {role} LOGIN"))
        .await
        .unwrap();
    src.exec(&format!(
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"
    ))
    .await;
    let as_role = src.url().replacen("postgres@", &format!("{role}@"), 1);
    let r = rules.path.to_string_lossy().to_string();
    let out = doppel(&["check", "--source", &as_role, "--rules", &r], &[]);
    src.exec(&format!("DROP OWNED BY {role}")).await;
    admin
        .batch_execute(&format!("DROP ROLE {role}"))
        .await
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("rules.yaml:13:3: public.private_notes has row-level security and role")
            && text.contains("BYPASSRLS"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // GitHub annotations.
    let out = check(&src, &rules2.path, &["--format", "github"]);
    assert!(
        stdout(&out)
            .contains(",line=7,col=7,title=doppel check::tables.public.people.columns.feeling"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_with_tables_is_refused_unless_replace() {
    let src = TestDb::create("repl_src").await;
    src.exec("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 10) g;").await;
    let tgt = TestDb::create("repl_tgt").await;
    tgt.exec("CREATE TABLE t (id int, stale text); INSERT INTO t VALUES (99, 'old'); CREATE SCHEMA other; CREATE TABLE other.keepme (x int);").await;
    let rules = Rules::new("version: 1\ntables:\n  public.t: keep\n");
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(
        err.contains("is not empty") && err.contains("public.t") && err.contains("--replace"),
        "{err}"
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM t").await.as_deref(),
        Some("1")
    );
    assert_ok(&run(&src, &tgt, &rules.path, &["--replace"], &[]));
    assert_eq!(tgt.table_md5("t").await, src.table_md5("t").await);
    // Schemas that are not being copied are left alone.
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM other.keepme")
            .await
            .as_deref(),
        Some("0")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_source_table_fails_fast_before_the_target_is_touched() {
    let src = TestDb::create("lock_src").await;
    src.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);")
        .await;
    let holder = src.client().await;
    holder
        .batch_execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let tgt = TestDb::create("lock_tgt").await;
    let rules = Rules::new("version: 1\ntables:\n  public.t: keep\n");
    let started = std::time::Instant::now();
    let out = run(&src, &tgt, &rules.path, &["--lock-timeout", "1s"], &[]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("lock"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert_eq!(tgt.user_tables().await, 0);
    holder.batch_execute("ROLLBACK").await.unwrap();
    let bad = assert_fails(
        &run(&src, &tgt, &rules.path, &["--lock-timeout", "soon"], &[]),
        2,
    );
    assert!(bad.contains("--lock-timeout"), "{bad}");
}
