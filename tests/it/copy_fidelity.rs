//! With every column kept, the target's data equals the source's, byte for
//! byte, for every type and corner of the COPY text format.

use crate::harness::*;

pub(crate) const SCHEMA: &str = r#"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive AS numeric CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b text);
CREATE SCHEMA "Odd Schema";
CREATE TABLE everything (
  id int PRIMARY KEY,
  t text, e text, bin bytea, j json, jb jsonb, arr text[], iarr int[][],
  num numeric, rng int4range, trng tstzrange, m mood, d positive, p pair,
  ts timestamp, tstz timestamptz, dt date, iv interval, ip inet, cid cidr, u uuid,
  f4 real, f8 double precision, b boolean, c char(5), vc varchar(10), bits bit varying(8), mac macaddr,
  pt point, x xml
);
INSERT INTO everything VALUES
 (1, E'tab\there\nnewline\\backslash\r cr', '', '\x00ff5c0a09'::bytea,
  '{ "a" : 1,  "a": 2, "nested": {"k": [1, 2 ,3]} }', '{"b": [true, null], "a": "x\ty"}',
  ARRAY['with "quotes"', NULL, 'comma, here', E'back\\slash', ''], '{{1,2},{3,NULL}}',
  123456789012345678901234567890.123456789012345678901234567890, '[1,10)', '[2024-01-01 00:00+00, infinity)',
  'happy', 3.14, ROW(1, E'x\ty'), 'infinity', '-infinity', '2024-02-29', '1 year 2 mons -3 days 04:05:06.789',
  '192.168.1.1/24', '10.0.0.0/8', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  3.4028235e38, 1.7976931348623157e308, true, 'ab', 'ünïcødé✓', B'1011', '08:00:2b:01:02:03',
  '(1.5,-2)', '<a b="c">text &amp; more</a>'),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  'NaN', '-Infinity', false, NULL, NULL, NULL, NULL, NULL, NULL),
 (3, E'\\N', 'N', '', '[]', '{}', '{}', '{}', 'NaN', 'empty', 'empty', 'sad', 0.000000000000000000001, ROW(NULL, NULL),
  '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00.000001+14', '0001-01-01 BC', '0', '::1', '::/0',
  '00000000-0000-0000-0000-000000000000', -0.0, 5e-324, NULL, '     ', '', B'', 'ff:ff:ff:ff:ff:ff', '(0,0)', '');
INSERT INTO everything (id, t) SELECT 4, repeat(E'five megabytes \t\\ ✓\n', 262144);

CREATE TABLE "Odd Schema"."Mixed Case Table" ("select" int, "Column With Spaces" text, "quote""d" text);
INSERT INTO "Odd Schema"."Mixed Case Table" VALUES (1, 'a b', 'q"q'), (2, NULL, E'\\');

CREATE TABLE events (id int, at date NOT NULL, payload jsonb) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (id);
CREATE TABLE events_2025_a PARTITION OF events_2025 FOR VALUES IN (1, 2, 3);
CREATE TABLE events_2025_rest PARTITION OF events_2025 DEFAULT;
INSERT INTO events SELECT g, DATE '2024-06-01' + g, jsonb_build_object('g', g) FROM generate_series(1, 300) g;

CREATE TABLE many AS SELECT g AS id, md5(g::text) AS h, g * 1.5 AS x FROM generate_series(1, 20000) g;
"#;

pub(crate) const TABLES: &[&str] = &[
    "everything",
    "\"Odd Schema\".\"Mixed Case Table\"",
    "events_2024",
    "events_2025_a",
    "events_2025_rest",
    "many",
];

const KEEP_ALL: &str = "version: 1\ndefaults: { tables: keep }\n";

#[tokio::test(flavor = "multi_thread")]
async fn every_kept_value_arrives_unchanged() {
    let src = TestDb::create("fidelity_src").await;
    src.exec(SCHEMA).await;
    let rules = Rules::new(KEEP_ALL);
    let mut results = Vec::new();
    for jobs in ["1", "4"] {
        let tgt = TestDb::create("fidelity_tgt").await;
        assert_ok(&run(&src, &tgt, &rules.path, &["--jobs", jobs], &[]));
        let mut sums = Vec::new();
        for t in TABLES {
            let a = src.table_md5(t).await;
            let b = tgt.table_md5(t).await;
            assert_eq!(a, b, "table {t} differs with --jobs {jobs}");
            sums.push(b);
        }
        // Exact bytes of the hardest values, not only their text forms.
        assert_eq!(
            tgt.value("SELECT md5(t) FROM everything WHERE id = 4")
                .await,
            src.value("SELECT md5(t) FROM everything WHERE id = 4")
                .await
        );
        assert_eq!(
            tgt.value("SELECT octet_length(t)::text FROM everything WHERE id = 4")
                .await
                .as_deref(),
            Some("5767168")
        );
        assert_eq!(
            tgt.value("SELECT j::text FROM everything WHERE id = 1")
                .await,
            src.value("SELECT j::text FROM everything WHERE id = 1")
                .await
        );
        assert_eq!(
            tgt.value("SELECT (e IS NULL)::text FROM everything WHERE id = 1")
                .await
                .as_deref(),
            Some("false")
        );
        assert_eq!(
            tgt.value("SELECT (e IS NULL)::text FROM everything WHERE id = 2")
                .await
                .as_deref(),
            Some("true")
        );
        assert_eq!(
            tgt.value("SELECT count(*)::text FROM events")
                .await
                .as_deref(),
            Some("300")
        );
        results.push(sums);
    }
    assert_eq!(
        results[0], results[1],
        "--jobs 1 and --jobs 4 must give the same data"
    );
}

/// `--output FILE` gives, once loaded with psql, exactly the data the
/// database sink gives, masked columns included; `-` writes to stdout.
#[tokio::test(flavor = "multi_thread")]
async fn the_sql_file_loads_the_same_data_as_the_database_sink() {
    let src = TestDb::create("out_src").await;
    src.exec(SCHEMA).await;
    let rules = Rules::new(
        "version: 1\nkey: ${DOPPEL_KEY}\ndefaults: { tables: keep }\ntables:\n  public.many:\n    columns:\n      id: keep\n      h: { tokenize: hex, length: 16 }\n      x: { round: 10 }\n",
    );
    let direct = TestDb::create("out_direct").await;
    assert_ok(&run(&src, &direct, &rules.path, &[], &[]));

    let file = rules.sibling("copy.sql");
    let f = file.to_string_lossy().to_string();
    let (r, url) = (rules.path.to_string_lossy().to_string(), src.url());
    assert_ok(&run_to_file(&src, &file, &rules.path));
    assert!(!rules.sibling(".copy.sql.partial").exists());
    let loaded = TestDb::create("out_loaded").await;
    psql_file(&loaded, &f);
    for t in TABLES {
        assert_eq!(loaded.table_md5(t).await, direct.table_md5(t).await, "{t}");
    }
    assert_ne!(loaded.table_md5("many").await, src.table_md5("many").await);
    assert_eq!(
        loaded
            .value("SELECT count(*)::text FROM pg_indexes WHERE schemaname = 'public'")
            .await,
        direct
            .value("SELECT count(*)::text FROM pg_indexes WHERE schemaname = 'public'")
            .await
    );
    // Standard output gives the same file.
    let out = doppel(
        &[
            "run",
            "--source",
            &url,
            "--output",
            "-",
            "--rules",
            &r,
            "--progress",
            "quiet",
        ],
        &[],
    );
    assert_ok(&out);
    let written = std::fs::read(&file).expect("file");
    let strip = |b: &[u8]| -> Vec<u8> {
        // The header names the snapshot, which differs between runs.
        let text = String::from_utf8_lossy(b).to_string();
        text.lines()
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes()
    };
    assert_eq!(strip(&out.stdout), strip(&written));
    // A file that cannot be written is an error, with nothing left behind.
    let bad = assert_fails(
        &doppel(
            &[
                "run",
                "--source",
                &url,
                "--output",
                "/nonexistent-dir/x.sql",
                "--rules",
                &r,
            ],
            &[],
        ),
        1,
    );
    assert!(bad.contains("--output /nonexistent-dir/x.sql"), "{bad}");
}
