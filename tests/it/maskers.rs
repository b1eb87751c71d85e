//! The newer maskers through the real pipeline: tokenize email and card,
//! generalize, round, replace, template, json on `json` columns, the new
//! fake kinds and scrub kinds, and case-insensitive uniqueness on citext.

use crate::harness::*;

const SCHEMA: &str = r#"
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE people (
  id int PRIMARY KEY,
  login citext NOT NULL UNIQUE,
  work_email text NOT NULL,
  first_name text NOT NULL,
  last_name text NOT NULL,
  display text,
  card text,
  dob date,
  joined timestamptz NOT NULL,
  salary numeric(12,2),
  points bigint,
  order_ref varchar(20),
  doc json,
  notes text,
  bio text
);
INSERT INTO people
SELECT g,
       CASE WHEN g % 2 = 0 THEN 'User' || g || '@Mail.example' ELSE 'user' || g || '@mail.example' END,
       'staff' || g || '@acme.example',
       'First' || g, 'Last' || g,
       CASE WHEN g % 10 = 0 THEN NULL ELSE 'First' || g || ' Last' || g END,
       '4111 1111 1111 1111',
       date '1980-01-01' + g,
       timestamptz '2024-03-05 12:34:56+00' + (g || ' hours')::interval,
       50000 + g * 13.37,
       1000 + g * 7,
       'ORD-2024-' || lpad(g::text, 5, '0'),
       ('{ "email" : "p' || g || '@home.example",  "email": "q' || g || '@home.example", "n": [1, 2.50] }')::json,
       'KTP 3174015708900003 atau NRIC S1234567D, IBAN GB29 NWBK 6016 1331 9268 19 via https://app.example/r?email=p' || g || '%40home.example&page=2 selesai.',
       'Private bio ' || g
  FROM generate_series(1, 300) g;
"#;

const RULES: &str = r##"
version: 1
key: ${DOPPEL_KEY}
tables:
  public.people:
    columns:
      id: keep
      login: { tokenize: email }
      work_email: { tokenize: email, email_domain: example.org, length: 12, prefix: "u_" }
      first_name: { fake: first_name }
      last_name: { fake: last_name }
      display: { template: "{first_name} {last_name}" }
      card: { tokenize: card }
      dob: { fake: date_of_birth }
      joined: { generalize: { to: month } }
      salary: { round: 1000 }
      points: { round: 100 }
      order_ref: { replace: { pattern: "[0-9]", with: "#" } }
      doc: { json: { "$.email": { fake: email } } }
      notes: { scrub: [nik, nric, iban, url] }
      bio: { fake: sentence }
"##;

fn luhn_ok(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let v = d * 2;
                if v > 9 {
                    v - 9
                } else {
                    v
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

#[tokio::test(flavor = "multi_thread")]
async fn newer_maskers_through_the_pipeline() {
    let src = TestDb::create("mk3_src").await;
    src.exec(SCHEMA).await;
    let rules = Rules::new(RULES);
    let tgt = TestDb::create("mk3_tgt").await;
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    let q = |sql: &'static str| {
        let tgt = &tgt;
        async move { tgt.value(sql).await.unwrap_or_default() }
    };
    assert_eq!(q("SELECT count(*)::text FROM people").await, "300");
    // citext: the unique index was rebuilt on the masked values, and the
    // domain of each address is kept.
    assert_eq!(
        q("SELECT count(*)::text FROM people WHERE login::text LIKE 'user%' OR login::text LIKE 'User%'").await,
        "0"
    );
    assert_eq!(
        q("SELECT count(*)::text FROM people WHERE lower(login::text) LIKE '%@mail.example'").await,
        "300"
    );
    assert_eq!(
        q("SELECT count(*)::text FROM people WHERE work_email ~ '^u_[0-9a-f]{12}@example\\.org$'")
            .await,
        "300"
    );
    // template: built from the masked names of the same row; NULL stays NULL.
    assert_eq!(
        q("SELECT count(*)::text FROM people WHERE display = first_name || ' ' || last_name").await,
        "270"
    );
    assert_eq!(
        q("SELECT count(*)::text FROM people WHERE display IS NULL").await,
        "30"
    );
    assert_eq!(
        q("SELECT count(*)::text FROM people WHERE first_name LIKE 'First%'").await,
        "0"
    );
    // card: same layout, Luhn-valid, not the original.
    for card in tgt.column("SELECT card FROM people").await {
        let card = card.unwrap_or_default();
        assert!(
            card.len() == 19 && card != "4111 1111 1111 1111" && luhn_ok(&card),
            "{card}"
        );
    }
    assert_eq!(
        q("SELECT count(*)::text FROM people WHERE dob BETWEEN '1940-01-01' AND '2006-12-31'")
            .await,
        "300"
    );
    assert_eq!(
        q("SELECT count(*)::text FROM people WHERE joined = date_trunc('month', joined, 'UTC')")
            .await,
        "300"
    );
    assert_eq!(
        q("SELECT count(*)::text FROM people WHERE salary % 1000 = 0 AND points % 100 = 0").await,
        "300"
    );
    assert_eq!(
        q("SELECT min(salary)::text || ' ' || max(salary)::text FROM people").await,
        "50000.00 54000.00"
    );
    assert_eq!(
        q("SELECT count(*)::text FROM people WHERE order_ref = 'ORD-####-#####'").await,
        "300"
    );
    // json: both duplicate keys masked, the text around them unchanged.
    let doc = q("SELECT doc::text FROM people WHERE id = 7").await;
    assert!(
        doc.starts_with("{ \"email\" : \"") && doc.ends_with("\", \"n\": [1, 2.50] }"),
        "{doc}"
    );
    assert!(!doc.contains("home.example"), "{doc}");
    // scrub: the identifiers are replaced, the words around them stay.
    let notes = q("SELECT notes FROM people WHERE id = 7").await;
    assert!(
        notes.starts_with("KTP ")
            && notes.contains(" atau NRIC ")
            && notes.ends_with("&page=2 selesai."),
        "{notes}"
    );
    for secret in ["3174015708900003", "S1234567D", "GB29 NWBK", "p7%40home"] {
        assert!(!notes.contains(secret), "{secret} left in {notes}");
    }
    assert_eq!(
        q("SELECT count(*)::text FROM people WHERE bio LIKE 'Private%'").await,
        "0"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn newer_maskers_refuse_what_they_cannot_do() {
    let src = TestDb::create("mk3_bad_src").await;
    src.exec(SCHEMA).await;
    let rules = Rules::new(
        r#"version: 1
key: ${DOPPEL_KEY}
tables:
  public.people:
    columns:
      "*": keep
      display: { template: "{first_name} {nickname}" }
      salary: { round: 5 }
      order_ref: { generalize: { to: year } }
      login: { fake: sentence }
      card: { tokenize: card, email_domain: x.org }
"#,
    );
    let tgt = TestDb::create("mk3_bad_tgt").await;
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    for expected in [
        "rules.yaml:7",
        "refers to nickname",
        "rules.yaml:8",
        "not a power of ten",
        "rules.yaml:9",
        "generalize needs a date or timestamp column",
        "rules.yaml:10",
        "unique index",
        "rules.yaml:11",
        "`email_domain` applies to tokenize email",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(tgt.user_tables().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn masked_values_must_fit_domains_and_enums() {
    let src = TestDb::create("mk3_dom_src").await;
    src.exec(
        r#"CREATE DOMAIN us_zip AS text CHECK (VALUE ~ '^[0-9]{5}$');
           CREATE DOMAIN short_code AS varchar(8) CHECK (VALUE = upper(VALUE));
           CREATE TYPE tier AS ENUM ('free', 'pro', 'enterprise');
           CREATE TABLE acct (id int PRIMARY KEY, zip us_zip, code short_code, level tier NOT NULL);
           INSERT INTO acct SELECT g, lpad(g::text, 5, '0'), 'AB' || g, 'pro' FROM generate_series(1, 50) g;"#,
    )
    .await;
    // Outputs that break the CHECKs and the enum are refused before anything is written.
    let bad = Rules::new(
        "version: 1\nkey: ${DOPPEL_KEY}\ntables:\n  public.acct:\n    columns:\n      id: keep\n      zip: { fake: city }\n      code: { replace: { pattern: \"[A-Z]\", with: x } }\n      level: { value: gold }\n",
    );
    let tgt = TestDb::create("mk3_dom_tgt").await;
    let err = assert_fails(&run(&src, &tgt, &bad.path, &[], &[]), 2);
    for expected in [
        "tables.public.acct.columns.zip: fake(city, en) gives values that type us_zip does not accept",
        "tables.public.acct.columns.code: replace(",
        "tables.public.acct.columns.level: value(\"gold\")",
        "3 problems",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(tgt.user_tables().await, 0);
    // Outputs that fit go through.
    let good = Rules::new(
        "version: 1\nkey: ${DOPPEL_KEY}\ntables:\n  public.acct:\n    columns:\n      id: keep\n      zip: { tokenize: digits }\n      code: { partial: { keep_start: 2, with: X } }\n      level: { value: free }\n",
    );
    assert_ok(&run(&src, &tgt, &good.path, &[], &[]));
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM acct WHERE level = 'free' AND zip ~ '^[0-9]{5}$'")
            .await
            .as_deref(),
        Some("50")
    );
}

/// Every fake kind in every locale, tokenize preserve, `default`,
/// `rows: none` and `filter`, through one run.
#[tokio::test(flavor = "multi_thread")]
async fn every_fake_kind_and_locale_through_the_pipeline() {
    let kinds = doppel::mask::FakeKind::names();
    let type_of = |k: &str| match k {
        "date_of_birth" => "date",
        "ipv4" | "ipv6" => "inet",
        "uuid" => "uuid",
        _ => "text",
    };
    let source_value = |k: &str| match k {
        "date_of_birth" => "date '1990-01-01' + g".to_string(),
        "ipv4" => "('192.0.2.' || (g % 250))::inet".to_string(),
        "ipv6" => "('2001:db8::' || g)::inet".to_string(),
        "uuid" => "md5(g::text)::uuid".to_string(),
        _ => format!("'{k} source ' || g"),
    };
    let mut cols = Vec::new();
    let mut values = Vec::new();
    let mut rules = String::from(
        "version: 1\nkey: ${DOPPEL_KEY}\ntables:\n  public.gone:\n    rows: none\n  public.f:\n    filter: \"id <= 90\"\n    columns:\n      id: keep\n      code: { tokenize: preserve }\n      created: default\n",
    );
    for locale in ["en", "id", "sg"] {
        for k in &kinds {
            let col = format!("{k}_{locale}");
            cols.push(format!("{col} {}", type_of(k)));
            values.push(source_value(k));
            rules.push_str(&format!("      {col}: {{ fake: {k}, locale: {locale} }}\n"));
        }
    }
    let src = TestDb::create("mk3_fake_src").await;
    src.exec(&format!(
        "CREATE TABLE gone (id int PRIMARY KEY, secret text);
         INSERT INTO gone VALUES (1, 'x');
         CREATE TABLE f (id int PRIMARY KEY, code text, created timestamptz NOT NULL DEFAULT '2000-01-01', {});
         INSERT INTO f SELECT g, 'AB-' || g, now(), {} FROM generate_series(1, 100) g;",
        cols.join(", "),
        values.join(", ")
    ))
    .await;
    let rules = Rules::new(&rules);
    let tgt = TestDb::create("mk3_fake_tgt").await;
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM gone")
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM f").await.as_deref(),
        Some("90")
    );
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM f WHERE created = '2000-01-01' AND code ~ '^[A-Z]{2}-[0-9]+$' AND code NOT LIKE 'AB-%'")
            .await
            .as_deref(),
        Some("90")
    );
    let src_client = src.client().await;
    for locale in ["en", "id", "sg"] {
        for k in &kinds {
            let col = format!("{k}_{locale}");
            let masked: Vec<String> = tgt
                .column(&format!("SELECT {col}::text FROM f ORDER BY id"))
                .await
                .into_iter()
                .map(|v| v.unwrap_or_else(|| panic!("{col}: NULL where the source had a value")))
                .collect();
            let original: Vec<String> = src_client
                .query(
                    &format!("SELECT {col}::text FROM f WHERE id <= 90 ORDER BY id"),
                    &[],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            assert_eq!(masked.len(), 90, "{col}");
            let same = masked.iter().zip(&original).filter(|(a, b)| a == b).count();
            assert_eq!(same, 0, "{col}: {same} values unchanged");
            let distinct: std::collections::HashSet<&String> = masked.iter().collect();
            // Small pools (user agents, cities) repeat; the rest must vary.
            let least = if matches!(*k, "user_agent" | "city" | "first_name" | "last_name") {
                3
            } else {
                30
            };
            assert!(
                distinct.len() >= least,
                "{col}: only {} distinct values",
                distinct.len()
            );
        }
    }
    // Locale data shows through.
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM f WHERE phone_id LIKE '+62 8%' AND phone_sg ~ '^\\+65 [89]' AND length(national_id_id) = 16 AND national_id_sg ~ '^[STFG][0-9]{7}[A-Z]$'")
            .await
            .as_deref(),
        Some("90")
    );
}
