//! Values of several megabytes through the real pipeline, one masker
//! family per row: kept text and bytea byte for byte (both through the
//! masking path and the all-kept passthrough), tokenize preserve/hex/email,
//! fake, partial, replace, template, scrub with every kind, json paths on
//! jsonb and json, and `each` on a text[] array. Only correctness is
//! asserted; the time per megabyte is in BENCHMARKS.md.
//!
//! 1 and 10 MB run by default; 50 MB is `#[ignore]`d (run it with
//! `cargo test --release --test it large_values -- --ignored`, as
//! benches/large_values.sh does).

use crate::harness::*;

/// A line of plain text (34 bytes).
const PLAIN: &str = "Lorem ipsum 42 dolor, Sit amet 7. ";

/// A line with one of every kind scrub finds (and `done.` to count lines).
const PII: &str = "Call +62 812-3456-7890 or mail ann.lee@corp.example, NIK 3174015708900003, card 4111 1111 1111 1111, ip 10.1.2.3, NRIC S1234567D, IBAN GB29 NWBK 6016 1331 9268 19, see https://app.example/r?email=a%40b.example&p=2 done.\n";

/// What scrub must leave nowhere in its output.
const SECRETS: [&str; 8] = [
    "812-3456-7890",
    "ann.lee@corp.example",
    "3174015708900003",
    "4111 1111 1111 1111",
    "10.1.2.3",
    "S1234567D",
    "GB29 NWBK",
    "a%40b.example",
];

const RULES: &str = r##"
version: 1
key: ${DOPPEL_KEY}
tables:
  public.big:
    columns:
      id: keep
      k: keep
      kb: keep
      pres: { tokenize: preserve }
      hex: { tokenize: hex }
      em: { tokenize: email }
      fk: { fake: paragraph }
      part: { partial: { keep_start: 3, keep_end: 3, with: "*" } }
      rep: { replace: { pattern: "[0-9]", with: "#" } }
      tpl: { template: "{hex}-{part}" }
      scr: { scrub: [email, phone, card, ip, nik, nric, iban, url] }
      jb: { json: { "$[*].email": { fake: email }, "$..name": { tokenize: hex } } }
      js: { json: { "$.items[*].phone": { tokenize: digits } } }
      arr: { each: { tokenize: email } }
  public.big_keep: keep
"##;

/// The source: one row per family, each value about `mb` megabytes.
fn schema(mb: usize) -> String {
    let size = mb << 20;
    let plain = size / PLAIN.len();
    let pii = size / PII.len();
    // Each JSON element and array element is about 60 bytes.
    let elems = size / 60;
    format!(
        r#"
CREATE TABLE big (id int PRIMARY KEY, k text, kb bytea, pres text, hex text, em text, fk text,
  part text, rep text, tpl text, scr text, jb jsonb, js json, arr text[]);
INSERT INTO big (id, k, kb) VALUES
  (1, repeat(E'tab\there\nnew line\\back ✓ \r', {keep}), decode(repeat('5c090a0d0001ff7f', {bytes}), 'hex'));
INSERT INTO big (id, pres) VALUES (2, repeat('{PLAIN}', {plain}));
INSERT INTO big (id, hex, em) VALUES (3, repeat('{PLAIN}', {plain}), repeat('a.b', {plain}) || '@corp.example');
INSERT INTO big (id, fk) VALUES (4, repeat('{PLAIN}', {plain}));
INSERT INTO big (id, part, rep) VALUES (5, repeat('{PLAIN}', {plain}), repeat('{PLAIN}', {plain}));
INSERT INTO big (id, tpl, hex, part) VALUES (6, 'x', 'h', repeat('{PLAIN}', {plain}));
INSERT INTO big (id, scr) VALUES (7, repeat(E'{pii_sql}', {pii}));
INSERT INTO big (id, jb) SELECT 8, jsonb_agg(jsonb_build_object('id', g, 'email', 'user' || g || '@corp.example', 'name', 'Name ' || g)) FROM generate_series(1, {elems}) g;
INSERT INTO big (id, js) SELECT 9, ('{{"items": ' || json_agg(json_build_object('id', g, 'phone', '+62 812 ' || g))::text || '}}')::json FROM generate_series(1, {elems}) g;
INSERT INTO big (id, arr) SELECT 10, array_agg('user' || g || '@corp.example') FROM generate_series(1, {elems}) g;
CREATE TABLE big_keep AS SELECT id, k, kb, jb, arr FROM big WHERE id IN (1, 8, 10);
"#,
        keep = size / 30,
        bytes = size / 8,
        pii_sql = PII.replace('\n', "\\n"),
    )
}

/// One value's text from the target.
async fn text(db: &TestDb, sql: &str) -> String {
    db.value(sql).await.unwrap_or_default()
}

/// A boolean the target computes.
async fn holds(db: &TestDb, sql: &str) -> bool {
    text(db, &format!("SELECT ({sql})::text")).await == "true"
}

async fn large_values(mb: usize) {
    let label = format!("large{mb}");
    let src = TestDb::create(&format!("{label}_src")).await;
    src.exec(&schema(mb)).await;
    let rules = Rules::new(RULES);
    let tgt = TestDb::create(&format!("{label}_tgt")).await;
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));

    assert_eq!(text(&tgt, "SELECT count(*)::text FROM big").await, "10");
    // Kept: byte for byte, through the masking path and the passthrough.
    for (table, cols) in [("big", "id, k, kb"), ("big_keep", "id, k, kb, jb, arr")] {
        let sql =
            format!("SELECT md5(string_agg(md5(row({cols})::text), '' ORDER BY id)) FROM {table}");
        assert_eq!(text(&src, &sql).await, text(&tgt, &sql).await, "{table}");
    }
    // Masked values keep their size where the masker promises it.
    let sizes = "SELECT string_agg(coalesce(length(pres), 0) || '/' || coalesce(length(part), 0) || '/' || coalesce(length(rep), 0), ',' ORDER BY id) FROM big";
    assert_eq!(text(&src, sizes).await, text(&tgt, sizes).await);
    let layout = "SELECT md5(regexp_replace(regexp_replace(regexp_replace(pres, '[a-z]', 'a', 'g'), '[A-Z]', 'A', 'g'), '[0-9]', '0', 'g')) FROM big WHERE id = 2";
    assert_eq!(text(&src, layout).await, text(&tgt, layout).await);
    let changed =
        "SELECT string_agg(md5(coalesce(pres, fk)), ',' ORDER BY id) FROM big WHERE id IN (2, 4)";
    assert_ne!(text(&src, changed).await, text(&tgt, changed).await);
    let q = |sql: &'static str| holds(&tgt, sql);
    assert!(q("SELECT hex ~ '^[0-9a-f]{32}$' AND em ~ '^[0-9a-f]{16}@corp\\.example$' FROM big WHERE id = 3").await);
    assert!(q("SELECT length(fk) < 5000 AND fk NOT LIKE 'Lorem%' FROM big WHERE id = 4").await);
    assert!(q("SELECT left(part, 3) = 'Lor' AND right(part, 3) = '7. ' AND substr(part, 4, length(part) - 6) !~ '[^*]' AND rep !~ '[0-9]' AND position('Lorem ipsum ## dolor' in rep) = 1 FROM big WHERE id = 5").await);
    assert!(q("SELECT tpl = hex || '-' || part AND hex ~ '^[0-9a-f]{32}$' AND tpl LIKE '%-Lor***%' FROM big WHERE id = 6").await);
    assert!(q("SELECT tpl IS NULL AND part IS NULL FROM big WHERE id = 2").await);
    // scrub: every finding replaced, every line kept.
    let scr = text(&tgt, "SELECT scr FROM big WHERE id = 7").await;
    for secret in SECRETS {
        assert!(!scr.contains(secret), "{secret} left in the scrubbed text");
    }
    let lines = (mb << 20) / PII.len();
    assert_eq!(scr.matches(" done.\n").count(), lines);
    assert_eq!(scr.matches("Call +62 ").count(), lines);
    // json: every matched value masked, everything else (ids, order) kept.
    assert!(q("SELECT jsonb_array_length(jb) = (SELECT jsonb_array_length(jb) FROM big_keep WHERE id = 8) FROM big WHERE id = 8").await);
    assert!(q("SELECT bool_and(e->>'email' NOT LIKE 'user%' AND e->>'email' LIKE '%@example.%' AND e->>'name' ~ '^[0-9a-f]{32}$' AND (e->>'id')::int = n) FROM big, jsonb_array_elements(jb) WITH ORDINALITY AS x(e, n) WHERE id = 8").await);
    // (A short number can map to itself: most do not.)
    assert!(q("SELECT bool_and(e->>'phone' ~ '^\\+[0-9]{2} [0-9]{3} [0-9]+$' AND (e->>'id')::int = n) AND count(*) FILTER (WHERE e->>'phone' = '+62 812 ' || n) * 100 < count(*) FROM big, json_array_elements(js->'items') WITH ORDINALITY AS x(e, n) WHERE id = 9").await);
    // each: every element masked, the count kept.
    assert!(q("SELECT cardinality(arr) = (SELECT cardinality(arr) FROM big_keep WHERE id = 10) FROM big WHERE id = 10").await);
    assert!(q("SELECT bool_and(e ~ '^[0-9a-f]{16}@corp\\.example$') FROM big, unnest(arr) e WHERE id = 10").await);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_megabyte_values_through_every_masker() {
    large_values(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_megabyte_values_through_every_masker() {
    large_values(10).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "50 MB values: run by benches/large_values.sh (in release)"]
async fn fifty_megabyte_values_through_every_masker() {
    large_values(50).await;
}
