//! `doppel token` against a real copy: for every deterministic masker kind
//! (tokenize formats, fakes with locales, partial, shift, generalize,
//! round, replace, scrub, json paths, each, unique phone, citext folding, a
//! `match:` rule, a `when` list decided by the value), the value printed is
//! exactly the one the copy holds for that row; treatments that do not
//! follow from the value are refused with exit 2 and the reason.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::harness::*;

const SCHEMA: &str = r#"
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE customers (
  id int PRIMARY KEY,
  login citext NOT NULL UNIQUE,
  handle citext,
  ref text,
  ext_id uuid,
  account bigint,
  card text,
  nik text,
  full_name text,
  phone text,
  mobile text,
  nric text,
  city text,
  backup_email text,
  iban text,
  born date,
  joined timestamptz,
  seen timestamp,
  salary numeric(12,2),
  balance numeric(12,2),
  order_ref varchar(20),
  notes text,
  profile jsonb,
  aliases text[],
  tier text,
  region text,
  segment text,
  secret text,
  plan text,
  upper_ref text,
  display text,
  nickname text,
  flag text,
  status text DEFAULT 'new',
  code text GENERATED ALWAYS AS (upper(ref)) STORED
);
INSERT INTO customers (id, login, handle, ref, ext_id, account, card, nik, full_name, phone,
  mobile, nric, city, backup_email, iban, born, joined, seen, salary, balance, order_ref, notes,
  profile, aliases, tier, region, segment, secret, plan, upper_ref, display, nickname, flag, status)
SELECT g,
       CASE WHEN g % 2 = 0 THEN 'Cust' || g || '@Mail.example' ELSE 'cust' || g || '@mail.example' END,
       'Handle-' || g || 'X',
       'REF-' || g,
       md5('ext' || g)::uuid,
       9000000000 + g * 17,
       '4111 1111 1111 ' || lpad(g::text, 4, '0'),
       '31740157089000' || lpad(g::text, 2, '0'),
       'Budi Santoso ' || g,
       '+62 812-3456-78' || lpad(g::text, 2, '0'),
       '+65 9123 45' || lpad(g::text, 2, '0'),
       'S12345' || lpad(g::text, 2, '0') || 'D',
       'Bandung',
       'backup' || g || '@home.example',
       'GB29 NWBK 6016 1331 9268 ' || lpad(g::text, 2, '0'),
       date '1980-01-01' + g * 40,
       timestamptz '2024-03-05 12:34:56+07' + (g || ' days')::interval,
       timestamp '2023-07-01 08:00:00' + (g || ' hours')::interval,
       40000 + g * 1234.56,
       1000 + g * 10.25,
       'ORD-2024-' || lpad(g::text, 5, '0'),
       'call +62 812 3456 78' || lpad(g::text, 2, '0') || E' or mail c' || g || '@home.example\tthanks',
       jsonb_build_object('email', 'p' || g || '@home.example', 'phones', jsonb_build_array('+6281234567' || g, '+6598765' || g), 'n', g),
       ARRAY['a' || g || '@home.example', 'b' || g || '@home.example'],
       CASE WHEN g % 3 = 0 THEN 'vip' ELSE 'gold-' || g END,
       CASE WHEN g % 4 = 0 THEN 'internal' ELSE 'Region ' || g END,
       CASE WHEN g % 5 = 0 THEN 'staff' ELSE 'segment ' || g END,
       's3cret', 'pro', 'ref', 'Cust ' || g, 'Nick' || g, 'f' || g, 'old'
  FROM generate_series(1, 12) g;
CREATE TABLE audit_log (id int PRIMARY KEY, login text);
"#;

const RULES: &str = r##"
version: 1
key: ${DOPPEL_KEY}
defaults:
  locale: en
match:
  - columns: ["*.*.*_email"]
    mask: { fake: email }
tables:
  public.customers:
    columns:
      id: keep
      login: { tokenize: email }
      handle: { tokenize: preserve }
      ref: { tokenize: hex, length: 12, prefix: "r_" }
      ext_id: { tokenize: uuid }
      account: { tokenize: integer }
      card: { tokenize: card }
      nik: { tokenize: digits }
      full_name: { fake: name, locale: id }
      phone: { fake: phone, unique: true }
      mobile: { fake: phone, locale: sg }
      nric: { fake: national_id, locale: sg }
      city: { fake: city, locale: id }
      iban: { partial: { keep_start: 4, keep_end: 2, with: "X" } }
      born: { shift: { days: 90 } }
      joined: { generalize: { to: month } }
      seen: { shift: { days: 3 } }
      salary: { round: 1000 }
      balance: { shift: { percent: 10 } }
      order_ref: { replace: { pattern: "[0-9]", with: "#" } }
      notes: { scrub: [email, phone] }
      profile:
        json:
          "$.email": { fake: email }
          "$.phones[*]": { tokenize: digits }
      aliases: { each: { fake: email } }
      tier:
        - when: "tier = 'vip'"
          mask: keep
        - mask: { tokenize: hex, length: 16 }
      region:
        - when: "region = 'internal'"
          mask: null
        - mask: { fake: city }
      segment:
        - when: "segment = 'staff'"
          mask: { sql: "'staff-' || id" }
        - mask: { tokenize: hex, length: 16 }
      secret: null
      plan: { value: free }
      upper_ref: { sql: "upper(ref)" }
      display: { template: "{full_name}" }
      nickname:
        - when: "id < 5"
          mask: keep
        - mask: { fake: first_name }
      flag:
        - when: "row_to_json(customers)->>'tier' = 'vip'"
          mask: keep
        - mask: { tokenize: hex }
      status: default
"##;

/// Every masked column whose values `token` computes, with the rows to
/// look up (a SQL condition on the source).
const LOOKUPS: &[(&str, &str)] = &[
    ("login", "true"),
    ("handle", "true"),
    ("ref", "true"),
    ("ext_id", "true"),
    ("account", "true"),
    ("card", "true"),
    ("nik", "true"),
    ("full_name", "true"),
    ("phone", "true"),
    ("mobile", "true"),
    ("nric", "true"),
    ("city", "true"),
    ("backup_email", "true"),
    ("iban", "true"),
    ("born", "true"),
    ("joined", "true"),
    ("seen", "true"),
    ("salary", "true"),
    ("balance", "true"),
    ("order_ref", "true"),
    ("notes", "true"),
    ("profile", "true"),
    ("aliases", "true"),
    ("tier", "true"),
    ("region", "region <> 'internal'"),
    ("segment", "segment <> 'staff'"),
    ("id", "true"),
];

/// Each row's first value of a query, as the server prints it (its output
/// function, UTC), in order; none may be NULL.
async fn values(db: &TestDb, sql: &str) -> Vec<String> {
    let c = db.client().await;
    c.batch_execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'")
        .await
        .unwrap();
    c.simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some(r.get(0).expect("no NULL in this test").to_string())
            }
            _ => None,
        })
        .collect()
}

/// `doppel token` for `column` of public.customers; `stdin` feeds standard
/// input; `key` false leaves DOPPEL_KEY unset.
fn token(
    src: &TestDb,
    rules: &Rules,
    column: &str,
    values: &[String],
    stdin: Option<&str>,
    key: bool,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_doppel"));
    cmd.args(["token", "--source", &src.url(), "--rules"])
        .arg(&rules.path)
        .args(["--column", &format!("public.customers.{column}")])
        .args(values)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if key {
        cmd.env("DOPPEL_KEY", KEY);
    } else {
        cmd.env_remove("DOPPEL_KEY");
    }
    let mut child = cmd.spawn().expect("run doppel token");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or("").as_bytes())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("doppel token output")
}

fn stdout_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn token_gives_the_value_the_copy_holds_for_every_deterministic_masker() {
    let src = TestDb::create("token_src").await;
    src.exec(SCHEMA).await;
    let rules = Rules::new(RULES);
    let tgt = TestDb::create("token_tgt").await;
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    for (column, rows) in LOOKUPS {
        let list = values(
            &src,
            &format!("SELECT id FROM customers WHERE {rows} ORDER BY id"),
        )
        .await
        .join(", ");
        let sql = format!("SELECT {column} FROM customers WHERE id IN ({list}) ORDER BY id");
        let (values, copy) = (values(&src, &sql).await, values(&tgt, &sql).await);
        let out = token(&src, &rules, column, &values, None, true);
        assert_ok(&out);
        assert_eq!(stdout_lines(&out), copy, "{column}");
        if *column != "id" {
            assert_ne!(values, copy, "{column} is masked in the copy");
        }
    }

    // The value is read as the column's type: citext folds case, a uuid
    // may be written in capitals, a date without leading zeros.
    let cases = [
        ("login", "upper(login::text)"),
        ("ext_id", "upper(ext_id::text)"),
        ("born", "to_char(born, 'YYYY-FMMM-FMDD')"),
    ];
    for (column, written) in cases {
        let given = values(
            &src,
            &format!("SELECT {written} FROM customers ORDER BY id"),
        )
        .await;
        let copy = values(&tgt, &format!("SELECT {column} FROM customers ORDER BY id")).await;
        let out = token(&src, &rules, column, &given, None, true);
        assert_ok(&out);
        assert_eq!(stdout_lines(&out), copy, "{column} written as {written}");
    }

    // A kept value (the `when` list's `keep`) is printed, with a note.
    let vip = token(&src, &rules, "tier", &["vip".into()], None, true);
    assert_ok(&vip);
    assert_eq!(stdout_lines(&vip), ["vip"]);
    assert!(
        String::from_utf8_lossy(&vip.stderr).contains("keeps 1 of the values unchanged"),
        "{}",
        String::from_utf8_lossy(&vip.stderr)
    );

    // Standard input: one value per line, CRLF accepted, order kept.
    let sql = "SELECT login FROM customers WHERE id IN (5, 2, 7) ORDER BY id DESC";
    let input: String = values(&src, sql)
        .await
        .iter()
        .map(|l| format!("{l}\r\n"))
        .collect();
    let expected = values(&tgt, sql).await;
    let out = token(&src, &rules, "login", &[], Some(&input), true);
    assert_ok(&out);
    assert_eq!(stdout_lines(&out), expected);
    assert_eq!(expected.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_refuses_what_does_not_follow_from_the_value() {
    let src = TestDb::create("token_refuse_src").await;
    src.exec(SCHEMA).await;
    let rules = Rules::new(RULES);
    let some = vec!["x".to_string()];
    for (column, why) in [
        ("secret", "is masked with `null`"),
        ("plan", "is masked with value(\"free\")"),
        ("upper_ref", "is masked with `sql: upper(ref)`"),
        ("display", "built from other columns of the row"),
        ("status", "is masked with `default`"),
        ("code", "is a generated column"),
        ("nickname", "conditions refer to other columns of the row"),
        ("flag", "refers to customers as a whole row"),
        ("no_such", "unknown column public.customers.no_such"),
    ] {
        let out = token(&src, &rules, column, &some, None, true);
        let err = assert_fails(&out, 2);
        assert!(
            err.contains(&format!("public.customers.{column}")) && err.contains(why),
            "{column}: {err}"
        );
        assert!(out.stdout.is_empty(), "{column}: {:?}", out.stdout);
    }

    // A value whose `when` entry is `null`: refused, naming the value's place.
    let values = vec!["Region 1".to_string(), "internal".to_string()];
    let out = token(&src, &rules, "region", &values, None, true);
    let err = assert_fails(&out, 2);
    assert!(
        err.contains("1 of 2 values has no token")
            && err.contains("value 2: its `when` list gives such values NULL"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = token(&src, &rules, "segment", &["staff".into()], None, true);
    let err = assert_fails(&out, 2);
    assert!(
        err.contains("value 1: its `when` list gives such values a value the source computes from the whole row (`sql:`)"),
        "{err}"
    );

    // A value the column's type does not hold.
    let out = token(&src, &rules, "born", &["1980-13-45".into()], None, true);
    let err = assert_fails(&out, 2);
    assert!(err.contains("cannot read it as date"), "{err}");

    // A table whose rows are not copied.
    let out = doppel(
        &[
            "token",
            "--source",
            &src.url(),
            "--rules",
            &rules.path.to_string_lossy(),
            "--column",
            "public.audit_log.login",
            "x",
        ],
        &[],
    );
    let err = assert_fails(&out, 2);
    assert!(
        err.contains("public.audit_log is not copied (no rule"),
        "{err}"
    );

    // Keyed maskers need the key; nothing of it is printed.
    let out = token(&src, &rules, "login", &some, None, false);
    let err = assert_fails(&out, 2);
    assert!(
        err.contains("need the key the copy was made with") && err.contains("DOPPEL_KEY"),
        "{err}"
    );
    assert!(out.stdout.is_empty() && !err.contains(KEY));
    // Unkeyed maskers do not.
    let out = token(
        &src,
        &rules,
        "iban",
        &["GB29 NWBK 6016".into()],
        None,
        false,
    );
    assert_ok(&out);
    assert_eq!(stdout_lines(&out), ["GB29XXXXXXXX16"]);
}
