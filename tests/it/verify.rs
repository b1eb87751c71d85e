//! `doppel verify` and `run --verify` against a real copy: a clean copy
//! (with fakes that collide with common real values) passes; leaks planted
//! in a kept column, in a jsonb key and inside a note are each found and
//! located without the value being printed; a dropped foreign key and
//! missing rows are integrity findings; a rule that lets a value through
//! fails `run --verify` with exit 4 and the target given back.

use crate::harness::*;

const SOURCE: &str = "
CREATE TABLE users (
  id int PRIMARY KEY CHECK (id > 0),
  email text NOT NULL UNIQUE,
  first_name text,
  contact text,
  city text,
  birth_city text,
  prefs jsonb
);
CREATE TABLE notes (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users(id), body text);
INSERT INTO users
SELECT g, 'person' || g || '@corp.example',
       (ARRAY['Amelia','Oliver','Charlotte','William','Sophia','Benjamin'])[1 + g % 6],
       'none given',
       (ARRAY['Amsterdam','Rotterdam','Utrecht','London','Sydney'])[1 + g % 5],
       (ARRAY['Amsterdam','Rotterdam','Utrecht','London','Sydney'])[1 + (g / 7) % 5],
       jsonb_build_object('phone', '+3161234' || lpad(g::text, 4, '0'), 'theme', 'dark')
FROM generate_series(1, 300) g;
INSERT INTO notes SELECT g, 1 + g % 300, 'called the customer about invoice ' || g
FROM generate_series(1, 600) g;
";

fn rules(contact: &str) -> Rules {
    Rules::new(&format!(
        "version: 1
key: ${{DOPPEL_KEY}}
tables:
  public.users:
    columns:
      id: keep
      email: {{ fake: email }}
      first_name: {{ fake: first_name }}
      contact: {contact}
      city: keep
      birth_city: {{ fake: city }}
      prefs:
        json:
          \"$.phone\": {{ fake: phone }}
  public.notes:
    columns:
      id: keep
      user_id: keep
      body: {{ scrub: [email, phone] }}
"
    ))
}

fn verify(
    src: &TestDb,
    tgt: &TestDb,
    rules: &Rules,
    report: &std::path::Path,
) -> std::process::Output {
    verify_with(src, tgt, rules, report, &[])
}

fn verify_with(
    src: &TestDb,
    tgt: &TestDb,
    rules: &Rules,
    report: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let (s, t, r, p) = (
        src.url(),
        tgt.url(),
        rules.path.to_string_lossy().to_string(),
        report.to_string_lossy().to_string(),
    );
    let mut args = vec![
        "verify", "--source", &s, "--target", &t, "--rules", &r, "--report", &p,
    ];
    args.extend_from_slice(extra);
    doppel(&args, &[])
}

#[tokio::test]
async fn finds_planted_leaks_and_passes_a_clean_copy() {
    let src = TestDb::create("verify_src").await;
    let tgt = TestDb::create("verify_tgt").await;
    src.exec(SOURCE).await;
    let rules = rules("keep");
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    let report = rules.sibling("verify.json");

    let clean = verify(&src, &tgt, &rules, &report);
    assert_ok(&clean);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(doc["outcome"], "clean");
    assert_eq!(doc["rows_scanned"], 900);
    // Fake first names equal to real ones are coincidences, not leaks.
    let collisions = tgt
        .value("SELECT count(*)::text FROM users WHERE first_name IN ('Amelia','Oliver','Charlotte','William','Sophia','Benjamin')")
        .await
        .unwrap();
    assert_ne!(collisions, "0", "the test needs fakes equal to real values");

    let planted = [
        "person7@corp.example",
        "+31612340042",
        "person99@corp.example",
    ];
    tgt.exec(&format!(
        "UPDATE users SET contact = '{}' WHERE id = 3;
         UPDATE users SET prefs = prefs || jsonb_build_object('backup', '{}') WHERE id = 42;
         UPDATE notes SET body = body || ' mail {} asap' WHERE id = 5;",
        planted[0], planted[1], planted[2]
    ))
    .await;
    let err = assert_fails(&verify(&src, &tgt, &rules, &report), 4);
    let json = std::fs::read_to_string(&report).unwrap();
    for v in planted {
        assert!(!err.contains(v) && !json.contains(v), "{v} printed:\n{err}");
    }
    for line in [
        "leak: public.users.contact (id=3) holds a value of public.users.email",
        "leak: public.users.prefs (id=42) holds in its text a value of public.users.prefs (the same row's own value)",
        "leak: public.notes.body (id=5) holds in its text a value of public.users.email (a rare source value)",
    ] {
        assert!(err.contains(line), "missing `{line}` in:\n{err}");
    }
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["outcome"], "findings");
    assert_eq!(doc["leaks_total"], 3, "{json}");
    // One session per side finds the same, listed in the same order.
    let serial = rules.sibling("verify-serial.json");
    assert_fails(
        &verify_with(&src, &tgt, &rules, &serial, &["--jobs", "1"]),
        4,
    );
    let one: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&serial).unwrap()).unwrap();
    assert_eq!(one["leaks"], doc["leaks"]);

    tgt.exec(
        "UPDATE users SET contact = 'none given' WHERE id = 3;
         UPDATE users SET prefs = prefs - 'backup' WHERE id = 42;
         UPDATE notes SET body = 'fine' WHERE id = 5;
         ALTER TABLE notes DROP CONSTRAINT notes_user_id_fkey;
         DELETE FROM notes WHERE id = 1;",
    )
    .await;
    let err = assert_fails(&verify(&src, &tgt, &rules, &report), 4);
    assert!(
        err.contains("integrity: public.notes: foreign key notes_user_id_fkey of the source is missing in the target"),
        "{err}"
    );
    assert!(
        err.contains(
            "integrity: public.notes: holds 599 rows, the source (with the rules' filter) has 600"
        ),
        "{err}"
    );
    assert!(
        err.contains("verify: findings: 0 leaks, 2 integrity findings"),
        "{err}"
    );
}

#[tokio::test]
async fn run_verify_fails_a_run_whose_rules_let_a_value_through() {
    let src = TestDb::create("verify_run_src").await;
    let tgt = TestDb::create("verify_run_tgt").await;
    src.exec(SOURCE).await;
    // `contact` computed from the email: the copy holds every real email.
    let leaky = rules("{ sql: \"lower(email)\" }");
    let err = assert_fails(&run(&src, &tgt, &leaky.path, &["--verify"], &[]), 4);
    assert!(
        err.contains("leak: public.users.contact (id=1) holds a value of public.users.email (the same row's own value)"),
        "{err}"
    );
    assert!(!err.contains("person1@corp.example"), "{err}");
    assert_eq!(
        tgt.user_tables().await,
        0,
        "the target was not given back:\n{err}"
    );

    // The same run with a masked contact passes and completes.
    let clean = rules("{ fake: email }");
    let out = run(&src, &tgt, &clean.path, &["--verify"], &[]);
    assert_ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("verify: clean: 0 leaks, 0 integrity findings"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn run_verify_reads_the_source_in_the_runs_own_snapshot() {
    let src = TestDb::create("verify_snap_src").await;
    let tgt = TestDb::create("verify_snap_tgt").await;
    src.exec(SOURCE).await;
    // A kept contact that is no one's email when the run starts.
    src.exec("UPDATE users SET contact = 'old.desk@corp.example' WHERE id = 1")
        .await;
    let rules = rules("keep");
    let resume = rules.sibling("resume");
    let resume_env = resume.to_string_lossy().to_string();
    let mut child = spawn_run_urls(
        &src.url(),
        &tgt.url(),
        &rules.path,
        &["--verify"],
        &[
            ("DOPPEL_PAUSE_BEFORE", "verify"),
            ("DOPPEL_RESUME_FILE", &resume_env),
        ],
    );
    let log = wait_for_line(&mut child, "paused before verify");
    // After the data pass, user 2 takes that address over on the source.
    src.exec("UPDATE users SET email = 'old.desk@corp.example' WHERE id = 2")
        .await;
    std::fs::write(&resume, "").unwrap();
    let status = child.wait().unwrap();
    let log = log.lock().unwrap().clone();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("verify: clean: 0 leaks"), "{log}");

    // Read in a new snapshot, the kept contact is now user 2's email.
    let report = rules.sibling("verify.json");
    let err = assert_fails(&verify(&src, &tgt, &rules, &report), 4);
    assert!(
        err.contains("leak: public.users.contact (id=1) holds a value of public.users.email (a rare source value)"),
        "{err}"
    );
}

const SHAPES: &str = r#"
CREATE TABLE people (
  id int PRIMARY KEY,
  email text NOT NULL,
  nickname text,
  aliases text[],
  contacts jsonb,
  tags varchar[],
  notes text,
  extra jsonb
);
INSERT INTO people
SELECT g, 'person' || g || '@corp.example',
       CASE WHEN g % 2 = 1 THEN 'Jo "Ace" Ray ' || g ELSE 'CORP\jray' || g END,
       ARRAY['alias' || g || '@old.example', 'second' || g],
       jsonb_build_object('phone', '+3161234' || lpad(g::text, 4, '0')),
       ARRAY['tag-a', 'tag-b'], 'nothing to see', '{"theme": "dark"}'
FROM generate_series(1, 50) g;
"#;

const SHAPE_RULES: &str = "version: 1
key: ${DOPPEL_KEY}
tables:
  public.people:
    columns:
      id: keep
      email: { fake: email }
      nickname: { fake: name }
      aliases: null
      contacts: null
      tags: keep
      notes: keep
      extra: keep
";

#[tokio::test]
async fn finds_values_in_array_elements_and_escaped_in_json() {
    let src = TestDb::create("verify_shape_src").await;
    let tgt = TestDb::create("verify_shape_tgt").await;
    src.exec(SHAPES).await;
    let rules = Rules::new(SHAPE_RULES);
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    let report = rules.sibling("verify.json");
    assert_ok(&verify(&src, &tgt, &rules, &report));

    tgt.exec(
        r#"UPDATE people SET tags = ARRAY['x', 'person7@corp.example'] WHERE id = 3;
           UPDATE people SET tags = ARRAY['alias9@old.example'] WHERE id = 4;
           UPDATE people SET extra = '{"nick": "Jo \"Ace\" Ray 11"}' WHERE id = 5;
           UPDATE people SET extra = jsonb_build_object('login', 'CORP\jray12') WHERE id = 6;
           UPDATE people SET notes = 'call +31612340021 after six' WHERE id = 9;"#,
    )
    .await;
    let err = assert_fails(&verify(&src, &tgt, &rules, &report), 4);
    for line in [
        "leak: public.people.tags (id=3) holds as an array element a value of public.people.email (a rare source value)",
        "leak: public.people.tags (id=4) holds as an array element a value of public.people.aliases (a rare source value)",
        "leak: public.people.extra (id=5) holds in its text a value of public.people.nickname (a rare source value)",
        "leak: public.people.extra (id=6) holds in its text a value of public.people.nickname (a rare source value)",
        "leak: public.people.notes (id=9) holds in its text a value of public.people.contacts (a rare source value)",
    ] {
        assert!(err.contains(line), "missing `{line}` in:\n{err}");
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(doc["leaks_total"], 5, "{err}");
    for v in [
        "person7@corp.example",
        "alias9@old.example",
        "Ray 11",
        "jray12",
        "+31612340021",
    ] {
        assert!(!err.contains(v), "{v} printed:\n{err}");
    }
}
