//! Binary COPY: the same target as text COPY for every type of the
//! fidelity test, with kept, masked and NULL values; the binary forms
//! doppel writes are the ones PostgreSQL sends; and the plan says which
//! format each table uses and why.

use bytes::BytesMut;
use futures_util::StreamExt;

use crate::copy_fidelity::{SCHEMA, TABLES};
use crate::harness::*;
use doppel::copy::{text, WireType};

/// More masked types, conditions, and a table that must stay in text.
const MORE: &str = r#"
CREATE TABLE numbers (
  id int PRIMARY KEY, s smallint, i int, l bigint, flag boolean, note text,
  tags text[], stamps timestamptz[], ips inet[], days date[], ns numeric[], ids uuid[], grid int[]
);
INSERT INTO numbers SELECT g, g - 100, g * 1000, g * 100000000000, g % 3 = 0, 'note ' || g,
  ARRAY['t' || g, NULL, 'with space'], ARRAY[timestamptz '2024-01-01 10:00:00.25+02' + g * interval '1 day', NULL],
  ARRAY[('10.0.0.' || g)::inet, '::1'], ARRAY[date '2020-02-29' + g, 'infinity'], ARRAY[g * 1.50, NULL, 'NaN'],
  ARRAY[md5(g::text)::uuid], '[0:1]={5,6}'
  FROM generate_series(1, 60) g;
INSERT INTO numbers (id) VALUES (0);
CREATE TABLE spent (id int, amount money, took interval);
INSERT INTO spent VALUES (1, 12.5, '1 day'), (2, NULL, NULL);
"#;

const RULES: &str = r##"
version: 1
key: ${DOPPEL_KEY}
defaults: { tables: keep }
tables:
  public.everything:
    columns:
      "*": keep
      t: { scrub: [email, phone] }
      e: { tokenize: hex }
      j: { json: { "$.a": { value: "9" } } }
      jb: { json: { "$.a": { tokenize: hex } } }
      arr: { each: { tokenize: hex } }
      iarr: { each: { tokenize: integer } }
      num: { value: "42.50" }
      d: { value: "1.5e2" }
      m: { value: "ok" }
      ts: { shift: { days: 30 } }
      tstz: { generalize: { to: month } }
      dt: { shift: { days: 10 } }
      ip: { fake: ipv4 }
      cid: { value: "10.1.0.0/16" }
      u: { tokenize: uuid }
      c: { partial: { keep_start: 1, with: "X" } }
      vc: { tokenize: preserve }
  public.numbers:
    columns:
      id: keep
      s: { tokenize: integer }
      i: { tokenize: integer }
      l: { tokenize: integer }
      flag: keep
      note:
        - when: flag
          mask: { tokenize: hex }
        - mask: keep
      tags: { each: { tokenize: preserve } }
      stamps: { each: { shift: { days: 5 } } }
      ips: { each: { fake: ipv4 } }
      days: { each: { shift: { days: 5 } } }
      ns: { each: { value: "-1.25e-2" } }
      ids: { each: { tokenize: uuid } }
      grid: { each: { tokenize: integer } }
  public.spent:
    columns:
      id: keep
      amount: keep
      took: { value: "2 days" }
"##;

#[tokio::test(flavor = "multi_thread")]
async fn binary_and_text_give_the_same_target_for_every_type() {
    let src = TestDb::create("bin_src").await;
    src.exec(SCHEMA).await;
    src.exec(MORE).await;
    let rules = Rules::new(RULES);
    let by_text = TestDb::create("bin_text").await;
    assert_ok(&run(
        &src,
        &by_text,
        &rules.path,
        &["--copy-format", "text"],
        &[],
    ));
    let by_binary = TestDb::create("bin_binary").await;
    assert_ok(&run(
        &src,
        &by_binary,
        &rules.path,
        &["--copy-format", "binary", "--jobs", "3"],
        &[],
    ));
    let tables: Vec<&str> = TABLES.iter().copied().chain(["numbers", "spent"]).collect();
    for t in &tables {
        let (a, b) = (by_text.table_md5(t).await, by_binary.table_md5(t).await);
        assert_eq!(a, b, "table {t}: text and binary COPY differ");
        // Byte for byte, not only as text.
        let bytes = format!("SELECT md5(string_agg(t::text, '' ORDER BY t::text)) FROM {t} t");
        assert_eq!(
            by_text.value(&bytes).await,
            by_binary.value(&bytes).await,
            "{t}"
        );
    }
    for t in &tables[1..6] {
        assert_eq!(
            src.table_md5(t).await,
            by_binary.table_md5(t).await,
            "kept table {t}"
        );
    }
    for t in ["everything", "numbers", "spent"] {
        assert_ne!(
            src.table_md5(t).await,
            by_binary.table_md5(t).await,
            "{t} is masked"
        );
    }
    // Kept columns arrive unchanged, NULLs stay NULL, in binary too.
    for c in [
        "bin", "rng", "trng", "p", "iv", "f4", "f8", "b", "bits", "mac", "pt", "x",
    ] {
        let q = format!("SELECT md5(string_agg(coalesce({c}::text, '<null>'), ',' ORDER BY id)) FROM everything");
        assert_eq!(
            src.value(&q).await,
            by_binary.value(&q).await,
            "kept column {c}"
        );
    }
    let nulls =
        "SELECT count(*)::text FROM numbers WHERE tags IS NULL AND ids IS NULL AND s IS NULL";
    assert_eq!(by_binary.value(nulls).await.as_deref(), Some("1"));
    assert_eq!(
        by_binary
            .value("SELECT d::text FROM everything WHERE id = 1")
            .await
            .as_deref(),
        Some("150")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_says_which_format_each_table_uses_and_why() {
    let src = TestDb::create("bin_plan").await;
    src.exec(SCHEMA).await;
    src.exec(MORE).await;
    let rules = Rules::new(RULES);
    let r = rules.path.to_string_lossy().to_string();
    let url = src.url();
    let out = doppel(&["plan", "--source", &url, "--rules", &r], &[]);
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_contains(
        &text,
        &[
            "COPY \"public\".\"everything\" (",
            "TO STDOUT WITH (FORMAT binary)",
            "format: binary (masked columns are decoded from and encoded to their binary forms)",
            "format: binary (every column passes through as bytes)",
            "format: text (took (interval) is masked, and doppel has no binary form for its type)",
        ],
    );
    let out = doppel(
        &[
            "plan",
            "--source",
            &url,
            "--rules",
            &r,
            "--format",
            "json",
            "--copy-format",
            "text",
        ],
        &[],
    );
    assert_ok(&out);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    let tables = doc["tables"].as_array().expect("tables");
    let spent = tables
        .iter()
        .find(|t| t["table"] == "public.spent")
        .expect("spent");
    assert_eq!(spent["copy_format"][0]["format"], "text");
    assert_eq!(spent["copy_format"][0]["because"], "--copy-format text");
}

/// Values of each type, as SQL literals.
const VALUES: &[(&str, &[&str])] = &[
    (
        "uuid",
        &[
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "00000000-0000-0000-0000-000000000000",
            "{FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}",
        ],
    ),
    ("int2", &["-32768", "32767", "0"]),
    ("int4", &["-2147483648", "2147483647", " 42 "]),
    ("int8", &["-9223372036854775808", "9223372036854775807"]),
    (
        "numeric",
        &[
            "0",
            "-0.00",
            "123.4500",
            "1e-3",
            "1.5e3",
            "-1.25E+2",
            "NaN",
            "Infinity",
            "-Infinity",
            "10000",
            "0.0001",
            "123456789012345678901234567890.123456789012345678901234567890",
            "0.000000000000000000001",
            "-99999.99990",
            " 7 ",
        ],
    ),
    ("numeric(10,2)", &["3.14159", "-2.005", "1e2"]),
    (
        "date",
        &[
            "2024-02-29",
            "0001-01-01 BC",
            "4713-01-01 BC",
            "5874897-12-31",
            "infinity",
            "-infinity",
            "1999-12-31",
            "2000-01-01",
            "epoch",
            "12345-06-07",
        ],
    ),
    (
        "timestamp",
        &[
            "1999-12-31 23:59:59.999999",
            "294276-12-31 23:59:59.999999",
            "4713-11-24 00:00:00 BC",
            "infinity",
            "-infinity",
            "2024-02-29 12:34:56.5",
            "0044-03-15 12:00:00 BC",
            "2024-03-01 24:00:00",
            "2000-01-01T10:00:00+05",
        ],
    ),
    ("timestamp(0)", &["2024-02-29 12:34:56.5"]),
    (
        "timestamptz",
        &[
            "2000-01-01 00:00:00.000001+14",
            "2024-06-01 12:00:00-03:30",
            "1900-01-01 00:00:00Z",
            "infinity",
            "0044-03-15 12:00:00+01 BC",
            "2024-01-01",
        ],
    ),
    (
        "inet",
        &[
            "192.168.1.1/24",
            "192.168.1.1",
            "::1",
            "::ffff:1.2.3.4",
            "::1.2.3.4",
            "2001:db8:0:0:1:0:0:1",
            "fe80::1/64",
            "::",
            "1::",
            "0.0.0.0/0",
            "::2:3:4:5:6:7",
            "::2",
            "1:2:3:4:5:6:7:8",
        ],
    ),
    (
        "cidr",
        &[
            "10.0.0.0/8",
            "::/0",
            "fe80::/64",
            "192.168.0.0/16",
            "2001:db8::/32",
            "1.2.3.4/32",
        ],
    ),
    ("json", &[r#"{ "a" : 1,  "a": 2 }"#, "[]"]),
    (
        "jsonb",
        &[r#"{"b": [true, null], "a": "x\ty"}"#, "{}", "1.50"],
    ),
    (
        "text[]",
        &[
            r#"{"with \"quotes\"",NULL,"comma, here","back\\slash","",null,"NULL"," sp ",ünï}"#,
            "{}",
        ],
    ),
    (
        "int4[]",
        &[
            "{{1,2},{3,NULL}}",
            "[0:1]={5,6}",
            "[-2:-1][3:4]={{1,2},{3,4}}",
            "{ 1 , 2 }",
        ],
    ),
    ("uuid[]", &["{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}"]),
    ("numeric[]", &["{1.50,NaN,-1e-3}"]),
    ("date[]", &["{2024-02-29,infinity,\"0001-01-01 BC\"}"]),
    ("timestamptz[]", &["{\"2024-01-01 10:00:00.25+02\",NULL}"]),
    ("inet[]", &["{::1,10.0.0.1/8}"]),
    ("varchar(3)", &["abc"]),
    ("char(5)", &["ab"]),
    ("name", &["a_name"]),
];

/// The binary value and the text value of each row of a one-column query.
async fn both_forms(db: &TestDb, query: &str) -> Vec<(Option<Vec<u8>>, Option<String>)> {
    let c = db.client().await;
    c.batch_execute(doppel::pg::session::SESSION_SETTINGS)
        .await
        .expect("settings");
    let read = |fmt: &'static str| {
        let c = &c;
        async move {
            let s = c
                .copy_out(&format!("COPY ({query}) TO STDOUT WITH (FORMAT {fmt})"))
                .await
                .expect("copy");
            let mut s = std::pin::pin!(s);
            let mut all = BytesMut::new();
            while let Some(chunk) = s.next().await {
                all.extend_from_slice(&chunk.expect("chunk"));
            }
            all.to_vec()
        }
    };
    let bin = read("binary").await;
    let txt = read("text").await;
    let texts: Vec<Option<String>> = String::from_utf8(txt)
        .expect("utf8")
        .lines()
        .map(|l| text::decode_lossy(l.as_bytes()))
        .collect();
    let mut at = 19;
    let mut out = Vec::new();
    for t in texts {
        assert_eq!(&bin[at..at + 2], &[0, 1], "one field per row");
        let len = i32::from_be_bytes(bin[at + 2..at + 6].try_into().expect("len"));
        at += 6;
        let value = (len >= 0).then(|| bin[at..at + len as usize].to_vec());
        at += len.max(0) as usize;
        out.push((value, t));
    }
    assert_eq!(&bin[at..], &[0xff, 0xff]);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_forms_are_the_ones_postgres_sends() {
    let db = TestDb::create("bin_forms").await;
    for (ty, values) in VALUES {
        let rows: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("({i}, {})", doppel::pg::quote_literal(v)))
            .collect();
        let query = format!(
            "SELECT v::{ty} FROM (VALUES {}) AS u(n, v) ORDER BY n",
            rows.join(", ")
        );
        let base = ty.split('(').next().unwrap_or(ty);
        let send = match base.strip_suffix("[]") {
            Some(e) => format!("array_send:{}", send_of(e)),
            None => send_of(base).to_string(),
        };
        let wire = WireType::from_send(&send).unwrap_or_else(|| panic!("{ty}"));
        for ((bin, txt), input) in both_forms(&db, &query).await.into_iter().zip(values.iter()) {
            let (bin, txt) = (bin.expect("value"), txt.expect("text"));
            let mut decoded = String::new();
            wire.decode(&bin, &mut decoded)
                .unwrap_or_else(|e| panic!("{ty} {input}: {e}"));
            assert_eq!(
                decoded, txt,
                "{ty}: decoding what PostgreSQL sends for {input}"
            );
            // Encoding the input text gives what PostgreSQL stores for it
            // (a typmod is applied by the server, on both paths alike).
            if !ty.contains('(') {
                let mut encoded = Vec::new();
                wire.encode(input, &bin, &mut encoded)
                    .unwrap_or_else(|e| panic!("{ty} {input}: {e}"));
                // jsonb is sent as its text, which the server normalises;
                // numeric infinities are sent with a display scale the
                // server ignores when it receives them.
                if base != "jsonb" && !(base == "numeric" && input.contains("Inf")) {
                    assert_eq!(encoded, bin, "{ty}: encoding {input}");
                }
            }
        }
    }
}

fn send_of(ty: &str) -> &str {
    match ty {
        "int2" => "int2send",
        "int4" => "int4send",
        "int8" => "int8send",
        "text" => "textsend",
        "varchar" => "varcharsend",
        "char" => "bpcharsend",
        "name" => "namesend",
        other => match other {
            "uuid" => "uuid_send",
            "numeric" => "numeric_send",
            "date" => "date_send",
            "timestamp" => "timestamp_send",
            "timestamptz" => "timestamptz_send",
            "json" => "json_send",
            "jsonb" => "jsonb_send",
            "inet" => "inet_send",
            "cidr" => "cidr_send",
            _ => "unknown",
        },
    }
}
