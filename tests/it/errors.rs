//! Deny by default, and clear errors with a non-zero exit that leave the
//! target untouched.

use crate::harness::*;

const SCHEMA: &str = "
CREATE TABLE users (id int PRIMARY KEY, email text, phone text, ssn text);
CREATE TABLE secrets (id int PRIMARY KEY, value text);
INSERT INTO users SELECT g, 'u' || g || '@x.test', '555', 'ssn' FROM generate_series(1, 10) g;
INSERT INTO secrets VALUES (1, 'top secret');
";

#[tokio::test(flavor = "multi_thread")]
async fn unlisted_tables_get_schema_and_no_rows() {
    let src = TestDb::create("deny_src").await;
    src.exec(SCHEMA).await;
    let tgt = TestDb::create("deny_tgt").await;
    let rules = Rules::new("version: 1\ntables:\n  public.users: { columns: { \"*\": keep } }\n");
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM users")
            .await
            .as_deref(),
        Some("10")
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM secrets")
            .await
            .as_deref(),
        Some("0")
    );
    // The table exists with its constraints.
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM pg_constraint WHERE conrelid = 'secrets'::regclass AND contype = 'p'").await.as_deref(),
        Some("1")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn uncovered_columns_are_all_listed_and_nothing_is_written() {
    let src = TestDb::create("cover_src").await;
    src.exec(SCHEMA).await;
    let tgt = TestDb::create("cover_tgt").await;
    let rules = Rules::new(
        "version: 1\ntables:\n  public.users:\n    columns:\n      id: keep\n      email: keep\n",
    );
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(
        err.contains("public.users: 2 columns without a rule"),
        "{err}"
    );
    assert!(
        err.contains("phone (text)") && err.contains("ssn (text)"),
        "{err}"
    );
    assert!(
        err.contains("rules.yaml:3:"),
        "the error names the table's line: {err}"
    );
    assert_eq!(
        tgt.user_tables().await,
        0,
        "nothing may be written to the target"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_rules_fail_with_their_location() {
    let src = TestDb::create("badrules_src").await;
    src.exec(SCHEMA).await;
    let tgt = TestDb::create("badrules_tgt").await;

    // Broken YAML.
    let rules = Rules::new("version: 1\ntables:\n  public.users: { columns: [\n");
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(err.contains("rules.yaml:"), "{err}");

    // A misspelt option, with its line.
    let rules = Rules::new("version: 1\ntables:\n  public.users:\n    colums: {}\n");
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(err.contains("rules.yaml:4:"), "{err}");
    assert!(err.contains("colums"), "{err}");

    // Unknown table and unknown column, both reported in one run.
    let rules = Rules::new(
        "version: 1\ntables:\n  public.userz: keep\n  public.users:\n    columns:\n      \"*\": keep\n      emial: { fake: email }\n",
    );
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(
        err.contains("rules.yaml:3:") && err.contains("unknown table public.userz"),
        "{err}"
    );
    assert!(
        err.contains("rules.yaml:7:") && err.contains("unknown column public.users.emial"),
        "{err}"
    );
    assert!(err.contains("2 problems"), "{err}");

    // A keyed masker without a key.
    let rules = Rules::new("version: 1\ntables:\n  public.users:\n    columns:\n      \"*\": keep\n      email: { fake: email }\n");
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(err.contains("no masking key"), "{err}");

    // An unset environment variable.
    let rules = Rules::new("version: 1\nkey: ${DOPPEL_TEST_UNSET_VARIABLE}\n");
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(
        err.contains("DOPPEL_TEST_UNSET_VARIABLE is not set") && err.contains("rules.yaml:2:"),
        "{err}"
    );

    // A filter that does not run on the source.
    let rules = Rules::new("version: 1\ntables:\n  public.users:\n    filter: \"no_such_column > 1\"\n    columns: { \"*\": keep }\n");
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(
        err.contains("tables.public.users") && err.contains("no_such_column"),
        "{err}"
    );

    assert_eq!(
        tgt.user_tables().await,
        0,
        "nothing may be written to the target"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_source_and_target_equal_to_source_are_refused() {
    let src = TestDb::create("guard_src").await;
    src.exec(SCHEMA).await;
    let tgt = TestDb::create("guard_tgt").await;
    let rules = Rules::new("version: 1\ndefaults: { tables: keep }\n");
    let r = rules.path.to_string_lossy().to_string();
    let t = tgt.url();

    let out = doppel(
        &[
            "run",
            "--source",
            "postgres://postgres@127.0.0.1:1/nowhere?connect_timeout=5",
            "--target",
            &t,
            "--rules",
            &r,
        ],
        &[],
    );
    let err = assert_fails(&out, 1);
    assert!(err.contains("source") && err.contains("127.0.0.1"), "{err}");

    let s = src.url();
    let err = assert_fails(
        &doppel(&["run", "--source", &s, "--target", &s, "--rules", &r], &[]),
        2,
    );
    assert!(err.contains("the target is the source"), "{err}");
    assert_eq!(
        src.value("SELECT count(*)::text FROM users")
            .await
            .as_deref(),
        Some("10")
    );
    assert_eq!(tgt.user_tables().await, 0);

    // A filter works, and a table named by its partition is refused.
    let rules = Rules::new("version: 1\ntables:\n  public.users:\n    filter: \"id <= 3\"\n    columns: { \"*\": keep }\n");
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM users")
            .await
            .as_deref(),
        Some("3")
    );

    // A second run into a target that now holds tables is refused, and the copy is untouched.
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM users")
            .await
            .as_deref(),
        Some("3")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn maskers_that_could_break_a_unique_index_are_refused() {
    let src = TestDb::create("uniq_src").await;
    src.exec(
        "CREATE TABLE u (id int PRIMARY KEY, email text UNIQUE, name text, org int, code text, UNIQUE (org, code));
         INSERT INTO u VALUES (1, 'a@x.test', 'A', 1, 'c1'), (2, 'b@x.test', 'B', 1, 'c2');",
    )
    .await;
    let tgt = TestDb::create("uniq_tgt").await;
    let rules = Rules::new(
        "version: 1\nkey: ${DOPPEL_KEY}\ntables:\n  public.u:\n    columns:\n      id: keep\n      email: { fake: name }\n      name: { fake: name, unique: true }\n      org: keep\n      code: { value: x }\n",
    );
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(
        err.contains("public.u.email") && err.contains("unique index u_email_key"),
        "{err}"
    );
    assert!(
        err.contains("public.u.code") && err.contains("u_org_code_key (org, code)"),
        "{err}"
    );
    assert!(
        err.contains("public.u.name") && err.contains("`unique: true`"),
        "{err}"
    );
    assert_eq!(tgt.user_tables().await, 0);

    // Unique-safe maskers pass, and the copy's unique indexes hold.
    let rules = Rules::new(
        "version: 1\nkey: ${DOPPEL_KEY}\ntables:\n  public.u:\n    columns:\n      id: { tokenize: integer }\n      email: { fake: email }\n      name: { fake: name }\n      org: keep\n      code: { tokenize: preserve }\n",
    );
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    assert_eq!(
        tgt.value("SELECT count(DISTINCT code)::text FROM u")
            .await
            .as_deref(),
        Some("2")
    );
}
