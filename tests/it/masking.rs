//! Masked columns differ from the source, are stable under one key and
//! change with another; tokenized keys still join and FKs validate.

use crate::harness::*;

const SCHEMA: &str = r#"
CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL UNIQUE,
  full_name text NOT NULL,
  phone text,
  city text,
  secret text,
  plan text NOT NULL,
  note text
);
CREATE TABLE orders (
  id int PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id),
  reviewer_id uuid REFERENCES users(id),
  amount numeric(10,2) NOT NULL,
  comment text
);
CREATE TABLE audit (id bigint PRIMARY KEY, detail text);
INSERT INTO users
SELECT ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
       'person' || g || '@corp.example.com', 'Person Number ' || g,
       CASE WHEN g % 3 = 0 THEN NULL ELSE '+1 555 01' || lpad(g::text, 4, '0') END,
       'City ' || (g % 7), 's3cr3t-' || g, CASE WHEN g % 2 = 0 THEN 'pro' ELSE 'free' END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE E'note\t' || g END
  FROM generate_series(1, 500) g;
INSERT INTO orders
SELECT g, ('00000000-0000-4000-8000-' || lpad((1 + g % 500)::text, 12, '0'))::uuid,
       CASE WHEN g % 4 = 0 THEN NULL ELSE ('00000000-0000-4000-8000-' || lpad((1 + (g * 7) % 500)::text, 12, '0'))::uuid END,
       g * 1.25, E'order\\' || g
  FROM generate_series(1, 2000) g;
INSERT INTO audit SELECT g, 'detail ' || g FROM generate_series(1, 100) g;
"#;

const RULES: &str = r#"
version: 1
key: ${DOPPEL_KEY}
match:
  - columns: ["public.*.user_id", "public.*.reviewer_id", "public.users.id"]
    mask: { tokenize: uuid }
tables:
  public.users:
    columns:
      email: { fake: email, unique: true }
      full_name: { fake: name }
      phone: { fake: phone }
      city: { fake: city }
      secret: { tokenize: hex, length: 16, prefix: "tok_" }
      plan: keep
      note: null
  public.orders:
    columns:
      "*": keep
  public.audit:
    columns:
      id: { tokenize: integer }
      detail: { value: "redacted" }
"#;

async fn masked_copy(src: &TestDb, key: &str) -> TestDb {
    let rules = Rules::new(RULES);
    let tgt = TestDb::create("mask_tgt").await;
    assert_ok(&run(src, &tgt, &rules.path, &[], &[("DOPPEL_KEY", key)]));
    tgt
}

#[tokio::test(flavor = "multi_thread")]
async fn masked_values_differ_are_stable_and_keyed() {
    let src = TestDb::create("mask_src").await;
    src.exec(SCHEMA).await;
    let a = masked_copy(&src, KEY).await;

    // Row counts.
    assert_eq!(
        a.value("SELECT count(*)::text FROM users").await.as_deref(),
        Some("500")
    );
    assert_eq!(
        a.value("SELECT count(*)::text FROM orders")
            .await
            .as_deref(),
        Some("2000")
    );

    // No masked value survives; NULL stays NULL; `null` nulls.
    let src_emails = src.column("SELECT email FROM users").await;
    for e in a.column("SELECT email FROM users").await {
        assert!(!src_emails.contains(&e), "email {e:?} leaked");
    }
    let src_ids = src.column("SELECT id::text FROM users").await;
    for id in a.column("SELECT id::text FROM users").await {
        assert!(!src_ids.contains(&id), "user id {id:?} leaked");
    }
    for (col, source_like) in [
        ("full_name", "Person Number %"),
        ("city", "City %"),
        ("secret", "s3cr3t-%"),
    ] {
        let n = a
            .value(&format!(
                "SELECT count(*)::text FROM users WHERE {col} LIKE '{source_like}'"
            ))
            .await;
        assert_eq!(n.as_deref(), Some("0"), "{col} kept source values");
    }
    assert_eq!(
        a.value("SELECT count(*)::text FROM users WHERE phone IS NULL")
            .await
            .as_deref(),
        Some("166")
    );
    assert_eq!(
        a.value("SELECT count(*)::text FROM users WHERE note IS NOT NULL")
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        a.value("SELECT count(*)::text FROM users WHERE secret !~ '^tok_[0-9a-f]{16}$'")
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        a.value("SELECT count(DISTINCT email)::text FROM users")
            .await
            .as_deref(),
        Some("500")
    );
    assert_eq!(
        a.value("SELECT count(DISTINCT id)::text FROM audit")
            .await
            .as_deref(),
        Some("100")
    );
    assert_eq!(
        a.value("SELECT count(*)::text FROM audit WHERE detail <> 'redacted'")
            .await
            .as_deref(),
        Some("0")
    );
    // Kept columns byte for byte.
    assert_eq!(
        a.value("SELECT md5(string_agg(plan, ',' ORDER BY plan))  FROM users")
            .await,
        src.value("SELECT md5(string_agg(plan, ',' ORDER BY plan)) FROM users")
            .await
    );
    assert_eq!(
        a.value(
            "SELECT md5(string_agg(id || amount::text || comment, ',' ORDER BY id)) FROM orders"
        )
        .await,
        src.value(
            "SELECT md5(string_agg(id || amount::text || comment, ',' ORDER BY id)) FROM orders"
        )
        .await
    );

    // Tokenized keys still join: every order finds its user, the same user as in the source.
    assert_eq!(
        a.value("SELECT count(*)::text FROM orders o JOIN users u ON u.id = o.user_id")
            .await
            .as_deref(),
        Some("2000")
    );
    assert_eq!(
        a.value("SELECT count(*)::text FROM orders o JOIN users u ON u.id = o.reviewer_id")
            .await,
        src.value("SELECT count(*)::text FROM orders o JOIN users u ON u.id = o.reviewer_id")
            .await
    );
    assert_eq!(
        a.value("SELECT string_agg(u.plan || o.id, ',' ORDER BY o.id) FROM orders o JOIN users u ON u.id = o.user_id").await,
        src.value("SELECT string_agg(u.plan || o.id, ',' ORDER BY o.id) FROM orders o JOIN users u ON u.id = o.user_id").await
    );
    // The target's foreign keys exist and are validated.
    assert_eq!(
        a.value("SELECT count(*)::text FROM pg_constraint WHERE contype = 'f' AND convalidated")
            .await
            .as_deref(),
        Some("2")
    );

    // Same key: identical output. Other key: different output.
    let b = masked_copy(&src, KEY).await;
    for t in ["users", "orders", "audit"] {
        assert_eq!(
            a.table_md5(t).await,
            b.table_md5(t).await,
            "{t} differs between two runs with one key"
        );
    }
    let c = masked_copy(&src, "another-key-fedcba9876543210").await;
    assert_ne!(a.table_md5("users").await, c.table_md5("users").await);
    let overlap = {
        let ea = a.column("SELECT email FROM users").await;
        c.column("SELECT email FROM users")
            .await
            .into_iter()
            .filter(|e| ea.contains(e))
            .count()
    };
    assert_eq!(overlap, 0, "another key must give other emails");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_names_maskers_and_never_the_key() {
    let src = TestDb::create("report_src").await;
    src.exec(SCHEMA).await;
    let rules = Rules::new(RULES);
    let tgt = TestDb::create("report_tgt").await;
    let report = rules.sibling("report.json");
    let out = run(
        &src,
        &tgt,
        &rules.path,
        &["--report", report.to_str().unwrap()],
        &[],
    );
    assert_ok(&out);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(!text.contains(KEY), "the report must not contain the key");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(KEY),
        "logs must not contain the key"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["outcome"], "succeeded");
    assert!(v["key_fingerprint"]
        .as_str()
        .unwrap()
        .starts_with("hmac-sha256:"));
    let users = v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "public.users")
        .unwrap();
    assert_eq!(users["rows_written"], 500);
    let email = users["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "email")
        .unwrap();
    assert!(
        email["masker"].as_str().unwrap().contains("email"),
        "{email}"
    );
    assert_eq!(v["totals"]["rows_written"], 2600);
}

#[tokio::test(flavor = "multi_thread")]
async fn partial_shift_json_scrub_and_digits_through_the_pipeline() {
    let src = TestDb::create("more_src").await;
    src.exec(
        r#"CREATE TABLE t (
             id int PRIMARY KEY,
             iban text, last4 char(4) CHECK (last4 ~ '^[0-9]{4}$'), born date, seen timestamptz,
             price numeric(10,2), doc jsonb, note text, ip inet
           );
           INSERT INTO t SELECT g, 'GB29 NWBK 6016 1331 ' || lpad(g::text, 4, '0'), lpad((g * 37 % 10000)::text, 4, '0'),
                  DATE '1980-01-01' + g, TIMESTAMPTZ '2024-03-01 12:34:56.789+00' + g * interval '1 hour', g * 10.5,
                  jsonb_build_object('email', 'p' || g || '@corp.test', 'n', 12345678901234567890.5, 'tags', jsonb_build_array('a', 'b'),
                                     'nested', jsonb_build_object('email', 'q' || g || '@corp.test', 'keep', 'k')),
                  'Call +62 812-5550-' || lpad(g::text, 4, '0') || ' or mail r' || g || '@corp.test today.',
                  ('192.0.2.' || g)::inet
             FROM generate_series(1, 200) g;"#,
    )
    .await;
    let rules = Rules::new(
        r#"
version: 1
key: ${DOPPEL_KEY}
tables:
  public.t:
    columns:
      id: keep
      iban: { partial: { keep_start: 4, with: "X" } }
      last4: { tokenize: digits }
      born: { shift: { days: 30 } }
      seen: { shift: { days: 2 } }
      price: { shift: { percent: 10 } }
      doc:
        json:
          "$..email": { fake: email }
          "$.tags[*]": { value: "t" }
      note: { scrub: [email, phone] }
      ip: { fake: ipv4 }
"#,
    );
    let tgt = TestDb::create("more_tgt").await;
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    let count = |sql: String| {
        let tgt = &tgt;
        async move { tgt.value(&sql).await }
    };
    assert_eq!(
        count("SELECT count(*)::text FROM t WHERE iban !~ '^GB29X+$'".into())
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        count("SELECT count(*)::text FROM t WHERE last4 !~ '^[0-9]{4}$'".into())
            .await
            .as_deref(),
        Some("0")
    );
    // Dates moved by 1..30 days, never by zero; timestamps keep their time of day.
    src.exec("CREATE TABLE orig AS SELECT id, born, seen, price, doc FROM t")
        .await;
    let moved = tgt
        .column("SELECT born::text || '|' || seen::text || '|' || price::text FROM t ORDER BY id")
        .await;
    let orig = src
        .column("SELECT born::text || '|' || seen::text || '|' || price::text FROM t ORDER BY id")
        .await;
    for (m, o) in moved.iter().zip(&orig) {
        let (m, o) = (m.as_deref().unwrap(), o.as_deref().unwrap());
        let (mp, op): (Vec<&str>, Vec<&str>) = (m.split('|').collect(), o.split('|').collect());
        assert_ne!(mp[0], op[0], "date not shifted");
        assert_eq!(&mp[1][10..], &op[1][10..], "time of day kept: {m} vs {o}");
        let (mv, ov): (f64, f64) = (mp[2].parse().unwrap(), op[2].parse().unwrap());
        assert!((mv - ov).abs() <= ov * 0.1 + 0.01, "{mv} vs {ov}");
    }
    // JSON: emails replaced at every depth, other members byte-exact.
    assert_eq!(
        count("SELECT count(*)::text FROM t WHERE doc::text ~ 'corp\\.test'".into())
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        count("SELECT count(*)::text FROM t WHERE doc->>'n' <> '12345678901234567890.5' OR doc#>>'{nested,keep}' <> 'k' OR doc->'tags' <> '[\"t\", \"t\"]'::jsonb".into())
            .await
            .as_deref(),
        Some("0")
    );
    // Free text: the phone keeps its country code, the email becomes a reserved-domain fake.
    assert_eq!(count("SELECT count(*)::text FROM t WHERE note !~ '^Call \\+62 \\d{3}-\\d{4}-\\d{4} or mail [a-z0-9.]+@example\\.(com|net|org) today\\.$'".into()).await.as_deref(), Some("0"));
    assert_eq!(
        count("SELECT count(*)::text FROM t WHERE ip << '10.0.0.0/8'::inet".into())
            .await
            .as_deref(),
        Some("200")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sql_expressions_and_conditions_are_evaluated_by_the_source() {
    let src = TestDb::create("when_src").await;
    src.exec(
        "CREATE TABLE m (id int PRIMARY KEY, role text NOT NULL, email text, postcode text);
         INSERT INTO m SELECT g, CASE WHEN g % 10 = 0 THEN 'admin' ELSE 'member' END,
                              'u' || g || '@corp.test', 'SW1A ' || g FROM generate_series(1, 100) g;",
    )
    .await;
    let rules = Rules::new(
        r#"
version: 1
key: ${DOPPEL_KEY}
tables:
  public.m:
    columns:
      id: keep
      role:
        - when: "role = 'admin'"
          mask: keep
        - mask: { value: member }
      email:
        - when: "id <= 10"
          mask: { sql: "'staff' || id || '@example.com'" }
        - when: "role = 'admin'"
          mask: keep
        - mask: { fake: email }
      postcode: { sql: "left(postcode, 4)" }
"#,
    );
    let tgt = TestDb::create("when_tgt").await;
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM m WHERE role = 'admin'")
            .await
            .as_deref(),
        Some("10")
    );
    assert_eq!(
        tgt.value("SELECT email FROM m WHERE id = 3")
            .await
            .as_deref(),
        Some("staff3@example.com")
    );
    // id 20 is an admin past the first condition: kept.
    assert_eq!(
        tgt.value("SELECT email FROM m WHERE id = 20")
            .await
            .as_deref(),
        Some("u20@corp.test")
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM m WHERE id > 10 AND role <> 'admin' AND email LIKE '%@corp.test'").await.as_deref(),
        Some("0")
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM m WHERE postcode <> 'SW1A'")
            .await
            .as_deref(),
        Some("0")
    );

    // A condition that does not run is refused before anything is written.
    let bad = Rules::new(
        "version: 1\ntables:\n  public.m:\n    columns:\n      \"*\": keep\n      role:\n        - when: \"no_such_col = 1\"\n          mask: keep\n        - mask: { value: x }\n",
    );
    let tgt2 = TestDb::create("when_tgt2").await;
    let err = assert_fails(&run(&src, &tgt2, &bad.path, &[], &[]), 2);
    assert!(
        err.contains("tables.public.m") && err.contains("no_such_col"),
        "{err}"
    );
    assert_eq!(tgt2.user_tables().await, 0);
    // A list without a final catch-all is refused.
    let open_ended = Rules::new(
        "version: 1\ntables:\n  public.m:\n    columns:\n      \"*\": keep\n      role:\n        - when: \"true\"\n          mask: keep\n",
    );
    let err = assert_fails(&run(&src, &tgt2, &open_ended.path, &[], &[]), 2);
    assert!(
        err.contains("must end with an entry without `when`"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_masks_every_array_element() {
    let src = TestDb::create("each_src").await;
    src.exec(
        r#"CREATE TABLE a (id int PRIMARY KEY, emails text[], ids int[], tags text[]);
           INSERT INTO a VALUES
             (1, ARRAY['x@corp.test', NULL, 'y "q"@corp.test'], ARRAY[1, 2, NULL], ARRAY['keep', 'me']),
             (2, '{}', '{{1,2},{3,4}}', NULL);"#,
    )
    .await;
    let rules = Rules::new(
        "version: 1\nkey: ${DOPPEL_KEY}\ntables:\n  public.a:\n    columns:\n      id: keep\n      emails: { each: { fake: email } }\n      ids: { each: { tokenize: integer } }\n      tags: keep\n",
    );
    let tgt = TestDb::create("each_tgt").await;
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    assert_eq!(
        tgt.value("SELECT array_length(emails, 1)::text FROM a WHERE id = 1")
            .await
            .as_deref(),
        Some("3")
    );
    assert_eq!(
        tgt.value("SELECT (emails[2] IS NULL)::text FROM a WHERE id = 1")
            .await
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM a, unnest(emails) e WHERE e LIKE '%corp.test'")
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        tgt.value("SELECT emails::text FROM a WHERE id = 2")
            .await
            .as_deref(),
        Some("{}")
    );
    assert_eq!(
        tgt.value("SELECT array_dims(ids) FROM a WHERE id = 2")
            .await
            .as_deref(),
        Some("[1:2][1:2]")
    );
    assert_eq!(
        tgt.value("SELECT (ids[3] IS NULL)::text FROM a WHERE id = 1")
            .await
            .as_deref(),
        Some("true")
    );
    assert_ne!(
        tgt.value("SELECT ids::text FROM a WHERE id = 2")
            .await
            .as_deref(),
        Some("{{1,2},{3,4}}")
    );
    assert_eq!(
        tgt.value("SELECT tags::text FROM a WHERE id = 1")
            .await
            .as_deref(),
        Some("{keep,me}")
    );
}
