//! Problems found before anything is written: foreign keys the rules would
//! break (a copied table referencing a table with no rows, or a filtered one;
//! referenced columns masked while the references are kept), and a source
//! role that may not read what a run reads. `check` exits 3 naming the
//! tables, the constraint, the rules line and the fixes; `run` and `plan`
//! refuse with exit 2 and the target stays empty. Tenant subsets close over
//! references themselves and are not refused.

use crate::harness::*;

const SCHEMA: &str = r#"
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id int PRIMARY KEY, number text NOT NULL UNIQUE, customer text NOT NULL);
CREATE TABLE billing.invoice_lines (
  id int PRIMARY KEY,
  invoice_id int REFERENCES billing.invoices,
  amount numeric NOT NULL);
CREATE TABLE billing.payments (id int, invoice_id int, paid_on date NOT NULL) PARTITION BY RANGE (paid_on);
CREATE TABLE billing.payments_2024 PARTITION OF billing.payments FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ALTER TABLE billing.payments_2024 ADD CONSTRAINT payments_2024_invoice_fk
  FOREIGN KEY (invoice_id) REFERENCES billing.invoices;
CREATE TABLE billing.refunds (id int, invoice_id int REFERENCES billing.invoices, made_on date NOT NULL)
  PARTITION BY RANGE (made_on);
CREATE TABLE billing.refunds_2024 PARTITION OF billing.refunds FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE billing.receipts (id int PRIMARY KEY, invoice_number text NOT NULL REFERENCES billing.invoices (number));
INSERT INTO billing.invoices VALUES (1, 'INV-1', 'Acme'), (2, 'INV-2', 'Globex');
INSERT INTO billing.invoice_lines VALUES (10, 1, 5.00), (11, 2, 7.50), (12, NULL, 1.00);
INSERT INTO billing.payments VALUES (20, 1, '2024-03-01');
INSERT INTO billing.refunds VALUES (30, 2, '2024-04-01');
INSERT INTO billing.receipts VALUES (40, 'INV-1');
ANALYZE;
"#;

/// The reported case: the child listed, its parent not (so no rows).
const CHILD_ONLY: &str = r#"version: 1
key: ${DOPPEL_KEY}
tables:
  billing.invoice_lines: keep
"#;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn with_rules(
    src_url: &str,
    cmd: &str,
    rules: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let r = rules.to_string_lossy().to_string();
    let mut args = vec![cmd, "--source", src_url, "--rules", &r];
    args.extend_from_slice(extra);
    doppel(&args, &[])
}

/// `file:line:` of the line that starts with `entry` in `text`.
fn line_of(rules: &Rules, text: &str, entry: &str) -> String {
    let n = text
        .lines()
        .position(|l| l.trim_start().starts_with(entry))
        .unwrap_or_else(|| panic!("{entry} not in the rules"));
    format!("{}:{}:", rules.path.display(), n + 1)
}

/// The check output's lines that are errors.
fn errors(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("error:")).collect()
}

/// Schemas and relations a database holds besides the system's.
async fn user_objects(db: &TestDb) -> i64 {
    db.value(
        "SELECT ((SELECT count(*) FROM pg_namespace WHERE nspname NOT IN ('public', 'information_schema') AND nspname !~ '^pg_') \
         + (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast')\
         + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'))::text",
    )
    .await
    .and_then(|v| v.parse().ok())
    .unwrap_or(-1)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_child_without_its_parent_is_refused_before_anything_is_written() {
    let src = TestDb::create("fk_src").await;
    src.exec(SCHEMA).await;
    let url = src.url();

    // check: exit 3, naming both tables, the constraint, the line and the fixes.
    let rules = Rules::new(CHILD_ONLY);
    let out = with_rules(&url, "check", &rules.path, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let text = stdout(&out);
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{text}");
    let e = errs[0];
    assert!(
        e.contains(&line_of(&rules, CHILD_ONLY, "billing.invoice_lines:")),
        "{e}"
    );
    for part in [
        "billing.invoice_lines references billing.invoices",
        "foreign key invoice_lines_invoice_id_fkey",
        "billing.invoices gets no rows (no rule (tables: deny by default))",
        "list billing.invoices under tables",
        "give billing.invoice_lines `rows: none`",
        "filter both tables",
    ] {
        assert!(e.contains(part), "missing {part:?} in {e}");
    }
    // The same finding in the CI formats, with its line.
    let out = with_rules(&url, "check", &rules.path, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("check JSON");
    let f = doc["findings"]
        .as_array()
        .and_then(|l| l.iter().find(|f| f["level"] == "error"))
        .expect("an error finding");
    assert_eq!(f["line"], 4);
    assert!(f["message"]
        .as_str()
        .is_some_and(|m| m.contains("invoice_lines_invoice_id_fkey")));
    let out = with_rules(&url, "check", &rules.path, &["--format", "github"]);
    assert!(
        stdout(&out).contains(",line=4,") && stdout(&out).contains("::error file="),
        "{}",
        stdout(&out)
    );

    // plan: exit 2, saying run would refuse.
    let out = with_rules(&url, "plan", &rules.path, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stdout(&out).contains("invoice_lines_invoice_id_fkey"));

    // run: exit 2, and the target holds nothing at all.
    let tgt = TestDb::create("fk_tgt").await;
    let before = user_objects(&tgt).await;
    let out = run(&src, &tgt, &rules.path, &[], &[]);
    let err = assert_fails(&out, 2);
    assert!(err.contains("invoice_lines_invoice_id_fkey"), "{err}");
    assert!(err.contains("billing.invoices"), "{err}");
    assert_eq!(
        user_objects(&tgt).await,
        before,
        "the target was written to"
    );
    assert_eq!(tgt.user_tables().await, 0);

    // Each fix makes check clean.
    let fixes = [
        "  billing.invoice_lines: keep\n  billing.invoices: keep\n",
        "  billing.invoice_lines: { rows: none }\n",
        "  billing.invoice_lines: { filter: \"invoice_id = 1\", columns: { \"*\": keep } }\n  billing.invoices: { filter: \"id = 1\", columns: { \"*\": keep } }\n",
        "  billing.invoice_lines: { columns: { id: keep, invoice_id: null, amount: keep } }\n",
    ];
    for fix in fixes {
        let text = format!("version: 1\nkey: ${{DOPPEL_KEY}}\ntables:\n{fix}");
        let rules = Rules::new(&text);
        let out = with_rules(&url, "check", &rules.path, &[]);
        assert_eq!(out.status.code(), Some(0), "{fix}\n{}", stdout(&out));
    }

    // Listing the parent, the run copies both.
    let fixed = Rules::new(&format!("{CHILD_ONLY}  billing.invoices: keep\n"));
    let tgt2 = TestDb::create("fk_tgt_fixed").await;
    assert_ok(&run(&src, &tgt2, &fixed.path, &[], &[]));
    assert_eq!(
        tgt2.table_md5("billing.invoice_lines").await,
        src.table_md5("billing.invoice_lines").await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_broken_reference_is_reported_at_once_with_its_line() {
    let src = TestDb::create("fk_all_src").await;
    src.exec(SCHEMA).await;
    let url = src.url();
    // The parent filtered and the children not; keys on a partition and on a
    // partitioned table; a referenced column masked while the reference is kept.
    let text = r#"version: 1
key: ${DOPPEL_KEY}
tables:
  billing.invoices:
    filter: "id = 1"
    columns:
      "*": keep
      number: { tokenize: hex }
  billing.invoice_lines: keep
  billing.payments: keep
  billing.refunds: keep
  billing.receipts: keep
"#;
    let rules = Rules::new(text);
    let out = with_rules(&url, "check", &rules.path, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let out = stdout(&out);
    let errs = errors(&out);
    let find = |what: &str| {
        errs.iter()
            .find(|e| e.contains(what))
            .unwrap_or_else(|| panic!("no error about {what}:\n{out}"))
            .to_string()
    };
    let lines = find("invoice_lines_invoice_id_fkey");
    assert!(
        lines.contains(&line_of(&rules, text, "billing.invoice_lines:")),
        "{lines}"
    );
    assert!(
        lines.contains("billing.invoices is filtered (`id = 1`) and billing.invoice_lines is not"),
        "{lines}"
    );
    assert!(
        lines.contains("filter billing.invoice_lines too"),
        "{lines}"
    );
    let payments = find("payments_2024_invoice_fk");
    assert!(
        payments.contains("declared on partition billing.payments_2024"),
        "{payments}"
    );
    assert!(
        payments.contains(&line_of(&rules, text, "billing.payments:")),
        "{payments}"
    );
    let refunds = find("refunds_invoice_id_fkey");
    assert!(
        refunds.contains(&line_of(&rules, text, "billing.refunds:")),
        "{refunds}"
    );
    let receipts = errs
        .iter()
        .filter(|e| e.contains("receipts_invoice_number_fkey"))
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        receipts.contains("billing.invoices.number is masked (tokenize(hex)"),
        "{receipts}"
    );
    assert!(
        receipts.contains("billing.receipts.invoice_number is kept"),
        "{receipts}"
    );

    // Both sides filtered: only data can tell, so check is clean.
    let both = r#"version: 1
key: ${DOPPEL_KEY}
tables:
  billing.invoices: { filter: "id = 1", columns: { "*": keep } }
  billing.invoice_lines: { filter: "invoice_id = 1", columns: { "*": keep } }
"#;
    let rules = Rules::new(both);
    let out = with_rules(&url, "check", &rules.path, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

const TENANTS: &str = r#"
CREATE TABLE orgs (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE projects (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, owner_id int REFERENCES users, name text NOT NULL);
INSERT INTO orgs VALUES (1, 'Acme'), (2, 'Globex');
INSERT INTO users VALUES (10, 'ana@acme.example');
INSERT INTO projects VALUES (100, 1, 10, 'Roadrunner'), (200, 2, NULL, 'Hammock');
ANALYZE;
"#;

const TENANT_RULES: &str = r#"version: 1
key: ${DOPPEL_KEY}
tenant:
  column: org_id
  root: public.orgs
tables:
  public.orgs: keep
  public.projects: keep
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_sample_is_not_refused() {
    let src = TestDb::create("fk_tenant_src").await;
    src.exec(TENANTS).await;
    let url = src.url();
    let rules = Rules::new(TENANT_RULES);

    // The subset sets projects.owner_id NULL (users gets no rows).
    let tgt = TestDb::create("fk_tenant_tgt").await;
    assert_ok(&run(
        &src,
        &tgt,
        &rules.path,
        &["--sample-tenants", "100%"],
        &[],
    ));
    assert_eq!(
        tgt.column("SELECT coalesce(owner_id::text, 'NULL') FROM projects ORDER BY id")
            .await,
        vec![Some("NULL".to_string()), Some("NULL".to_string())]
    );
    let out = with_rules(&url, "plan", &rules.path, &["--tenant", "1"]);
    assert_ok(&out);

    // check: a notice (rules with tenant: may be meant for subsets), not an error.
    let out = with_rules(&url, "check", &rules.path, &[]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l.starts_with("notice:")
            && l.contains("projects_owner_id_fkey")
            && l.contains("a whole copy with these rules is refused")),
        "{text}"
    );

    // A whole copy with the same rules is refused before anything is written.
    let tgt2 = TestDb::create("fk_tenant_whole").await;
    let before = user_objects(&tgt2).await;
    let err = assert_fails(&run(&src, &tgt2, &rules.path, &[], &[]), 2);
    assert!(err.contains("projects_owner_id_fkey"), "{err}");
    assert_eq!(user_objects(&tgt2).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_role_without_select_is_named_with_the_privilege() {
    let src = TestDb::create("fk_priv_src").await;
    src.exec(SCHEMA).await;
    src.exec("CREATE SCHEMA vault; CREATE TABLE vault.keys (id int PRIMARY KEY);")
        .await;
    let role = TestRole::create("fk", &[&src]).await;
    let r = &role.name;
    src.exec(&format!(
        "GRANT USAGE ON SCHEMA billing TO \"{r}\";
         GRANT SELECT ON billing.invoices, billing.payments, billing.payments_2024,
           billing.refunds, billing.refunds_2024, billing.receipts TO \"{r}\";
         GRANT SELECT (id, amount) ON billing.invoice_lines TO \"{r}\";"
    ))
    .await;
    let text = r#"version: 1
key: ${DOPPEL_KEY}
tables:
  billing.invoices: keep
  billing.invoice_lines: keep
"#;
    let rules = Rules::new(text);
    let out = with_rules(&role.url(&src), "check", &rules.path, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let out = stdout(&out);
    let errs = errors(&out);
    let lines = errs
        .iter()
        .find(|e| e.contains(&format!("billing.invoice_lines: the source role {r} lacks SELECT on table billing.invoice_lines")))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        lines.contains(&line_of(&rules, text, "billing.invoice_lines:")),
        "{lines}"
    );
    assert!(
        lines.contains("SELECT on some columns (id, amount) is not enough"),
        "{lines}"
    );
    assert!(
        lines.contains(&format!(
            "GRANT SELECT ON \"billing\".\"invoice_lines\" TO \"{r}\""
        )),
        "{lines}"
    );
    assert!(
        errs.iter().any(|e| e.contains(&format!(
            "schema vault: the source role {r} lacks USAGE on schema vault"
        ))),
        "{out}"
    );
    assert!(
        !errs
            .iter()
            .any(|e| e.contains("lacks SELECT on table billing.invoices ")),
        "{out}"
    );

    // run refuses before writing anything.
    let tgt = TestDb::create("fk_priv_tgt").await;
    let r_url = rules.path.to_string_lossy().to_string();
    let tgt_url = tgt.url();
    let out = doppel(
        &[
            "run",
            "--source",
            &role.url(&src),
            "--target",
            &tgt_url,
            "--rules",
            &r_url,
            "--progress",
            "log",
        ],
        &[],
    );
    let err = assert_fails(&out, 2);
    assert!(
        err.contains("lacks SELECT on table billing.invoice_lines"),
        "{err}"
    );
    assert_eq!(tgt.user_tables().await, 0);
}
