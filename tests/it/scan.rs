//! `doppel scan`: drafts on the demo database and on the SaaS schema filled
//! with generated personal data pass `check`, mask every labelled personal
//! column, keep the labelled `name` columns that hold labels, and never
//! show a sampled value; `--diff` finds what existing rules keep.

use std::collections::HashMap;
use std::path::Path;

use crate::harness::*;
use crate::scan_data;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// `doppel scan` of `src` with `extra` options.
fn scan(src: &TestDb, extra: &[&str]) -> std::process::Output {
    let url = src.url();
    let mut args = vec!["scan", "--source", &url, "--progress", "quiet"];
    args.extend_from_slice(extra);
    doppel(&args, &[])
}

/// Scan `src` into a file; the draft's text.
fn draft(src: &TestDb, dir: &Rules, extra: &[&str]) -> (String, std::path::PathBuf) {
    let path = dir.sibling("draft.yaml");
    let p = path.to_string_lossy().to_string();
    let mut args = vec!["--output", p.as_str()];
    args.extend_from_slice(extra);
    let out = scan(src, &args);
    assert_ok(&out);
    assert!(
        stdout(&out).is_empty(),
        "with --output nothing goes to standard output"
    );
    let text = std::fs::read_to_string(&path).expect("the draft was written");
    (text, path)
}

/// `check` of the draft: it must pass with no error.
fn assert_checks(src: &TestDb, rules: &Path) {
    let (url, r) = (src.url(), rules.to_string_lossy().to_string());
    let out = doppel(&["check", "--source", &url, "--rules", &r], &[]);
    let text = stdout(&out);
    assert!(
        out.status.success() && text.contains("ok: 0 errors"),
        "check refused the draft:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every column's masker as `plan` describes it, by `schema.table.column`.
fn maskers(src: &TestDb, rules: &Path) -> HashMap<String, String> {
    let (url, r) = (src.url(), rules.to_string_lossy().to_string());
    let out = doppel(
        &["plan", "--source", &url, "--rules", &r, "--format", "json"],
        &[],
    );
    assert_ok(&out);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("plan JSON");
    let mut m = HashMap::new();
    for t in plan["tables"].as_array().expect("tables") {
        for c in t["columns"].as_array().into_iter().flatten() {
            m.insert(
                format!(
                    "{}.{}",
                    t["table"].as_str().unwrap_or(""),
                    c["column"].as_str().unwrap_or("")
                ),
                c["masker"].as_str().unwrap_or("").to_string(),
            );
        }
    }
    m
}

/// Sampled values of a column that could be recognised if printed: whole
/// values of six characters or more, the string scalars of json, and the
/// emails and numbers inside text.
async fn real_values(src: &TestDb, column: &str) -> Vec<String> {
    let (table, col) = column.rsplit_once('.').expect("schema.table.column");
    let sql = format!(
        "SELECT DISTINCT v FROM (SELECT CASE WHEN pg_typeof({col}) IN ('jsonb'::regtype, 'json'::regtype) \
             THEN NULL ELSE {col}::text END AS v FROM {table} \
           UNION ALL SELECT jsonb_path_query(to_jsonb({col}), 'strict $.**') #>> '{{}}' FROM {table}) x \
         WHERE v IS NOT NULL"
    );
    let mut out = Vec::new();
    let token = regex::Regex::new(r"[\w.+-]+@[\w.-]+|\+?\d[\d .-]{6,}\d").expect("regex");
    for v in src.column(&sql).await.into_iter().flatten() {
        for m in token.find_iter(&v) {
            out.push(m.as_str().to_string());
        }
        if v.chars().count() >= 6 && !v.starts_with('{') {
            out.push(v);
        }
    }
    out
}

/// The draft shows none of `columns`' values.
async fn assert_no_real_value(src: &TestDb, text: &str, columns: &[&str]) {
    for c in columns {
        for v in real_values(src, c).await {
            assert!(!text.contains(&v), "the draft shows a value of {c}");
        }
    }
    for (i, _) in text.match_indices('@') {
        assert!(
            text[..i].ends_with("***") && text[i + 1..].starts_with("***."),
            "an email is shown unmasked: {}",
            &text[i.saturating_sub(3)..(i + 8).min(text.len())]
                .replace(|c: char| c.is_alphanumeric(), "x")
        );
    }
}

const DEMO_PERSONAL: &[&str] = &[
    "public.users.email",
    "public.users.full_name",
    "public.users.phone",
    "public.users.date_of_birth",
    "public.users.last_login_ip",
    "public.users.password_hash",
    "public.organisations.billing_email",
    "public.organisations.vat_number",
    "public.support_tickets.body",
    "public.support_tickets.metadata",
    "billing.invoices.billing_name",
    "billing.invoices.billing_address",
    "billing.payments.card_last4",
    "billing.payments.iban",
    "billing.payments.payer_email",
    "auth.sessions.token",
    "auth.sessions.ip",
];

#[tokio::test(flavor = "multi_thread")]
async fn scan_drafts_demo_rules_that_check_accepts_and_run_uses() {
    let src = TestDb::create("scan_demo").await;
    src.exec(include_str!("../../demo/schema.sql")).await;
    src.exec(include_str!("../../demo/data.sql")).await;
    let dir = Rules::new("");
    let (text, path) = draft(&src, &dir, &[]);
    assert_checks(&src, &path);
    assert!(
        text.contains("tenant:\n  column: org_id\n  root: public.organisations"),
        "{text}"
    );
    let m = maskers(&src, &path);
    for c in DEMO_PERSONAL {
        assert_ne!(
            m.get(*c).map(String::as_str),
            Some("keep"),
            "{c} is kept:\n{text}"
        );
        assert!(m.contains_key(*c), "{c} has no rule");
    }
    for c in [
        "public.plans.name",
        "public.projects.name",
        "public.organisations.name",
        "public.organisations.slug",
        "public.support_tickets.subject",
        "public.memberships.role",
    ] {
        assert_eq!(m.get(c).map(String::as_str), Some("keep"), "{c}:\n{text}");
    }
    assert!(text.contains("      email_domain: default"), "{text}");
    // Comments say what and why, with masked evidence.
    assert!(
        text.contains("# email addresses, by name and values, confidence high: 300 of 300 sampled values are email addresses; e.g. "),
        "{text}"
    );
    assert!(
        text.contains("+62 8**-****-**") || text.contains("+65 9*** **"),
        "{text}"
    );
    assert!(
        text.contains("'$.contact_email': { fake: email }"),
        "{text}"
    );
    assert_no_real_value(&src, &text, DEMO_PERSONAL).await;

    // The draft is a working rules file: run copies with it.
    let file = dir.sibling("copy.sql");
    assert_ok(&run_to_file(&src, &file, &path));
    let copy = std::fs::read_to_string(&file).expect("copy");
    for v in real_values(&src, "public.users.email")
        .await
        .iter()
        .take(20)
    {
        assert!(!copy.contains(v.as_str()), "a real email reached the copy");
    }

    // On standard output without --output, and within a time budget the
    // tables not read are judged by their names and say so.
    let out = scan(&src, &["--time-budget", "1ms", "--sample-rows", "5"]);
    assert_ok(&out);
    let quick = stdout(&out);
    assert!(quick.contains("judged by column names alone"), "{quick}");
    assert!(
        quick.starts_with("# Draft rules written by `doppel scan`"),
        "{quick}"
    );
    let quick_rules = Rules::new(&quick);
    assert_checks(&src, &quick_rules.path);
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_masks_every_labelled_personal_column_of_the_saas_schema() {
    let src = TestDb::create("scan_saas").await;
    scan_data::fill(&src).await;
    let dir = Rules::new("");
    let started = std::time::Instant::now();
    let (text, path) = draft(&src, &dir, &[]);
    let seconds = started.elapsed().as_secs_f64();
    assert_checks(&src, &path);
    let m = maskers(&src, &path);
    let personal = scan_data::personal();
    let missed: Vec<&&str> = personal
        .iter()
        .filter(|c| m.get(**c).is_none_or(|r| r == "keep"))
        .collect();
    assert!(
        missed.is_empty(),
        "kept personal columns: {missed:?}\n{text}"
    );
    let masked_labels: Vec<&str> = scan_data::not_personal()
        .into_iter()
        .filter(|c| m.get(*c).is_none_or(|r| r != "keep"))
        .collect();
    assert!(
        masked_labels.is_empty(),
        "label columns masked: {masked_labels:?}\n{text}"
    );
    assert!(text.contains("tenant:\n  column: org_id\n  root: public.organisations"));
    assert_no_real_value(&src, &text, &personal).await;

    // Precision and recall over every column (generated columns aside),
    // for BENCHMARKS.md: a column counts as masked when its rule changes it.
    let masked = |r: &String| r.as_str() != "keep" && !r.starts_with("generated");
    let judged: Vec<(&String, &String)> = m
        .iter()
        .filter(|(_, r)| !r.starts_with("generated"))
        .collect();
    let tp = judged
        .iter()
        .filter(|(c, r)| masked(r) && personal.contains(&c.as_str()))
        .count();
    let fp: Vec<&String> = judged
        .iter()
        .filter(|(c, r)| masked(r) && !personal.contains(&c.as_str()))
        .map(|(c, _)| *c)
        .collect();
    let fn_ = personal.len() - tp;
    let reasons: Vec<String> = ["by name and values", "by values", "by name", "by type"]
        .iter()
        .map(|r| format!("{r} {}", text.matches(&format!(", {r}, ")).count()))
        .collect();
    let confidence: Vec<String> = ["high", "medium", "low"]
        .iter()
        .map(|c| format!("{c} {}", text.matches(&format!("confidence {c}:")).count()))
        .collect();
    eprintln!(
        "comments: {}; confidence {}",
        reasons.join(", "),
        confidence.join(", ")
    );
    eprintln!(
        "scan of the SaaS schema: {} columns, {} rows per generated table, {:.2}s; {} labelled personal: {tp} masked, {fn_} kept (recall {:.3}); {} masked in all, {} unlabelled {fp:?} (precision {:.3})",
        judged.len(),
        scan_data::rows(),
        seconds,
        personal.len(),
        tp as f64 / personal.len() as f64,
        tp + fp.len(),
        fp.len(),
        tp as f64 / (tp + fp.len()) as f64
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_diff_reports_personal_columns_the_rules_keep() {
    let src = TestDb::create("scan_diff").await;
    src.exec(include_str!("../../demo/schema.sql")).await;
    src.exec(include_str!("../../demo/data.sql")).await;
    let demo_rules = include_str!("../../masking-rules/demo.yaml");
    let url = src.url();

    // The reviewed demo rules keep nothing personal.
    let diff = |rules: &str| {
        let rules = Rules::new(rules);
        let r = rules.path.to_string_lossy().to_string();
        doppel(
            &[
                "scan",
                "--source",
                &url,
                "--progress",
                "quiet",
                "--diff",
                &r,
            ],
            &[],
        )
    };
    let out = diff(demo_rules);
    assert_ok(&out);
    assert!(
        stdout(&out).contains("diff: 0 findings"),
        "{}",
        stdout(&out)
    );

    // A phone column planted as kept, and the ticket bodies kept: both found.
    let planted = demo_rules
        .replace("      phone: { fake: phone }", "      phone: keep")
        .replace(
            "      body: { value: \"[ticket text removed]\" }   # free text carries phone numbers and emails",
            "      body: keep",
        );
    assert_ne!(planted, demo_rules);
    let out = diff(&planted);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("public.users.phone: kept by tables.public.users.columns.phone, but it holds phone numbers, by name and values"),
        "{text}"
    );
    assert!(
        text.contains("public.support_tickets.body: kept by tables.public.support_tickets.columns.body, but it holds free text with personal data"),
        "{text}"
    );
    assert!(text.contains("diff: 2 findings"), "{text}");
    assert_no_real_value(
        &src,
        &text,
        &["public.users.phone", "public.support_tickets.body"],
    )
    .await;

    // Rules that do not load are a usage error before any connection.
    let bad = Rules::new("version: 1\ntables: [");
    let r = bad.path.to_string_lossy().to_string();
    let out = doppel(
        &[
            "scan",
            "--source",
            "postgres://nobody@127.0.0.1:1/none",
            "--diff",
            &r,
        ],
        &[],
    );
    assert_fails(&out, 2);
}

/// A card number with `body` as its first 15 digits and a Luhn check digit.
fn luhn_card(body: u64) -> u64 {
    let digits: Vec<u64> = body
        .to_string()
        .bytes()
        .map(|b| u64::from(b - b'0'))
        .collect();
    let sum: u64 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| match i % 2 {
            0 if d * 2 > 9 => d * 2 - 9,
            0 => d * 2,
            _ => d,
        })
        .sum();
    body * 10 + (10 - sum % 10) % 10
}

#[tokio::test]
async fn scan_finds_names_in_notes_and_cards_and_niks_in_number_columns() {
    let src = TestDb::create("scan_numbers").await;
    let mut rows = Vec::new();
    for g in 1..=60u64 {
        let card = luhn_card(411_111_100_000_000 + g * 7_919);
        // Jakarta, a birth day and month, a serial that is not 0000.
        let nik = format!("317401{:02}{:02}90{:04}", 1 + g % 28, 1 + g % 12, g);
        let order = 1_000_000_000_000_000 + g * 104_729;
        let note = match g % 3 {
            0 => "Dear Budi Santoso, your refund is on its way.".to_string(),
            1 => format!(
                "Spoke with Ms Rina Wijaya about passport A{:07} today.",
                1_234_500 + g
            ),
            _ => "Customer asked about the delivery window again.".to_string(),
        };
        rows.push(format!("({g}, {card}, {nik}, {order}, '{note}')"));
    }
    src.exec(&format!(
        "CREATE TABLE accounts (id bigint PRIMARY KEY, ref_code bigint, citizen numeric(16), order_no bigint, remarks text);
         INSERT INTO accounts VALUES {};",
        rows.join(",\n")
    ))
    .await;
    let dir = Rules::new("");
    let (text, path) = draft(&src, &dir, &[]);
    assert_checks(&src, &path);
    let line = |col: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{col}:")))
            .unwrap_or_else(|| panic!("no rule for {col}:\n{text}"))
            .to_string()
    };
    assert!(
        line("remarks").contains("scrub: [")
            && line("remarks").contains("name")
            && line("remarks").contains("id_number"),
        "{text}"
    );
    // A NIK passes Luhn one time in ten: most, not all, count as NIKs.
    for what in ["card numbers", "national identity numbers"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("      # {what}"))
                    && l.contains(", by values, confidence high: ")
                    && l.contains(&format!(" of 60 sampled values are {what}"))),
            "{what}:\n{text}"
        );
    }
    for col in ["ref_code", "citizen"] {
        assert!(!line(col).contains("keep"), "{col} is kept:\n{text}");
    }
    assert!(line("order_no").contains("keep"), "{text}");
    assert_no_real_value(&src, &text, &["public.accounts.remarks"]).await;
}
