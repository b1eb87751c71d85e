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

const KEYS: &str = r#"
CREATE TABLE orgs (id int PRIMARY KEY, name text);
CREATE TABLE "Odd ""Team""" (id int PRIMARY KEY, org_id int NOT NULL);
ALTER TABLE "Odd ""Team""" ADD CONSTRAINT "team -> org" FOREIGN KEY (org_id)
  REFERENCES orgs(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE members (
  id int PRIMARY KEY,
  org_id int NOT NULL REFERENCES orgs(id),
  team_id int REFERENCES "Odd ""Team"""(id) ON UPDATE CASCADE,
  mentor_id int REFERENCES members(id),
  legacy_org int
);
CREATE TABLE events (id int, org_id int NOT NULL REFERENCES orgs(id), at date NOT NULL)
  PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO orgs SELECT g, 'org ' || g FROM generate_series(1, 20) g;
INSERT INTO "Odd ""Team""" SELECT g, g % 20 + 1 FROM generate_series(1, 40) g;
INSERT INTO members SELECT g, g % 20 + 1, g % 40 + 1, NULLIF(g - 1, 0), g FROM generate_series(1, 500) g;
INSERT INTO events SELECT g, g % 20 + 1, DATE '2024-06-01' + g FROM generate_series(1, 400) g;
-- Not valid on the source, and broken by its rows: it must stay so.
ALTER TABLE members ADD CONSTRAINT members_legacy_org_fkey FOREIGN KEY (legacy_org)
  REFERENCES orgs(id) NOT VALID;
"#;

/// post-data as pg_dump prints it, owners left out.
fn post_data(db: &TestDb) -> String {
    dump_with(db, &["--section=post-data"])
}

#[tokio::test(flavor = "multi_thread")]
async fn foreign_keys_end_as_the_source_holds_them() {
    let src = TestDb::create("keys_src").await;
    src.exec(KEYS).await;
    let rules = Rules::new("version: 1\ndefaults: { tables: keep }\n");
    let validity = "SELECT string_agg(conrelid::regclass || ' ' || conname || ' ' || convalidated, ', ' ORDER BY conrelid::regclass::text, conname) FROM pg_constraint WHERE contype = 'f'";
    for extra in [&["--jobs", "2"][..], &["--jobs", "3", "--no-analyze"][..]] {
        let tgt = TestDb::create("keys_tgt").await;
        assert_ok(&run(&src, &tgt, &rules.path, extra, &[]));
        assert_eq!(post_data(&tgt), post_data(&src), "{extra:?}");
        let keys = tgt.value(validity).await;
        assert_eq!(keys, src.value(validity).await, "{extra:?}");
        // Partitions carry the partitioned table's key; only the source's
        // not-valid key is not valid.
        let keys = keys.unwrap_or_default();
        assert!(
            keys.contains("events_2024 events_org_id_fkey true"),
            "{keys}"
        );
        assert!(
            keys.contains("members members_legacy_org_fkey false"),
            "{keys}"
        );
        assert_eq!(keys.matches(" false").count(), 1, "{keys}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partitioned_tables_broken_key_is_named_and_nothing_is_left() {
    let src = TestDb::create("pkeys_src").await;
    src.exec(KEYS).await;
    let tgt = TestDb::create("pkeys_tgt").await;
    // Filters on both sides of the partitioned table's key: only the data
    // can tell that half the events reference orgs that are not copied.
    let rules = Rules::new(
        r#"version: 1
tables:
  public.orgs:
    filter: "id > 10"
    columns: { id: keep, name: keep }
  public.events:
    filter: "id > 0"
    columns: { id: keep, org_id: keep, at: keep }
  public.members:
    filter: "false"
    columns: { id: keep, org_id: keep, team_id: keep, mentor_id: keep, legacy_org: keep }
  public."Odd ""Team""":
    filter: "false"
    columns: { id: keep, org_id: keep }
"#,
    );
    let err = assert_fails(&run(&src, &tgt, &rules.path, &["--jobs", "2"], &[]), 1);
    assert!(err.contains("events_org_id_fkey"), "{err}");
    assert!(err.contains("SQLSTATE 23503"), "{err}");
    // org_id is 1..20 evenly; orgs 1..10 are not copied.
    assert!(err.contains(": 200 copied rows of public.events"), "{err}");
    assert_eq!(tgt.user_tables().await, 0, "{err}");
}
