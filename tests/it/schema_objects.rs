//! Schema objects around the data: generated, identity and serial columns,
//! sequences, self-references, triggers, materialized views.

use crate::harness::*;

const SCHEMA: &str = r#"
CREATE TABLE people (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  serial_no serial UNIQUE,
  email text NOT NULL,
  email_domain text GENERATED ALWAYS AS (lower(split_part(email, '@', 2))) STORED,
  manager_id bigint REFERENCES people(id),
  touched boolean NOT NULL DEFAULT false
);
CREATE FUNCTION mark_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.touched := true; RETURN NEW; END $$;
CREATE TRIGGER people_touch BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION mark_touched();
CREATE TABLE trigger_log (n int);
CREATE FUNCTION log_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO trigger_log VALUES (1); RETURN NEW; END $$;
CREATE TRIGGER people_log AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION log_insert();
INSERT INTO people (email) SELECT 'p' || g || '@Example.COM' FROM generate_series(1, 50) g;
UPDATE people SET manager_id = id - 1 WHERE id > 1;
TRUNCATE trigger_log;
SELECT setval('people_serial_no_seq', 777);
CREATE SEQUENCE standalone_seq;
SELECT setval('standalone_seq', 42, false);
CREATE MATERIALIZED VIEW people_by_domain AS SELECT email_domain, count(*) AS n FROM people GROUP BY 1;
"#;

const RULES: &str = r#"
version: 1
key: ${DOPPEL_KEY}
tables:
  public.people:
    columns:
      id: keep
      serial_no: keep
      email: { fake: email }
      manager_id: keep
      touched: { value: "false" }
  public.trigger_log: keep
"#;

#[tokio::test(flavor = "multi_thread")]
async fn generated_identity_sequences_triggers_and_views() {
    let src = TestDb::create("objects_src").await;
    src.exec(SCHEMA).await;
    let tgt = TestDb::create("objects_tgt").await;
    let rules = Rules::new(RULES);
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));

    // Generated column recomputed from the masked email.
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM people WHERE email_domain IS DISTINCT FROM lower(split_part(email, '@', 2))").await.as_deref(),
        Some("0")
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM people WHERE email LIKE '%@Example.COM'")
            .await
            .as_deref(),
        Some("0")
    );
    // Identity and serial values kept, sequences where the source left them.
    assert_eq!(
        tgt.value("SELECT string_agg(id::text || ':' || serial_no, ',' ORDER BY id) FROM people")
            .await,
        src.value("SELECT string_agg(id::text || ':' || serial_no, ',' ORDER BY id) FROM people")
            .await
    );
    for seq in ["people_id_seq", "people_serial_no_seq", "standalone_seq"] {
        let q = format!("SELECT last_value || ':' || is_called FROM {seq}");
        assert_eq!(tgt.value(&q).await, src.value(&q).await, "sequence {seq}");
    }
    assert_eq!(
        tgt.value("SELECT nextval('people_serial_no_seq')::text")
            .await
            .as_deref(),
        Some("778")
    );
    assert_eq!(
        tgt.value("SELECT nextval('people_id_seq')::text")
            .await
            .as_deref(),
        Some("51")
    );
    // Self-reference intact.
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM people p JOIN people m ON m.id = p.manager_id")
            .await
            .as_deref(),
        Some("49")
    );
    // Triggers exist on the target but did not fire during the load.
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM trigger_log")
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM people WHERE touched")
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM pg_trigger WHERE NOT tgisinternal")
            .await
            .as_deref(),
        Some("2")
    );
    // Materialized view refreshed from the masked data.
    assert_eq!(
        tgt.value("SELECT string_agg(email_domain || '=' || n, ',' ORDER BY email_domain) FROM people_by_domain").await,
        tgt.value("SELECT string_agg(email_domain || '=' || n, ',' ORDER BY email_domain) FROM (SELECT email_domain, count(*) n FROM people GROUP BY 1) x").await
    );
}

/// Manual ANALYZEs of a table, once the server has published them.
async fn analyze_count(db: &TestDb, table: &str) -> i64 {
    let sql = format!(
        "SELECT COALESCE((SELECT analyze_count FROM pg_stat_user_tables WHERE relname = '{table}'), 0)::text"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let n: i64 = db
            .value(&sql)
            .await
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if n > 0 || std::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_copy_is_analyzed_unless_told_not_to() {
    let src = TestDb::create("an_src").await;
    src.exec(SCHEMA).await;
    let rules = Rules::new(RULES);
    let tgt = TestDb::create("an_tgt").await;
    assert_ok(&run(&src, &tgt, &rules.path, &["--jobs", "2"], &[]));
    assert_eq!(analyze_count(&tgt, "people").await, 1);
    assert_eq!(analyze_count(&tgt, "people_by_domain").await, 1);
    assert!(
        tgt.value("SELECT count(*)::text FROM pg_stats WHERE tablename = 'people'")
            .await
            .is_some_and(|n| n != "0"),
        "the planner has statistics for people"
    );
    let tgt2 = TestDb::create("noan_tgt").await;
    assert_ok(&run(&src, &tgt2, &rules.path, &["--no-analyze"], &[]));
    assert_eq!(analyze_count(&tgt2, "people").await, 0);
}
