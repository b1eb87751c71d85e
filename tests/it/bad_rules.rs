//! Bad rules files: each refused with exit 2 and a message that names the
//! file and line, before anything is written to the target (and nothing
//! runs on the source).

use crate::harness::*;

const SCHEMA: &str = "
CREATE TABLE users (id int PRIMARY KEY, email text);
CREATE TABLE x (id int);
INSERT INTO users SELECT g, 'u' || g || '@x.test' FROM generate_series(1, 5) g;
";

/// Rules with `users` listed; `extra` goes under its mapping.
fn users_rules(extra: &str) -> String {
    format!("version: 1\ntables:\n  public.users:\n{extra}    columns:\n      id: keep\n      email: {{ tokenize: email }}\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_rules_are_refused_and_nothing_is_written() {
    let src = TestDb::create("badrules_src").await;
    src.exec(SCHEMA).await;
    let tgt = TestDb::create("badrules_tgt").await;
    tgt.exec("CREATE TABLE keepme (id int); INSERT INTO keepme VALUES (1);")
        .await;
    let mut bomb = String::from("version: 1\ntables:\n  public.users:\n    columns:\n      id: keep\n      c0: &a0 [{ mask: keep }, { mask: keep }, { mask: keep }, { mask: keep }, { mask: keep }]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            "      c{i}: &a{i} [{{ mask: *a{p} }}, {{ mask: *a{p} }}, {{ mask: *a{p} }}, {{ mask: *a{p} }}, {{ mask: *a{p} }}]\n"
        ));
    }
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "filter with a statement after it",
            users_rules("    filter: \"id > 1; DROP TABLE x\"\n"),
            "rules.yaml:4:13: filter is not one SQL expression: `;` at character 7",
        ),
        (
            "filter that closes the parenthesis around it",
            users_rules("    filter: 1=1) OR (1=1\n"),
            "rules.yaml:4:13: filter is not one SQL expression: `)` at character 4 closes a parenthesis that was not opened",
        ),
        (
            "column named twice",
            "version: 1\ntables:\n  public.users:\n    columns:\n      id: keep\n      email: keep\n      email: { tokenize: email }\n".into(),
            "`email` is named twice in this mapping (lines 6 and 7): keep one",
        ),
        (
            "alias bomb",
            bomb,
            "the YAML expands beyond what a rules file needs",
        ),
        (
            "larger than 16 MiB",
            format!("{}#{}\n", users_rules(""), "x".repeat(16 * 1024 * 1024)),
            "is larger than 16 MiB",
        ),
    ];
    for (what, text, want) in cases {
        let rules = Rules::new(&text);
        let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
        assert!(err.contains(want), "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        let r = rules.path.to_string_lossy().to_string();
        let out = doppel(&["check", "--source", &src.url(), "--rules", &r], &[]);
        let err = assert_fails(&out, 2);
        assert!(err.contains(want), "check, {what}: {err}");
    }
    // Masker mappings are compiled against the schema: `run` refuses them,
    // `check` reports them as findings (exit 3), both at the line.
    let masker_cases: Vec<(&str, String, &str)> = vec![
        (
            "option the masker does not take",
            "version: 1\ntables:\n  public.users:\n    columns:\n      id: keep\n      email: { fake: email, length: 8 }\n".into(),
            "option `length` does not apply to `fake`",
        ),
        (
            "two maskers on one column",
            "version: 1\ntables:\n  public.users:\n    columns:\n      id: keep\n      email: { fake: email, tokenize: hex }\n".into(),
            "one masker per column, found fake and tokenize",
        ),
        (
            "partial with more than one character",
            "version: 1\ntables:\n  public.users:\n    columns:\n      id: keep\n      email: { partial: { keep_start: 1, keep_end: 1, with: \"xx\" } }\n".into(),
            "partial `with` must be one character, not \"xx\"",
        ),
    ];
    for (what, text, want) in masker_cases {
        let rules = Rules::new(&text);
        let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
        assert!(
            err.contains(want) && err.contains("rules.yaml:6:"),
            "{what}: {err}"
        );
        let r = rules.path.to_string_lossy().to_string();
        let out = doppel(&["check", "--source", &src.url(), "--rules", &r], &[]);
        let report = assert_fails(&out, 3);
        let all = format!("{report}{}", String::from_utf8_lossy(&out.stdout));
        assert!(all.contains(want), "check, {what}: {all}");
    }
    // A filter from the environment is checked once expanded, and its value is not shown.
    let rules = Rules::new(&users_rules("    filter: ${BAD_FILTER}\n"));
    let env = [("BAD_FILTER", "id > 1; DROP TABLE x")];
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &env), 2);
    assert!(
        err.contains("rules.yaml:4:13: filter is not one SQL expression once ${…} is expanded: `;` at character 7"),
        "{err}"
    );
    assert!(!err.contains("DROP"), "{err}");
    // The target is as it was; the source still has the table a filter tried to drop.
    assert_eq!(tgt.user_tables().await, 1);
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM keepme")
            .await
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        src.value("SELECT count(*)::text FROM x").await.as_deref(),
        Some("0")
    );
}
