//! Tenant subsets (`run --tenant`, `sample`, `plan --tenant`) on a small
//! multi-tenant schema holding every case SPEC §3 names: a user in two
//! tenants, references to another tenant's rows (nullable and not), a
//! polymorphic reference declared in the rules, a self-reference, a
//! foreign-key cycle, a table two hops from the nearest tenant table (with
//! duplicate rows and no key), a global lookup table and a `rows: all`
//! table. The source is read-only throughout, as a hot standby would be.

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
  best_friend_id int REFERENCES users);
CREATE TABLE members (
  org_id int NOT NULL REFERENCES orgs, user_id int NOT NULL REFERENCES users,
  PRIMARY KEY (org_id, user_id));
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
  author_id int REFERENCES users, body text);
CREATE TABLE comment_reactions (comment_id int NOT NULL REFERENCES task_comments, emoji text NOT NULL);
CREATE TABLE attachments (
  id int PRIMARY KEY, attachable_type text NOT NULL, attachable_id int NOT NULL, name text NOT NULL);
CREATE TABLE billing_accounts (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, primary_card_id int);
CREATE TABLE cards (id int PRIMARY KEY, account_id int NOT NULL REFERENCES billing_accounts, last4 text NOT NULL);
ALTER TABLE billing_accounts ADD FOREIGN KEY (primary_card_id) REFERENCES cards DEFERRABLE INITIALLY DEFERRED;

BEGIN;
INSERT INTO countries VALUES ('NL', 'Netherlands'), ('ID', 'Indonesia'), ('SG', 'Singapore'), ('US', 'United States');
INSERT INTO plans VALUES (1, 'free'), (2, 'team');
INSERT INTO orgs VALUES (1, 'Acme', 'NL', 1, NULL), (2, 'Globex', 'ID', 2, 1), (3, 'Initech', 'SG', 1, NULL);
INSERT INTO users VALUES
  (10, 'ana@acme.example', 'NL', 30), (11, 'budi@acme.example', 'ID', NULL),
  (20, 'cy@globex.example', 'ID', NULL), (30, 'dee@initech.example', 'SG', 11),
  (31, 'eli@initech.example', NULL, NULL), (99, 'nobody@example.com', 'US', NULL);
INSERT INTO members VALUES (1, 10), (1, 11), (2, 10), (2, 20), (3, 30), (3, 31);
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
  (5000, 1000, 11, 'call ana on +31 6 1234 5678'), (5001, 1002, 10, 'moved'),
  (5002, 2000, 20, 'globex note'), (5003, 3000, 30, 'initech note'), (5004, 1003, 31, 'from initech');
INSERT INTO comment_reactions VALUES (5000, 'up'), (5000, 'up'), (5001, 'party'), (5002, 'eyes'), (5003, 'up');
INSERT INTO attachments VALUES
  (7000, 'Task', 1000, 'a.pdf'), (7001, 'Task', 1002, 'b.pdf'), (7002, 'Project', 101, 'c.pdf'),
  (7003, 'Project', 200, 'd.pdf'), (7004, 'Task', 3000, 'e.pdf'), (7005, 'Task', 2001, 'f.pdf');
INSERT INTO billing_accounts VALUES (8001, 1, 9001), (8002, 2, 9002), (8003, 3, 9002);
INSERT INTO cards VALUES (9001, 8001, '4242'), (9002, 8002, '1881'), (9003, 8001, '0005');
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
  public.members: keep
  public.projects: keep
  public.tasks: keep
  public.task_comments:
    columns:
      "*": keep
      body: { scrub: [phone] }
  public.comment_reactions: keep
  public.attachments: keep
  public.billing_accounts: keep
  public.cards: keep
references:
  - from: public.attachments(attachable_id)
    to: public.tasks(id)
    when: "attachable_type = 'Task'"
  - from: public.attachments(attachable_id)
    to: public.projects(id)
    when: "attachable_type = 'Project'"
"#;

/// A read-only source (every session READ ONLY, as on a hot standby).
async fn source() -> TestDb {
    read_only_source("subset_src", SCHEMA).await
}

fn ids(db: &[Option<String>]) -> Vec<String> {
    db.iter()
        .map(|v| v.clone().unwrap_or_else(|| "NULL".into()))
        .collect()
}

async fn col(db: &TestDb, sql: &str) -> Vec<String> {
    ids(&db.column(sql).await)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn sample(src: &TestDb, rules: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let r = rules.to_string_lossy().to_string();
    let url = src.url();
    let mut args = vec![
        "sample",
        "--source",
        &url,
        "--rules",
        &r,
        "--progress",
        "log",
    ];
    args.extend_from_slice(extra);
    doppel(&args, &[])
}

#[tokio::test(flavor = "multi_thread")]
async fn one_tenant_is_complete_masked_and_holds_nothing_of_the_others() {
    let src = source().await;
    let tgt = TestDb::create("subset_tgt").await;
    let rules = Rules::new(RULES);
    let report = rules.sibling("run.json").to_string_lossy().to_string();
    let out = sample(
        &src,
        &rules.path,
        &["--tenant", "1", "--target", &tgt.url(), "--report", &report],
    );
    assert_ok(&out);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap_or_default())
            .expect("report JSON");
    assert_eq!(doc["tenant_subset"]["tenants"], serde_json::json!(["1"]));
    assert_eq!(doc["tenant_subset"]["dropped"], 4);
    assert_eq!(doc["tenant_subset"]["set_null"], 1);
    let log = stderr(&out);
    assert!(
        log.contains("tenant subset: 1 tenant (1); 1 reference to rows not copied set to NULL, 4 rows dropped"),
        "{log}"
    );
    assert!(log.contains("public.tasks: 1 dropped"), "{log}");

    // The root and the tenant tables: only tenant 1.
    assert_eq!(col(&tgt, "SELECT id::text FROM orgs").await, ["1"]);
    for t in ["members", "projects", "tasks", "billing_accounts"] {
        assert_eq!(
            col(&tgt, &format!("SELECT DISTINCT org_id::text FROM {t}")).await,
            ["1"],
            "{t}"
        );
    }
    assert_eq!(
        col(
            &tgt,
            "SELECT org_id || ':' || user_id FROM members ORDER BY 1"
        )
        .await,
        ["1:10", "1:11"]
    );
    assert_eq!(
        col(&tgt, "SELECT id::text FROM projects ORDER BY 1").await,
        ["100", "101"]
    );
    // 1002 points at another tenant's project (NOT NULL): dropped. 1003's
    // parent belongs to another tenant (nullable): set NULL. 1001's parent
    // is the tenant's own (self-reference): kept.
    assert_eq!(
        col(
            &tgt,
            "SELECT id || ':' || coalesce(parent_task_id::text, 'NULL') FROM tasks ORDER BY id"
        )
        .await,
        ["1000:NULL", "1001:1000", "1003:NULL"]
    );
    // Children without the tenant column, one and two hops away; the
    // dropped task's comment and its reaction go with it.
    assert_eq!(
        col(&tgt, "SELECT id::text FROM task_comments ORDER BY 1").await,
        ["5000", "5004"]
    );
    assert_eq!(
        col(
            &tgt,
            "SELECT comment_id || ':' || emoji FROM comment_reactions ORDER BY 1"
        )
        .await,
        ["5000:up", "5000:up"]
    );
    // The polymorphic reference: the tenant's task and project attachments only.
    assert_eq!(
        col(&tgt, "SELECT id::text FROM attachments ORDER BY 1").await,
        ["7000", "7002"]
    );
    // The cycle billing_accounts ↔ cards.
    assert_eq!(
        col(
            &tgt,
            "SELECT id || ':' || primary_card_id FROM billing_accounts"
        )
        .await,
        ["8001:9001"]
    );
    assert_eq!(
        col(&tgt, "SELECT id::text FROM cards ORDER BY 1").await,
        ["9001", "9003"]
    );
    // Global rows: the users the tenant's rows reference (10 is also in
    // tenant 2; 30 is a friend of 10's; 20 and 31 are assigned or wrote
    // comments), the countries they use, and every plan (rows: all).
    assert_eq!(
        col(&tgt, "SELECT id::text FROM users ORDER BY 1").await,
        ["10", "11", "20", "30", "31"]
    );
    assert_eq!(
        col(&tgt, "SELECT code FROM countries ORDER BY 1").await,
        ["ID", "NL", "SG"]
    );
    assert_eq!(col(&tgt, "SELECT count(*)::text FROM plans").await, ["2"]);
    // Masked on the way.
    let emails = col(&tgt, "SELECT email FROM users ORDER BY id").await;
    assert!(
        emails.iter().all(|e| !e.contains("acme.example")),
        "{emails:?}"
    );
    let body = col(&tgt, "SELECT body FROM task_comments WHERE id = 5000").await;
    assert!(!body[0].contains("1234 5678"), "{body:?}");
    // Every foreign key of the source exists on the copy, validated.
    let fks = "SELECT count(*) FILTER (WHERE convalidated)::text || '/' || count(*)::text FROM pg_constraint WHERE contype = 'f'";
    assert_eq!(tgt.value(fks).await, Some("19/19".to_string()));
    assert_eq!(src.value(fks).await, Some("19/19".to_string()));
    // Virtual references hold too.
    assert_eq!(
        col(&tgt, "SELECT count(*)::text FROM attachments a WHERE a.attachable_type = 'Task' AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = a.attachable_id)").await,
        ["0"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reference_into_a_cycle_through_another_tenant_is_cut() {
    let src = source().await;
    let tgt = TestDb::create("subset_tgt").await;
    let rules = Rules::new(RULES);
    let out = sample(
        &src,
        &rules.path,
        &["--tenant", "3", "--target", &tgt.url()],
    );
    assert_ok(&out);
    // Account 8003's primary card belongs to tenant 2's account: the card
    // is dropped (its account is not copied) and the reference set NULL.
    assert_eq!(
        col(
            &tgt,
            "SELECT id || ':' || coalesce(primary_card_id::text, 'NULL') FROM billing_accounts"
        )
        .await,
        ["8003:NULL"]
    );
    assert_eq!(col(&tgt, "SELECT count(*)::text FROM cards").await, ["0"]);
    assert_eq!(
        col(&tgt, "SELECT id::text FROM users ORDER BY 1").await,
        ["11", "30", "31"]
    );
    let log = stderr(&out);
    assert!(log.contains("public.cards: 1 dropped"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_sample_twice_is_identical_and_exclusions_win() {
    let src = source().await;
    let rules = Rules::new(RULES);
    let a = rules.sibling("a.sql");
    let b = rules.sibling("b.sql");
    for f in [&a, &b] {
        let p = f.to_string_lossy().to_string();
        assert_ok(&sample(
            &src,
            &rules.path,
            &["--tenant", "1", "--tenant", "2", "--output", &p],
        ));
    }
    let strip = |p: &std::path::Path| -> String {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.contains("snapshot"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (ta, tb) = (strip(&a), strip(&b));
    assert!(ta.contains("COPY"), "{ta}");
    assert_eq!(ta, tb);

    // --exclude-tenant wins over --sample-tenants (and over --tenant).
    let tgt = TestDb::create("subset_tgt").await;
    let out = sample(
        &src,
        &rules.path,
        &[
            "--sample-tenants",
            "100%",
            "--exclude-tenant",
            "2",
            "--target",
            &tgt.url(),
        ],
    );
    assert_ok(&out);
    assert_eq!(
        col(&tgt, "SELECT id::text FROM orgs ORDER BY 1").await,
        ["1", "3"]
    );
    for t in ["members", "projects", "tasks", "billing_accounts"] {
        let orgs = col(
            &tgt,
            &format!("SELECT DISTINCT org_id::text FROM {t} ORDER BY 1"),
        )
        .await;
        assert!(!orgs.contains(&"2".to_string()), "{t}: {orgs:?}");
    }
    assert_eq!(
        col(
            &tgt,
            "SELECT count(*)::text FROM task_comments WHERE id = 5002"
        )
        .await,
        ["0"]
    );
    // Excluded in the rules: asking for it leaves nothing to copy.
    let excluding = Rules::new(&RULES.replace(
        "  root: public.orgs\n",
        "  root: public.orgs\n  exclude_tenants: [\"3\"]\n",
    ));
    let tgt2 = TestDb::create("subset_tgt").await;
    let out = sample(
        &src,
        &excluding.path,
        &["--tenant", "3", "--target", &tgt2.url()],
    );
    let err = assert_fails(&out, 2);
    assert!(err.contains("no tenant left to copy: 3 excluded"), "{err}");
    assert_eq!(tgt2.user_tables().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_shows_predicates_and_counts_and_bad_input_is_refused() {
    let src = source().await;
    let rules = Rules::new(RULES);
    let r = rules.path.to_string_lossy().to_string();
    let url = src.url();
    let out = doppel(
        &["plan", "--source", &url, "--rules", &r, "--tenant", "1"],
        &[],
    );
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("public.tasks: copy, 3 rows in the subset"),
        "{text}"
    );
    assert!(
        text.contains(r#"subset: tenant table; rows where ("org_id" IN ('1') AND NOT "project_id" IN ('200'))"#),
        "{text}"
    );
    assert!(
        text.contains(r#"subset: "parent_task_id" := NULL when "parent_task_id" IN ('2000')"#),
        "{text}"
    );
    assert!(
        text.contains("subset: 1 row dropped (a NOT NULL reference"),
        "{text}"
    );
    assert!(
        text.contains("public.users: copy, 5 rows in the subset"),
        "{text}"
    );
    let out = doppel(
        &[
            "plan", "--source", &url, "--rules", &r, "--tenant", "1", "--format", "json",
        ],
        &[],
    );
    assert_ok(&out);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    assert_eq!(doc["tenants"]["dropped"], 4);
    assert_eq!(doc["tenants"]["set_null"], 1);
    let comments = doc["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["table"] == "public.task_comments"))
        .expect("task_comments");
    assert_eq!(comments["subset"]["rows"], 2);
    assert_eq!(comments["subset"]["role"], "reached through references");

    // Bad input: unknown tenant, an id of the wrong type, sample without a
    // tenant, sample to a remote server, tenants without `tenant:`.
    let tgt = TestDb::create("subset_tgt").await;
    let t = tgt.url();
    let err = assert_fails(
        &sample(&src, &rules.path, &["--tenant", "42", "--target", &t]),
        2,
    );
    assert!(
        err.contains("--tenant 42: no such tenant in public.orgs"),
        "{err}"
    );
    let err = assert_fails(
        &sample(&src, &rules.path, &["--tenant", "acme", "--target", &t]),
        2,
    );
    assert!(
        err.contains("not a tenant id of public.orgs (id is integer)"),
        "{err}"
    );
    let err = assert_fails(&sample(&src, &rules.path, &["--target", &t]), 2);
    assert!(err.contains("give --tenant ID"), "{err}");
    let err = assert_fails(
        &sample(
            &src,
            &rules.path,
            &["--tenant", "1", "--target", "postgresql://db.internal/dev"],
        ),
        2,
    );
    assert!(err.contains("is not local"), "{err}");
    let err = assert_fails(
        &sample(
            &src,
            &rules.path,
            &["--tenant", "1", "--sample-tenants", "0%", "--target", &t],
        ),
        2,
    );
    assert!(err.contains("--sample-tenants"), "{err}");
    let plain = Rules::new(&RULES.replace("tenant:\n  column: org_id\n  root: public.orgs\n", ""));
    let err = assert_fails(
        &sample(&src, &plain.path, &["--tenant", "1", "--target", &t]),
        2,
    );
    assert!(err.contains("need a `tenant:` section"), "{err}");
    assert_eq!(tgt.user_tables().await, 0);
    // A reference naming an unknown column is located in the rules.
    let bad = Rules::new(&RULES.replace("to: public.projects(id)", "to: public.projects(uid)"));
    let b = bad.path.to_string_lossy().to_string();
    let out = doppel(&["check", "--source", &url, "--rules", &b], &[]);
    let err = assert_fails(&out, 3);
    let all = format!("{err}{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        all.contains("rules.yaml:31:9: references[1].to: unknown column public.projects.uid: the table has id, org_id, name, owner_id"),
        "{all}"
    );
}
