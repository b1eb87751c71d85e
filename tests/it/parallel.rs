//! One big table on every core: a table masked on several threads gives
//! the bytes one thread gives; a table read in ctid ranges gives the rows
//! one read gives (with a filter, and for partitions); both in text and in
//! binary COPY, which give the same table; a range that fails leaves
//! nothing of the table.

use crate::harness::*;

/// ~20,000 notes of ~300 bytes with addresses and phone numbers (several
/// MB, so that masking runs in many batches and a 256kB threshold splits
/// the table into many ranges), a partitioned table, and a few rows whose
/// text needs escapes.
const SCHEMA: &str = r#"
CREATE TABLE notes (
  id int PRIMARY KEY,
  kind text NOT NULL,
  body text,
  n int NOT NULL
);
INSERT INTO notes
SELECT g, CASE WHEN g % 3 = 0 THEN 'call' ELSE 'mail' END,
       CASE WHEN g % 17 = 0 THEN NULL ELSE
         'Customer ' || g || ' wrote from user' || g || '@example.com about the export; '
         || 'call back on +1 415 555 ' || lpad((g % 10000)::text, 4, '0') || ' or +44 20 7946 '
         || lpad(((g * 7) % 10000)::text, 4, '0') || E'.\tTabs, \\ and\nnew lines stay escaped. '
         || repeat('Steps to reproduce: open the dashboard and refresh twice. ', 3) END,
       g % 1000
FROM generate_series(1, 20000) g;
CREATE TABLE events (id int, at date NOT NULL, note text) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events
SELECT g, DATE '2024-06-01' + (g % 400), 'seen ann' || g || '@example.org ' || repeat('x', 200)
FROM generate_series(1, 12000) g;
ANALYZE;
"#;

fn rules(filter: &str, n: &str) -> Rules {
    Rules::new(&format!(
        r#"
version: 1
key: ${{DOPPEL_KEY}}
tables:
  public.notes:
    {filter}
    columns:
      id: keep
      kind: keep
      body: {{ scrub: [email, phone] }}
      n: {n}
  public.events:
    columns:
      id: keep
      at: keep
      note: {{ scrub: [email] }}
"#
    ))
}

/// The two COPY formats.
const FORMATS: [&str; 2] = ["text", "binary"];

async fn copy(
    src: &TestDb,
    label: &str,
    rules: &Rules,
    extra: &[&str],
    format: &str,
) -> (String, String) {
    let tgt = TestDb::create(&format!("{label}_{format}")).await;
    let out = run(src, &tgt, &rules.path, &with_format(extra, format), &[]);
    assert_ok(&out);
    let log = String::from_utf8_lossy(&out.stderr);
    let split = log.matches("ranges of heap blocks").count();
    // notes and both partitions of events are above 256kB.
    let want = if extra.contains(&"256kB") { 3 } else { 0 };
    assert_eq!(split, want, "{log}");
    (tgt.table_md5("notes").await, tgt.table_md5("events").await)
}

/// `extra` with `--copy-format format`.
fn with_format<'a>(extra: &[&'a str], format: &'a str) -> Vec<&'a str> {
    let mut args = extra.to_vec();
    args.extend(["--copy-format", format]);
    args
}

/// The rows of `notes` in the order the load wrote them.
async fn loaded_order(
    src: &TestDb,
    label: &str,
    rules: &Rules,
    extra: &[&str],
    format: &str,
) -> String {
    let tgt = TestDb::create(&format!("{label}_{format}")).await;
    assert_ok(&run(
        src,
        &tgt,
        &rules.path,
        &with_format(extra, format),
        &[],
    ));
    tgt.value("SELECT md5(string_agg(t::text, E'\\n' ORDER BY ctid)) FROM notes t")
        .await
        .unwrap_or_default()
}

/// The SQL file of a copy, without its first line (it names the snapshot).
fn sql_file(src: &TestDb, rules: &Rules, threads: &str) -> String {
    let file = rules.sibling(&format!("copy-{threads}.sql"));
    let (f, r) = (file.to_string_lossy(), rules.path.to_string_lossy());
    let args = [
        "run",
        "--source",
        &src.url(),
        "--output",
        &f,
        "--rules",
        &r,
        "--mask-threads",
        threads,
    ];
    assert_ok(&doppel(&args, &[]));
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    text.split_once('\n')
        .map(|(_, rest)| rest.to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn masking_threads_give_the_serial_copy() {
    let src = TestDb::create("par_src").await;
    src.exec(SCHEMA).await;
    let plain = rules("", "keep");
    let one = ["--mask-threads", "1"];
    let want = copy(&src, "par_serial", &plain, &one, "text").await;
    assert!(want.0.ends_with(":20000"), "{}", want.0);
    assert!(want.1.ends_with(":12000"), "{}", want.1);
    let threads = ["--mask-threads", "4", "--jobs", "1"];
    for format in FORMATS {
        assert_eq!(copy(&src, "par_serial", &plain, &one, format).await, want);
        assert_eq!(
            copy(&src, "par_threads", &plain, &threads, format).await,
            want
        );
        // Byte for byte and in order: the stream the target loaded.
        assert_eq!(
            loaded_order(&src, "par_order1", &plain, &one, format).await,
            loaded_order(&src, "par_order4", &plain, &threads, format).await,
            "{format}"
        );
    }
    // The SQL file (text COPY blocks whatever the format).
    let serial_file = sql_file(&src, &plain, "1");
    assert!(
        serial_file.contains("\"notes\" (\"id\", \"kind\", \"body\", \"n\") FROM stdin;\n"),
        "{}",
        serial_file
            .lines()
            .filter(|l| l.starts_with("COPY"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(serial_file, sql_file(&src, &plain, "3"));
}

#[tokio::test(flavor = "multi_thread")]
async fn ranges_give_the_whole_table_copy() {
    let src = TestDb::create("par_rsrc").await;
    src.exec(SCHEMA).await;
    let plain = rules("", "keep");
    let serial = ["--mask-threads", "1", "--split-above", "0"];
    let want = copy(&src, "par_serial", &plain, &serial, "text").await;
    assert!(want.0.ends_with(":20000"), "{}", want.0);
    assert!(want.1.ends_with(":12000"), "{}", want.1);
    let filtered = rules("filter: \"id % 7 <> 3 AND kind = 'mail'\"", "keep");
    let fwant = copy(&src, "par_fserial", &filtered, &serial, "text").await;
    assert!(!fwant.0.ends_with(":20000") && !fwant.0.ends_with(":0"));

    let split = [
        "--mask-threads",
        "3",
        "--split-above",
        "256kB",
        "--jobs",
        "3",
    ];
    // One mask thread per range reader, and several per table.
    let split_one = [&split[2..], &["--mask-threads", "1"][..]].concat();
    for format in FORMATS {
        assert_eq!(copy(&src, "par_split", &plain, &split, format).await, want);
        assert_eq!(
            copy(&src, "par_split1", &plain, &split_one, format).await,
            want
        );
        assert_eq!(
            copy(&src, "par_fsplit", &filtered, &split, format).await,
            fwant
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_shows_the_ranges_of_a_large_table() {
    let src = TestDb::create("par_plan").await;
    src.exec(SCHEMA).await;
    let r = rules("", "keep");
    let p = r.path.to_string_lossy().to_string();
    let out = doppel(
        &[
            "plan",
            "--source",
            &src.url(),
            "--rules",
            &p,
            "--split-above",
            "1MB",
        ],
        &[],
    );
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_contains(
        &text,
        &[
            "read in ",
            " ranges of heap blocks",
            "range 1 of ",
            "ctid >= '(",
            "FORMAT binary",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_range_that_fails_leaves_nothing_of_the_table() {
    let src = TestDb::create("par_fail_src").await;
    src.exec(SCHEMA).await;
    // Row 19990 is in the last range; the source fails while reading it.
    let failing = rules(
        "",
        "{ sql: \"CASE WHEN id = 19990 THEN 1 / (id - 19990) ELSE n END\" }",
    );
    let tgt = TestDb::create("par_fail_tgt").await;
    let out = run(
        &src,
        &tgt,
        &failing.path,
        &["--split-above", "256kB", "--jobs", "2"],
        &[],
    );
    let err = assert_fails(&out, 1);
    assert_contains(&err, &["notes", "division by zero"]);
    assert_eq!(tgt.user_tables().await, 0, "{err}");
}
