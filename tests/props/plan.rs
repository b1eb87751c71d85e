//! Rules-like YAML compiled against a small catalog (no database): never a
//! panic, and every problem the plan reports names its line.

use std::path::Path;

use doppel::catalog::{Catalog, Column, ForeignKey, Table, TableKind, UniqueKey};
use doppel::config::parse_loaded_rules;
use doppel::mask::MaskKey;
use doppel::pg::QualifiedName;
use doppel::plan::{build_all, PlanOptions};
use proptest::prelude::*;

fn column(num: i32, name: &str, type_name: &str, base: &str, category: char) -> Column {
    Column {
        num,
        name: name.into(),
        type_name: type_name.into(),
        base_type: base.into(),
        category,
        max_chars: (base == "varchar").then_some(20),
        is_domain: false,
        not_null: num == 1,
        generated: false,
        identity: None,
        has_default: false,
        can_select: true,
        wire: String::new(),
    }
}

fn table(oid: u32, name: &str, columns: Vec<Column>, foreign_keys: Vec<ForeignKey>) -> Table {
    Table {
        oid,
        name: QualifiedName {
            schema: "public".into(),
            name: name.into(),
        },
        kind: TableKind::Ordinary,
        parent: None,
        rls: false,
        force_rls: false,
        owner: "postgres".into(),
        estimate_rows: 10.0,
        bytes: 8192,
        pages: 0,
        columns,
        unique_keys: vec![UniqueKey {
            name: format!("{name}_pkey"),
            primary: true,
            columns: vec!["id".into()],
            has_expressions: false,
            partial: false,
        }],
        foreign_keys,
        can_select: true,
        schema_usage: true,
    }
}

/// `public.orgs (id, name)` and `public.users (id, org_id → orgs, email,
/// name varchar(20), data jsonb, tags text[], born date, n numeric)`.
fn catalog() -> Catalog {
    let orgs = table(
        1,
        "orgs",
        vec![
            column(1, "id", "integer", "int4", 'N'),
            column(2, "name", "text", "text", 'S'),
        ],
        vec![],
    );
    let users = table(
        2,
        "users",
        vec![
            column(1, "id", "integer", "int4", 'N'),
            column(2, "org_id", "integer", "int4", 'N'),
            column(3, "email", "text", "text", 'S'),
            column(4, "name", "character varying(20)", "varchar", 'S'),
            column(5, "data", "jsonb", "jsonb", 'U'),
            column(6, "tags", "text[]", "_text", 'A'),
            column(7, "born", "date", "date", 'D'),
            column(8, "n", "numeric", "numeric", 'N'),
        ],
        vec![ForeignKey {
            name: "users_org_fk".into(),
            columns: vec!["org_id".into()],
            ref_table: 1,
            ref_columns: vec!["id".into()],
        }],
    );
    Catalog {
        tables: vec![orgs, users],
        ..Catalog::default()
    }
}

/// Column entries under `public.users`.
const COLUMNS: &[&str] = &[
    "id: keep",
    "id: default",
    "org_id: keep",
    "org_id: { tokenize: integer }",
    "email: { tokenize: email }",
    "email: { fake: email, unique: true }",
    "email: { scrub: [email, nope] }",
    "email: { scrub: [name, id_number], locale: sg }",
    "email: { scrub: [email], locale: id }",
    "email: { template: \"{nope}\" }",
    "email: { sql: \"lower(email)\" }",
    "email: { value: x, fake: name }",
    "email: default",
    "name: { fake: name }",
    "name: { tokenize: hex, length: 40 }",
    "name: { partial: { keep_start: 1 } }",
    "name: { value: 123456789012345678901 }",
    "data: { json: { \"$.a\": { fake: name }, \"$..b\": null } }",
    "data: { json: { \"a\": keep } }",
    "data: { tokenize: hex }",
    "tags: { each: { tokenize: preserve } }",
    "tags: { each: { fake: nope } }",
    "tags: { each: { each: keep } }",
    "born: { shift: { days: 30 } }",
    "born: { generalize: { to: month } }",
    "born: { round: 10 }",
    "n: { round: 0.01 }",
    "n: { shift: { percent: 5 } }",
    "n: { shift: { days: 3 } }",
    "\"*\": keep",
    "\"*\": null",
    "missing: keep",
    "x: { template: \"{email}-{id}\" }",
    "email: [{ when: \"id = 1\", mask: keep }, { mask: null }]",
    "email: [{ when: \"id = 1\", mask: keep }]",
    "email: [{ mask: { template: \"{id}\" } }]",
    "email: { fake: email, locale: xx }",
];

/// Whole sections besides `public.users`'s columns.
const SECTIONS: &[&str] = &[
    "defaults: { tables: keep }",
    "defaults: { locale: id }",
    "defaults: { locale: xx }",
    "key: ${NOPE}",
    "match: [{ columns: [\"*.*.email\"], mask: { fake: email } }]",
    "match: [{ columns: [\"public.users.*\"], mask: keep }]",
    "match: [{ columns: [\"bad\"], mask: keep }]",
    "tenant: { column: org_id, root: public.orgs }",
    "tenant: { column: org_id, root: public.users }",
    "tenant: { column: nope, root: public.nope, exclude_tenants: [1, \"a'b\", \"\"] }",
    "references: [{ from: public.users(org_id), to: public.orgs(id) }]",
    "references: [{ from: public.users(org_id), to: public.orgs(nope), when: \"org_id > 0\" }]",
    "references: [{ from: users, to: \"public.orgs(id, name)\" }]",
];

/// Options of `public.users` and rules for other tables.
const TABLE_LINES: &[&str] = &[
    "    rows: none",
    "    rows: all",
    "    filter: \"id > 1\"",
    "    filter: \"${F}\"",
    "    filter: \"${NOPE}\"",
    "    filter: \" \"",
];
const OTHER_TABLES: &[&str] = &[
    "  public.orgs: keep",
    "  public.orgs: { rows: none }",
    "  public.orgs: { filter: \"id < 3\" }",
    "  public.orgs: { columns: { id: keep } }",
    "  public.nope: keep",
    "  users: keep",
    "  a.b.c: keep",
];

fn plan_like() -> impl Strategy<Value = String> {
    let pick = |list: &'static [&'static str], n: usize| {
        proptest::collection::vec(proptest::sample::select(list), 0..n)
    };
    (
        pick(SECTIONS, 3),
        pick(TABLE_LINES, 2),
        pick(COLUMNS, 10),
        pick(OTHER_TABLES, 2),
    )
        .prop_map(|(sections, opts, cols, others)| {
            let (sections, opts) = (first_of_each(sections), first_of_each(opts));
            let (cols, others) = (first_of_each(cols), first_of_each(others));
            let mut s = String::from("version: 1\n");
            for l in sections {
                s.push_str(l);
                s.push('\n');
            }
            s.push_str("tables:\n  public.users:\n");
            for l in opts {
                s.push_str(l);
                s.push('\n');
            }
            if !cols.is_empty() {
                s.push_str("    columns:\n");
            }
            for l in cols {
                s.push_str("      ");
                s.push_str(l);
                s.push('\n');
            }
            for l in others {
                s.push_str(l);
                s.push('\n');
            }
            s
        })
}

/// The lines with a key not seen before (a key written twice is a parse
/// error, covered by the `rules` properties).
fn first_of_each(lines: Vec<&'static str>) -> Vec<&'static str> {
    let mut seen = Vec::new();
    lines
        .into_iter()
        .filter(|l| {
            let key = l.trim().split(':').next().unwrap_or_default();
            let fresh = !seen.contains(&key);
            seen.push(key);
            fresh
        })
        .collect()
}

proptest! {
    /// Rules that parse compile into a plan or into problems, each with its
    /// line; never a panic.
    #[test]
    fn rules_compile_or_are_located(text in plan_like()) {
        // Sections or keys written twice are refused when parsing (tested in `rules`).
        let Ok(rules) = parse_loaded_rules(Path::new("r.yaml"), &text) else {
            return Ok(());
        };
        let key = MaskKey::new(b"plan-property-key-0123");
        let env = |n: &str| (n == "F").then(|| "org_id > 0".to_string());
        let opts = PlanOptions { key: Some(&key), env: &env, require_key: false, subset: false };
        let (_, diags) = build_all(&rules, &catalog(), &opts);
        for d in &diags.0 {
            prop_assert!(d.loc.is_some(), "no line: {}\n{}", d, text);
        }
    }
}
