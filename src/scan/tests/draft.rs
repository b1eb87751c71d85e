//! Masker choice, json paths, verdicts, the tenant guess and the draft.

use std::collections::HashMap;
use std::time::Duration;

use super::{col, fk, table};
use crate::catalog::Catalog;
use crate::mask::ScrubKind;
use crate::pg::QualifiedName;
use crate::scan::classify::{analyse, ColumnVerdict, Verdict};
use crate::scan::draft::{yaml_key, Draft};
use crate::scan::sample::{SampleOptions, Status, TableSample};
use crate::scan::values::NationalIdPattern;
use crate::scan::{json, maskers, tenant, Confidence, Finding, Kind, Reason};

#[test]
fn maskers_that_fit_the_column() {
    let mut email = col("email", "varchar");
    let t = table(1, "public.users", vec![col("id", "int8"), email.clone()]);
    assert!(maskers::fits(&t, &email, "{ fake: email }").is_ok());
    email.max_chars = Some(20);
    let t = table(1, "public.users", vec![col("id", "int8"), email.clone()]);
    assert!(maskers::fits(&t, &email, "{ fake: email }").is_err());
    let f = Finding::new(Kind::Email, Reason::Values, Confidence::High, String::new());
    let c = maskers::column_candidates(&t, &email, &f);
    assert_eq!(
        c[maskers::first_fit(&t, &email, &c)],
        "{ tokenize: preserve }"
    );
    let id = col("id", "int8");
    assert!(maskers::fits(&t, &id, "{ fake: email }").is_err());
    // What check suggests, by name and type.
    let t = table(
        2,
        "crm.leads",
        vec![
            col("phone", "text"),
            col("name", "text"),
            col("notes", "text"),
        ],
    );
    assert_eq!(maskers::suggest(&t, &t.columns[0]), "{ fake: phone }");
    assert_eq!(maskers::suggest(&t, &t.columns[1]), "{ fake: name }");
    assert!(maskers::suggest(&t, &t.columns[2]).starts_with("{ scrub: [url, email"));
    let t = table(3, "billing.plans", vec![col("name", "text")]);
    assert_eq!(maskers::suggest(&t, &t.columns[0]), "keep");
}

#[test]
fn json_documents_become_paths() {
    let docs = vec![
        r#"{"contact": {"email": "a@b.example", "tags": ["x", "y"]}, "first name": "Budi", "n": 3}"#.to_string(),
        "not json".to_string(),
        r#"[{"email": "c@d.example"}]"#.to_string(),
    ];
    let paths = json::walk(&docs).expect("documents");
    let keys: Vec<&str> = paths.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "$.contact.email",
            "$.contact.tags[*]",
            "$.n",
            "$[\"first name\"]",
            "$[*].email"
        ]
    );
    assert_eq!(paths["$.contact.email"].key, "email");
    assert!(json::walk(&["x".to_string()]).is_none());
}

fn catalog() -> Catalog {
    let orgs = table(
        1,
        "public.organisations",
        vec![col("id", "int8"), col("name", "text")],
    );
    let mut users = table(
        2,
        "public.users",
        vec![
            col("id", "int8"),
            col("org_id", "int8"),
            col("name", "text"),
            col("session_id", "int8"),
        ],
    );
    users.foreign_keys = vec![fk("org_id", 1), fk("session_id", 3)];
    let mut plans = table(
        3,
        "public.plans",
        vec![
            col("id", "int8"),
            col("org_id", "int8"),
            col("name", "text"),
        ],
    );
    plans.foreign_keys = vec![fk("org_id", 1)];
    let mut notes = table(
        4,
        "public.notes",
        vec![
            col("id", "int8"),
            col("org_id", "int8"),
            col("body", "text"),
            col("owner_name", "text"),
        ],
    );
    notes.foreign_keys = vec![fk("org_id", 1)];
    Catalog {
        tables: vec![orgs, users, plans, notes],
        ..Catalog::default()
    }
}

fn sample(values: &[(&str, &[&str])]) -> TableSample {
    TableSample {
        status: Status::Sampled("LIMIT 10".into()),
        rows: 10,
        values: values
            .iter()
            .map(|(c, v)| (c.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect(),
    }
}

#[test]
fn columns_are_judged_by_names_and_values() {
    let cat = catalog();
    let mut samples = HashMap::new();
    samples.insert(
        2,
        sample(&[("name", &["Budi Santoso", "Siti Rahayu", "Wei Ming Tan"])]),
    );
    samples.insert(3, sample(&[("name", &["Free", "Team", "Business"])]));
    samples.insert(
        4,
        sample(&[(
            "body",
            &[
                "Call me on +62 812-3456-7890 please",
                "All good, thanks a lot",
            ],
        )]),
    );
    let a = analyse(&cat, &samples, &NationalIdPattern::builtin());
    let v = |t: &str, c: &str| a.column(&QualifiedName::parse_user(t).unwrap(), c).cloned();
    match v("public.users", "name") {
        Some(ColumnVerdict::Scalar(Verdict::Personal(f))) => {
            assert_eq!(f.kind, Kind::Name);
            assert!(
                f.comment()
                    .contains("3 of 3 sampled values are people's names"),
                "{}",
                f.comment()
            );
            assert!(!f.comment().contains("Budi"), "{}", f.comment());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        v("public.plans", "name"),
        Some(ColumnVerdict::Scalar(Verdict::Keep(Some(_))))
    ));
    match v("public.notes", "body") {
        Some(ColumnVerdict::Scalar(Verdict::Personal(f))) => {
            assert_eq!(f.scrub, [ScrubKind::Phone])
        }
        other => panic!("{other:?}"),
    }
    // No values: the name alone, and a reference is left to the table it references.
    assert!(matches!(
        v("public.notes", "owner_name"),
        Some(ColumnVerdict::Scalar(Verdict::Personal(_)))
    ));
    assert!(matches!(
        v("public.users", "session_id"),
        Some(ColumnVerdict::Scalar(Verdict::Keep(None)))
    ));
    assert!(!v("public.organisations", "name").is_some_and(|c| c.personal()));
}

#[test]
fn the_tenant_is_the_widespread_reference_to_one_root() {
    let cat = catalog();
    let g = tenant::guess(&cat).expect("a tenant");
    assert_eq!(
        (g.column.as_str(), g.root.to_string().as_str()),
        ("org_id", "public.organisations")
    );
    assert_eq!((g.tables_with, g.tables), (3, 3));
    let mut few = catalog();
    few.tables.truncate(2);
    few.tables
        .push(table(5, "public.a", vec![col("id", "int8")]));
    few.tables
        .push(table(6, "public.b", vec![col("id", "int8")]));
    assert_eq!(
        tenant::guess(&few),
        None,
        "one table of three is not a tenant column"
    );
}

#[test]
fn the_draft_is_yaml_the_loader_reads() {
    assert_eq!(yaml_key("email"), "email");
    assert_eq!(yaml_key("Full Name"), "'Full Name'");
    assert_eq!(yaml_key("on"), "'on'");
    assert_eq!(yaml_key("it's"), "'it''s'");
    let mut cat = catalog();
    cat.tables[3].columns.push(col("Full Name", "text"));
    cat.tables[3].columns.push(col("on", "text"));
    let mut samples = HashMap::new();
    samples.insert(2, sample(&[("name", &["Budi Santoso", "Siti Rahayu"])]));
    let a = analyse(&cat, &samples, &[]);
    let mut d = Draft::build(&cat, &a, tenant::guess(&cat));
    d.unify_references(&cat);
    let (text, map) = d.render();
    let rules = crate::config::parse_loaded_rules(std::path::Path::new("d.yaml"), &text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(rules.file.tables.iter().count(), 4);
    assert!(text.contains("      'Full Name': "), "{text}");
    assert!(
        text.contains("tenant:\n  column: org_id\n  root: public.organisations"),
        "{text}"
    );
    let (line, _) = map
        .columns
        .iter()
        .find(|(_, (t, c))| (*t, *c) == (1, 2))
        .expect("users.name");
    assert_eq!(
        text.lines().nth(*line as usize - 1),
        Some("      name: { fake: name, locale: id }")
    );
    assert_eq!(d.counts(), (4, 11), "{text}");
}

#[test]
fn a_database_without_tables_gets_a_draft_that_loads() {
    let d = Draft::build(
        &Catalog::default(),
        &analyse(&Catalog::default(), &HashMap::new(), &[]),
        None,
    );
    let (text, _) = d.render();
    let rules = crate::config::parse_loaded_rules(std::path::Path::new("d.yaml"), &text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(rules.file.tables.iter().count(), 0);
}

#[test]
fn time_budgets() {
    assert_eq!(
        SampleOptions::parse_budget("120s"),
        Ok(Some(Duration::from_secs(120)))
    );
    assert_eq!(
        SampleOptions::parse_budget("2min"),
        Ok(Some(Duration::from_secs(120)))
    );
    assert_eq!(
        SampleOptions::parse_budget("10"),
        Ok(Some(Duration::from_secs(10)))
    );
    assert_eq!(
        SampleOptions::parse_budget("250ms"),
        Ok(Some(Duration::from_millis(250)))
    );
    assert_eq!(SampleOptions::parse_budget("0"), Ok(None));
    assert!(SampleOptions::parse_budget("soon").is_err());
    assert!(SampleOptions::parse_budget("5d").is_err());
    assert!(SampleOptions::parse_budget("99999999999h").is_err());
}
