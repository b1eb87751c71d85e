//! The rules loader on any text and any bytes: never a panic, and every
//! error names the file and a line.

use std::path::Path;

use doppel::config::{load_rules, parse_rules, Diagnostics};
use proptest::prelude::*;

/// Lines of rules-like YAML: real keys and maskers, anchors, aliases,
/// merges, tags, flow collections, block scalars, broken quoting.
const LINES: &[&str] = &[
    "version: 1",
    "version: 2",
    "version: x",
    "key: ${DOPPEL_KEY}",
    "key_file: /dev/null",
    "defaults:",
    "  tables: keep",
    "  tables: deny",
    "  columns: error",
    "  locale: id",
    "tables:",
    "  public.users:",
    "  public.users: keep",
    "  a.b: { rows: none }",
    "    rows: all",
    "    filter: \"id > 10\"",
    "    filter: 1=1) OR (1=1",
    "    filter: a = 1; DROP TABLE x",
    "    columns:",
    "      email: { fake: email, unique: true }",
    "      email: keep",
    "      name: null",
    "      id: keep",
    "      \"*\": keep",
    "      n: { tokenize: hex, length: 8 }",
    "      d: { json: { \"$.a\": { fake: name } } }",
    "      s: { scrub: [email, phone] }",
    "      e: { each: { tokenize: preserve } }",
    "      p: { partial: { keep_start: 1, keep_end: 2 } }",
    "      r: { replace: { pattern: \"(\", with: x } }",
    "      t: { template: \"{a}-{b}\" }",
    "      w:",
    "        - when: \"x = 1\"",
    "          mask: keep",
    "        - mask: null",
    "match:",
    "  - columns: [\"*.email\"]",
    "    mask: { fake: email }",
    "tenant:",
    "  column: org_id",
    "  root: public.orgs",
    "  exclude_tenants: [1, 2]",
    "references:",
    "  - from: a.b(c)",
    "    to: a.d(id)",
    "    when: \"kind = 'x'\"",
    "x: &a [1, 2]",
    "y: *a",
    "z: *nope",
    "<<: *a",
    "m: &m { k: v }",
    "n: { <<: *m }",
    "t: !!str 1",
    "t: !custom x",
    "b: |",
    "  block",
    "f: >-",
    "  folded",
    "q: 'unclosed",
    "q: \"bad \\q escape\"",
    "- item",
    "? complex",
    ": value",
    "{",
    "}",
    "[",
    "]",
    "---",
    "...",
    "%YAML 1.2",
    "%TAG ! tag:x,2000:",
    "# comment",
    "",
    "   ",
    "\t",
    "key: [a, {b: c}, ]",
    "k: 1e999",
    "k: 99999999999999999999999",
    "k: .nan",
    "k: ~",
    "k: é中😀",
];

fn yaml_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(LINES), 0..24).prop_map(|v| v.join("\n"))
}

/// Every problem has a line (`file:LINE:` at the start of its text), so the
/// user is never left to search the file.
fn assert_located(e: &Diagnostics, file: &str) -> Result<(), TestCaseError> {
    prop_assert!(!e.0.is_empty());
    for d in &e.0 {
        let text = d.to_string();
        let rest = text.strip_prefix(file).and_then(|r| r.strip_prefix(':'));
        let line = rest
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse::<u64>().ok());
        prop_assert!(line.is_some_and(|l| l >= 1), "no line in {text:?}");
    }
    Ok(())
}

proptest! {
    /// Rules-like YAML: parsed or refused with a located error.
    #[test]
    fn rules_like_yaml_is_parsed_or_located(text in yaml_like()) {
        if let Err(e) = parse_rules(Path::new("r.yaml"), &text) {
            assert_located(&e, "r.yaml")?;
        }
    }

    /// Any text: parsed or refused with a located error.
    #[test]
    fn any_text_is_parsed_or_located(text in crate::strings::text()) {
        if let Err(e) = parse_rules(Path::new("r.yaml"), &text) {
            assert_located(&e, "r.yaml")?;
        }
    }

    /// Any bytes in a file: parsed or refused with a located error.
    #[test]
    fn any_bytes_are_parsed_or_located(bytes in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        yaml_like().prop_flat_map(|t| {
            let n = t.len();
            (Just(t), 0..=n, any::<u8>()).prop_map(|(t, at, b)| {
                let mut v = t.into_bytes();
                v.insert(at, b | 0x80);
                v
            })
        }),
    ]) {
        let dir = std::env::temp_dir().join(format!("doppel-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.join(format!("{:?}.yaml", std::thread::current().id()).replace(['(', ')'], ""));
        std::fs::write(&path, &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let r = load_rules(&path);
        let _ = std::fs::remove_file(&path);
        // Left empty by the last case that finishes; nothing stays behind.
        let _ = std::fs::remove_dir(&dir);
        if let Err(e) = r {
            assert_located(&e, &path.display().to_string())?;
        }
    }
}
