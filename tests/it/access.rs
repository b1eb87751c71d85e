//! The rules' `access:` section: a support role given read access inside
//! the copy reads every copied table, view, materialized view and sequence,
//! and cannot write, create, or read a schema doppel did not copy;
//! row-level security copied from the source still applies to it; a role
//! the target's cluster lacks is refused before anything is written (with
//! `--swap`, before the new database is created); with `--swap` the grants
//! are in the new copy when it is swapped in; a SQL file carries the same
//! grants.

use tokio_postgres::Client;

use crate::harness::*;

const SCHEMA: &str = r#"
CREATE SCHEMA billing;
CREATE TABLE public.customers (id serial PRIMARY KEY, email text NOT NULL);
CREATE TABLE public.audit (id int PRIMARY KEY, what text);
CREATE TABLE billing.invoices (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id int NOT NULL REFERENCES public.customers,
  amount numeric NOT NULL);
CREATE TABLE billing.payments (id int, paid_on date NOT NULL) PARTITION BY RANGE (paid_on);
CREATE TABLE billing.payments_2024 PARTITION OF billing.payments
  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE SEQUENCE billing.ticket_seq;
SELECT setval('billing.ticket_seq', 41);
CREATE VIEW billing.totals AS
  SELECT customer_id, sum(amount) AS total FROM billing.invoices GROUP BY customer_id;
CREATE MATERIALIZED VIEW billing.monthly AS SELECT count(*) AS n FROM billing.invoices;
INSERT INTO public.customers (email) VALUES ('ann@example.org'), ('bob@example.org');
INSERT INTO public.audit VALUES (1, 'login');
INSERT INTO billing.invoices (customer_id, amount) VALUES (1, 10), (1, 5), (2, 7);
INSERT INTO billing.payments VALUES (1, '2024-03-01');
"#;

fn rules_for(access: &str) -> Rules {
    Rules::new(&format!(
        "version: 1\nkey: ${{DOPPEL_KEY}}\ntables:\n  public.customers:\n    columns:\n      id: keep\n      email: {{ fake: email }}\n  billing.invoices: keep\n  billing.payments: keep\naccess:\n{access}"
    ))
}

/// The SQLSTATE `sql` fails with, as `role` sees it (None when it succeeds).
async fn sqlstate(client: &Client, sql: &str) -> Option<String> {
    client
        .batch_execute(sql)
        .await
        .err()
        .and_then(|e| e.code().map(|c| c.code().to_string()))
}

/// One bigint value, as `client` sees it.
async fn count(client: &Client, sql: &str) -> i64 {
    client
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .get(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_support_role_reads_every_copied_object_and_nothing_else() {
    let src = TestDb::create("acc_src").await;
    src.exec(SCHEMA).await;
    let tgt = TestDb::create("acc_tgt").await;
    // A schema of the target doppel does not copy, and a database nobody
    // may connect to unless granted: CONNECT must come from the run.
    tgt.exec(&format!(
        "CREATE SCHEMA private; CREATE TABLE private.secrets (s text); INSERT INTO private.secrets VALUES ('x');\
         REVOKE CONNECT ON DATABASE \"{}\" FROM PUBLIC",
        tgt.name
    ))
    .await;
    let role = TestRole::create("acc_ro", &[&tgt]).await;
    let rules = rules_for(&format!("  - role: {}\n    read: all\n", role.name));
    let report = rules.sibling("report.json");
    let rp = report.to_string_lossy().to_string();
    assert_ok(&run(&src, &tgt, &rules.path, &["--report", &rp], &[]));

    let ro = connect(&role.url(&tgt)).await;
    for (relation, rows) in [
        ("public.customers", 2),
        ("public.audit", 0),
        ("billing.invoices", 3),
        ("billing.payments", 1),
        ("billing.payments_2024", 1),
        ("billing.totals", 2),
        ("billing.monthly", 1),
    ] {
        let sql = format!("SELECT count(*) FROM {relation}");
        assert_eq!(count(&ro, &sql).await, rows, "{relation}");
    }
    assert_eq!(count(&ro, "SELECT n FROM billing.monthly").await, 3);
    assert_eq!(
        count(&ro, "SELECT last_value FROM billing.ticket_seq").await,
        41
    );
    assert_eq!(
        count(&ro, "SELECT last_value FROM public.customers_id_seq").await,
        2
    );
    assert_eq!(
        count(&ro, "SELECT last_value FROM billing.invoices_id_seq").await,
        3
    );

    for write in [
        "INSERT INTO public.customers (email) VALUES ('x@example.org')",
        "UPDATE billing.invoices SET amount = 0",
        "DELETE FROM public.customers",
        "TRUNCATE billing.invoices",
        "SELECT nextval('billing.ticket_seq')",
        "SELECT setval('billing.ticket_seq', 1)",
        "REFRESH MATERIALIZED VIEW billing.monthly",
        "CREATE TABLE public.mine (x int)",
        "CREATE TABLE billing.mine (x int)",
        "CREATE VIEW billing.mine AS SELECT 1",
        "CREATE SCHEMA mine",
        "SELECT * FROM private.secrets",
    ] {
        assert_eq!(
            sqlstate(&ro, write).await.as_deref(),
            Some("42501"),
            "{write} must be refused"
        );
    }

    // What the loading role creates later in those schemas is readable too.
    tgt.exec("CREATE TABLE billing.later (x int); INSERT INTO billing.later VALUES (1); CREATE SEQUENCE public.later_seq")
        .await;
    assert_eq!(count(&ro, "SELECT count(*) FROM billing.later").await, 1);
    assert_eq!(
        count(&ro, "SELECT last_value FROM public.later_seq").await,
        1
    );

    // The report is the evidence: what was granted, read back.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("JSON");
    let a = &json["access"][0];
    assert_eq!(a["role"], role.name.as_str(), "{json}");
    assert_eq!(a["database"], tgt.name.as_str());
    assert_eq!(a["schemas"], serde_json::json!(["billing", "public"]));
    assert_eq!(a["relations"], 7);
    assert_eq!(a["sequences"], 3);
    assert_eq!(a["verified"], true);
    assert_eq!(a["beyond_read"], serde_json::json!([]));
    let loader = tgt.value("SELECT current_user::text").await;
    assert_eq!(a["default_privileges_for"].as_str(), loader.as_deref());
    assert_eq!(
        a["statements"][0],
        format!(
            "GRANT CONNECT ON DATABASE \"{}\" TO \"{}\"",
            tgt.name, role.name
        )
        .as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn row_level_security_applies_to_readers_until_they_bypass_it() {
    let src = TestDb::create("acc_rls_src").await;
    src.exec(
        r#"
CREATE TABLE public.notes (id int PRIMARY KEY, org_id int NOT NULL, body text);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_notes ON public.notes
  USING (org_id = current_setting('app.tenant_id', true)::int);
CREATE TABLE public.tasks (id int PRIMARY KEY, org_id int NOT NULL);
ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_tasks ON public.tasks
  USING (org_id = current_setting('app.tenant_id')::int);
CREATE VIEW public.all_notes AS SELECT * FROM public.notes;
INSERT INTO public.notes VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c');
INSERT INTO public.tasks VALUES (1, 1), (2, 2), (3, 2);
"#,
    )
    .await;
    let tgt = TestDb::create("acc_rls_tgt").await;
    let role = TestRole::create("acc_rls", &[&tgt]).await;
    let rules = Rules::new(&format!(
        "version: 1\ndefaults: {{ tables: keep }}\naccess:\n  - role: {}\n    read: [public]\n",
        role.name
    ));
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM public.notes")
            .await
            .as_deref(),
        Some("3"),
        "the copy holds every tenant's rows"
    );

    let ro = connect(&role.url(&tgt)).await;
    // The policies came with the schema and apply to the reader: no tenant
    // setting, no rows; a policy that reads the setting without a default
    // is an error; a view runs with its owner's rights, which bypass them.
    assert_eq!(count(&ro, "SELECT count(*) FROM public.notes").await, 0);
    assert_eq!(
        sqlstate(&ro, "SELECT count(*) FROM public.tasks")
            .await
            .as_deref(),
        Some("42704")
    );
    assert_eq!(count(&ro, "SELECT count(*) FROM public.all_notes").await, 3);
    // One tenant at a time, as the application sees it.
    ro.batch_execute("SET app.tenant_id = '1'").await.unwrap();
    assert_eq!(count(&ro, "SELECT count(*) FROM public.notes").await, 2);
    assert_eq!(count(&ro, "SELECT count(*) FROM public.tasks").await, 1);
    // Every tenant: BYPASSRLS, given by a superuser once per cluster.
    tgt.exec(&format!("ALTER ROLE \"{}\" BYPASSRLS", role.name))
        .await;
    let ro = connect(&role.url(&tgt)).await;
    assert_eq!(count(&ro, "SELECT count(*) FROM public.notes").await, 3);
    assert_eq!(count(&ro, "SELECT count(*) FROM public.tasks").await, 3);
    assert_eq!(
        sqlstate(&ro, "DELETE FROM public.notes").await.as_deref(),
        Some("42501")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_role_is_refused_before_anything_is_written() {
    let src = TestDb::create("acc_miss_src").await;
    src.exec(SCHEMA).await;
    let tgt = TestDb::create("acc_miss_tgt").await;
    let existing = TestRole::create("acc_case", &[&tgt]).await;
    let missing = format!("doppel_t_acc_missing_{}", std::process::id());
    let upper = existing.name.to_uppercase();
    // Lines 11 and 13 of the rules.
    let rules = rules_for(&format!(
        "  - role: {missing}\n    read: all\n  - role: \"{upper}\"\n    read: [billing]\n"
    ));
    let r = rules.path.to_string_lossy().to_string();

    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(
        err.contains(&format!(
            "rules.yaml:11:11: access: role {missing} does not exist on the target's cluster"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("CREATE ROLE \"{missing}\" NOLOGIN")),
        "{err}"
    );
    assert!(err.contains("rules.yaml:13:11: access: role"), "{err}");
    assert!(
        err.contains(&format!("it has {}, which differs in case", existing.name)),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(tgt.user_tables().await, 0);
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM pg_namespace WHERE nspname = 'billing'")
            .await
            .as_deref(),
        Some("0")
    );

    // check: the roles are looked up on the target when one is given.
    let (s, t) = (src.url(), tgt.url());
    let out = doppel(&["check", "--source", &s, "--rules", &r], &[]);
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("notice: access: roles"), "{text}");
    assert!(text.contains("pass --target URL"), "{text}");
    let out = doppel(
        &["check", "--source", &s, "--rules", &r, "--target", &t],
        &[],
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains(&format!(
            "error: {r}:11:11: access: role {missing} does not exist"
        )),
        "{text}"
    );

    // plan shows what would be granted, and refuses like run with a target.
    let out = doppel(&["plan", "--source", &s, "--rules", &r], &[]);
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains(&format!("  {upper}: CONNECT on the database; USAGE on schema billing; SELECT on 5 tables, views and materialized views and 2 sequences")),
        "{text}"
    );
    let out = doppel(
        &["plan", "--source", &s, "--rules", &r, "--target", &t],
        &[],
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("run would refuse"), "{text}");
    assert!(text.contains(&missing), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sql_file_carries_the_grants_for_the_database_it_is_loaded_into() {
    let src = TestDb::create("acc_file_src").await;
    src.exec(SCHEMA).await;
    let loaded = TestDb::create("acc_file_tgt").await;
    loaded
        .exec(&format!(
            "REVOKE CONNECT ON DATABASE \"{}\" FROM PUBLIC",
            loaded.name
        ))
        .await;
    let role = TestRole::create("acc_file", &[&loaded]).await;
    let rules = rules_for(&format!("  - role: {}\n    read: all\n", role.name));
    let file = rules.sibling("copy.sql");
    assert_ok(&run_to_file(&src, &file, &rules.path));
    let f = file.to_string_lossy().to_string();
    psql_file(&loaded, &f);
    let ro = connect(&role.url(&loaded)).await;
    assert_eq!(count(&ro, "SELECT count(*) FROM billing.totals").await, 2);
    assert_eq!(
        count(&ro, "SELECT last_value FROM billing.ticket_seq").await,
        41
    );
    assert_eq!(
        sqlstate(&ro, "DELETE FROM public.customers")
            .await
            .as_deref(),
        Some("42501")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_swap_the_new_copy_is_readable_when_it_is_swapped_in() {
    let src = TestDb::create("acc_swap_src").await;
    src.exec(SCHEMA).await;
    // The live copy: nobody may connect unless granted.
    let live = TestDb::create("acc_swap_live").await;
    live.exec(&format!(
        "CREATE TABLE public.previous (x int); REVOKE CONNECT ON DATABASE \"{}\" FROM PUBLIC",
        live.name
    ))
    .await;
    let role = TestRole::create("acc_swap", &[&live]).await;
    let next = format!("{}_doppel_next", live.name);
    let databases = || async {
        connect(&server_url())
            .await
            .query(
                "SELECT datname::text FROM pg_database WHERE datname LIKE $1 ORDER BY 1",
                &[&format!("{}%", live.name)],
            )
            .await
            .expect("list databases")
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
    };

    // A missing role: refused before the new database is made.
    let missing = format!("doppel_t_acc_swap_missing_{}", std::process::id());
    let rules = rules_for(&format!("  - role: {missing}\n    read: all\n"));
    let err = assert_fails(&run(&src, &live, &rules.path, &["--swap"], &[]), 2);
    assert!(
        err.contains(&format!(
            "rules.yaml:11:11: access: role {missing} does not exist"
        )),
        "{err}"
    );
    assert!(
        err.contains("nothing was written") && !err.contains("removed"),
        "{err}"
    );
    assert_eq!(databases().await, vec![live.name.as_str()]);
    assert_eq!(
        live.value("SELECT count(*)::text FROM public.previous")
            .await
            .as_deref(),
        Some("0"),
        "the live copy is untouched"
    );

    let rules = rules_for(&format!("  - role: {}\n    read: all\n", role.name));
    let report = rules.sibling("report.json");
    let rp = report.to_string_lossy().to_string();
    assert_ok(&run(
        &src,
        &live,
        &rules.path,
        &["--swap", "--report", &rp],
        &[],
    ));
    assert_eq!(databases().await, vec![live.name.as_str()]);
    let ro = connect(&role.url(&live)).await;
    assert_eq!(count(&ro, "SELECT count(*) FROM billing.invoices").await, 3);
    assert_eq!(count(&ro, "SELECT n FROM billing.monthly").await, 3);
    assert_eq!(
        sqlstate(&ro, "DELETE FROM billing.invoices")
            .await
            .as_deref(),
        Some("42501")
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("JSON");
    assert_eq!(json["access"][0]["database"], next.as_str(), "{json}");
    assert_eq!(json["access"][0]["verified"], true);
}
