//! A whole copy without some tenants (`run` with `exclude_tenants:` or
//! `--exclude-tenant`, no `--tenant`): the excluded tenant's rows, and the
//! rows that exist only as their children, never reach the copy; every
//! other row is exactly what a copy without exclusion holds, with the
//! references to rows left out set NULL; every foreign key validates.
//!
//! The schema holds each case SPEC §3 names: a root with a self-reference,
//! tenant tables, children without the tenant column one and two hops away
//! (invoice lines, their notes through a nullable reference), a global
//! users table shared between tenants that references the root itself
//! (nullable) and itself (a cycle of two users), a child of the root
//! without the tenant column (bots), a row linking two tenants' rows
//! (transfers, partitioned), a polymorphic reference declared in the
//! rules, a foreign key cycle (billing accounts and cards), a lookup table
//! and a `rows: all` table. The source is read-only throughout, as a hot standby would be;
//! the database sink and a SQL file give the same copy.

use crate::harness::*;

const SCHEMA: &str = r#"
CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE orgs (
  id int PRIMARY KEY, name text NOT NULL,
  country text NOT NULL REFERENCES countries,
  plan_id int REFERENCES plans,
  parent_org_id int REFERENCES orgs);
CREATE TABLE users (
  id int PRIMARY KEY, email text NOT NULL UNIQUE,
  country text REFERENCES countries,
  last_org_id int REFERENCES orgs,
  referred_by int REFERENCES users);
CREATE TABLE memberships (
  org_id int NOT NULL REFERENCES orgs, user_id int NOT NULL REFERENCES users,
  PRIMARY KEY (org_id, user_id));
CREATE TABLE bots (id int PRIMARY KEY, owner_org int NOT NULL REFERENCES orgs, name text NOT NULL);
CREATE TABLE projects (
  id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, name text NOT NULL,
  owner_id int REFERENCES users);
CREATE TABLE tasks (
  id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs,
  project_id int NOT NULL REFERENCES projects,
  parent_task_id int REFERENCES tasks,
  assignee_id int REFERENCES users,
  title text NOT NULL);
CREATE TABLE task_comments (
  id int PRIMARY KEY, task_id int NOT NULL REFERENCES tasks,
  author_id int REFERENCES users, reply_to int REFERENCES task_comments, body text);
CREATE TABLE invoices (
  id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, number text NOT NULL,
  customer_id int REFERENCES users);
CREATE TABLE invoice_lines (
  id int PRIMARY KEY, invoice_id int NOT NULL REFERENCES invoices,
  description text NOT NULL, amount numeric NOT NULL);
CREATE TABLE line_notes (id int PRIMARY KEY, line_id int REFERENCES invoice_lines, note text NOT NULL);
CREATE TABLE transfers (
  id int PRIMARY KEY, from_invoice int REFERENCES invoices, to_invoice int REFERENCES invoices,
  amount numeric NOT NULL) PARTITION BY RANGE (id);
CREATE TABLE transfers_a PARTITION OF transfers FOR VALUES FROM (6300) TO (6302);
CREATE TABLE transfers_b PARTITION OF transfers FOR VALUES FROM (6302) TO (6400);
CREATE TABLE billing_accounts (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, primary_card_id int);
CREATE TABLE cards (id int PRIMARY KEY, account_id int NOT NULL REFERENCES billing_accounts, last4 text NOT NULL);
ALTER TABLE billing_accounts ADD FOREIGN KEY (primary_card_id) REFERENCES cards DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE audit_log (
  id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs,
  actor_bot int REFERENCES bots, action text NOT NULL);
CREATE TABLE attachments (
  id int PRIMARY KEY, attachable_type text NOT NULL, attachable_id int NOT NULL, name text NOT NULL);

BEGIN;
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO countries VALUES ('NL', 'Netherlands'), ('ID', 'Indonesia'), ('SG', 'Singapore'), ('US', 'United States');
INSERT INTO plans VALUES (1, 'free'), (2, 'team');
INSERT INTO orgs VALUES (1, 'Acme', 'NL', 1, NULL), (2, 'Globex', 'ID', 2, 1), (3, 'Initech', 'SG', 1, NULL);
UPDATE orgs SET parent_org_id = 2 WHERE id = 3;
INSERT INTO users VALUES
  (10, 'ana@acme.example', 'NL', 2, NULL), (11, 'budi@acme.example', 'ID', 1, NULL),
  (20, 'cy@globex.example', 'ID', 2, NULL), (21, 'dan@globex.example', 'ID', 2, NULL),
  (24, 'eve@globex.example', NULL, 2, 21), (25, 'fay@globex.example', 'ID', NULL, NULL),
  (26, 'gus@globex.example', NULL, 2, NULL), (27, 'hal@initech.example', 'SG', 2, 26),
  (30, 'ida@initech.example', 'SG', 3, 11), (31, 'jon@initech.example', NULL, NULL, NULL),
  (99, 'nobody@example.com', 'US', NULL, NULL);
UPDATE users SET referred_by = 24 WHERE id = 21;
UPDATE users SET referred_by = 27 WHERE id = 26;
INSERT INTO memberships VALUES
  (1, 10), (1, 11), (2, 10), (2, 20), (2, 21), (2, 24), (2, 25), (2, 26), (3, 30), (3, 31), (3, 27);
INSERT INTO bots VALUES (40, 1, 'acme-bot'), (41, 2, 'globex-bot');
INSERT INTO projects VALUES (100, 1, 'Roadrunner', 10), (101, 1, 'Anvil', 11), (200, 2, 'Hammock', 20), (300, 3, 'TPS', 30);
INSERT INTO tasks VALUES
  (1000, 1, 100, NULL, 11, 'first'),
  (1001, 1, 100, 1000, 10, 'child of first'),
  (1002, 1, 200, NULL, 10, 'in another tenant''s project'),
  (1003, 1, 101, 2000, 20, 'parent in another tenant'),
  (2000, 2, 200, NULL, 20, 'globex'),
  (2001, 2, 200, 1000, 10, 'globex, parent in acme'),
  (3000, 3, 300, NULL, 30, 'initech');
INSERT INTO task_comments VALUES
  (5000, 1000, 11, NULL, 'call ana'), (5001, 1002, 10, NULL, 'moved'),
  (5002, 2000, 20, NULL, 'globex note'), (5003, 3000, 30, NULL, 'initech note'),
  (5004, 1003, 31, NULL, 'from initech'), (5006, 1000, 10, 5002, 'answering globex');
INSERT INTO invoices VALUES (6001, 1, 'A-1', 10), (6002, 2, 'G-1', 20), (6003, 2, 'G-2', NULL), (6004, 3, 'I-1', 30);
INSERT INTO invoice_lines VALUES
  (6101, 6001, 'seats', 10), (6102, 6002, 'seats', 20), (6103, 6002, 'support', 5),
  (6104, 6003, 'seats', 20), (6105, 6004, 'seats', 30);
INSERT INTO line_notes VALUES (6201, 6101, 'ok'), (6202, 6102, 'globex discount'), (6203, 6104, 'globex'), (6204, NULL, 'loose');
INSERT INTO transfers VALUES (6301, 6001, 6002, 5), (6302, 6002, 6003, 7), (6303, 6004, 6001, 9);
INSERT INTO billing_accounts VALUES (8001, 1, 9001), (8002, 2, 9002), (8003, 3, 9002);
INSERT INTO cards VALUES (9001, 8001, '4242'), (9002, 8002, '1881'), (9003, 8001, '0005');
INSERT INTO audit_log VALUES (7001, 1, 41, 'globex bot posted'), (7002, 2, 41, 'login'), (7003, 3, NULL, 'login');
INSERT INTO attachments VALUES
  (7100, 'Task', 1000, 'a.pdf'), (7101, 'Task', 2000, 'b.pdf'), (7102, 'Invoice', 6002, 'c.pdf'),
  (7103, 'Invoice', 6001, 'd.pdf'), (7104, 'Task', 1002, 'e.pdf');
COMMIT;
ANALYZE;
"#;

const RULES: &str = r#"
version: 1
key: ${DOPPEL_KEY}
tenant:
  column: org_id
  root: public.orgs
tables:
  public.countries: keep
  public.plans: { rows: all, columns: { "*": keep } }
  public.orgs: keep
  public.users:
    columns:
      "*": keep
      email: { fake: email, unique: true }
  public.memberships: keep
  public.bots: keep
  public.projects: keep
  public.tasks: keep
  public.task_comments: keep
  public.invoices: keep
  public.invoice_lines: keep
  public.line_notes: keep
  public.transfers: keep
  public.billing_accounts: keep
  public.cards: keep
  public.audit_log: keep
  public.attachments: keep
references:
  - from: public.attachments(attachable_id)
    to: public.tasks(id)
    when: "attachable_type = 'Task'"
  - from: public.attachments(attachable_id)
    to: public.invoices(id)
    when: "attachable_type = 'Invoice'"
"#;

/// Every table, and the rows a copy without tenant 2 holds, as a query on
/// a copy of every tenant: the rows left out and the references set NULL.
const EXPECTED: &[(&str, &str)] = &[
    ("countries", "SELECT * FROM countries"),
    ("plans", "SELECT * FROM plans"),
    // Org 3's parent is the excluded org: set NULL.
    ("orgs", "SELECT id, name, country, plan_id, CASE WHEN id = 3 THEN NULL ELSE parent_org_id END FROM orgs WHERE id <> 2"),
    // 21 and 24 reference org 2 and each other, and nothing copied
    // references them: children of org 2 only, left out. 10 and 20 are
    // shared (a kept membership, a kept task), 27 is a member of org 3 and
    // keeps 26, whom it references; 25 only has a membership of org 2 (a
    // parent of it, not a child): all stay, their last_org_id set NULL.
    ("users", "SELECT id, email, country, CASE WHEN last_org_id = 2 THEN NULL ELSE last_org_id END, referred_by FROM users WHERE id NOT IN (21, 24)"),
    ("memberships", "SELECT * FROM memberships WHERE org_id <> 2"),
    ("bots", "SELECT * FROM bots WHERE id <> 41"),
    ("projects", "SELECT * FROM projects WHERE org_id <> 2"),
    // 1002 is in org 2's project (NOT NULL): left out; 1003's parent is
    // org 2's task (nullable): set NULL.
    ("tasks", "SELECT id, org_id, project_id, CASE WHEN id = 1003 THEN NULL ELSE parent_task_id END, assignee_id, title FROM tasks WHERE org_id <> 2 AND id <> 1002"),
    // 5001 and 5002 are on tasks left out; 5006 answers 5002 but is on a
    // kept task, so it stays with reply_to set NULL.
    ("task_comments", "SELECT id, task_id, author_id, CASE WHEN id = 5006 THEN NULL ELSE reply_to END, body FROM task_comments WHERE id NOT IN (5001, 5002)"),
    ("invoices", "SELECT * FROM invoices WHERE org_id <> 2"),
    ("invoice_lines", "SELECT * FROM invoice_lines WHERE invoice_id NOT IN (6002, 6003)"),
    // Notes of org 2's lines go with them (a nullable reference, nothing
    // else holds them); a note of no line stays.
    ("line_notes", "SELECT * FROM line_notes WHERE id NOT IN (6202, 6203)"),
    // 6301 also belongs to org 1's invoice: kept, to_invoice set NULL.
    // 6302 links two of org 2's invoices: left out.
    ("transfers", "SELECT id, from_invoice, CASE WHEN id = 6301 THEN NULL ELSE to_invoice END, amount FROM transfers WHERE id <> 6302"),
    ("billing_accounts", "SELECT id, org_id, CASE WHEN id = 8003 THEN NULL ELSE primary_card_id END FROM billing_accounts WHERE org_id <> 2"),
    ("cards", "SELECT * FROM cards WHERE id <> 9002"),
    // A kept tenant's audit row that names org 2's bot: set NULL.
    ("audit_log", "SELECT id, org_id, CASE WHEN id = 7001 THEN NULL ELSE actor_bot END, action FROM audit_log WHERE org_id <> 2"),
    ("attachments", "SELECT * FROM attachments WHERE id NOT IN (7101, 7102, 7104)"),
];

/// A read-only source (every session READ ONLY, as on a hot standby).
async fn source() -> TestDb {
    read_only_source("exclude_src", SCHEMA).await
}

/// Foreign keys on a database: validated / all.
async fn foreign_keys(db: &TestDb) -> Option<String> {
    db.value("SELECT count(*) FILTER (WHERE convalidated)::text || '/' || count(*)::text FROM pg_constraint WHERE contype = 'f'")
        .await
}

/// Assert `copy` holds exactly what `EXPECTED` computes on `full`.
async fn assert_expected(full: &TestDb, copy: &TestDb) {
    for (table, expected) in EXPECTED {
        assert_eq!(
            copy.table_md5(table).await,
            full.table_md5(&format!("({expected})")).await,
            "{table}"
        );
    }
}

fn report_of(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default()).expect("report JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whole_copy_without_a_tenant_holds_everything_else_and_every_key() {
    let src = source().await;
    let rules = Rules::new(RULES);
    let full = TestDb::create("exclude_full").await;
    assert_ok(&run(&src, &full, &rules.path, &[], &[]));

    // By the command line.
    let by_flag = TestDb::create("exclude_flag").await;
    let report = rules.sibling("run.json");
    let r = report.to_string_lossy().to_string();
    let out = run(
        &src,
        &by_flag,
        &rules.path,
        &["--exclude-tenant", "2", "--report", &r],
        &[],
    );
    assert_ok(&out);
    assert_expected(&full, &by_flag).await;
    // Nothing of org 2 in any tenant table.
    for t in [
        "memberships",
        "projects",
        "tasks",
        "invoices",
        "billing_accounts",
        "audit_log",
    ] {
        assert_eq!(
            by_flag
                .value(&format!("SELECT count(*)::text FROM {t} WHERE org_id = 2"))
                .await,
            Some("0".into()),
            "{t}"
        );
    }
    // Every foreign key of the source exists on the copy, validated.
    assert_eq!(foreign_keys(&src).await, Some("33/33".into()));
    assert_eq!(foreign_keys(&by_flag).await, Some("33/33".into()));
    // The polymorphic references hold too.
    assert_eq!(
        by_flag.value("SELECT count(*)::text FROM attachments a WHERE (a.attachable_type = 'Task' AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = a.attachable_id)) OR (a.attachable_type = 'Invoice' AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.id = a.attachable_id))").await,
        Some("0".into())
    );
    assert_contains(
        &String::from_utf8_lossy(&out.stderr),
        &[
            "whole copy without 1 excluded tenant (2); 14 of their rows left out, 16 rows that reference rows left out dropped, 10 references set to NULL",
            "public.invoice_lines: 3 dropped",
            "public.users: 2 dropped",
        ],
    );

    // The report is the evidence: the tenants and the rows left out per table.
    let doc = report_of(&report);
    let sub = &doc["tenant_subset"];
    assert_eq!(sub["whole_copy"], true);
    assert_eq!(sub["excluded"], serde_json::json!(["2"]));
    assert_eq!(sub["excluded_rows"], 14);
    assert_eq!(sub["dropped"], 16);
    assert_eq!(sub["set_null"], 10);
    let table = |name: &str| {
        sub["tables"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["table"] == name))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(table("public.memberships")["excluded_rows"], 6);
    assert_eq!(table("public.tasks")["excluded_rows"], 2);
    assert_eq!(table("public.tasks")["dropped"], 1);
    assert_eq!(table("public.line_notes")["dropped"], 2);
    assert_eq!(table("public.line_notes")["role"], "no tenant column");

    // By the rules, into a SQL file that psql loads: the same copy.
    let excluding = Rules::new(&RULES.replace(
        "  root: public.orgs\n",
        "  root: public.orgs\n  exclude_tenants: [\"2\"]\n",
    ));
    let file = excluding.sibling("copy.sql");
    assert_ok(&run_to_file(&src, &file, &excluding.path));
    let by_rules = TestDb::create("exclude_rules").await;
    psql_file(&by_rules, &file.to_string_lossy());
    assert_expected(&full, &by_rules).await;
    assert_eq!(foreign_keys(&by_rules).await, Some("33/33".into()));
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_shows_what_is_left_out_and_bad_ids_are_refused() {
    let src = source().await;
    let rules = Rules::new(RULES);
    let r = rules.path.to_string_lossy().to_string();
    let url = src.url();
    let plan = |extra: &[&str]| {
        let mut args = vec![
            "plan",
            "--source",
            &url,
            "--rules",
            &r,
            "--exclude-tenant",
            "2",
        ];
        args.extend_from_slice(extra);
        doppel(&args, &[])
    };
    let out = plan(&[]);
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_contains(
        &text,
        &[
            "whole copy without 1 excluded tenant (2); 14 of their rows left out",
            r#"subset: tenant table; rows where (NOT "org_id" IN ('2') AND NOT "project_id" IN ('200'))"#,
            "subset: 2 rows of the excluded tenants left out",
            r#"subset: "parent_task_id" := NULL when "parent_task_id" IN ('2000')"#,
            "subset: 3 rows dropped (they reference rows left out",
        ],
    );
    let out = plan(&["--format", "json"]);
    assert_ok(&out);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    assert_eq!(doc["tenants"]["whole_copy"], true);
    assert_eq!(doc["tenants"]["excluded_rows"], 14);
    assert_eq!(doc["tenants"]["dropped"], 16);
    let users = doc["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["table"] == "public.users"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(users["subset"]["dropped"], 2);
    assert_eq!(users["estimate_rows"], 9);

    // An id the root key cannot hold: a clear error, nothing written.
    let tgt = TestDb::create("exclude_tgt").await;
    let err = assert_fails(
        &run(
            &src,
            &tgt,
            &rules.path,
            &["--exclude-tenant", "globex"],
            &[],
        ),
        2,
    );
    assert!(
        err.contains("globex: not a tenant id of public.orgs (id is integer)"),
        "{err}"
    );
    assert_eq!(tgt.user_tables().await, 0);
    // A tenant that no longer exists (already deleted) leaves nothing out.
    let report = rules.sibling("gone.json");
    let rp = report.to_string_lossy().to_string();
    assert_ok(&run(
        &src,
        &tgt,
        &rules.path,
        &["--exclude-tenant", "42", "--report", &rp],
        &[],
    ));
    let doc = report_of(&report);
    assert_eq!(doc["tenant_subset"]["excluded_rows"], 0);
    assert_eq!(doc["tenant_subset"]["dropped"], 0);
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM users").await,
        Some("11".into())
    );
}
